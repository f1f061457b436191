"""The guard's routes and records: which host names lead to which loopback server, and what a
run tried to reach (an :class:`Escape`) or reached by name (a :class:`Routed`).

See :mod:`pytest_goproxy.gorun.guard` for what a route means to go and git.
"""

from __future__ import annotations

import contextlib
import http
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from pytest_goproxy.gorun.environment import GUARD_NO_PROXY

__all__ = [
    "BAD_GATEWAY",
    "Escape",
    "Route",
    "RouteTable",
    "Routed",
    "check_status",
    "host_key",
    "key_text",
    "lookup",
    "loopback_address",
    "route_table",
]

#: What a proxy answers for an origin it cannot connect to (a refused connection).
BAD_GATEWAY = 502


@dataclass(frozen=True)
class Escape:
    """One request the guard refused: a run tried to reach a host that is not ours."""

    method: str
    target: str
    host: str
    port: int | None
    token: str | None = field(default=None, compare=False)
    time: float = field(default=0.0, compare=False)

    def __str__(self) -> str:
        return f"{self.method} {self.target}"


@dataclass(frozen=True)
class Routed:
    """One request for a routed host: passed to its loopback server, or answered ``status``.

    ``address`` is where the route led (None for a route with no server); ``status`` is the
    guard's own answer when the origin could not be reached (see the module docstring), None when
    the request reached the server. ``str()`` is ``CONNECT corp.example:443`` or
    ``GET http://corp.example/lib?go-get=1``, as for an :class:`Escape`.
    """

    method: str
    target: str
    host: str
    port: int
    address: tuple[str, int] | None
    status: int | None = None
    token: str | None = field(default=None, compare=False)
    time: float = field(default=0.0, compare=False)

    @property
    def reached(self) -> bool:
        """The request got through to the routed server."""
        return self.status is None

    def __str__(self) -> str:
        return f"{self.method} {self.target}"


@dataclass(frozen=True)
class Route:
    """Where a routed name leads: a loopback address (None: the origin is down), and what the
    guard answers when it cannot be reached."""

    address: tuple[str, int] | None
    status: int
    why: str = "its route has no server"


def loopback_address(server: object) -> tuple[str, int]:
    """``(ip, port)`` where ``server`` listens; ValueError unless that is a loopback address.

    ``server`` is a ``(host, port)`` tuple, a URL (``https://127.0.0.1:8443``, ``127.0.0.1:80``),
    or anything with ``.host``/``.port`` (tried before ``.url``: a fake origin's ``url`` may be
    the public name it plays, its ``host``/``port`` are where it listens). Loopback only, because
    a route is a way through the guard: to anywhere else it would be the way to the internet that
    the guard exists to shut. ``localhost`` is taken as ``127.0.0.1``, where our servers bind.
    """
    __tracebackhide__ = True
    host: object = None
    port: object = None
    if isinstance(server, tuple) and len(server) == 2:
        host, port = server
    elif isinstance(server, str):
        host, port = url_address(server)
    elif isinstance(getattr(server, "host", None), str) and getattr(server, "port", None):
        host, port = getattr(server, "host"), getattr(server, "port")  # noqa: B009
    elif isinstance(getattr(server, "url", None), str):
        host, port = url_address(getattr(server, "url"))  # noqa: B009
    if not isinstance(host, str) or isinstance(port, bool) or not isinstance(port, int):
        raise TypeError(
            f"cannot route to {server!r}: give a (host, port) tuple, a URL or an object with "
            ".host and .port (a loopback server)"
        )
    ip = "127.0.0.1" if host.lower() == "localhost" else host.strip("[]")
    try:
        loopback = ipaddress.ip_address(ip).is_loopback
    except ValueError:
        loopback = False
    if not loopback or not 0 < port < 65536:
        raise ValueError(
            f"cannot route to {host}:{port}: a route leads to a loopback server (127.0.0.1:PORT) "
            "only, or it would be the way to the internet that the network guard shuts"
        )
    return ip, port


def url_address(url: str) -> tuple[str | None, int | None]:
    parts = urlsplit(url if "://" in url else f"//{url}")
    try:
        port = parts.port
    except ValueError:
        return parts.hostname, None
    if port is None:
        port = {"https": 443, "http": 80}.get(parts.scheme)
    return parts.hostname, port


def host_key(spec: object) -> tuple[str, int | None]:
    """``corp.example`` -> ``("corp.example", None)`` (every port), ``corp.example:8443`` ->
    ``("corp.example", 8443)``; TypeError or ValueError saying what to pass instead."""
    __tracebackhide__ = True
    if not isinstance(spec, str):
        raise TypeError(
            f"a route's host is a str such as 'corp.example' or 'corp.example:8443', got "
            f"{type(spec).__name__} {spec!r}"
        )
    text = spec.strip()
    parts = urlsplit(f"//{text}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host = port = None
    if not host or any(c in text for c in "/@?# \t") or port == 0:
        raise ValueError(
            f"{spec!r} is not a host to route: give a name such as 'corp.example', or "
            "'corp.example:8443' for one port only (not a URL)"
        )
    if bypasses_guard(host):
        raise ValueError(
            f"cannot route {host}: go and git reach it without the network guard (loopback and "
            f"NO_PROXY={GUARD_NO_PROXY}), so a route for it would never be used; give the fake "
            "host a name such as corp.example"
        )
    return host, port


def bypasses_guard(host: str) -> bool:
    """Whether go and git send ``host`` anywhere but the guard: loopback, or in ``NO_PROXY``."""
    with contextlib.suppress(ValueError):
        if ipaddress.ip_address(host).is_loopback:
            return True
    return any(
        host == entry or (entry.startswith(".") and host.endswith(entry))
        for entry in GUARD_NO_PROXY.split(",")
    )


def route_table(routes: Mapping[str, object] | None) -> RouteTable:
    """A run's routes (host -> server, None for an origin that is down, or an HTTP status for
    one that is down and answered with that status instead of 502) as a route table; TypeError
    or ValueError as :meth:`NetworkGuard.route` says them."""
    __tracebackhide__ = True
    if routes is None:
        return {}
    if not isinstance(routes, Mapping):
        raise TypeError(
            f"routes must be a mapping of host -> loopback server, got {type(routes).__name__}"
        )
    table: RouteTable = {}
    for host, server in routes.items():
        key = host_key(host)
        if isinstance(server, int) and not isinstance(server, bool):
            # an origin that is down, answered with this status (503: its name did not resolve)
            table[key] = Route(None, check_status(server))
        else:
            address = None if server is None else loopback_address(server)
            table[key] = Route(address, BAD_GATEWAY)
    return table


def check_status(status: object) -> int:
    __tracebackhide__ = True
    if isinstance(status, bool) or not isinstance(status, int):
        raise TypeError(f"status must be an int HTTP status, got {type(status).__name__}")
    try:
        known = 400 <= http.HTTPStatus(status) <= 599
    except ValueError:
        known = False
    if not known:
        raise ValueError(
            f"status {status} is not an HTTP error a proxy answers for an origin it cannot "
            "reach (502 Bad Gateway, 503 Service Unavailable, 504 Gateway Timeout...)"
        )
    return status


def key_text(key: tuple[str, int | None]) -> str:
    host, port = key
    host = f"[{host}]" if ":" in host else host
    return host if port is None else f"{host}:{port}"


#: host (and port, or None for every port) -> its route
RouteTable = dict[tuple[str, int | None], Route]


def lookup(routes: RouteTable, host: str, port: int) -> Route | None:
    """The route for ``host:port`` in ``routes``: its own, else the name's; a port of a routed
    name that has no route is an origin port where nothing listens, never an escape."""
    route = routes.get((host, port)) or routes.get((host, None))
    if route is None and any(name == host for name, _ in routes):
        route = Route(None, BAD_GATEWAY, f"{host} is routed, but not its port {port}")
    return route

"""The guard itself: the refusing proxy and router, its listening sockets (the shared one and
each run's door), on the connection layer (:mod:`pytest_goproxy.serving.tcp`), which owns every
connection and thread and joins them on close. What it does is the package's docstring
(:mod:`pytest_goproxy.gorun.guard`).
"""

from __future__ import annotations

import shlex
import sys
import threading
import time
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import TypeVar

from pytest_goproxy.gorun.guard.routes import (
    BAD_GATEWAY,
    Escape,
    Route,
    Routed,
    RouteTable,
    check_status,
    host_key,
    key_text,
    lookup,
    loopback_address,
    route_table,
)
from pytest_goproxy.gorun.guard.wire import (
    forward_response,
    origin_form,
    parse_target,
    routed_port,
    run_token,
)
from pytest_goproxy.lifecycle import Closing
from pytest_goproxy.serving.http1 import answer, read_head
from pytest_goproxy.serving.tcp import Connection, TCPServer, copy, dial, pipe

__all__ = ["REFUSAL", "Door", "NetworkGuard"]

#: How long a client may take to send its request head, and a dial to a routed server.
_READ_TIMEOUT = 10.0
#: How the guard's answer for a routed host whose origin it cannot reach begins.
_ROUTED_DOWN = "pytest-goproxy network guard: the origin {host}:{port} is down ({why})"
#: What the guard answers to every request, and what the ssh stub prints on stderr.
REFUSAL = (
    "pytest-goproxy network guard: refused {method} {target}; a test may only reach loopback "
    "servers and the hosts it routes (GoRunner.route; pass guard=False to GoRunner to opt out)"
)

_T = TypeVar("_T", Escape, Routed)


def _of_run(
    records: list[_T], token: str, since: float, until: float, exact: bool = False
) -> list[_T]:
    """One run's records: those carrying its token, or (unless ``exact``: the run had a door of
    its own) none during its time window."""
    return [
        r
        for r in records
        if r.token == token or (not exact and r.token is None and since <= r.time <= until)
    ]


class _Listener:
    """One listening socket of the guard (the shared one, or a run's door) and what its
    requests carry: the run's token and routes (None for the shared port)."""

    def __init__(
        self, guard: NetworkGuard, token: str | None = None, routes: RouteTable | None = None
    ) -> None:
        self.guard = guard
        self.token = token
        self.routes = routes
        self.server = TCPServer(self.handle, read_timeout=_READ_TIMEOUT, name="gorun-guard")

    @property
    def port(self) -> int:
        return self.server.port

    def handle(self, conn: Connection) -> None:
        """One client connection: a proxy request, refused or routed (see the package)."""
        head = read_head(conn)
        if not head.complete and b"\n" not in head.raw:
            return  # not even a request line: a client that went away, or close()
        request_line = head.start_line
        if len(request_line) < 2:
            return
        method, target = request_line[0].upper(), request_line[1]
        version = request_line[2] if len(request_line) > 2 else "HTTP/1.1"
        headers = head.headers()
        host, port = parse_target(method, target, headers)
        guard = self.guard
        token, now = self.token or run_token(headers), time.monotonic()
        port_routed = routed_port(method, target, port)
        route = (
            guard._route_for(host, port_routed, self.routes) if port_routed is not None else None
        )
        if route is not None and not head.complete:
            return  # nothing to pass on: the client went away (or stalled) mid-head
        if route is None or port_routed is None:
            guard._record(Escape(method, target, host, port, token=token, time=now))
            answer(conn, 403, REFUSAL.format(method=method, target=target))
            return
        upstream, why = None, route.why
        if route.address is not None:
            try:
                upstream = dial(route.address, timeout=_READ_TIMEOUT)
            except OSError:
                why = "nothing accepts at {}:{}, where it is routed".format(*route.address)
        status = None if upstream is not None else route.status
        guard._record_routed(
            Routed(method, target, host, port_routed, route.address, status, token, now)
        )
        if upstream is None:
            answer(conn, route.status, _ROUTED_DOWN.format(host=host, port=port_routed, why=why))
            return
        try:
            with self.server.adopt(upstream):
                self._pass(conn, upstream, method, target, version, head.header_lines, head.rest)
        except OSError:  # the guard is closing
            return

    def _pass(
        self,
        conn: Connection,
        upstream: Connection,
        method: str,
        target: str,
        version: str,
        header_lines: list[str],
        rest: bytes,
    ) -> None:
        """A tunnel (``CONNECT``: both ways until both ends are done) or one forwarded plain
        request (its response, then the end of the connection)."""
        for leg in (conn, upstream):
            leg.settimeout(None)  # a tunnel may idle as long as its peers keep it open
            leg.nodelay()
        if method == "CONNECT":
            if conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n") and (
                not rest or upstream.sendall(rest)
            ):
                pipe(conn, upstream, spawn=self.server.spawn)
            return
        if not upstream.sendall(origin_form(method, target, version, header_lines) + rest):
            return
        requests = self.server.spawn(lambda: copy(conn, upstream), "up")  # the body
        forward_response(upstream, conn)
        conn.shutdown()  # the response is all there is: end the request side too
        requests.join()


class Door:
    """A run's own way into the guard (:meth:`NetworkGuard.door`): a listening socket of its own
    whose requests all belong to ``token`` and go by ``routes`` before the guard's. Close it
    (or leave ``with``) when the run ends."""

    def __init__(self, guard: NetworkGuard, listener: _Listener) -> None:
        self.guard = guard
        self._listener = listener
        self.token = listener.token or ""
        self.port = listener.port
        self._closed = False
        listener.server.start()

    def url(self) -> str:
        """The proxy URL of the run (its token in it too, as on the shared port)."""
        return f"http://{self.token}:x@127.0.0.1:{self.port}"

    @property
    def routes(self) -> dict[str, tuple[str, int] | None]:
        """The run's own routes: ``host`` or ``host:port`` -> the loopback address."""
        return {key_text(k): r.address for k, r in (self._listener.routes or {}).items()}

    def close(self) -> None:
        """Stop accepting, end the door's connections and tunnels, wait for their threads."""
        if self._closed:
            return
        self._closed = True
        self._listener.server.close()
        self.guard._forget(self)

    def __enter__(self) -> Door:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class NetworkGuard(Closing):
    """The refusing proxy, and the router to the hosts a test routes (:meth:`route`).

    Start it with ``with NetworkGuard() as guard`` or :meth:`start`; routes can be set before or
    after it starts, and hold until :meth:`unroute`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._escapes: list[Escape] = []
        self._routed: list[Routed] = []
        self._routes: RouteTable = {}
        self._doors: set[Door] = set()
        self._closing = False
        self._listener: _Listener | None = None

    @property
    def port(self) -> int:
        if self._listener is None:
            raise RuntimeError("the network guard is not running; call start() first")
        return self._listener.port

    def url(self, token: str | None = None) -> str:
        """The proxy URL for a run; ``token`` names the run in what the guard records."""
        user = f"{token}:x@" if token else ""
        return f"http://{user}127.0.0.1:{self.port}"

    def ssh_command(
        self, directory: Path, token: str | None = None, *, door: Door | None = None
    ) -> str:
        """Copy the refusing ssh stub (:mod:`~pytest_goproxy.gorun.guard.ssh_stub`) into
        ``directory``; the ``GIT_SSH_COMMAND`` that runs it.

        The stub is copied per run, at run time, so it works however the package is installed
        (a wheel, a zip) and dies with the run's directory; ``token`` names the run as in
        :meth:`url`, or ``door`` (:meth:`door`) is where the stub reports. git runs the command
        through ``sh -c``, hence the shell quoting.
        """
        stub = directory / "guard-ssh.py"
        source = resources.files("pytest_goproxy.gorun.guard").joinpath("ssh_stub.py")
        stub.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
        python = sys.executable or "python3"
        url = door.url() if door is not None else self.url(token)
        return shlex.join([python, "-I", "-S", str(stub), url, REFUSAL])

    # -- routes ---------------------------------------------------------------------------------

    def route(self, host: str, address: object, *, status: int = BAD_GATEWAY) -> None:
        """Pass requests for ``host`` to the loopback server at ``address``, replacing any route.

        ``host`` is a name (every port of it) or ``name:port`` (that port only, which wins over
        the name's route). ``address`` is what :func:`loopback_address` takes, or None for an
        origin that is down. ``status`` is what the guard answers when the origin cannot be
        reached (no address, or nothing accepting there): 502 by default, as a corporate proxy
        answers for a refused connection (see the module docstring). Thread-safe; takes effect
        for the next request, running or not.
        """
        __tracebackhide__ = True
        key = host_key(host)
        target = None if address is None else loopback_address(address)
        checked = check_status(status)
        with self._lock:
            self._routes[key] = Route(target, checked)

    def unroute(self, host: str) -> None:
        """Remove the route of ``host`` (spelled as it was routed); its requests are refused and
        recorded as escapes again. KeyError if it has no route, naming those there are."""
        __tracebackhide__ = True
        key = host_key(host)
        with self._lock:
            if self._routes.pop(key, None) is None:
                routed = ", ".join(sorted(key_text(k) for k in self._routes)) or "none"
                raise KeyError(f"{key_text(key)} has no route (routes: {routed})")

    @property
    def routes(self) -> dict[str, tuple[str, int] | None]:
        """Every route: ``host`` or ``host:port`` -> the loopback address (None: down)."""
        with self._lock:
            return {key_text(k): r.address for k, r in self._routes.items()}

    def _route_for(
        self,
        host: str,
        port: int,
        own: dict[tuple[str, int | None], Route] | None = None,
    ) -> Route | None:
        """The route for ``host:port``: a run's ``own`` routes if they name the host, else the
        guard's (see :func:`lookup`)."""
        if own and any(name == host for name, _ in own):
            return lookup(own, host, port)
        with self._lock:
            return lookup(self._routes, host, port)

    def door(self, token: str, routes: Mapping[str, object] | None = None) -> Door:
        """Open a run's own door: a listening socket of its own, on ``127.0.0.1:0``, whose
        requests are all recorded with ``token`` and routed by ``routes`` (host or host:port ->
        what :func:`loopback_address` takes, or None for an origin that is down: 502) before the
        guard's routes. See the module docstring; close it when the run ends."""
        __tracebackhide__ = True
        if not isinstance(token, str) or not token:
            raise ValueError("a door needs the run's token")
        table = route_table(routes)
        if self._listener is None:
            raise RuntimeError("the network guard is not running; call start() first")
        with self._lock:
            if self._closing:
                raise RuntimeError("the network guard is closed")
            door = Door(self, _Listener(self, token, table))
            self._doors.add(door)
        return door

    # -- lifetime -------------------------------------------------------------------------------

    def start(self) -> NetworkGuard:
        with self._lock:
            self._closing = False
            if self._listener is None:
                self._listener = _Listener(self)
                self._listener.server.start()
        return self

    def close(self) -> None:
        """Stop accepting, end every open connection and tunnel, and wait for their threads."""
        with self._lock:
            self._closing = True
            doors, listener, self._listener = list(self._doors), self._listener, None
        for door in doors:
            door.close()
        if listener is not None:
            listener.server.close()

    def _forget(self, door: Door) -> None:
        with self._lock:
            self._doors.discard(door)

    # -- records --------------------------------------------------------------------------------

    def _record(self, escape: Escape) -> None:
        with self._lock:
            self._escapes.append(escape)

    def _record_routed(self, routed: Routed) -> None:
        with self._lock:
            self._routed.append(routed)

    @property
    def escapes(self) -> list[Escape]:
        """Everything refused so far, oldest first."""
        with self._lock:
            return list(self._escapes)

    def escapes_for(
        self, token: str, since: float, until: float, *, exact: bool = False
    ) -> list[Escape]:
        """What one run tried: requests carrying its token, or none during its time window
        (not with ``exact``: a run with a door of its own has all of its requests tokened)."""
        with self._lock:
            return _of_run(self._escapes, token, since, until, exact)

    @property
    def routed(self) -> list[Routed]:
        """Every request for a routed host so far, oldest first (none of them is an escape)."""
        with self._lock:
            return list(self._routed)

    def routed_for(
        self, token: str, since: float, until: float, *, exact: bool = False
    ) -> list[Routed]:
        """One run's routed requests, told apart as in :meth:`escapes_for`."""
        with self._lock:
            return _of_run(self._routed, token, since, until, exact)

    def __enter__(self) -> NetworkGuard:
        return self.start()

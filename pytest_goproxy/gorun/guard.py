"""A loopback HTTP proxy that refuses everything but the hosts a test routes, and remembers.

Each run's ``HTTP_PROXY``/``HTTPS_PROXY`` point here, so a request for any host that is not ours
(loopback and ``.invalid`` are in ``NO_PROXY``; Go never proxies loopback at all, see
golang.org/x/net/http/httpproxy ``useProxy``) lands in the guard instead of on the internet: the
real proxy.golang.org and sum.golang.org, direct VCS fetches by ``git``/``curl``, toolchain
downloads. The guard answers ``403 Forbidden`` to ``CONNECT host:443`` (HTTPS) and to absolute-URI
requests (plain HTTP), and records each one as an :class:`Escape`.

``git`` reaches ``ssh://`` and ``git+ssh://`` repositories through ``ssh``, which knows nothing of
proxies. A guarded run's ``GIT_SSH_COMMAND`` is a stub written into the run's directory
(:meth:`NetworkGuard.ssh_command`): it opens no connection and looks nothing up, tells the guard
where ssh was asked to go (recorded as ``SSH host:port``) and exits 255, ssh's status for a
connection that failed. Every other way out of a VCS fetch is shut by the hermetic environment
(``GIT_ALLOW_PROTOCOL``, ``GOVCS``: :mod:`pytest_goproxy.gorun.environment`).

Go shows a refused ``CONNECT`` as ``Get "https://host/...": Forbidden`` and a refused plain request
as ``reading http://host/...: 403 Forbidden`` (net/http transport.go ``dialConn``). Either way the
run's ``result.escapes`` says what tried to leave.

Routes
    A fake VCS host or checksum database has a public-looking name (``corp.example``) that no DNS
    knows, yet go must reach it by that name: the name is in the module path, in the
    ``go-import`` meta tag, in git's URL and in the certificate the server presents.
    :meth:`NetworkGuard.route` makes the guard the corporate HTTP proxy that can reach it:
    ``CONNECT corp.example:443`` is answered ``200 Connection established`` and the bytes are
    pumped both ways to the loopback server (TLS runs end to end, between go or git and the
    server, which presents its session-CA certificate for the name), and a plain-HTTP proxy
    request ``GET http://corp.example/...`` (an ``http://`` origin under ``GOINSECURE``) is
    forwarded in origin form with its ``Host`` header (and ``Connection: close``: Go sends the
    plain requests for every host down one proxy connection, so the guard takes one request per
    connection). Nothing is resolved: the route is the name's only address.

    A route is per host name, for every port (one fake server usually answers every URL of its
    name), unless it is given as ``host:port``, which then wins for that port:
    ``route("corp.example:80", plain_server)`` beside ``route("corp.example", tls_server)``. A
    port of a routed name that no route covers is a port of that origin where nothing listens
    (``502``), never an escape: a routed name is the test's, so ``escapes`` never names it
    (except ``SSH host:22``: routes carry proxy requests, and ssh is always refused).

    A routed request is no escape: it is recorded as :class:`Routed` (:attr:`NetworkGuard.routed`),
    so a test can prove its traffic went to the server, and ``result.escapes`` and
    ``result.refused_by_guard`` stay about hosts the guard refused.

    When the origin cannot be reached (the route has no address, or nothing accepts at its
    address) the guard answers as a corporate proxy does for an origin it cannot reach:
    ``502 Bad Gateway`` by default, or the route's ``status`` (Squid says ``503`` for a name it
    cannot resolve and for a refused connection; ``504 Gateway Timeout`` is a proxy whose dial
    timed out). Go and git never see the origin's own error behind a proxy, only that status:
    go prints ``Get "https://corp.example/lib?go-get=1": Bad Gateway`` for a refused ``CONNECT``
    (net/http keeps only the reason phrase) and git ``CONNECT tunnel failed, response 502``; a
    forwarded plain request reads ``reading http://corp.example/...: 502 Bad Gateway``.
    :func:`~pytest_goproxy.gorun.failure.classify` calls each HTTP_STATUS with that code, and the
    run's ``refused_by_guard`` is false: the host was not refused, its origin was down.

Runs are told apart by the user name in the proxy URL (``http://run-7:x@127.0.0.1:PORT``), which
Go and the ssh stub send back as ``Proxy-Authorization: Basic ...``. git (curl) sends proxy
credentials only when a proxy asks for them (``407``), so its requests carry no token and are
given to the run that was running when they came (:meth:`NetworkGuard.escapes_for`).

A run's own door
    Runs of one runner may go at the same time (a matrix of cells on one ``GoRunner``), and each
    may play ``corp.example`` with a server of its own. Neither the runner's routes nor the time
    window can tell such runs apart, so such a run gets a door of its own
    (:meth:`NetworkGuard.door`): a second listening socket on ``127.0.0.1:0``, served by the same
    code, that carries the run's token and its routes. The run's ``HTTP(S)_PROXY`` (and its ssh
    stub) point at the door, so whatever arrives there is that run's, git's tokenless requests
    included, and its routes are looked up first: a host name the run routes is the run's alone
    (every route the runner has for that name, any port, is out of play for the run), every other
    name goes by the runner's routes. The door is closed when the run ends: it stops accepting,
    its connections and tunnels are shut and their threads joined.
"""

from __future__ import annotations

import base64
import contextlib
import http
import ipaddress
import shlex
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pytest_goproxy.gorun.environment import GUARD_NO_PROXY
from pytest_goproxy.lifecycle import Closing

__all__ = ["BAD_GATEWAY", "Door", "Escape", "NetworkGuard", "Routed", "loopback_address"]

_MAX_HEAD = 64 * 1024
_READ_TIMEOUT = 10.0
_CHUNK = 64 * 1024
#: How the guard's answer for a routed host whose origin it cannot reach begins.
_ROUTED_DOWN = "pytest-goproxy network guard: the origin {host}:{port} is down ({why})"
#: What a proxy answers for an origin it cannot connect to (a refused connection).
BAD_GATEWAY = 502
#: Methods whose target is ``host:port``: the proxy's ``CONNECT`` and the ssh stub's ``SSH``.
_HOST_PORT_METHODS = ("CONNECT", "SSH")
#: What the guard answers to every request, and what the ssh stub prints on stderr.
REFUSAL = (
    "pytest-goproxy network guard: refused {method} {target}; a test may only reach loopback "
    "servers and the hosts it routes (GoRunner.route; pass guard=False to GoRunner to opt out)"
)

#: The ``ssh`` of a guarded run, a stand-alone script (the standard library only, so it runs from
#: any install of the package). git calls it as OpenSSH (``GIT_SSH_VARIANT=ssh``):
#: ``[-o opt] [-p port] [-4|-6] [user@]host command``. argv[1] is the run's guard URL.
_SSH_STUB = r'''"""pytest-goproxy network guard: the ssh that git runs in a guarded go run.

It connects to nothing but the guard: it reports where ssh was asked to go (the run's
result.escapes lists it as SSH host:port) and exits 255, as ssh does when it cannot connect.
"""
import base64
import socket
import sys
from urllib.parse import urlsplit

REFUSAL = {refusal!r}
VALUE_OPTIONS = set("BbcDEeFIiJLlmOoPpQRSWw")  # ssh(1) options that take a value


def destination(args):
    port, i = "22", 0
    while i < len(args) and args[i].startswith("-") and args[i] != "-":
        letter, rest = args[i][1:2], args[i][2:]
        if letter in VALUE_OPTIONS:
            value = rest or (args[i + 1] if i + 1 < len(args) else "")
            port = value if letter == "p" else port
            i += 1 if rest else 2
        else:
            i += 1
    host = (args[i] if i < len(args) else "").rpartition("@")[2].strip("[]").lower()
    return host or "?", port


def main():
    guard = urlsplit(sys.argv[1])
    host, port = destination(sys.argv[2:])
    target = ("[%s]:%s" if ":" in host else "%s:%s") % (host, port)
    message = REFUSAL.format(method="SSH", target=target)
    auth = base64.b64encode(("%s:x" % (guard.username or "")).encode()).decode()
    head = "SSH %s HTTP/1.1\r\nHost: %s\r\nProxy-Authorization: Basic %s\r\n\r\n"
    try:
        with socket.create_connection((guard.hostname, guard.port), timeout=10) as sock:
            sock.sendall((head % (target, target, auth)).encode())
            while sock.recv(4096):
                pass
    except OSError as exc:
        message += " (the guard could not record it: %s)" % exc
    sys.stderr.write(message + "\n")
    return 255


sys.exit(main())
'''


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
class _Route:
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
        host, port = _url_address(server)
    elif isinstance(getattr(server, "host", None), str) and getattr(server, "port", None):
        host, port = getattr(server, "host"), getattr(server, "port")  # noqa: B009
    elif isinstance(getattr(server, "url", None), str):
        host, port = _url_address(getattr(server, "url"))  # noqa: B009
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


def _url_address(url: str) -> tuple[str | None, int | None]:
    parts = urlsplit(url if "://" in url else f"//{url}")
    try:
        port = parts.port
    except ValueError:
        return parts.hostname, None
    if port is None:
        port = {"https": 443, "http": 80}.get(parts.scheme)
    return parts.hostname, port


def _host_key(spec: object) -> tuple[str, int | None]:
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
    if _bypasses_guard(host):
        raise ValueError(
            f"cannot route {host}: go and git reach it without the network guard (loopback and "
            f"NO_PROXY={GUARD_NO_PROXY}), so a route for it would never be used; give the fake "
            "host a name such as corp.example"
        )
    return host, port


def _bypasses_guard(host: str) -> bool:
    """Whether go and git send ``host`` anywhere but the guard: loopback, or in ``NO_PROXY``."""
    with contextlib.suppress(ValueError):
        if ipaddress.ip_address(host).is_loopback:
            return True
    return any(
        host == entry or (entry.startswith(".") and host.endswith(entry))
        for entry in GUARD_NO_PROXY.split(",")
    )


def _route_table(routes: Mapping[str, object] | None) -> dict[tuple[str, int | None], _Route]:
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
    table: dict[tuple[str, int | None], _Route] = {}
    for host, server in routes.items():
        key = _host_key(host)
        if isinstance(server, int) and not isinstance(server, bool):
            # an origin that is down, answered with this status (503: its name did not resolve)
            table[key] = _Route(None, _check_status(server))
        else:
            address = None if server is None else loopback_address(server)
            table[key] = _Route(address, BAD_GATEWAY)
    return table


def _check_status(status: object) -> int:
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


def _key_text(key: tuple[str, int | None]) -> str:
    host, port = key
    host = f"[{host}]" if ":" in host else host
    return host if port is None else f"{host}:{port}"


def _parse_target(method: str, target: str, headers: dict[str, str]) -> tuple[str, int | None]:
    if method in _HOST_PORT_METHODS:
        host, _, port = target.rpartition(":")
        return host.strip("[]").lower(), int(port) if port.isdigit() else None
    if "://" in target:
        parts = urlsplit(target)
        try:
            url_port = parts.port
        except ValueError:
            url_port = None
        return (parts.hostname or "").lower(), url_port
    header = headers.get("host", "")
    host, _, port = header.rpartition(":") if ":" in header else (header, "", "")
    return host.lower(), int(port) if port.isdigit() else None


def _routed_port(method: str, target: str, port: int | None) -> int | None:
    """The port a route is looked up for: a ``CONNECT``'s, or a plain-HTTP proxy request's
    (80 by default); None for what is never routed (ssh, a request not meant for a proxy)."""
    if method == "CONNECT":
        return port
    if target.lower().startswith("http://"):
        return 80 if port is None else port
    return None


def _token(headers: dict[str, str]) -> str | None:
    value = headers.get("proxy-authorization", "")
    scheme, _, data = value.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user = base64.b64decode(data.strip(), validate=True).decode("utf-8", "replace")
    except (ValueError, UnicodeError):
        return None
    return user.partition(":")[0] or None


def _split_head(data: bytes) -> tuple[bytes, bytes] | None:
    """``(head, rest)`` at the first blank line (CRLF or bare LF), None if there is none yet."""
    ends = [(i, len(sep)) for sep in (b"\r\n\r\n", b"\n\n") if (i := data.find(sep)) >= 0]
    if not ends:
        return None
    i, n = min(ends)
    return data[:i], data[i + n :]


def _read_head(sock: socket.socket) -> tuple[bytes, bytes, bool]:
    """``(head, rest, complete)``: what came before the blank line, what came after it, and
    whether the blank line came (not the end of data, a timeout or the size limit first)."""
    data = b""
    with contextlib.suppress(OSError):
        while _split_head(data) is None and len(data) < _MAX_HEAD:
            chunk = sock.recv(_CHUNK)
            if not chunk:
                break
            data += chunk
    split = _split_head(data)
    return (*split, True) if split is not None else (data, b"", False)


#: Hop-by-hop headers of a forwarded plain-HTTP request or response (RFC 9110 7.6.1), replaced by
#: ``Connection: close``, and the proxy credentials that name the run, not the request.
_HOP_BY_HOP = ("connection", "keep-alive", "proxy-connection", "proxy-authorization")


def _without_hop_headers(lines: list[str]) -> list[str]:
    return [ln for ln in lines if ln.partition(":")[0].strip().lower() not in _HOP_BY_HOP]


def _origin_form(method: str, target: str, version: str, header_lines: list[str]) -> bytes:
    """A proxy request ``GET http://host/p?q`` as the server expects it: ``GET /p?q``, the same
    headers (``Host`` kept, one added if missing) and ``Connection: close``.

    One request per connection: Go sends plain-HTTP requests for several hosts down one proxy
    connection (net/http keys them by proxy alone), so the guard must see each request's head,
    and closing after each response is how it does (HTTP/1.1 allows either side to close)."""
    parts = urlsplit(target)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lines = [f"{method} {path} {version}", *_without_hop_headers(header_lines)]
    if not any(ln.partition(":")[0].strip().lower() == "host" for ln in lines[1:]):
        lines.append(f"Host: {parts.netloc.rpartition('@')[2]}")
    return ("\r\n".join([*lines, "Connection: close"]) + "\r\n\r\n").encode("latin-1")


def _closing_response(data: bytes) -> bytes:
    """The server's response head with ``Connection: close`` (see :func:`_origin_form`)."""
    split = _split_head(data)
    if split is None:
        return data
    head, rest = split
    lines = head.decode("latin-1").replace("\r\n", "\n").split("\n")
    lines = [lines[0], *_without_hop_headers(lines[1:]), "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + rest


def _answer(sock: socket.socket, status: int, text: str) -> None:
    body = (text + "\n").encode()
    phrase = http.HTTPStatus(status).phrase
    response = (
        f"HTTP/1.1 {status} {phrase}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Connection: close\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    with contextlib.suppress(OSError):
        sock.sendall(response)


def _copy(src: socket.socket, dst: socket.socket, *, response: bool = False) -> None:
    """Copy ``src`` to ``dst`` until ``src`` ends, then pass the end on (``shutdown(SHUT_WR)``),
    so a TLS ``close_notify`` and git's end of request reach the other side as they would
    directly. With ``response`` (a forwarded plain request) the server's response head gets
    ``Connection: close`` (see :func:`_origin_form`).

    Each direction has its own thread and blocking calls: a side that writes while the other
    does too never waits for the guard to read (one thread alternating could deadlock on two
    full buffers). :meth:`NetworkGuard.close` ends a copy by shutting its sockets down."""
    with contextlib.suppress(OSError):
        if response:
            head = b""
            while _split_head(head) is None and len(head) < _MAX_HEAD:
                data = src.recv(_CHUNK)
                if not data:
                    break
                head += data
            dst.sendall(_closing_response(head))
        while data := src.recv(_CHUNK):
            dst.sendall(data)
    with contextlib.suppress(OSError):
        dst.shutdown(socket.SHUT_WR)


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(_READ_TIMEOUT)
        head, rest, complete = _read_head(sock)
        if not complete and b"\n" not in head:
            return  # not even a request line: a client that went away, or close()
        lines = head.decode("latin-1").replace("\r\n", "\n").split("\n")
        request_line = lines[0].split()
        if len(request_line) < 2:
            return
        method, target = request_line[0].upper(), request_line[1]
        version = request_line[2] if len(request_line) > 2 else "HTTP/1.1"
        header_lines = [ln for ln in lines[1:] if ln.strip()]
        headers: dict[str, str] = {}
        for line in header_lines:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        host, port = _parse_target(method, target, headers)
        door = self.server
        guard = door.guard
        token, now = door.token or _token(headers), time.monotonic()
        routed_port = _routed_port(method, target, port)
        route = (
            guard._route_for(host, routed_port, door.routes) if routed_port is not None else None
        )
        if route is not None and not complete:
            return  # nothing to pass on: the client went away (or stalled) mid-head
        if route is None or routed_port is None:
            guard._record(Escape(method, target, host, port, token=token, time=now))
            _answer(sock, 403, REFUSAL.format(method=method, target=target))
            return
        upstream, why = None, route.why
        if route.address is not None:
            try:
                upstream = socket.create_connection(route.address, timeout=_READ_TIMEOUT)
            except OSError:
                why = "nothing accepts at {}:{}, where it is routed".format(*route.address)
        status = None if upstream is not None else route.status
        guard._record_routed(
            Routed(method, target, host, routed_port, route.address, status, token, now)
        )
        if upstream is None:
            _answer(sock, route.status, _ROUTED_DOWN.format(host=host, port=routed_port, why=why))
            return
        tunnel = method == "CONNECT"
        with upstream:
            sock.settimeout(None)
            upstream.settimeout(None)
            # Nagle off on both legs: a tunnel relays the small writes of TLS and git's
            # request/answer turns, each of which would otherwise wait for a delayed ACK (40 ms)
            for leg in (sock, upstream):
                with contextlib.suppress(OSError):
                    leg.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                if tunnel:
                    sock.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    upstream.sendall(rest)
                else:
                    upstream.sendall(_origin_form(method, target, version, header_lines) + rest)
            except OSError:
                return
            requests = threading.Thread(
                target=_copy, args=(sock, upstream), name=f"{self.server.name}-up", daemon=True
            )
            if not guard._track(upstream, requests, door):
                return
            try:
                requests.start()
                _copy(upstream, sock, response=not tunnel)
                if not tunnel:  # the response is all there is: end the request side too
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                requests.join()
            finally:
                guard._untrack(upstream, requests)


class _Server(socketserver.TCPServer):
    """One daemon thread per connection, each known to the guard: a tunnel lives as long as its
    peers keep it open, so :meth:`NetworkGuard.close` shuts its sockets and waits for it."""

    allow_reuse_address = True

    def __init__(
        self,
        guard: NetworkGuard,
        token: str | None = None,
        routes: dict[tuple[str, int | None], _Route] | None = None,
    ) -> None:
        self.guard = guard
        #: A run's door (:meth:`NetworkGuard.door`): its token and routes; None for the shared port.
        self.token = token
        self.routes = routes
        self.closing = False
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def name(self) -> str:
        """The prefix of the guard's thread names (``gorun-guard-PORT``)."""
        return f"gorun-guard-{self.server_address[1]}"

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._serve,
            args=(request, client_address),
            name=f"{self.name}-conn",
            daemon=True,
        )
        if not self.guard._track(request, thread, self):
            self.shutdown_request(request)
            return
        thread.start()

    def _serve(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            self.guard._untrack(request, threading.current_thread())


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


def _lookup(routes: dict[tuple[str, int | None], _Route], host: str, port: int) -> _Route | None:
    """The route for ``host:port`` in ``routes``: its own, else the name's; a port of a routed
    name that has no route is an origin port where nothing listens, never an escape."""
    route = routes.get((host, port)) or routes.get((host, None))
    if route is None and any(name == host for name, _ in routes):
        route = _Route(None, BAD_GATEWAY, f"{host} is routed, but not its port {port}")
    return route


class Door:
    """A run's own way into the guard (:meth:`NetworkGuard.door`): a listening socket of its own
    whose requests all belong to ``token`` and go by ``routes`` before the guard's. Close it
    (or leave ``with``) when the run ends."""

    def __init__(self, guard: NetworkGuard, server: _Server) -> None:
        self.guard = guard
        self._server = server
        self.token = server.token or ""
        self.port = int(server.server_address[1])
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=server.name,
            daemon=True,
        )
        self._thread.start()
        self._closed = False

    def url(self) -> str:
        """The proxy URL of the run (its token in it too, as on the shared port)."""
        return f"http://{self.token}:x@127.0.0.1:{self.port}"

    @property
    def routes(self) -> dict[str, tuple[str, int] | None]:
        """The run's own routes: ``host`` or ``host:port`` -> the loopback address."""
        return {_key_text(k): r.address for k, r in (self._server.routes or {}).items()}

    def close(self) -> None:
        """Stop accepting, end the door's connections and tunnels, wait for their threads."""
        if self._closed:
            return
        self._closed = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self.guard._close_owned(self._server)

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
        self._routes: dict[tuple[str, int | None], _Route] = {}
        # every open socket and connection thread, with the listener it came through
        self._sockets: dict[socket.socket, _Server | None] = {}
        self._threads: dict[threading.Thread, _Server | None] = {}
        self._doors: set[Door] = set()
        self._closing = False
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the network guard is not running; call start() first")
        return int(self._server.server_address[1])

    def url(self, token: str | None = None) -> str:
        """The proxy URL for a run; ``token`` names the run in what the guard records."""
        user = f"{token}:x@" if token else ""
        return f"http://{user}127.0.0.1:{self.port}"

    def ssh_command(
        self, directory: Path, token: str | None = None, *, door: Door | None = None
    ) -> str:
        """Write the refusing ssh stub into ``directory``; the ``GIT_SSH_COMMAND`` that runs it.

        The stub is written per run, at run time, so it works however the package is installed
        (a wheel, a zip) and dies with the run's directory; ``token`` names the run as in
        :meth:`url`, or ``door`` (:meth:`door`) is where the stub reports. git runs the command
        through ``sh -c``, hence the shell quoting.
        """
        stub = directory / "guard-ssh.py"
        stub.write_text(_SSH_STUB.format(refusal=REFUSAL), encoding="utf-8")
        python = sys.executable or "python3"
        url = door.url() if door is not None else self.url(token)
        return shlex.join([python, "-I", "-S", str(stub), url])

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
        key = _host_key(host)
        target = None if address is None else loopback_address(address)
        checked = _check_status(status)
        with self._lock:
            self._routes[key] = _Route(target, checked)

    def unroute(self, host: str) -> None:
        """Remove the route of ``host`` (spelled as it was routed); its requests are refused and
        recorded as escapes again. KeyError if it has no route, naming those there are."""
        __tracebackhide__ = True
        key = _host_key(host)
        with self._lock:
            if self._routes.pop(key, None) is None:
                routed = ", ".join(sorted(_key_text(k) for k in self._routes)) or "none"
                raise KeyError(f"{_key_text(key)} has no route (routes: {routed})")

    @property
    def routes(self) -> dict[str, tuple[str, int] | None]:
        """Every route: ``host`` or ``host:port`` -> the loopback address (None: down)."""
        with self._lock:
            return {_key_text(k): r.address for k, r in self._routes.items()}

    def _route_for(
        self,
        host: str,
        port: int,
        own: dict[tuple[str, int | None], _Route] | None = None,
    ) -> _Route | None:
        """The route for ``host:port``: a run's ``own`` routes if they name the host, else the
        guard's (see :func:`_lookup`)."""
        if own and any(name == host for name, _ in own):
            return _lookup(own, host, port)
        with self._lock:
            return _lookup(self._routes, host, port)

    def door(self, token: str, routes: Mapping[str, object] | None = None) -> Door:
        """Open a run's own door: a listening socket of its own, on ``127.0.0.1:0``, whose
        requests are all recorded with ``token`` and routed by ``routes`` (host or host:port ->
        what :func:`loopback_address` takes, or None for an origin that is down: 502) before the
        guard's routes. See the module docstring; close it when the run ends."""
        __tracebackhide__ = True
        if not isinstance(token, str) or not token:
            raise ValueError("a door needs the run's token")
        table = _route_table(routes)
        if self._server is None:
            raise RuntimeError("the network guard is not running; call start() first")
        server = _Server(self, token, table)
        with self._lock:
            if self._closing:
                server.server_close()
                raise RuntimeError("the network guard is closed")
            door = Door(self, server)
            self._doors.add(door)
        return door

    # -- lifetime -------------------------------------------------------------------------------

    def start(self) -> NetworkGuard:
        with self._lock:
            self._closing = False
        if self._server is None:
            self._server = _Server(self)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.1},
                name=self._server.name,
                daemon=True,
            )
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop accepting, end every open connection and tunnel, and wait for their threads."""
        with self._lock:
            doors = list(self._doors)
        for door in doors:
            door.close()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        with self._lock:
            self._closing = True
            sockets, threads = list(self._sockets), list(self._threads)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            if thread.ident is not None:  # started (a copy may be tracked just before its start)
                thread.join(timeout=5)

    def _track(
        self,
        sock: socket.socket,
        thread: threading.Thread | None = None,
        owner: _Server | None = None,
    ) -> bool:
        """Remember an open socket (and its thread, and the listener it came through) for
        :meth:`close` and a door's close; False once either is closing."""
        with self._lock:
            if self._closing or (owner is not None and owner.closing):
                return False
            self._sockets[sock] = owner
            if thread is not None:
                self._threads[thread] = owner
            return True

    def _untrack(self, sock: socket.socket, thread: threading.Thread | None = None) -> None:
        with self._lock:
            self._sockets.pop(sock, None)
            if thread is not None:
                self._threads.pop(thread, None)

    def _close_owned(self, owner: _Server) -> None:
        """End what came through a door (see :meth:`Door.close`) and forget the door."""
        with self._lock:
            owner.closing = True
            sockets = [s for s, o in self._sockets.items() if o is owner]
            threads = [t for t, o in self._threads.items() if o is owner]
            self._doors = {d for d in self._doors if d._server is not owner}
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            if thread.ident is not None and thread is not threading.current_thread():
                thread.join(timeout=5)

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

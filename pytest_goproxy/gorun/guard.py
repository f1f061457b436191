"""A loopback HTTP proxy that refuses everything and remembers who asked.

Each run's ``HTTP_PROXY``/``HTTPS_PROXY`` point here, so a request for any host that is not ours
(loopback and ``.invalid`` are in ``NO_PROXY``; Go never proxies loopback at all, see
golang.org/x/net/http/httpproxy ``useProxy``) lands in the guard instead of on the internet: the
real proxy.golang.org and sum.golang.org, direct VCS fetches by ``git``/``curl``, toolchain
downloads. The guard answers ``403 Forbidden`` to ``CONNECT host:443`` (HTTPS) and to absolute-URI
requests (plain HTTP), and records each one as an :class:`Escape`.

Go shows a refused ``CONNECT`` as ``Get "https://host/...": Forbidden`` and a refused plain request
as ``reading http://host/...: 403 Forbidden`` (net/http transport.go ``dialConn``). Either way the
run's ``result.escapes`` says what tried to leave.

Runs are told apart by the user name in the proxy URL (``http://run-7:x@127.0.0.1:PORT``), which
Go, git and curl all send back as ``Proxy-Authorization: Basic ...``.
"""

from __future__ import annotations

import base64
import contextlib
import socket
import socketserver
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from pytest_goproxy.lifecycle import Closing

__all__ = ["Escape", "NetworkGuard"]

_MAX_HEAD = 64 * 1024
_READ_TIMEOUT = 10.0


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


def _parse_target(method: str, target: str, headers: dict[str, str]) -> tuple[str, int | None]:
    if method == "CONNECT":
        host, _, port = target.rpartition(":")
        return host.strip("[]").lower(), int(port) if port.isdigit() else None
    if "://" in target:
        parts = urlsplit(target)
        return (parts.hostname or "").lower(), parts.port
    host_header = headers.get("host", "")
    host, _, port = host_header.rpartition(":") if ":" in host_header else (host_header, "", "")
    return host.lower(), int(port) if port.isdigit() else None


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


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(_READ_TIMEOUT)
        data = b""
        with contextlib.suppress(OSError):
            while b"\r\n\r\n" not in data and b"\n\n" not in data and len(data) < _MAX_HEAD:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
        head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        lines = head.replace("\r\n", "\n").split("\n")
        request_line = lines[0].split()
        if len(request_line) < 2:
            return
        method, target = request_line[0].upper(), request_line[1]
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        host, port = _parse_target(method, target, headers)
        self.server.guard._record(
            Escape(method, target, host, port, token=_token(headers), time=time.monotonic())
        )
        body = (
            f"pytest-goproxy network guard: refused {method} {target}; a test may only reach "
            "loopback servers (pass guard=False to GoRunner to opt out)\n"
        ).encode()
        response = (
            b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\n"
            b"Connection: close\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )
        with contextlib.suppress(OSError):
            sock.sendall(response)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, guard: NetworkGuard) -> None:
        self.guard = guard
        super().__init__(("127.0.0.1", 0), _Handler)


class NetworkGuard(Closing):
    """The refusing proxy; start it with ``with NetworkGuard() as guard`` or :meth:`start`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._escapes: list[Escape] = []
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

    def start(self) -> NetworkGuard:
        if self._server is None:
            self._server = _Server(self)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.1},
                name=f"gorun-guard-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _record(self, escape: Escape) -> None:
        with self._lock:
            self._escapes.append(escape)

    @property
    def escapes(self) -> list[Escape]:
        """Everything refused so far, oldest first."""
        with self._lock:
            return list(self._escapes)

    def escapes_for(self, token: str, since: float, until: float) -> list[Escape]:
        """What one run tried: requests carrying its token, or none during its time window."""
        with self._lock:
            return [
                e
                for e in self._escapes
                if e.token == token or (e.token is None and since <= e.time <= until)
            ]

    def __enter__(self) -> NetworkGuard:
        return self.start()

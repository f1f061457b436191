"""A loopback HTTP proxy that refuses everything and remembers who asked.

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

Runs are told apart by the user name in the proxy URL (``http://run-7:x@127.0.0.1:PORT``), which
Go, git and curl all send back as ``Proxy-Authorization: Basic ...``.
"""

from __future__ import annotations

import base64
import contextlib
import shlex
import socket
import socketserver
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from pytest_goproxy.lifecycle import Closing

__all__ = ["Escape", "NetworkGuard"]

_MAX_HEAD = 64 * 1024
_READ_TIMEOUT = 10.0
#: Methods whose target is ``host:port``: the proxy's ``CONNECT`` and the ssh stub's ``SSH``.
_HOST_PORT_METHODS = ("CONNECT", "SSH")
#: What the guard answers to every request, and what the ssh stub prints on stderr.
REFUSAL = (
    "pytest-goproxy network guard: refused {method} {target}; a test may only reach loopback "
    "servers (pass guard=False to GoRunner to opt out)"
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


def _parse_target(method: str, target: str, headers: dict[str, str]) -> tuple[str, int | None]:
    if method in _HOST_PORT_METHODS:
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
        body = (REFUSAL.format(method=method, target=target) + "\n").encode()
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

    def ssh_command(self, directory: Path, token: str | None = None) -> str:
        """Write the refusing ssh stub into ``directory``; the ``GIT_SSH_COMMAND`` that runs it.

        The stub is written per run, at run time, so it works however the package is installed
        (a wheel, a zip) and dies with the run's directory; ``token`` names the run as in
        :meth:`url`. git runs the command through ``sh -c``, hence the shell quoting.
        """
        stub = directory / "guard-ssh.py"
        stub.write_text(_SSH_STUB.format(refusal=REFUSAL), encoding="utf-8")
        python = sys.executable or "python3"
        return shlex.join([python, "-I", "-S", str(stub), self.url(token)])

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

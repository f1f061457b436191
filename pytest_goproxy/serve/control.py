"""``serve``'s control endpoint (JSON over HTTP on 127.0.0.1), on the connection layer.

What it answers and who may use it is the package's docstring (:mod:`pytest_goproxy.serve`).
Each connection carries one request and is closed after the answer (``HTTP/1.0``, as the
standard library's server answered before the endpoint moved onto
:class:`~pytest_goproxy.serving.tcp.TCPServer`). Every read has
:attr:`ControlEndpoint.read_timeout` and the whole request :data:`CONTROL_TIMEOUT`: a client
trickling a byte now and then (a slowloris) gets a 408 at the deadline instead of holding a
thread for hours. Whatever a client sends gets a status line and a JSON body, never a dropped
connection.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import math
import re
import socket
import time
import urllib.parse
from collections.abc import Mapping
from email.message import Message
from email.parser import HeaderParser
from http import HTTPStatus
from typing import Protocol

from pytest_goproxy.errors import FaultError, GoProxyError
from pytest_goproxy.serving.http1 import split_head
from pytest_goproxy.serving.httpserver import SERVER_LOG, log_handler_error
from pytest_goproxy.serving.tcp import CHUNK, Connection, TCPServer

__all__ = ["CONTROL_TIMEOUT", "MAX_CONTROL_BODY", "ControlEndpoint", "ControlTarget"]

#: The largest control request body: a fault is a name and a few numbers.
MAX_CONTROL_BODY = 64 * 1024
#: Seconds a control connection may take to send its request (a held connection then ends).
CONTROL_TIMEOUT = 10.0
#: The longest request line read (the standard library server's limit), and the most header
#: lines.
_MAX_LINE = 65536
_MAX_HEADERS = 100
_ALLOW = "GET, POST, DELETE, OPTIONS"


class ControlTarget(Protocol):
    """What the endpoint changes and reads: an :class:`~pytest_goproxy.serve.OutageServer`."""

    @property
    def control_url(self) -> str: ...

    @property
    def control_port(self) -> int: ...

    @property
    def env(self) -> dict[str, str]: ...

    def faults(self) -> list[dict[str, object]]: ...

    def add_fault(
        self, name: str, params: Mapping[str, object] | None = None
    ) -> dict[str, object]: ...

    def removal(self, ident: str | None = None) -> dict[str, object]: ...


class _ErrorAnswer(Exception):
    """A control request answered ``status`` with ``{"error": message}`` (and ``headers``)."""

    def __init__(
        self, status: HTTPStatus, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.headers = dict(headers or {})


#: ``Host`` or an origin's authority: a name or a bracketed IPv6 address, and maybe a port.
_AUTHORITY = re.compile(
    r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9.-]+))(?::(?P<port>\d+))?"
)
_DIGITS = re.compile(r"[0-9]{1,18}")
#: The control routes: path (``None``: ``/faults/<id>``) and the methods each answers.
_ROUTES: dict[str | None, tuple[str, ...]] = {
    "/faults": ("GET", "POST", "DELETE"),
    "/env": ("GET",),
    None: ("DELETE",),
}
_USAGE = "GET /faults, GET /env, POST /faults, DELETE /faults, DELETE /faults/<id>"


def _as_error_answer(exc: Exception, request: str) -> _ErrorAnswer:
    """The answer to a control request that raised ``exc``: never a dropped connection."""
    if isinstance(exc, _ErrorAnswer):
        return exc
    if isinstance(exc, FaultError):  # an unknown fault, a bad parameter
        return _ErrorAnswer(HTTPStatus.BAD_REQUEST, str(exc))
    if isinstance(exc, GoProxyError):  # toxiproxy went away...: say so, keep serving
        return _ErrorAnswer(HTTPStatus.INTERNAL_SERVER_ERROR, str(exc))
    SERVER_LOG.debug("serve control: %s failed", request, exc_info=exc)  # a bug of ours
    return _ErrorAnswer(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error: {exc!r}")


def _loopback(authority: str) -> tuple[bool, int | None]:
    """Whether ``authority`` (``host[:port]``) names this machine, and its port.

    Only literal loopback names pass: ``localhost``, ``127.x.x.x`` and ``[::1]``. A page behind
    a DNS name rebound to 127.0.0.1 reaches the socket but sends its own name in ``Host``."""
    found = _AUTHORITY.fullmatch(authority)
    if found is None:
        return False, None
    port = int(found["port"]) if found["port"] else None
    if found["name"] is not None:
        name = found["name"]
        if name.lower() == "localhost":
            return True, port
        with contextlib.suppress(ValueError):
            return ipaddress.IPv4Address(name).is_loopback, port
        return False, port
    try:
        return ipaddress.IPv6Address(found["v6"]).is_loopback, port
    except ValueError:
        return False, port


def _only(headers: Message, name: str) -> str | None:
    """The one value of header ``name`` (None when absent); two differing values are a 400."""
    values = set(headers.get_all(name) or ())
    if len(values) > 1:
        raise _ErrorAnswer(HTTPStatus.BAD_REQUEST, f"{name} is given twice, differently")
    return values.pop() if values else None


def _finite(text: str) -> float:
    """``json.loads``' float parser without the infinities (``1e999``), which no fault takes."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text} is out of range")
    return value


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _fault_request(body: bytes) -> tuple[str, dict[str, object]]:
    """``{"name": "<fault>", "params": {...}}``, or a :class:`_ErrorAnswer` saying what is wrong."""
    shape = 'the body is {"name": "<fault>", "params": {...}}'
    try:
        parsed = json.loads(body, parse_float=_finite, parse_constant=_reject_constant)
    except RecursionError:
        raise _ErrorAnswer(
            HTTPStatus.BAD_REQUEST, f"the JSON is nested too deeply; {shape}"
        ) from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, too many digits...
        raise _ErrorAnswer(HTTPStatus.BAD_REQUEST, f"not JSON ({exc}); {shape}") from None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("name"), str):
        raise _ErrorAnswer(HTTPStatus.BAD_REQUEST, shape)
    unknown = sorted(set(parsed) - {"name", "params"})
    if unknown:
        raise _ErrorAnswer(HTTPStatus.BAD_REQUEST, f"unknown field(s) {unknown}; {shape}")
    params = parsed.get("params") or {}
    if not isinstance(params, dict):
        raise _ErrorAnswer(HTTPStatus.BAD_REQUEST, f"params must be an object; {shape}")
    return parsed["name"], params


class _TooLate(Exception):
    """The request's deadline passed while it was being read."""


class ControlEndpoint:
    """The control endpoint of ``target`` on 127.0.0.1 (``start()``; ``close()`` ends it)."""

    def __init__(self, target: ControlTarget) -> None:
        self.target = target
        #: the longest wait for one read of a request (the whole request has CONTROL_TIMEOUT)
        self.read_timeout = CONTROL_TIMEOUT
        self.server = TCPServer(self._serve, read_timeout=None, name="serve-control")
        self.port = self.server.port

    def start(self) -> ControlEndpoint:
        self.server.start()
        return self

    def close(self) -> None:
        self.server.close()

    def handle_error(self, request: object, client_address: object) -> None:
        """A request that broke (a bug, a client gone mid-answer): at debug level."""
        log_handler_error(request, client_address)

    def _serve(self, conn: Connection) -> None:
        try:
            _Request(self, conn).serve()
        except Exception:
            self.handle_error(conn, conn.peer)


class _Request:
    """One control request on ``conn``: read, checked, routed, answered in JSON."""

    def __init__(self, endpoint: ControlEndpoint, conn: Connection) -> None:
        self.endpoint = endpoint
        self.target = endpoint.target
        self.conn = conn
        # the module's value at the time of the request (tests shorten it)
        self.limit = CONTROL_TIMEOUT
        self.deadline = time.monotonic() + self.limit
        self.buffer = b""
        self.method = ""
        self.path = ""
        self.headers = Message()

    # -- reading, within the deadline -----------------------------------------------------------

    def _recv(self) -> bytes:
        """More of the request; b"" at its end; _TooLate past the deadline."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise _TooLate
        self.conn.settimeout(min(self.endpoint.read_timeout, left))
        try:
            return self.conn.sock.recv(CHUNK)
        except TimeoutError:
            if time.monotonic() >= self.deadline:
                raise _TooLate from None
            raise
        except OSError:
            return b""

    def serve(self) -> None:
        try:
            self._serve()
        except _TooLate:
            self._answer(
                HTTPStatus.REQUEST_TIMEOUT, {"error": f"the request took over {self.limit} s"}
            )
        except TimeoutError:
            self._answer(
                HTTPStatus.REQUEST_TIMEOUT,
                {"error": f"the request did not arrive in {self.endpoint.read_timeout} s"},
            )

    def _serve(self) -> None:
        while (split := split_head(self.buffer)) is None:
            line, newline, _ = self.buffer.partition(b"\n")
            if not newline and len(line) > _MAX_LINE:
                self._refuse(HTTPStatus.REQUEST_URI_TOO_LONG, "the request line is too long")
                return
            if len(self.buffer) > _MAX_LINE * 2:
                self._refuse(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "the head is too long")
                return
            data = self._recv()
            if not data:
                if self.buffer.strip():
                    self._refuse(HTTPStatus.BAD_REQUEST, "the request ended before its head did")
                return
            self.buffer += data
        head, self.buffer = split
        lines = head.decode("latin-1").replace("\r\n", "\n").split("\n")
        words = lines[0].split()
        if len(lines[0]) > _MAX_LINE:
            self._refuse(HTTPStatus.REQUEST_URI_TOO_LONG, "the request line is too long")
            return
        if len(words) != 3 or not re.fullmatch(r"HTTP/[0-9]+\.[0-9]+", words[2]):
            self._refuse(HTTPStatus.BAD_REQUEST, f"bad request line {lines[0][:100]!r}")
            return
        self.method, self.path, version = words
        major = int(version[5:].split(".")[0])
        if major >= 2:
            self._refuse(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, f"{version} is not served")
            return
        if major != 1:
            self._refuse(HTTPStatus.BAD_REQUEST, f"bad request version {version!r}")
            return
        header_lines = [line for line in lines[1:] if line.strip()]
        if len(header_lines) > _MAX_HEADERS:
            self._refuse(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers")
            return
        self.headers = HeaderParser().parsestr("\n".join(header_lines) + "\n\n")
        if self.method not in ("GET", "POST", "DELETE", "OPTIONS"):
            self._answer(
                HTTPStatus.METHOD_NOT_ALLOWED,
                {"error": f"method {self.method} not allowed; {_USAGE}"},
                {"Allow": _ALLOW},
            )
            return
        try:
            status, answer, headers = self._route(self._check())
        except (_TooLate, TimeoutError):
            raise
        except Exception as exc:
            error = _as_error_answer(exc, f"{self.method} {self.path}")
            status, answer, headers = error.status, {"error": str(error)}, error.headers
        self._answer(status, answer, headers)

    def _body(self, length: int) -> bytes:
        while len(self.buffer) < length:
            data = self._recv()
            if not data:
                break
            self.buffer += data
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return body

    # -- checks and routes, as the endpoint has always had them ---------------------------------

    def _check(self) -> bytes:
        """The body, read only after its framing checks out, then the request's origin:
        a loopback ``Host``, no foreign ``Origin`` or ``Sec-Fetch-Site``."""
        if self.headers.get("Transfer-Encoding") is not None:
            raise _ErrorAnswer(
                HTTPStatus.LENGTH_REQUIRED, "send the body with a Content-Length, not chunked"
            )
        length_text = _only(self.headers, "Content-Length") or "0"
        if not _DIGITS.fullmatch(length_text.strip()):
            raise _ErrorAnswer(HTTPStatus.BAD_REQUEST, f"bad Content-Length {length_text!r}")
        length = int(length_text)
        if length > MAX_CONTROL_BODY:
            self._linger = True
            raise _ErrorAnswer(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the body is {length} bytes; at most {MAX_CONTROL_BODY} are read",
            )
        try:
            body = self._body(length)
        except TimeoutError:
            raise _ErrorAnswer(
                HTTPStatus.REQUEST_TIMEOUT, f"the body did not arrive in {self.limit} s"
            ) from None
        if len(body) < length:
            raise _ErrorAnswer(HTTPStatus.BAD_REQUEST, "the body is shorter than Content-Length")
        target = self.target
        host = _only(self.headers, "Host")
        if host is None or not _loopback(host)[0]:
            raise _ErrorAnswer(
                HTTPStatus.BAD_REQUEST,
                f"Host {host!r} is not this machine: use {target.control_url}",
            )
        origin = _only(self.headers, "Origin")
        if origin is not None and not self._own_origin(origin):
            raise _ErrorAnswer(HTTPStatus.FORBIDDEN, f"requests from {origin!r} are refused")
        site = self.headers.get("Sec-Fetch-Site")
        if site is not None and site not in ("same-origin", "none"):
            raise _ErrorAnswer(HTTPStatus.FORBIDDEN, f"{site} requests are refused")
        return body

    def _own_origin(self, origin: str) -> bool:
        """``origin`` is the endpoint's own: http, a loopback name, the control port."""
        scheme, sep, authority = origin.partition("://")
        if scheme != "http" or not sep:
            return False
        ok, port = _loopback(authority)
        return ok and port == self.target.control_port

    def _route(self, body: bytes) -> tuple[HTTPStatus, object, dict[str, str]]:
        target = self.target
        path = urllib.parse.urlsplit(self.path).path
        ident = path[len("/faults/") :] if path.startswith("/faults/") else None
        key = None if ident and "/" not in ident else path
        allowed = _ROUTES.get(key)
        if allowed is None:
            raise _ErrorAnswer(HTTPStatus.NOT_FOUND, f"no {path!r} here; {_USAGE}")
        allow = {"Allow": ", ".join((*allowed, "OPTIONS"))}
        if self.method == "OPTIONS":  # the methods, and no Access-Control-Allow-* grant
            return HTTPStatus.NO_CONTENT, None, allow
        if self.method not in allowed:
            raise _ErrorAnswer(
                HTTPStatus.METHOD_NOT_ALLOWED, f"{self.method} {path}: {_USAGE}", allow
            )
        if self.method == "GET":
            return HTTPStatus.OK, target.faults() if path == "/faults" else target.env, {}
        if self.method == "DELETE":
            answer = target.removal(ident)
            found = ident is None or answer["removed"]
            return HTTPStatus.OK if found else HTTPStatus.NOT_FOUND, answer, {}
        if self.headers.get_content_type() != "application/json":
            raise _ErrorAnswer(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                "send Content-Type: application/json (curl: --json '{...}' or "
                "-H 'Content-Type: application/json')",
            )
        name, params = _fault_request(body)
        return HTTPStatus.CREATED, target.add_fault(name, params), {}

    # -- the answer -----------------------------------------------------------------------------

    _linger = False

    def _refuse(self, status: HTTPStatus, message: str) -> None:
        self._answer(status, {"error": message})

    def _answer(
        self, status: HTTPStatus, body: object, headers: Mapping[str, str] | None = None
    ) -> None:
        """A JSON answer (none for 204 and HEAD), the connection closed after it."""
        if status >= 400:
            message = body.get("error") if isinstance(body, dict) else None
            SERVER_LOG.debug("serve control: code %d, message %s", status.value, message)
        data = b"" if status == HTTPStatus.NO_CONTENT else (json.dumps(body) + "\n").encode()
        lines = [f"HTTP/1.0 {status.value} {status.phrase}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if data:
            lines += ["Content-Type: application/json", "X-Content-Type-Options: nosniff"]
        lines += ["Cache-Control: no-store", f"Content-Length: {len(data)}", "Connection: close"]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.conn.sendall(head + (data if self.method != "HEAD" else b""))
        if self._linger:
            self._discard_unread()

    def _discard_unread(self) -> None:
        """After refusing a body too large to read: say we are done, then read what the
        client is still sending for a moment, so closing does not reset the connection
        before the client has read the answer (a reset can discard it)."""
        self.conn.shutdown(socket.SHUT_WR)
        self.conn.settimeout(0.5)
        left = 4 * MAX_CONTROL_BODY
        while left > 0 and (chunk := self.conn.recv(min(left, CHUNK))):
            left -= len(chunk)

"""The connection layer's HTTP/1.1 server for the fakes: keep-alive WSGI on :class:`TCPServer`.

The fake proxy, the checksum database and the origin are WSGI applications (pytest-httpserver's
``HTTPServer`` and werkzeug's ``Request``/``Response`` stay their public face); this module is
what carries their requests, in place of werkzeug's development server, whose internals we used
to override (its ``run_wsgi``). What it does, and why:

* **Persistent connections**, as real proxies and code hosts keep them: go downloads hundreds of
  files down a few connections, and git (curl) reuses one per command. An answer of known length
  keeps the connection; one of unknown length is sent chunked (HTTP/1.1) or ends it (HTTP/1.0).
  The connection ends when the client asks (``Connection: close``, HTTP/1.0 without
  keep-alive), when an application says so (``environ[KEEP_ALIVE] = False``), when a request
  body was left unread and is long or slow, or on any error.
* **Deadlines**: the TLS handshake and the first request head must arrive within
  ``read_timeout`` (:data:`HEAD_TIMEOUT`); a kept connection may wait ``idle_timeout`` for its
  next request, and a head that started must be whole within ``read_timeout`` (a client
  trickling bytes holds a thread for that long, not for ever).
* **A fast path**: ``fast_answer(method, target)`` may answer a body-less request at once
  (the proxy's plain ``GET``), skipping the WSGI environ.
* **Nagle off**, head and first body chunk in one write: a small answer never waits for the
  client's delayed ACK (40 ms each: measured in issue 2).
* **Quiet**: a client's garbage gets a status line (400, 414), never a traceback on stderr.

Request bodies: ``Content-Length`` or ``chunked`` (``wsgi.input_terminated``: the application
may read to the end); ``Expect: 100-continue`` is answered before the application reads.
"""

from __future__ import annotations

import contextlib
import logging
import re
import ssl
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from pytest_goproxy.serving.http1 import MAX_HEAD, InputLines, answer, http_date, split_head
from pytest_goproxy.serving.http2 import CONNECTION_REQUEST, serve_http2
from pytest_goproxy.serving.tcp import CHUNK, Connection, TCPServer

__all__ = [
    "HEAD_TIMEOUT",
    "IDLE_TIMEOUT",
    "KEEP_ALIVE",
    "MAX_TARGET",
    "FastAnswer",
    "WSGIApp",
    "WSGIServer",
]

#: An application sets ``environ[KEEP_ALIVE] = False`` to end the connection after its answer
#: (the origin, when a request body may still be half read: the copy into git did not finish).
KEEP_ALIVE = "pytest_goproxy.keep_alive"
#: The longest request target taken (nginx's and Apache's default limits are 8 KiB).
MAX_TARGET = 8 * 1024
_LOG = logging.getLogger("pytest_goproxy.serving")
_VERSION = re.compile(r"HTTP/[0-9]\.[0-9]")
#: How long a TLS handshake, a request head or a body read may take: nginx's
#: ``client_header_timeout`` (60 s), and longer than go's own limits (net/http's 10 s TLS
#: handshake, 30 s dial), so what go reports is go's, never a server that gave up first.
HEAD_TIMEOUT = 60.0
#: How long a kept connection waits for its next request (nginx's ``keepalive_timeout`` is 75 s).
IDLE_TIMEOUT = 30.0
#: How much of a request body nobody read is read to keep the connection, and for how long.
_MAX_DRAIN = 1 << 20
_DRAIN_TIMEOUT = 5.0

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
#: ``fast_answer(method, request_target, protocol)``: ``(status line, headers, body)`` for a
#: request the caller answers itself, or None for the WSGI path; ``protocol`` is the request's
#: ``HTTP/1.1`` (``HTTP/1.0``) or ``HTTP/2``.
FastAnswer = Callable[[str, str, str], "tuple[str, list[tuple[str, str]], Iterable[bytes]] | None"]


class _Stream:
    """A connection's bytes, buffered: what came after a head, then more from the socket."""

    def __init__(self, conn: Connection, data: bytes = b"") -> None:
        self.conn = conn
        self.buffer = data

    def fill(self) -> bool:
        data = self.conn.recv(CHUNK)
        self.buffer += data
        return bool(data)

    def take(self, size: int) -> bytes:
        """Up to ``size`` bytes (fewer only at the end of data)."""
        while len(self.buffer) < size and self.fill():
            pass
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def line(self, limit: int = 64 * 1024) -> bytes:
        """One line with its end (all that is left at the end of data)."""
        while b"\n" not in self.buffer and len(self.buffer) < limit and self.fill():
            pass
        end = self.buffer.find(b"\n")
        cut = len(self.buffer) if end < 0 else end + 1
        data, self.buffer = self.buffer[:cut], self.buffer[cut:]
        return data


class _Input(InputLines):
    """``wsgi.input``: a request body, to its end (``Content-Length`` or ``chunked``)."""

    def __init__(self, stream: _Stream, length: int | None) -> None:
        self.stream = stream
        self.left = length  # None: chunked
        self.chunk_left = 0
        self.done = length == 0
        self.broken = False

    def _next_chunk(self) -> None:
        size_line = self.stream.line()
        try:
            size = int(size_line.split(b";", 1)[0].strip() or b"x", 16)
        except ValueError:
            self.broken = self.done = True
            return
        if size == 0:
            while self.stream.line() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            self.done = True
        self.chunk_left = size

    def read(self, size: int = -1) -> bytes:
        out = bytearray()
        while not self.done and (size < 0 or len(out) < size):
            want = CHUNK if size < 0 else size - len(out)
            if self.left is not None:
                data = self.stream.take(min(want, self.left))
                self.left -= len(data)
                if not data or self.left == 0:
                    self.broken = bool(self.left)
                    self.done = True
            else:
                if self.chunk_left == 0:
                    self._next_chunk()
                    if self.done:
                        break
                data = self.stream.take(min(want, self.chunk_left))
                self.chunk_left -= len(data)
                if not data:
                    self.broken = self.done = True
                elif self.chunk_left == 0:
                    self.stream.line()  # the CRLF after a chunk
            out += data
        return bytes(out)

    def drain(self) -> bool:
        """Read what is left (some of it, briefly); True when the body ended cleanly. A body
        announced longer than we would read is not waited for: the connection ends."""
        if self.left is not None and self.left > _MAX_DRAIN:
            return False
        taken = 0
        self.stream.conn.settimeout(_DRAIN_TIMEOUT)
        while not self.done and taken <= _MAX_DRAIN:
            taken += len(self.read(CHUNK))
        return self.done and not self.broken


class WSGIServer:
    """``app`` served over HTTP/1.1 (HTTPS with ``ssl_context``) on a :class:`TCPServer`; see
    the module docstring. ``start()`` listens; ``close()`` ends every connection."""

    def __init__(
        self,
        app: WSGIApp,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        fast_answer: FastAnswer | None = None,
        read_timeout: float = HEAD_TIMEOUT,
        idle_timeout: float = IDLE_TIMEOUT,
        name: str = "wsgi",
    ) -> None:
        self.app = app
        self.ssl_context = ssl_context
        self.fast_answer = fast_answer
        self.read_timeout = read_timeout
        self.idle_timeout = idle_timeout
        self.tcp = TCPServer(
            self._connection, host=host, port=port, read_timeout=read_timeout, name=name
        )
        self.host, self.port = self.tcp.address

    def start(self) -> WSGIServer:
        self.tcp.start()
        return self

    def close(self) -> None:
        self.tcp.close()

    # -- one connection ----------------------------------------------------------------------

    def _connection(self, conn: Connection) -> None:
        if self.ssl_context is not None:
            try:
                conn.start_tls(self.ssl_context, server_side=True)
            except OSError:  # a failed handshake, a client that went away
                return
            conn.nodelay()
            if getattr(conn.sock, "selected_alpn_protocol", lambda: None)() == "h2":
                serve_http2(conn, self)
                return
        conn.nodelay()
        stream = _Stream(conn)
        number = 0
        while True:
            head = self._head(stream, number == 0)
            if head is None:
                return
            number += 1
            if not self._request(conn, stream, head, number):
                return

    def _head(self, stream: _Stream, first: bool) -> bytes | None:
        """The next request head (without its blank line), None at the end or a deadline."""
        conn = stream.conn
        conn.settimeout(self.read_timeout if first else self.idle_timeout)
        while not stream.buffer.strip():  # blank lines between requests are allowed
            stream.buffer = b""
            if not stream.fill():
                return None
        conn.settimeout(self.read_timeout)
        started = time.monotonic()
        while (split := split_head(stream.buffer)) is None:
            if _not_http(stream.buffer):
                # what a plain-HTTP server answers at once, before a whole head (a TLS
                # ClientHello has none): go says "server gave HTTP response to HTTPS client"
                return stream.buffer.split(b"\n", 1)[0]
            if len(stream.buffer) > MAX_HEAD or time.monotonic() - started > self.read_timeout:
                return None
            if not stream.fill():
                return None
        head, stream.buffer = split
        return head.lstrip(b"\r\n")

    def _request(self, conn: Connection, stream: _Stream, raw: bytes, number: int) -> bool:
        """Answer one request; True to keep the connection for the next one."""
        lines = raw.decode("latin-1").split("\n")
        words = lines[0].strip().split()
        version_ok = len(words) == 3 and _VERSION.fullmatch(words[2])
        if not version_ok:  # HTTP/0.9 (no version: go never sends one) or garbage
            _write_simple(conn, "HTTP/1.1", HTTPStatus.BAD_REQUEST, "bad request line")
            return False
        method, target, version = words
        if not version.startswith("HTTP/1."):
            _write_simple(conn, "HTTP/1.1", HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, version)
            return False
        if len(target) > MAX_TARGET:
            _write_simple(conn, version, HTTPStatus.REQUEST_URI_TOO_LONG, f"over {MAX_TARGET}")
            return False
        headers: list[tuple[str, str]] = []
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep or not name.strip() or name != name.strip():
                _write_simple(conn, version, HTTPStatus.BAD_REQUEST, "bad header line")
                return False
            headers.append((name.strip(), value.strip()))
        fields = {name.lower(): value for name, value in headers}
        connection = fields.get("connection", "").lower()
        keep = "close" not in connection and (version == "HTTP/1.1" or "keep-alive" in connection)
        chunked = "chunked" in fields.get("transfer-encoding", "").lower()
        length_text = fields.get("content-length")
        if length_text is not None and not length_text.isdigit():
            _write_simple(conn, version, HTTPStatus.BAD_REQUEST, "bad Content-Length")
            return False
        has_body = chunked or bool(length_text and int(length_text))
        expect = fields.get("expect", "").lower()
        if not has_body and not expect and self.fast_answer is not None:
            fast = self.fast_answer(method, target, version)
            if fast is not None:
                status, answer_headers, body = fast
                return _write(conn, version, method, status, answer_headers, body, keep)
        if expect == "100-continue":
            conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        body_input = _Input(stream, None if chunked else int(length_text or 0))
        environ = self.environ(conn, method, target, version, headers, body_input)
        environ[CONNECTION_REQUEST] = number
        written = [False]
        answer_head: list[tuple[str, list[tuple[str, str]]]] = []

        def start_response(
            status: str, response_headers: list[tuple[str, str]], exc_info: object = None
        ) -> Callable[[bytes], object]:
            answer_head[:] = [(status, list(response_headers))]
            return _no_write

        try:
            chunks = self.app(environ, start_response)
            try:
                status, answer_headers = answer_head[0]
                keep = _write(conn, version, method, status, answer_headers, chunks, keep, written)
            finally:
                closer = getattr(chunks, "close", None)
                if closer is not None:
                    closer()
        except Exception:
            if not written[0]:
                with contextlib.suppress(Exception):
                    _write_simple(conn, version, HTTPStatus.INTERNAL_SERVER_ERROR, "")
            return False
        if not environ.get(KEEP_ALIVE, True):
            return False
        return keep and body_input.drain()

    def environ(
        self,
        conn: Connection,
        method: str,
        target: str,
        version: str,
        headers: list[tuple[str, str]],
        body: Any,
    ) -> dict[str, Any]:
        """The WSGI environ of one request (over HTTP/1.x or HTTP/2); ``body`` is its
        ``wsgi.input``."""
        path, _, query = target.partition("?")
        if "://" in path:  # an absolute target: its path
            path = urllib.parse.urlsplit(path).path or "/"
        peer = conn.peer if isinstance(conn.peer, tuple) else ("", 0)
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": urllib.parse.unquote_to_bytes(path).decode("latin-1"),
            "QUERY_STRING": query,
            "REQUEST_URI": target,
            "RAW_URI": target,
            "SERVER_NAME": self.host,
            "SERVER_PORT": str(self.port),
            "SERVER_PROTOCOL": version,
            "REMOTE_ADDR": str(peer[0]),
            "REMOTE_PORT": str(peer[1]),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "https" if self.ssl_context is not None else "http",
            "wsgi.input": body,
            "wsgi.input_terminated": True,
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in headers:
            key = name.upper().replace("-", "_")
            if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[key] = value
                continue
            key = f"HTTP_{key}"
            environ[key] = f"{environ[key]},{value}" if key in environ else value
        return environ


def _not_http(data: bytes) -> bool:
    """Whether ``data`` cannot start an HTTP/1.x request: a TLS record (a handshake is 0x16),
    or a first line that is not ``METHOD TARGET HTTP/x.y``."""
    data = data.lstrip(b"\r\n")
    if data[:1] == b"\x16":
        return True
    line, newline, _ = data.partition(b"\n")
    if not newline:
        return False
    words = line.strip().split()
    return len(words) != 3 or _VERSION.fullmatch(words[2].decode("latin-1")) is None


def _no_write(data: bytes) -> object:
    """WSGI's ``write()``, which our applications never use."""
    raise NotImplementedError("the fakes' answers are iterables")


def _write(
    conn: Connection,
    version: str,
    method: str,
    status: str,
    headers: list[tuple[str, str]],
    body: Iterable[bytes],
    keep: bool,
    written: list[bool] | None = None,
) -> bool:
    """Send an answer; True when the connection can carry the next request."""
    code = int(status.split(None, 1)[0])
    names = {name.lower() for name, _ in headers}
    bodiless = method == "HEAD" or 100 <= code < 200 or code in (204, 304)
    length = None
    if "content-length" in names:
        value = next(v for n, v in headers if n.lower() == "content-length")
        length = int(value) if value.strip().isdigit() else None
    chunked = not bodiless and length is None and version == "HTTP/1.1"
    if not bodiless and length is None and not chunked:
        keep = False  # the end of the body is the end of the connection
    if "transfer-encoding" in names:
        chunked = False
        keep = False
    lines = [f"{version} {status}", *(f"{name}: {value}" for name, value in headers)]
    if "date" not in names:
        lines.append(f"Date: {http_date()}")
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    if not keep and "connection" not in names:
        lines.append("Connection: close")
    pending = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    sent = 0
    for chunk in body:
        if not chunk or bodiless:
            continue
        sent += len(chunk)
        if chunked:
            chunk = b"%x\r\n%s\r\n" % (len(chunk), chunk)
        if not conn.sendall(pending + chunk):
            return False
        pending = b""
        if written is not None:
            written[0] = True
    if chunked:
        pending += b"0\r\n\r\n"
    if pending and not conn.sendall(pending):
        return False
    if written is not None:
        written[0] = True
    if length is not None and not bodiless and sent != length:
        return False  # a short (or long) body: the framing is lost
    return keep


def _write_simple(conn: Connection, version: str, status: HTTPStatus, text: str) -> None:
    """A refusal that ends the connection, logged at debug level (a client's garbage is not
    news on stderr; ``--log-level=DEBUG`` shows it)."""
    _LOG.debug("%s: code %d, message %s", conn.peer, status.value, text or status.phrase)
    answer(conn, status, f"{status.value} {status.phrase}: {text}" if text else "", version=version)

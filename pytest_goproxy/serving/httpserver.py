"""Serving tweaks shared by our pytest-httpserver servers (the fake proxy, the checksum database).

Four costs of werkzeug's development server matter when the go command downloads hundreds of
modules in parallel (measured in issue 2, see benchmarks/bench_download.py):

- It writes the headers and the body in separate ``send`` calls; with Nagle on, the body waits for
  the ACK of the headers, which the client delays by up to 40 ms (a naive server was 26x slower
  than ``GOPROXY=file://``). We turn Nagle off.
- It closes every connection (``Connection: close``) and then lingers 10 ms per request draining
  the socket, so go dials a new connection and the server starts a new thread for each request.
  For plain GETs the fake proxy can answer itself (``fast_answer``): one write for the headers and
  the first body chunk, and the connection kept alive for the next request, as a real proxy does.
  Everything else (hand-made handlers, HTTP faults, HEAD, request bodies) takes werkzeug's path.
- It stops only at its next poll, up to 0.5 s after ``shutdown()``: :class:`QuickStopHTTPServer`
  polls every 20 ms.
- It logs every request through ``logging``, which pytest captures into every report; our servers
  keep request logs of their own.

Quiet means quiet: a client's garbage (a bad request line, a dropped connection, a body werkzeug
could not read) is not our servers' news, yet werkzeug's handler, its server and socketserver each
wrote such lines to stderr (430 of them in one fuzz run). They all go to the
``pytest_goproxy.serving`` logger at debug level instead (:data:`SERVER_LOG`), where
``--log-level=DEBUG`` finds them. :class:`QuietThreadingHTTPServer` does the same for
``http.server`` endpoints (``serve``'s control endpoint).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus
from http.server import ThreadingHTTPServer
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug.serving import WSGIRequestHandler
from werkzeug.wrappers import Response

__all__ = [
    "MAX_TARGET",
    "SERVER_LOG",
    "FastAnswer",
    "QuickStopHTTPServer",
    "QuietNoDelayHandler",
    "QuietThreadingHTTPServer",
    "log_handler_error",
    "tune_server",
]

#: Where our HTTP servers' own lines go, at debug level (see the module docstring).
SERVER_LOG = logging.getLogger("pytest_goproxy.serving")

#: The longest request target our servers take (nginx's and Apache's default limits are 8 KiB).
#: go never sends one near it; longer ones are a 414 before werkzeug copies them a dozen times
#: (http.server reads up to 64 KiB): a fuzzer's 60 KiB paths grew a long ``serve`` by tens of MB.
MAX_TARGET = 8 * 1024

#: ``fast_answer(method, request_target)``: a complete response, or None for werkzeug's path.
FastAnswer = Callable[[str, str], "Response | None"]


class QuietNoDelayHandler(WSGIRequestHandler):
    """werkzeug's request handler with Nagle off, quiet, a keep-alive fast path, and a status
    line on every answer (public: the origin's keep-alive handler builds on it)."""

    disable_nagle_algorithm = True

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Requests are logged by the server that answered them, not on stderr."""

    def log(self, type: str, message: str, *args: Any) -> None:
        """werkzeug's one funnel for a handler's lines (``code 400, message Bad request
        syntax``...): to :data:`SERVER_LOG` at debug level, not to stderr."""
        SERVER_LOG.debug("%s: " + message.rstrip(), self.address_string(), *args)

    def parse_request(self) -> bool:
        """HTTP/1.x only: a request line naming no version (HTTP/0.9) is a 400 with a status
        line, as Go's net/http answers, not a bare body (go never sends one)."""
        if not super().parse_request():
            return False
        if self.request_version == "HTTP/0.9":
            self.send_error(HTTPStatus.BAD_REQUEST, "HTTP/0.9 is not served: send HTTP/1.1")
            return False
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's refusal with a status line: before it has read a request's version it
        answers as HTTP/0.9, a bare HTML page no client can tell from a body."""
        if self.request_version == "HTTP/0.9":
            self.request_version = "HTTP/1.0"
        super().send_error(code, message, explain)

    def run_wsgi(self) -> None:
        if len(self.path) > MAX_TARGET:
            self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG, f"over {MAX_TARGET} bytes")
            return
        fast: FastAnswer | None = getattr(self.server, "fast_answer", None)
        has_body = "Content-Length" in self.headers or "Transfer-Encoding" in self.headers
        if fast is None or has_body or "Expect" in self.headers:
            super().run_wsgi()
            return
        response = fast(self.command, self.path)
        if response is None:
            super().run_wsgi()
            return
        self._send(response)

    def _send(self, response: Response) -> None:
        """Write ``response`` over HTTP/1.1, keeping the connection when its length is known."""
        if response.content_length is None:
            self.close_connection = True
            response.headers["Connection"] = "close"
        head = f"{self.protocol_version} {response.status}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in response.headers.items())
        chunks = response.iter_encoded()
        try:
            first = next(chunks, b"")
            self.wfile.write(head.encode("latin-1") + b"\r\n" + first)
            for chunk in chunks:
                self.wfile.write(chunk)
        finally:
            response.close()


class QuickStopHTTPServer(HTTPServer):
    """pytest-httpserver's server, stopping in milliseconds instead of up to half a second.

    ``serve_forever`` notices ``shutdown()`` only between polls, every 0.5 s by default; a matrix
    cell starts and stops three servers, which made that wait most of a cell's cost.
    """

    POLL_INTERVAL = 0.02

    def thread_target(self) -> None:
        assert self.server is not None
        self.server.serve_forever(poll_interval=self.POLL_INTERVAL)


def log_handler_error(request: object, client_address: object) -> None:
    """socketserver's ``handle_error`` (a traceback on stderr), at debug level instead."""
    SERVER_LOG.debug("a connection from %s ended in an error", client_address, exc_info=True)


def _log_server_line(type: str, message: str, *args: Any) -> None:
    """werkzeug's server-level lines (``Error on request:`` and a traceback), at debug level."""
    SERVER_LOG.debug(message.rstrip(), *args)


class QuietThreadingHTTPServer(ThreadingHTTPServer):
    """``http.server``'s threaded server for our small endpoints: daemon threads (a held
    connection never keeps the process alive), and a handler's error at debug level."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        log_handler_error(request, client_address)


def tune_server(server: HTTPServer, fast_answer: FastAnswer | None = None) -> None:
    """Switch a started server to the quiet, no-delay handler (and its fast path, if given), and
    make the server itself quiet.

    The handler class is read per connection, and nobody knows the port before ``start()``
    returns, so no request can reach the old handler. pytest-httpserver builds the werkzeug
    server itself, so its two error outlets are replaced on the instance.
    """
    assert server.server is not None, "tune_server() needs a started server"
    wsgi = server.server
    wsgi.RequestHandlerClass = QuietNoDelayHandler
    wsgi.fast_answer = fast_answer  # type: ignore[attr-defined]
    wsgi.log = _log_server_line  # type: ignore[method-assign]
    wsgi.handle_error = log_handler_error  # type: ignore[method-assign]

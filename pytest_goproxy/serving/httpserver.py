r"""pytest-httpserver's ``HTTPServer`` as the public face of our fakes, carried by the connection
layer (:class:`~pytest_goproxy.serving.wsgi.WSGIServer`) instead of werkzeug's development server.

FakeGoProxy, the checksum database and the origin *are* pytest-httpserver ``HTTPServer``\ s: its
``application``/``dispatch``, ``expect_request`` handlers, ``url_for`` and request log work as
users know them. Only the transport under it is ours (:class:`QuickStopHTTPServer` overrides
``start``/``stop``/``is_running``), because werkzeug's server costs what a Go download of
hundreds of modules cannot pay, and we had to override its undocumented ``run_wsgi`` to stop
paying it (measured in issues 2 and 17; ``benchmarks/bench_download.py``, ``bench_peers.py``):

- it closed every connection (``Connection: close``) and lingered 10 ms per request draining the
  socket; ours keeps connections alive, as a real proxy does;
- it wrote headers and body in separate sends with Nagle on (40 ms per answer waiting for a
  delayed ACK); ours writes them together, Nagle off;
- it stopped only at its next poll, up to 0.5 s after ``shutdown()``; ours stops at once and
  joins every connection's thread;
- it logged every request through ``logging`` and wrote clients' garbage to stderr; ours answers
  garbage with a status line and logs nothing.

For plain GETs the fake proxy can answer without a WSGI environ (``fast_answer``, given to
:func:`tune_server`). The servers' own lines (a handler that failed, a client's garbage) go to
:data:`SERVER_LOG` at debug level, ``serve``'s control endpoint's too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from pytest_httpserver import HTTPServer
from pytest_httpserver.httpserver import HTTPServerError
from werkzeug.wrappers import Request, Response

from pytest_goproxy.serving.wsgi import MAX_TARGET, WSGIServer

__all__ = [
    "MAX_TARGET",
    "SERVER_LOG",
    "FastAnswer",
    "QuickStopHTTPServer",
    "log_handler_error",
    "tune_server",
]

#: Where our HTTP servers' own lines go, at debug level (see the module docstring).
SERVER_LOG = logging.getLogger("pytest_goproxy.serving")

#: A complete answer: status line, headers, body.
Answer = tuple[str, list[tuple[str, str]], Iterable[bytes]]
#: ``fast_answer(method, request_target, protocol)``: a complete response, or None for the WSGI
#: path (``protocol``: ``HTTP/1.1``, ``HTTP/1.0`` or ``HTTP/2``).
FastAnswer = Callable[[str, str, str], "Response | None"]


class QuickStopHTTPServer(HTTPServer):
    """pytest-httpserver's server on the connection layer (see the module docstring): it stops
    at once, keeps connections alive and answers a client's garbage with a status line."""

    #: the proxy's answer to a plain GET without a WSGI environ (see :func:`tune_server`)
    fast_path: FastAnswer | None = None
    _wsgi: WSGIServer | None = None

    def wsgi_app(self) -> Callable[..., Iterable[bytes]]:
        """The WSGI application served: pytest-httpserver's ``application``, wrapped by
        werkzeug's ``Request.application`` as its own ``start()`` does."""
        return Request.application(self.application)

    def is_running(self) -> bool:
        return self._wsgi is not None

    def start(self) -> None:
        if self.is_running():
            raise HTTPServerError("Server is already running")
        server = WSGIServer(
            self.wsgi_app(),
            host=self.host,
            port=self.port,
            ssl_context=self.ssl_context,
            fast_answer=self._fast,
            name=type(self).__name__,
        )
        self.port = server.port
        self._wsgi = server.start()

    def stop(self) -> None:
        server, self._wsgi = self._wsgi, None
        if server is None:
            raise HTTPServerError("Server is not running")
        server.close()

    def _fast(
        self, method: str, target: str, protocol: str
    ) -> tuple[str, list[tuple[str, str]], Iterable[bytes]] | None:
        fast = self.fast_path
        if fast is None or len(target) > MAX_TARGET:
            return None
        response = fast(method, target, protocol)
        if response is None:
            return None
        return response.status, list(response.headers.items()), _closing(response)


def _closing(response: Response) -> Iterable[bytes]:
    """A response's encoded body, closed when sent (or abandoned)."""
    try:
        yield from response.iter_encoded()
    finally:
        response.close()


def log_handler_error(request: object, client_address: object) -> None:
    """socketserver's ``handle_error`` (a traceback on stderr), at debug level instead."""
    SERVER_LOG.debug("a connection from %s ended in an error", client_address, exc_info=True)


def tune_server(server: QuickStopHTTPServer, fast_answer: FastAnswer | None = None) -> None:
    """Give a server its fast path (the proxy's plain GETs): read per request, so a started
    server takes it at once."""
    server.fast_path = fast_answer

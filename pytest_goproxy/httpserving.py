"""Serving tweaks shared by our pytest-httpserver servers (the fake proxy, the checksum database).

werkzeug writes the headers and the body in separate ``send`` calls; with Nagle on, the body waits
for the ACK of the headers, which the client delays by up to 40 ms. That stall made a naive server
26x slower than ``GOPROXY=file://`` (measured in issue 2). werkzeug also logs every request through
``logging``, which pytest captures into every report; our servers keep request logs of their own.
"""

from __future__ import annotations

from pytest_httpserver import HTTPServer
from werkzeug.serving import WSGIRequestHandler

__all__ = ["tune_server"]


class _QuietNoDelayHandler(WSGIRequestHandler):
    """werkzeug's request handler with Nagle off and without per-request logging."""

    disable_nagle_algorithm = True

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Requests are logged by the server that answered them, not on stderr."""


def tune_server(server: HTTPServer) -> None:
    """Switch a started server to the quiet, no-delay handler.

    The handler class is read per connection, and nobody knows the port before ``start()``
    returns, so no request can reach the old handler.
    """
    assert server.server is not None, "tune_server() needs a started server"
    server.server.RequestHandlerClass = _QuietNoDelayHandler

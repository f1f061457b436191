"""Quiet means quiet: what a client's garbage makes werkzeug, its server and socketserver say goes
to the ``pytest_goproxy.serving`` logger at debug level, never to stderr or a test report (430
such lines in one fuzz run)."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import pytest

from pytest_goproxy import FakeGoProxy
from pytest_goproxy.serving.httpserver import SERVER_LOG


@pytest.fixture
def proxy() -> Iterator[FakeGoProxy]:
    with FakeGoProxy() as proxy:
        yield proxy


def test_a_garbage_request_line_is_logged_at_debug_not_on_stderr(
    proxy: FakeGoProxy, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """werkzeug's handler wrote ``code 400, message Bad request syntax`` through the
    ``werkzeug`` logger (stderr outside pytest, every report inside it)."""
    proxy.expect_request("/upload", method="POST").respond_with_data("ok")
    with caplog.at_level(logging.DEBUG):
        for data in (
            b"\x00\x01 garbage\r\n\r\n",
            b"GET / HTTP/2.0\r\n\r\n",
            # a hand-made handler makes pytest-httpserver read the body: werkzeug's traceback
            b"POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n",
        ):
            with socket.create_connection((proxy.host, proxy.port), timeout=10) as sock:
                sock.sendall(data)
                sock.shutdown(socket.SHUT_WR)
                while sock.recv(65536):
                    pass
    assert capfd.readouterr().err == ""
    loud = [r for r in caplog.records if r.levelno > logging.DEBUG or r.name == "werkzeug"]
    assert loud == []
    ours = [r.getMessage() for r in caplog.records if r.name == "pytest_goproxy.serving"]
    assert any("code 400" in m for m in ours), ours
    assert any("Error on request" in m for m in ours), ours


def test_a_server_level_error_is_logged_at_debug(
    proxy: FakeGoProxy, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """socketserver's ``handle_error`` printed a traceback on stderr."""
    assert proxy.server is not None
    with caplog.at_level(logging.DEBUG, logger=SERVER_LOG.name):
        try:
            raise ValueError("a handler failed")
        except ValueError:
            proxy.server.handle_error(None, ("127.0.0.1", 1))
    assert capfd.readouterr().err == ""
    assert [(r.name, r.levelno) for r in caplog.records] == [(SERVER_LOG.name, logging.DEBUG)]

"""Quiet means quiet: what a client's garbage makes our servers say goes to the
``pytest_goproxy.serving`` logger at debug level, never to stderr or a test report (werkzeug's
server wrote 430 such lines in one fuzz run, before the connection layer replaced it); and a
request target longer than any go sends is a 414 at once."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator

import pytest

from pytest_goproxy import FakeGoProxy
from pytest_goproxy.serving.httpserver import MAX_TARGET, SERVER_LOG
from pytest_goproxy.serving.tcp import Connection, TCPServer
from pytest_goproxy.sumdb import ChecksumDB


@pytest.fixture
def proxy() -> Iterator[FakeGoProxy]:
    with FakeGoProxy() as proxy:
        yield proxy


def test_a_garbage_request_line_is_logged_at_debug_not_on_stderr(
    proxy: FakeGoProxy, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """werkzeug's handler wrote ``code 400, message Bad request syntax`` through the
    ``werkzeug`` logger (stderr outside pytest, every report inside it); every such request
    still gets a status line."""
    proxy.expect_request("/upload", method="POST").respond_with_data("ok")
    answers = []
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
                answer = b""
                while chunk := sock.recv(65536):
                    answer += chunk
                answers.append(answer[:12])
    assert capfd.readouterr().err == ""
    loud = [r for r in caplog.records if r.levelno > logging.DEBUG or r.name == "werkzeug"]
    assert loud == []
    ours = [r.getMessage() for r in caplog.records if r.name == "pytest_goproxy.serving"]
    assert any("code 400" in m for m in ours), ours
    assert answers == [b"HTTP/1.1 400", b"HTTP/1.1 505", b"HTTP/1.1 200"], answers


def test_a_server_level_error_is_logged_at_debug(
    capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """socketserver's ``handle_error`` printed a traceback on stderr; the connection layer logs
    a handler that raised at debug level, and the server goes on."""
    served = threading.Event()

    def broken(conn: Connection) -> None:
        served.set()
        raise ValueError("a handler failed")

    with caplog.at_level(logging.DEBUG, logger=SERVER_LOG.name), TCPServer(broken) as server:
        for _ in range(2):
            with socket.create_connection(server.address, timeout=10) as sock:
                assert sock.recv(1) == b""  # the connection ends; the next one is served too
        assert served.is_set()
    assert capfd.readouterr().err == ""
    records = [(r.name, r.levelno) for r in caplog.records if r.name == SERVER_LOG.name]
    assert records == [(SERVER_LOG.name, logging.DEBUG)] * 2


@pytest.mark.parametrize("headers", ["", "Content-Length: 3\r\n"])  # the fast path, werkzeug's
def test_a_request_target_over_max_target_is_a_414(proxy: FakeGoProxy, headers: str) -> None:
    """http.server reads request lines up to 64 KiB and werkzeug copied each a dozen times: 60 KiB
    paths grew a long ``serve`` by tens of MB (RSS the process kept after the requests)."""
    with ChecksumDB() as db:
        for address in ((proxy.host, proxy.port), (db.host, db.port)):
            for length, too_long in ((MAX_TARGET, False), (MAX_TARGET + 1, True)):
                target = "/lookup/" + "a" * (length - len("/lookup/"))
                data = f"GET {target} HTTP/1.1\r\nHost: a\r\n{headers}Connection: close\r\n\r\n"
                with socket.create_connection(address, timeout=10) as sock:
                    sock.sendall(data.encode() + b"abc"[: 3 if headers else 0])
                    answer = b""
                    while chunk := sock.recv(65536):
                        answer += chunk
                assert (answer.split(b" ", 2)[1] == b"414") is too_long, answer[:100]
    assert proxy.request_log[-1].path.startswith("/lookup/aaa")  # the 414 never reached it
    assert len(proxy.request_log) == 1


@pytest.mark.parametrize(
    ("line", "status"),
    [
        (b"GET /example.test/lib/@v/list", b"400"),  # HTTP/0.9: go never sends one
        (b"GET / HTTP/x", b"400"),
        (b"\x00\x01\x02", b"400"),
        (b"GET / HTTP/2.0", b"505"),
    ],
)
def test_every_refusal_has_a_status_line(proxy: FakeGoProxy, line: bytes, status: bytes) -> None:
    """http.server answered a line it could not read a version from as HTTP/0.9: a bare HTML
    page without a status line, which a client cannot tell from a body."""
    with ChecksumDB() as db:
        for address in ((proxy.host, proxy.port), (db.host, db.port)):
            with socket.create_connection(address, timeout=10) as sock:
                sock.sendall(line + b"\r\nHost: a\r\n\r\n")
                answer = b""
                while chunk := sock.recv(65536):
                    answer += chunk
            assert answer[:12] in (b"HTTP/1.0 " + status, b"HTTP/1.1 " + status), answer[:80]
    assert proxy.request_log == []

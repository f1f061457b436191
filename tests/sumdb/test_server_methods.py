"""The checksum database's own server answers GET and HEAD only and never reads a body: a
200 MiB POST raised a long-running serve's RSS by 208 MB, a malformed chunked body was a 500
with a traceback, and a GET announcing a huge body waited for it forever."""

from __future__ import annotations

import logging
import socket
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from pytest_goproxy.sumdb import ChecksumDB


@pytest.fixture
def db() -> Iterator[ChecksumDB]:
    with ChecksumDB() as db:
        yield db


def raw(db: ChecksumDB, data: bytes, timeout: float = 10) -> bytes:
    with socket.create_connection((db.host, db.port), timeout=timeout) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "BREW"])
def test_methods_other_than_get_and_head_are_405(db: ChecksumDB, method: str) -> None:
    answer = httpx.request(method, f"{db.url}/latest", content=b"x" * 1000)
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "GET, HEAD"
    assert db.requests() == [db.requests()[0]] and db.requests()[0].status == 405
    assert db.requests()[0].kind == "other"
    db.check()


def test_head_answers_like_get_without_a_body(db: ChecksumDB) -> None:
    answer = httpx.head(f"{db.url}/latest")
    assert answer.status_code == 200 and answer.content == b""
    assert [r.kind for r in db.requests()] == ["latest"]


def test_a_malformed_chunked_body_is_not_read(
    db: ChecksumDB, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        for method, status in ((b"POST", b"405"), (b"GET", b"200")):
            answer = raw(
                db,
                method + b" /latest HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"zz\r\nabc\r\n0\r\n\r\n",
            )
            assert answer.split(b" ", 2)[1] == status, answer
    db.check()
    assert capfd.readouterr().err == ""
    assert [r for r in caplog.records if r.levelno > logging.DEBUG] == []


def test_a_get_announcing_a_huge_body_is_answered_at_once(db: ChecksumDB) -> None:
    began = time.monotonic()
    answer = raw(db, b"GET /latest HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000000000\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200")
    assert time.monotonic() - began < 5


def test_a_big_post_is_not_kept(db: ChecksumDB) -> None:
    """Neither the body nor pytest-httpserver's (request, response) log is kept."""
    db.request_log.limit = 10
    body = b"x" * (8 * 1024 * 1024)
    with httpx.Client() as client:
        client.get(f"{db.url}/latest")  # one-time costs before measuring
        tracemalloc.start()
        try:
            before, _ = tracemalloc.get_traced_memory()
            for _ in range(3):
                assert client.post(f"{db.url}/latest", content=body).status_code == 405
            for _ in range(100):
                assert client.get(f"{db.url}/lookup/{'a' * 8000}@v1.0.0").status_code == 404
            del body
            after, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert after - before < 4 * 1024 * 1024
    assert db.request_log.total == 104 and len(db.request_log) == 10
    assert db.request_log.tally() == Counter(
        {("latest", "direct"): 1, ("other", "direct"): 3, ("lookup", "direct"): 100}
    )


def test_the_proxy_way_in_still_answers_and_is_counted(db: ChecksumDB) -> None:
    status, _, _ = db.handle("/latest")
    assert status == 200
    assert db.request_log.tally() == Counter({("latest", "proxy"): 1})

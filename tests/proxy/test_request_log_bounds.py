"""Request logs keep every entry for tests, and with ``limit`` set (what ``serve`` does) only the
last N, with counts of every request."""

from __future__ import annotations

import tracemalloc
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from pytest_goproxy import FakeGoProxy
from pytest_goproxy.serving.httpserver import MAX_TARGET
from pytest_goproxy.serving.requestlog import ProxyRequest, RequestKind, RequestLog


def _kind(record: ProxyRequest) -> RequestKind:
    return record.kind


def _record(n: int, kind: RequestKind = RequestKind.LIST) -> ProxyRequest:
    return ProxyRequest("GET", f"/m{n}/@v/list", kind)


def test_by_default_every_entry_is_kept_and_it_is_a_list() -> None:
    log: RequestLog[ProxyRequest, RequestKind] = RequestLog(_kind)
    assert log == [] and log.limit is None
    records = [_record(n) for n in range(500)]
    for record in records:
        log.append(record)
    assert log == records and log[3] is records[3] and log[-2:] == records[-2:]
    assert log.total == 500 and log.tally() == Counter({RequestKind.LIST: 500})


def test_a_limit_keeps_the_last_n_and_counts_every_one() -> None:
    log: RequestLog[ProxyRequest, RequestKind] = RequestLog(_kind, limit=3)
    records = [_record(n, RequestKind.ZIP if n % 2 else RequestKind.INFO) for n in range(10)]
    for record in records:
        log.append(record)
    assert log == records[-3:]
    assert log.snapshot() == records[-3:] and type(log.snapshot()) is list
    assert log.total == 10
    assert log.tally() == Counter({RequestKind.ZIP: 5, RequestKind.INFO: 5})
    log.clear()
    assert log == [] and log.total == 0 and log.tally() == Counter()


def test_setting_a_limit_trims_at_once_and_none_keeps_all_again() -> None:
    log: RequestLog[ProxyRequest, RequestKind] = RequestLog(_kind)
    for n in range(10):
        log.append(_record(n))
    log.limit = 4
    assert [r.path for r in log] == [f"/m{n}/@v/list" for n in range(6, 10)]
    assert log.total == 10
    log.limit = None
    for n in range(10, 20):
        log.append(_record(n))
    assert len(log) == 14 and log.total == 20
    for bad in (0, -1, True):
        with pytest.raises(ValueError, match="positive number or None"):
            log.limit = bad


def test_a_request_is_counted_as_it_ended_not_as_it_began() -> None:
    """The proxy fills in ``status`` and ``faulted`` after appending; an entry still in the ring
    is counted as it is at the tally, one that left it as it was when it left."""
    log: RequestLog[ProxyRequest, tuple[bool, int]] = RequestLog(
        lambda r: (r.faulted, r.status), limit=2
    )
    first = _record(1)
    log.append(first)
    assert log.tally() == Counter({(False, 0): 1})
    first.faulted, first.status = True, 502
    assert log.tally() == Counter({(True, 502): 1})
    log.append(_record(2))
    log.append(_record(3))  # first leaves the ring as it ended
    assert log.tally() == Counter({(True, 502): 1, (False, 0): 2})


@pytest.fixture
def proxy() -> Iterator[FakeGoProxy]:
    with FakeGoProxy() as proxy:
        proxy.add_module("example.test/lib", "v1.0.0", files={"lib.go": "package lib\n"})
        yield proxy


def test_the_proxy_log_is_whole_by_default(proxy: FakeGoProxy) -> None:
    with httpx.Client(base_url=proxy.url) as client:
        for _ in range(30):
            client.get("/example.test/lib/@v/list")
    assert len(proxy.request_log) == 30 and proxy.request_log.limit is None
    proxy.assert_requested("list", count=30)


def test_a_limited_proxy_log_keeps_the_last_n_with_counts_of_all(proxy: FakeGoProxy) -> None:
    proxy.request_log.limit = 5
    with httpx.Client(base_url=proxy.url) as client:
        for _ in range(20):
            client.get("/example.test/lib/@v/list")
        for _ in range(3):
            client.get("/example.test/lib/@v/v1.0.0.zip")
    assert [r.kind for r in proxy.requests()] == [RequestKind.LIST] * 2 + [RequestKind.ZIP] * 3
    assert proxy.request_log.total == 23
    assert proxy.request_log.tally() == Counter(
        {(RequestKind.LIST, False): 20, (RequestKind.ZIP, False): 3}
    )
    proxy.clear()
    assert proxy.request_log.total == 0 and proxy.request_log.limit == 5


def test_a_limited_proxy_log_does_not_grow_with_long_paths(proxy: FakeGoProxy) -> None:
    """The issue's case: 1,000 requests with 60 KiB paths took 180 MB in a long-running serve
    (those are a 414 now: the longest path taken is a little under MAX_TARGET)."""
    proxy.request_log.limit = 10
    path = "/example.test/" + "a" * (MAX_TARGET - 100) + "/@v/list"
    with httpx.Client(base_url=proxy.url) as client:
        client.get(path)  # the first request's one-time costs (threads, imports) before measuring
        tracemalloc.start()
        try:
            before, _ = tracemalloc.get_traced_memory()
            for _ in range(200):
                assert client.get(path).status_code == 404
            after, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert proxy.request_log.total == 201
    assert after - before < 2 * 1024 * 1024  # 10 entries of ~24 KiB each, not 200

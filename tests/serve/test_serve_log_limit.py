"""``serve`` keeps only the last :data:`SERVE_LOG_LIMIT` requests of its proxy and database (a
long session's logs grew without end), and its request summary still counts every request."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from pytest_goproxy import Toxiproxy
from pytest_goproxy.serve import SERVE_LOG_LIMIT, OutageServer

pytestmark = pytest.mark.network_faults


@pytest.fixture
def server(toxiproxy: Toxiproxy) -> Iterator[OutageServer]:
    with OutageServer(toxiproxy=toxiproxy, summary_every=0) as server:
        yield server


def test_serve_bounds_both_logs_and_the_summary_counts_every_request(
    server: OutageServer,
) -> None:
    assert server.proxy.request_log.limit == SERVE_LOG_LIMIT
    assert server.sumdb.request_log.limit == SERVE_LOG_LIMIT
    some = next(iter(server.proxy.store)).escaped_path
    db = server.env["GOSUMDB"].split()[1]
    with httpx.Client(timeout=10) as client:  # straight at the proxy: toxiproxy adds nothing here
        for _ in range(SERVE_LOG_LIMIT + 20):
            assert client.get(f"{server.proxy.url}/{some}/@v/list").status_code == 200
        for _ in range(SERVE_LOG_LIMIT + 5):
            assert client.get(f"{db}/latest").status_code == 200
    assert len(server.proxy.request_log) == SERVE_LOG_LIMIT
    assert len(server.sumdb.request_log) == SERVE_LOG_LIMIT
    total = 2 * SERVE_LOG_LIMIT + 25
    assert server.request_summary() == (
        f"requests: {total} list {SERVE_LOG_LIMIT + 20}, sumdb {SERVE_LOG_LIMIT + 5}"
    )
    assert server.request_summary() is None


def test_a_request_a_fault_still_holds_is_summarised_once_when_answered(
    server: OutageServer,
) -> None:
    server.add_fault("slow_first_byte", {"seconds": 1.0, "kind": "list"})
    some = next(iter(server.proxy.store)).escaped_path
    got: list[int] = []
    asking = threading.Thread(
        target=lambda: got.append(
            httpx.get(f"{server.proxy.url}/{some}/@v/list", timeout=10).status_code
        )
    )
    asking.start()
    deadline = time.monotonic() + 5
    while not server.proxy.request_log and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.proxy.request_log, "the request did not arrive"
    assert server.request_summary() is None  # still held: not counted yet, nor as unfaulted
    asking.join()
    assert got == [200]
    assert server.request_summary() == "requests: 1 (1 faulted) list 1"
    assert server.request_summary() is None

"""Which requests a fault plays on (selectors, attempts, order), its handle and the request log.

Pure HTTP through httpx: the proxy decides per request, so the go command is not needed here.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from pytest_goproxy.errors import FaultError
from pytest_goproxy.proxy import FakeGoProxy

from .conftest import LIB, OTHER

ZIP = f"/{LIB}/@v/v1.0.0.zip"
MOD = f"/{LIB}/@v/v1.0.0.mod"


def statuses(proxy: FakeGoProxy, path: str, count: int) -> list[int]:
    with httpx.Client(base_url=proxy.url, timeout=10) as client:
        return [client.get(path).status_code for _ in range(count)]


def test_times_fails_the_first_n_then_serves(modules: FakeGoProxy) -> None:
    fault = modules.inject("status", code=503, times=2)
    assert statuses(modules, ZIP, 4) == [503, 503, 200, 200]
    assert (fault.hits, fault.seen) == (2, 4)
    assert [r.faulted for r in modules.requests(kind="zip")] == [True, True, False, False]


def test_every_kth(modules: FakeGoProxy) -> None:
    modules.inject("status", every=3)
    assert statuses(modules, ZIP, 7) == [200, 200, 502, 200, 200, 502, 200]


def test_every_and_times_combine(modules: FakeGoProxy) -> None:
    modules.inject("status", every=2, times=2)
    assert statuses(modules, ZIP, 8) == [200, 502, 200, 502, 200, 200, 200, 200]


def test_probability_with_a_seed_is_reproducible(modules: FakeGoProxy) -> None:
    rng = random.Random(11)
    expected = [502 if rng.random() < 0.4 else 200 for _ in range(30)]
    assert 502 in expected and 200 in expected
    with modules.inject("status", probability=0.4, seed=11):
        first = statuses(modules, ZIP, 30)
    with modules.inject("status", probability=0.4, seed=11):
        second = statuses(modules, ZIP, 30)
    assert first == second == expected


def test_probability_zero_never_plays_but_counts(modules: FakeGoProxy) -> None:
    fault = modules.inject("status", probability=0)
    assert statuses(modules, ZIP, 5) == [200] * 5
    assert (fault.hits, fault.seen) == (0, 5)


def test_kind_module_and_version_select(modules: FakeGoProxy) -> None:
    modules.inject(
        "status", code=500, kind=["mod", "info"], module="example.test/l*", version="v1.1.0"
    )
    with httpx.Client(base_url=modules.url, timeout=10) as client:
        got = {
            path: client.get(path).status_code
            for path in (
                f"/{LIB}/@v/v1.1.0.mod",
                f"/{LIB}/@v/v1.1.0.info",
                f"/{LIB}/@v/v1.1.0.zip",
                f"/{LIB}/@v/v1.0.0.mod",
                f"/{OTHER}/@v/v0.1.0.mod",
                f"/{LIB}/@v/list",
            )
        }
    assert list(got.values()) == [500, 500, 200, 200, 200, 200]


def test_default_kinds_cover_every_endpoint_but_other(modules: FakeGoProxy) -> None:
    modules.inject("status", code=504)
    with httpx.Client(base_url=modules.url, timeout=10) as client:
        paths = [
            f"/{LIB}/@v/list",
            f"/{LIB}/@latest",
            MOD,
            ZIP,
            "/sumdb/x/supported",
            "/robots.txt",
        ]
        assert [client.get(p).status_code for p in paths] == [504, 504, 504, 504, 504, 404]


def test_the_first_fault_that_plays_answers(modules: FakeGoProxy) -> None:
    first = modules.inject("status", code=500, times=1)
    second = modules.inject("status", code=503)
    assert statuses(modules, ZIP, 3) == [500, 503, 503]
    assert (first.hits, second.hits, second.seen) == (1, 2, 2)


def test_handle_removal_context_manager_and_clear(modules: FakeGoProxy) -> None:
    with modules.inject("status") as fault:
        assert fault.active and modules.faults.active == [fault]
        assert statuses(modules, ZIP, 1) == [502]
    assert not fault.active and modules.faults.active == []
    assert statuses(modules, ZIP, 1) == [200]
    fault.remove()  # idempotent
    modules.inject("status")
    modules.inject("cut_body")
    modules.clear()
    assert modules.faults.active == []
    assert "removed" in repr(fault)


def test_inject_validates_before_anything_plays(modules: FakeGoProxy) -> None:
    with pytest.raises(FaultError, match="valid HTTP faults"):
        modules.inject("nope")
    assert modules.faults.active == []


def test_times_is_exact_under_concurrent_requests(modules: FakeGoProxy) -> None:
    fault = modules.inject("status", code=503, times=5)
    with ThreadPoolExecutor(8) as pool, httpx.Client(base_url=modules.url, timeout=10) as c:
        codes = list(pool.map(lambda _: c.get(ZIP).status_code, range(24)))
    assert codes.count(503) == 5 and codes.count(200) == 19
    assert fault.hits == 5 and fault.seen == 24
    assert sum(r.faulted for r in modules.requests(kind="zip")) == 5


def test_faults_do_not_outlive_the_test_part_1(modules: FakeGoProxy) -> None:
    modules.inject("status", code=500)


def test_faults_do_not_outlive_the_test_part_2(goproxy: FakeGoProxy) -> None:
    assert goproxy.faults.active == []

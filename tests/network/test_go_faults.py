"""The real go command through a real toxiproxy in front of the fake GOPROXY: one test per fault.

Each ``go mod tidy`` runs through the plugin's hermetic ``go`` fixture with a fresh module cache,
so every run really downloads ``example.test/lib`` through the endpoint. Timing assertions compare
two runs on this machine, never absolute numbers.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import pytest

from pytest_goproxy.gorun import Failure, GoResult, GoRunner
from pytest_goproxy.network.endpoint import Endpoint, Network
from pytest_goproxy.proxy import FakeGoProxy

pytestmark = pytest.mark.network_faults

LIB = "example.test/lib"
VERSION = "v1.2.0"
#: Incompressible, so the zip is big on the wire (bandwidth, truncate) whatever zip does.
BLOB = random.Random(4).randbytes(48 * 1024)
#: Short: a hang is proved by reaching it; go would otherwise wait forever.
HANG_TIMEOUT = 4.0


@pytest.fixture(scope="module")
def fake_goproxy() -> Iterator[FakeGoProxy]:
    with FakeGoProxy() as proxy:
        proxy.add_module(LIB, VERSION, files={"lib.go": "package lib\n", "blob.bin": BLOB})
        yield proxy


@pytest.fixture
def endpoint(network: Network, fake_goproxy: FakeGoProxy) -> Endpoint:
    return network.front(fake_goproxy)


def tidy(go: GoRunner, goproxy: str, timeout: float | None = None) -> GoResult:
    project = go.project(module="example.test/app", requires={LIB: VERSION})
    return project.tidy(env={"GOPROXY": goproxy, "GOSUMDB": "off"}, timeout=timeout)


def test_clean_endpoint_works(go: GoRunner, endpoint: Endpoint) -> None:
    result = tidy(go, endpoint.url).assert_ok()
    assert result.go_sum is not None and LIB in result.go_sum
    result.assert_no_escapes()


@pytest.mark.parametrize(
    ("fault", "params", "expected"),
    [
        ("refused", {}, Failure.REFUSED),
        ("dns", {}, Failure.DNS),
        ("reset", {}, Failure.RESET),
        ("truncate", {}, Failure.TRUNCATED),
        ("down_after_bytes", {"bytes": 4000}, Failure.TRUNCATED),
        ("down_for", {"seconds": 30}, Failure.REFUSED),
    ],
)
def test_comma_list_stops_and_pipe_list_falls_back(
    go: GoRunner,
    endpoint: Endpoint,
    fake_goproxy: FakeGoProxy,
    fault: str,
    params: dict[str, object],
    expected: Failure,
) -> None:
    """``a,b`` falls back only on 404/410, so the fault is what go reports; ``a|b`` gets past it."""
    with endpoint.fault(fault, **params):
        broken = tidy(go, f"{endpoint.url},{fake_goproxy.url}")
        broken.assert_failure(expected)
        assert endpoint.url.split("://", 1)[1] in broken.stderr
        if fault != "down_after_bytes":  # that one is down for good after its first bytes
            tidy(go, f"{endpoint.url}|{fake_goproxy.url}").assert_ok()
    tidy(go, endpoint.url).assert_ok()


@pytest.mark.parametrize("separator", [",", "|"])
def test_blackhole_hangs_whatever_the_separator(
    go: GoRunner, endpoint: Endpoint, fake_goproxy: FakeGoProxy, separator: str
) -> None:
    with endpoint.fault("blackhole"):
        result = tidy(go, f"{endpoint.url}{separator}{fake_goproxy.url}", HANG_TIMEOUT)
    result.assert_hung()
    assert result.failure is None


@pytest.mark.parametrize(
    ("fault", "params"),
    [("latency", {"ms": 300}), ("bandwidth", {"rate": 48})],
)
def test_slow_faults_succeed_but_take_longer(
    go: GoRunner, endpoint: Endpoint, fault: str, params: dict[str, object]
) -> None:
    baseline = tidy(go, endpoint.url).assert_ok()
    with endpoint.fault(fault, **params):
        slowed = tidy(go, endpoint.url).assert_ok()
    assert slowed.duration > baseline.duration, (baseline.duration, slowed.duration)


@pytest.mark.parametrize("fault", ["slicer", "slow_close"])
def test_harmless_faults_succeed(go: GoRunner, endpoint: Endpoint, fault: str) -> None:
    with endpoint.fault(fault):
        tidy(go, endpoint.url).assert_ok()


def test_down_for_recovers_for_a_retry(go: GoRunner, endpoint: Endpoint) -> None:
    """A retry after the window succeeds: what a CI retry loop around go would see."""
    endpoint.inject("down_for", seconds=1.0)
    tidy(go, endpoint.url).assert_failure(Failure.REFUSED)
    deadline = time.monotonic() + 10
    result = tidy(go, endpoint.url)
    while not result.ok and time.monotonic() < deadline:
        time.sleep(0.2)
        result = tidy(go, endpoint.url)
    result.assert_ok()


def test_down_after_seconds(go: GoRunner, endpoint: Endpoint) -> None:
    endpoint.inject("down_after", seconds=0.5)
    tidy(go, endpoint.url).assert_ok()
    time.sleep(1.0)
    tidy(go, endpoint.url).assert_failure(Failure.REFUSED)


#: net/http's dial limit (DefaultTransport's Dialer.Timeout), which dial_timeout waits out.
GO_DIAL_LIMIT = 30.0
#: A `|` list under dial_timeout waits that limit out once per request; tidy makes two (.mod and
#: .zip, measured: 60.3 s). Room for a third, so the run always ends by itself, never at the kill.
PIPE_DIAL_TIMEOUT = 4 * GO_DIAL_LIMIT


@pytest.mark.slow
def test_dial_timeout_after_gos_own_limit(go: GoRunner, endpoint: Endpoint) -> None:
    with endpoint.fault("dial_timeout"):
        result = tidy(go, endpoint.url, timeout=2 * GO_DIAL_LIMIT)
    result.assert_failure(Failure.DIAL_TIMEOUT)
    assert "i/o timeout" in result.stderr
    assert result.duration >= GO_DIAL_LIMIT


@pytest.mark.slow
def test_dial_timeout_with_a_pipe_list_falls_back_per_request(
    go: GoRunner, endpoint: Endpoint, fake_goproxy: FakeGoProxy
) -> None:
    """Every request tries the stuck entry first and waits out the dial limit, then falls back."""
    before = len(fake_goproxy.requests())
    with endpoint.fault("dial_timeout"):
        result = tidy(go, f"{endpoint.url}|{fake_goproxy.url}", timeout=PIPE_DIAL_TIMEOUT)
    result.assert_ok()
    assert sorted(r.kind.value for r in fake_goproxy.requests()[before:]) == ["mod", "zip"]
    assert result.duration >= 2 * GO_DIAL_LIMIT  # the .mod, then the .zip

"""Every fault through a real toxiproxy, observed with httpx against a pytest-httpserver upstream.

Durations are compared between two runs (with and without the fault), never against fixed numbers,
because the machine may be busy.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest
from pytest_httpserver import HTTPServer

from pytest_goproxy.errors import FaultError, ToxiproxyError
from pytest_goproxy.network.endpoint import Endpoint, Network
from pytest_goproxy.network.session import Toxiproxy

BODY = bytes(range(256)) * 40  # 10 KiB


@pytest.fixture
def endpoint(network: Network, httpserver: HTTPServer) -> Endpoint:
    httpserver.expect_request("/prefix/blob").respond_with_data(BODY)
    httpserver.expect_request("/prefix/hello").respond_with_data("hello")
    return network.front(httpserver.url_for("/prefix"))


def get(url: str, timeout: float = 5.0) -> httpx.Response:
    # A fresh connection per request: faults act on connections, keep-alive would hide them.
    with httpx.Client(timeout=timeout, trust_env=False) as client:
        return client.get(url)


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def refused(url: str) -> bool:
    try:
        get(url, timeout=1)
    except httpx.ConnectError as exc:
        return "refused" in str(exc).lower()
    except httpx.TransportError:
        return False
    return False


def test_passthrough_keeps_scheme_and_path(endpoint: Endpoint, toxiproxy: Toxiproxy) -> None:
    assert endpoint.url == f"http://127.0.0.1:{endpoint.port}/prefix"
    assert get(endpoint.url + "/blob").content == BODY
    assert endpoint.name in toxiproxy.client.proxies()


def test_front_accepts_host_port_objects_and_tuples(
    network: Network, httpserver: HTTPServer
) -> None:
    class Server:
        host = "127.0.0.1"
        port = httpserver.port

    httpserver.expect_request("/x").respond_with_data("x")
    for target in (Server(), ("127.0.0.1", httpserver.port), f"127.0.0.1:{httpserver.port}"):
        assert get(network.front(target).url + "/x").text == "x"
    with pytest.raises(ToxiproxyError, match="cannot front"):
        network.front(42)


def test_latency_is_slower_than_without(endpoint: Endpoint) -> None:
    url = endpoint.url + "/hello"
    baseline = min(timed(lambda: get(url)) for _ in range(3))
    with endpoint.fault("latency", ms=150):
        slowed = timed(lambda: get(url))
    assert slowed > baseline
    # The toxic holds the response back 150 ms (jitter 0), whatever the machine's load: a lower
    # bound set by the fault itself, not a speed target (a ratio to a loaded baseline was flaky).
    assert slowed >= 0.15


def test_bandwidth_is_slower_than_without(endpoint: Endpoint) -> None:
    url = endpoint.url + "/blob"
    baseline = min(timed(lambda: get(url)) for _ in range(3))
    with endpoint.fault("bandwidth", rate=20):  # 10 KiB at 20 KB/s: about half a second
        slowed = timed(lambda: get(url))
    assert slowed > baseline
    assert slowed >= 0.4  # 10240 bytes at 20 KB/s take 0.51 s: a bound set by the fault itself


@pytest.mark.parametrize(
    ("fault", "params"),
    [("slicer", {"average_size": 16, "size_variation": 8, "delay_us": 10}), ("slow_close", {})],
)
def test_harmless_faults_deliver_intact_bodies(
    endpoint: Endpoint, fault: str, params: dict[str, object]
) -> None:
    with endpoint.fault(fault, **params):
        assert get(endpoint.url + "/blob").content == BODY


def test_refused_and_back(endpoint: Endpoint) -> None:
    url = endpoint.url + "/hello"
    handle = endpoint.inject("refused")
    with pytest.raises(httpx.ConnectError, match=r"(?i)refused"):
        get(url)
    handle.remove()
    assert get(url).text == "hello"  # same port, listening again


def test_dns_uses_an_invalid_host(endpoint: Endpoint) -> None:
    clean = endpoint.url
    with endpoint.fault("dns"):
        assert endpoint.url == clean.replace("127.0.0.1", f"goproxy-{endpoint.uid}.invalid")
        with pytest.raises(httpx.ConnectError):
            get(endpoint.url + "/hello")
    assert endpoint.url == clean


def test_blackhole_never_answers(endpoint: Endpoint) -> None:
    with endpoint.fault("blackhole"), pytest.raises(httpx.ReadTimeout):
        get(endpoint.url + "/hello", timeout=0.5)
    assert get(endpoint.url + "/hello").text == "hello"


def test_dial_timeout_never_answers_the_syn(endpoint: Endpoint) -> None:
    with endpoint.fault("dial_timeout"):
        assert endpoint.port != int(endpoint.url.rsplit(":", 1)[1].split("/")[0])
        with pytest.raises(httpx.ConnectTimeout):
            get(endpoint.url + "/hello", timeout=0.5)
    assert get(endpoint.url + "/hello").text == "hello"


def test_reset(endpoint: Endpoint) -> None:
    with endpoint.fault("reset"), pytest.raises(httpx.TransportError) as info:
        get(endpoint.url + "/hello")
    assert isinstance(info.value, httpx.ReadError | httpx.RemoteProtocolError)


def test_truncate_cuts_the_body(endpoint: Endpoint) -> None:
    with endpoint.fault("truncate", bytes=1000), pytest.raises(httpx.RemoteProtocolError):
        get(endpoint.url + "/blob")
    assert get(endpoint.url + "/blob").content == BODY


def test_down_for_then_up(endpoint: Endpoint) -> None:
    url = endpoint.url + "/hello"
    handle = endpoint.inject("down_for", seconds=0.5)
    assert refused(url)
    assert wait_until(lambda: not refused(url))
    assert get(url).text == "hello"
    assert handle.active  # the window ended; the fault stays listed until removed


def test_down_after_seconds(endpoint: Endpoint) -> None:
    url = endpoint.url + "/hello"
    with endpoint.fault("down_after", seconds=0.5):
        assert get(url).text == "hello"
        assert wait_until(lambda: refused(url))
    assert get(url).text == "hello"


def test_down_after_bytes(endpoint: Endpoint) -> None:
    url = endpoint.url + "/blob"
    with endpoint.fault("down_after_bytes", bytes=2000):
        with pytest.raises(httpx.RemoteProtocolError):
            get(url)
        assert wait_until(lambda: refused(url))
    assert get(url).content == BODY


def test_overlapping_outages_end_with_the_last(endpoint: Endpoint) -> None:
    url = endpoint.url + "/hello"
    outage = endpoint.inject("refused")
    endpoint.inject("down_for", seconds=0.2)
    time.sleep(0.4)
    assert refused(url)  # down_for is over but refused still holds
    outage.remove()
    assert get(url).text == "hello"


def test_fault_block_removed_on_exception(endpoint: Endpoint, toxiproxy: Toxiproxy) -> None:
    with pytest.raises(RuntimeError), endpoint.fault("latency", ms=10):
        assert len(toxiproxy.client.toxics(endpoint.name)) == 1
        raise RuntimeError
    assert toxiproxy.client.toxics(endpoint.name) == []
    assert endpoint.faults == []


def test_clear_removes_everything(endpoint: Endpoint, toxiproxy: Toxiproxy) -> None:
    for name in ("latency", "truncate", "refused", "dns", "down_after"):
        endpoint.inject(name)
    assert len(endpoint.faults) == 5
    endpoint.clear()
    info = toxiproxy.client.proxy(endpoint.name)
    assert info.enabled and info.toxics == ()
    assert endpoint.faults == []
    assert endpoint.url.startswith("http://127.0.0.1:")
    assert get(endpoint.url + "/hello").text == "hello"


def test_bad_input_changes_nothing(endpoint: Endpoint, toxiproxy: Toxiproxy) -> None:
    with pytest.raises(FaultError, match="valid faults: latency, bandwidth"):
        endpoint.inject("packet_loss")
    with pytest.raises(FaultError, match="valid parameters: ms, jitter"):
        endpoint.inject("latency", latency=3)
    with pytest.raises(FaultError, match=">= 0"):
        endpoint.inject("reset", after_ms=-5)
    assert toxiproxy.client.toxics(endpoint.name) == []
    assert endpoint.faults == []


def test_everything_is_removed_after_a_failing_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, toxiproxy: Toxiproxy
) -> None:
    """The inner session shares our server (TOXIPROXY_URL); after it nothing of it is left."""
    monkeypatch.setenv("TOXIPROXY_URL", toxiproxy.url)
    pytester.makeconftest("from pytest_goproxy.network.plugin import network, toxiproxy\n")
    pytester.makepyfile(
        """
        def test_fails(network):
            ep = network.front("http://127.0.0.1:9")
            ep.inject("latency")
            ep.inject("refused")
            ep.inject("down_for", seconds=30)
            network.front("http://127.0.0.1:9").inject("blackhole")
            assert False, "the test failed"
        """
    )
    before = set(toxiproxy.client.proxies())
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    assert set(toxiproxy.client.proxies()) == before

"""The REST client: typed results, errors as ToxiproxyError, one address per client."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from pytest_goproxy.errors import ToxiproxyError
from pytest_goproxy.network.client import ToxiproxyClient
from pytest_goproxy.network.session import Toxiproxy, start_toxiproxy


@pytest.fixture
def client(toxiproxy: Toxiproxy) -> ToxiproxyClient:
    return toxiproxy.client


@pytest.fixture
def proxy_name(client: ToxiproxyClient, request: pytest.FixtureRequest) -> str:
    name = f"test-client-{request.node.name}-{time.monotonic_ns()}"
    request.addfinalizer(lambda: client.delete_proxy(name))
    return name


def test_proxy_round_trip(client: ToxiproxyClient, proxy_name: str) -> None:
    info = client.create_proxy(proxy_name, "127.0.0.1:9")
    assert info.listen_host == "127.0.0.1" and info.listen_port > 0
    assert info.enabled and info.toxics == ()
    assert client.proxies()[proxy_name] == info
    assert client.set_enabled(proxy_name, False).enabled is False
    assert client.proxy(proxy_name).enabled is False
    assert client.set_enabled(proxy_name, True).listen == info.listen  # same port again
    client.delete_proxy(proxy_name)
    assert proxy_name not in client.proxies()
    client.delete_proxy(proxy_name)  # missing is fine
    with pytest.raises(ToxiproxyError, match="not found"):
        client.delete_proxy(proxy_name, missing_ok=False)


def test_duplicate_proxy(client: ToxiproxyClient, proxy_name: str) -> None:
    client.create_proxy(proxy_name, "127.0.0.1:9")
    with pytest.raises(ToxiproxyError, match="already exists"):
        client.create_proxy(proxy_name, "127.0.0.1:9")


def test_toxic_add_update_remove(client: ToxiproxyClient, proxy_name: str) -> None:
    client.create_proxy(proxy_name, "127.0.0.1:9")
    added = client.add_toxic(proxy_name, name="lag", type="latency", attributes={"latency": 5})
    assert (added.type, added.stream, added.attributes["latency"]) == ("latency", "downstream", 5)
    updated = client.update_toxic(proxy_name, "lag", {"latency": 50, "jitter": 3})
    assert updated.attributes == {"latency": 50, "jitter": 3}
    assert client.toxics(proxy_name) == [updated]
    client.remove_toxic(proxy_name, "lag")
    assert client.toxics(proxy_name) == []
    with pytest.raises(ToxiproxyError, match="rejected"):
        client.add_toxic(proxy_name, name="x", type="no-such-toxic")
    with pytest.raises(ToxiproxyError, match="404"):
        client.update_toxic(proxy_name, "missing", {"latency": 1})


def test_populate(client: ToxiproxyClient, proxy_name: str) -> None:
    made = client.populate(
        [{"name": proxy_name, "listen": "127.0.0.1:0", "upstream": "127.0.0.1:9"}]
    )
    assert [p.name for p in made] == [proxy_name]
    assert made[0].listen_port > 0


def test_two_servers_in_one_process_do_not_mix(
    client: ToxiproxyClient, proxy_name: str, toxiproxy_binary: Path
) -> None:
    """toxiproxy-python's class-level address is set per call, so clients stay independent."""
    with start_toxiproxy(toxiproxy_binary) as other:
        other.client.create_proxy("only-on-other", "127.0.0.1:9")
        client.create_proxy(proxy_name, "127.0.0.1:9")
        assert "only-on-other" not in client.proxies()
        assert proxy_name not in other.client.proxies()


def test_unreachable_server_fails_fast() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dead = ToxiproxyClient(f"http://127.0.0.1:{port}", timeout=2)
    assert not dead.healthy()
    started = time.monotonic()
    with pytest.raises(ToxiproxyError, match="cannot reach toxiproxy"):
        dead.proxies()
    with pytest.raises(ToxiproxyError, match="cannot reach toxiproxy"):
        dead.add_toxic("p", name="t", type="latency")
    assert time.monotonic() - started < 5


def test_bad_url() -> None:
    with pytest.raises(ToxiproxyError, match="needs a host and a port"):
        ToxiproxyClient("http://127.0.0.1")

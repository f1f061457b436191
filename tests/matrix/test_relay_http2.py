"""The nginx relay over TLS speaks HTTP/2 to go, and real nginx's GOAWAY after
``keepalive_requests`` is the cross-check of our own ``goaway`` fault (issue 24).

Measured with go 1.26 and nginx 1.22 (Debian): on bare loopback go recovers from every one of
nginx's GOAWAYs (it retries the streams nginx did not take on a new connection; thousands of
GOAWAYs per run, no error). Behind 20 ms of latency (toxiproxy, nginx towards go) it does not:
the response in flight when nginx closes the connection is lost, and go prints the text of the
reports, ``http2: server sent GOAWAY and closed the connection; LastStreamID=1, ErrCode=NO_ERROR,
debug=""``. The same path with go's HTTP/2 client off (``GODEBUG=http2client=0``, nginx closing
after every HTTP/1.1 request), and with HTTP/2 and no GOAWAY (``keepalive_requests 1000``), both
succeed: it is the GOAWAY, not the latency or the closes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_goproxy import Failure, FakeGoProxy, GoResult, GoRunner
from pytest_goproxy.network import Network
from pytest_goproxy.outage.relay import NginxRelay

#: 40 modules of 500 KB: enough GOAWAYs with a response in flight that every run meets one
#: (6 runs of 6 in the measurement above), and a run of a few seconds
MODULES = 40
BLOB = 250_000
GOAWAY = re.compile(
    r"http2: server sent GOAWAY and closed the connection; "
    r'LastStreamID=\d+, ErrCode=NO_ERROR, debug=""'
)


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeGoProxy]:
    """A plain-HTTP proxy behind the relay, with MODULES modules of some size."""
    with FakeGoProxy(workdir=tmp_path_factory.mktemp("relay-h2")) as proxy:
        for i in range(MODULES):
            files = {"m.go": f"package m{i:02d}\n", "blob.txt": os.urandom(BLOB).hex()}
            proxy.add_module(f"example.test/m{i:02d}", "v1.0.0", files=files)
        yield proxy


def _download(go: GoRunner, upstream: FakeGoProxy, url: str, **env: str) -> GoResult:
    requires = {f"example.test/m{i:02d}": "v1.0.0" for i in range(MODULES)}
    project = go.project(requires=requires)
    cache = go.module_cache()
    try:
        return go.run(
            ["mod", "download", "all"],
            cwd=project.path,
            env={"GOPROXY": url, "GOSUMDB": "off", "GOFLAGS": "-mod=mod", **env},
            modcache=cache,
            timeout=120,
        )
    finally:
        cache.remove()


def _log(relay: NginxRelay) -> list[tuple[str, str, int]]:
    """(protocol, connection, its request number) of each of go's requests (the relay's own
    start-up probe, HTTP/1.1 to its status path, left out)."""
    rows = [line.split() for line in relay.access_log()]
    return [(r[2], r[3], int(r[4])) for r in rows if "/@v/" in r[0]]


def test_the_tls_relay_speaks_http2_and_go_recovers_from_its_goaways_on_loopback(
    nginx_binary: Path, go: GoRunner, upstream: FakeGoProxy
) -> None:
    with NginxRelay(upstream.url, nginx=nginx_binary, tls=True, keepalive_requests=2) as relay:
        assert relay.url.startswith("https://127.0.0.1:")
        result = _download(go, upstream, relay.url)
        result.assert_ok()
        log = _log(relay)
    assert {protocol for protocol, _, _ in log} == {"HTTP/2.0"}
    per_connection = {(conn, n) for _, conn, n in log}
    # nginx closed each connection after 2 streams (GOAWAY): go opened many, and said nothing
    assert max(n for _, n in per_connection) == 2
    assert len({conn for conn, _ in per_connection}) >= len(log) // 2


def test_nginx_goaway_behind_latency_is_what_go_reports_in_the_wild(
    nginx_binary: Path, go: GoRunner, upstream: FakeGoProxy, network: Network
) -> None:
    with NginxRelay(upstream.url, nginx=nginx_binary, tls=True, keepalive_requests=1) as relay:
        endpoint = network.front(relay)
        endpoint.inject("latency", ms=20)
        result = _download(go, upstream, endpoint.url)
    assert result.returncode != 0
    assert GOAWAY.search(result.stderr), result.stderr[-3000:]
    # the body in flight was lost: TRUNCATED (a line naming a reset connection may come first)
    assert result.failure in (Failure.TRUNCATED, Failure.RESET), result.classification


@pytest.mark.parametrize(
    ("keepalive_requests", "godebug"),
    [(1, "http2client=0"), (1000, "")],
    ids=["http1-closed-every-request", "http2-without-goaway"],
)
def test_the_same_path_without_goaway_succeeds(
    nginx_binary: Path,
    go: GoRunner,
    upstream: FakeGoProxy,
    network: Network,
    keepalive_requests: int,
    godebug: str,
) -> None:
    """The controls: the latency alone, or nginx closing connections alone, break nothing."""
    with NginxRelay(
        upstream.url, nginx=nginx_binary, tls=True, keepalive_requests=keepalive_requests
    ) as relay:
        endpoint = network.front(relay)
        endpoint.inject("latency", ms=20)
        env = {"GODEBUG": godebug} if godebug else {}
        result = _download(go, upstream, endpoint.url, **env)
        result.assert_ok()
        protocols = {protocol for protocol, _, _ in _log(relay)}
    assert protocols == ({"HTTP/1.1"} if godebug else {"HTTP/2.0"})


def test_the_relay_configuration_over_tls_faces_go_over_https(toxiproxy: object) -> None:
    """``matrix --tls --configs relay``: nginx faces go over HTTPS (HTTP/2) as the primary does,
    and still serves a warmed cache past a refused primary."""
    from pytest_goproxy import Toxiproxy, run_matrix

    assert isinstance(toxiproxy, Toxiproxy)
    cells = run_matrix(
        None, ["none", "refused"], ["relay"], tls=True, timeout=30, private="", toxiproxy=toxiproxy
    )
    assert [(c.fault, c.verdict) for c in cells] == [
        ("none", "recovered"),
        ("refused", "recovered"),
    ]
    assert cells[0].details is not None
    assert cells[0].details.env["GOPROXY"].startswith("https://127.0.0.1:")

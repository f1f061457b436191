"""The nginx caching relay: real nginx on loopback, cached answers, every process and file gone."""

from __future__ import annotations

import os
import pwd
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_goproxy.outage.faults import bind_fault
from pytest_goproxy.outage.relay import NginxRelay, RelayError, find_nginx
from pytest_goproxy.proxy import FakeGoProxy
from pytest_goproxy.serving.tls import foreign_ca

LIB = "example.test/lib"


@pytest.fixture
def upstream() -> Iterator[FakeGoProxy]:
    with FakeGoProxy() as proxy:
        proxy.add_module(LIB, "v1.0.0", files={"lib.go": "package lib\n"})
        yield proxy


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_relay_caches_and_is_removed_completely(nginx_binary: Path, upstream: FakeGoProxy) -> None:
    relay = NginxRelay(upstream.url, nginx=nginx_binary, list_valid=60)
    with relay:
        assert relay.url.startswith("http://127.0.0.1:")
        root, cache_root, process = relay.root, relay.cache_root, relay._process
        assert process is not None
        listening = subprocess.run(
            ["ss", "-ltnp"], capture_output=True, text=True, check=False
        ).stdout
        if listening:
            mine = [ln for ln in listening.splitlines() if f":{relay.port} " in ln]
            assert mine and all("127.0.0.1:" in ln for ln in mine), mine
        for _ in range(2):
            status, body = relay.get(f"/{LIB}/@v/v1.0.0.mod")
            assert status == 200 and body.startswith(b"module example.test/lib")
        status, body = relay.get(f"/{LIB}/@v/list")
        assert (status, body) == (200, b"v1.0.0\n")
        assert len(upstream.requests(kind="mod")) == 1  # the second came from the cache
        assert any(line.endswith(" HIT") for line in relay.access_log())
        assert (root / "nginx.conf").is_file() and (cache_root / "cache").is_dir()
    assert not root.exists() and not cache_root.exists()
    assert not _group_alive(process.pid)


def test_cached_files_survive_an_upstream_outage_and_the_list_goes_stale(
    nginx_binary: Path, upstream: FakeGoProxy
) -> None:
    with NginxRelay(upstream.url, nginx=nginx_binary, list_valid=1) as relay:
        assert relay.get(f"/{LIB}/@v/list")[0] == 200
        assert relay.get(f"/{LIB}/@v/v1.0.0.zip")[0] == 200
        upstream.add_module(LIB, "v1.1.0", files={"lib.go": "package lib\n"})
        upstream.inject("status", code=502)
        time.sleep(1.1)
        assert relay.get(f"/{LIB}/@v/v1.0.0.zip")[0] == 200
        assert relay.get(f"/{LIB}/@v/list") == (200, b"v1.0.0\n")  # stale: v1.1.0 is missing
        upstream.faults.clear()
        time.sleep(1.1)
        assert relay.get(f"/{LIB}/@v/list") == (200, b"v1.0.0\nv1.1.0\n")


def test_set_upstream_reloads_and_keeps_the_cache(
    nginx_binary: Path, upstream: FakeGoProxy
) -> None:
    with NginxRelay(upstream.url, nginx=nginx_binary) as relay:
        assert relay.get(f"/{LIB}/@v/v1.0.0.info")[0] == 200
        relay.set_upstream("http://127.0.0.1:1")
        assert relay.upstream == "127.0.0.1:1"
        assert relay.get(f"/{LIB}/@v/v1.0.0.info")[0] == 200  # cache key is the URI alone
        assert relay.get(f"/{LIB}/@v/v9.0.0.info")[0] == 502


def test_missing_nginx_is_a_relay_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NGINX_BIN", str(tmp_path / "no-nginx"))
    assert find_nginx() is None
    with pytest.raises(RelayError, match="apt-get install -y nginx"):
        NginxRelay("http://127.0.0.1:1")


def test_only_http_and_https_upstreams(nginx_binary: Path) -> None:
    with pytest.raises(RelayError, match=r"http\(s\)://host:port"):
        NginxRelay("ftp://127.0.0.1:1", nginx=nginx_binary)


def _worker_users(master: int) -> set[str]:
    users = set()
    for child in Path(f"/proc/{master}/task/{master}/children").read_text().split():
        status = Path(f"/proc/{child}/status").read_text()
        uid = next(line.split()[1] for line in status.splitlines() if line.startswith("Uid:"))
        users.add(pwd.getpwuid(int(uid)).pw_name)
    return users


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_as_root_the_workers_run_as_nobody(nginx_binary: Path, upstream: FakeGoProxy) -> None:
    """They still write the cache: a zip too big for nginx's buffers goes through a file."""
    big = os.urandom(300_000).hex()
    upstream.add_module(LIB, "v1.1.0", files={"lib.go": "package lib\n", "big.txt": big})
    with NginxRelay(upstream.url, nginx=nginx_binary) as relay:
        assert relay._process is not None
        # nginx finishes writing a cache entry after the answer is sent: a request right
        # after the first may still miss, so ask a few times for the HIT the workers' write
        # makes possible (without it every answer is a MISS)
        for _ in range(5):
            status, body = relay.get(f"/{LIB}/@v/v1.1.0.zip")
            assert status == 200 and len(body) > 300_000
            if any(line.endswith(" HIT") for line in relay.access_log()):
                break
        assert any(line.endswith(" HIT") for line in relay.access_log()), relay.access_log()
        assert _worker_users(relay._process.pid) == {"nobody"}


def test_a_workdir_with_a_space_works(
    nginx_binary: Path, upstream: FakeGoProxy, tmp_path: Path
) -> None:
    with NginxRelay(upstream.url, nginx=nginx_binary, workdir=tmp_path / "with space") as relay:
        assert " " in str(relay.root)
        assert relay.get(f"/{LIB}/@v/list") == (200, b"v1.0.0\n")


@pytest.mark.parametrize("name", ['quo"te', "dollar$x", "back\\slash", "new\nline"])
def test_a_workdir_nginx_would_parse_is_refused(
    nginx_binary: Path, upstream: FakeGoProxy, tmp_path: Path, name: str
) -> None:
    with pytest.raises(RelayError, match="nginx would read as syntax"):
        NginxRelay(upstream.url, nginx=nginx_binary, workdir=tmp_path / name)
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize(
    "upstream_url",
    ['http://a";error_log /tmp/x;#:80', "http://a}b:80", "http://[::1:80", "gopher://a:80"],
)
def test_an_upstream_that_could_inject_directives_is_refused(
    nginx_binary: Path, upstream_url: str
) -> None:
    with pytest.raises(RelayError):
        NginxRelay(upstream_url, nginx=nginx_binary)


def test_a_body_cut_short_is_no_answer_not_a_crash(nginx_binary: Path) -> None:
    """The full matrix once died here: the relay's @v/list read under ``cut_body``."""
    with FakeGoProxy() as proxy:
        proxy.add_module(LIB, "v1.0.0", files={"lib.go": "package lib\n"})
        spec = bind_fault("cut_body", {}).http
        assert spec is not None
        proxy.faults.add(spec)
        with NginxRelay(proxy.url, nginx=nginx_binary) as relay:
            assert relay.get(f"/{LIB}/@v/list") == (0, b"")


def test_an_https_upstream_is_verified_against_the_session_ca(nginx_binary: Path) -> None:
    with FakeGoProxy(tls=True) as upstream:
        upstream.add_module(LIB, "v1.0.0", files={"lib.go": "package lib\n"})
        with NginxRelay(upstream.url, nginx=nginx_binary) as relay:
            assert relay.get(f"/{LIB}/@v/list") == (200, b"v1.0.0\n")
    with FakeGoProxy(tls=foreign_ca().server_context()) as untrusted:
        untrusted.add_module(LIB, "v1.0.0", files={"lib.go": "package lib\n"})
        with NginxRelay(untrusted.url, nginx=nginx_binary) as relay:
            status, _ = relay.get(f"/{LIB}/@v/list")
    assert status == 502  # nginx refused the certificate, as go would

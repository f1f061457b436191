"""HTTP faults and the checksum database: a wrong zip it catches, and the ``sumdb`` kind.

Uses the ``gosumdb`` fixture (a fake checksum database whose records come from the bytes the
proxy really serves), attached to the proxy so go can also reach it through ``/sumdb/``.
"""

from __future__ import annotations

import pytest

from pytest_goproxy.gorun import Failure, GoResult, GoRunner
from pytest_goproxy.proxy import FakeGoProxy
from pytest_goproxy.sumdb import ChecksumDB

from .conftest import LIB

pytestmark = pytest.mark.network_faults


def download(go: GoRunner, proxy: FakeGoProxy, sumdb_env: dict[str, str]) -> GoResult:
    project = go.project(requires={LIB: "v1.0.0"})
    return project.download(env={"GOPROXY": proxy.url, **sumdb_env})


def test_wrong_zip_is_caught_by_the_checksum_database(
    go: GoRunner, modules: FakeGoProxy, gosumdb: ChecksumDB
) -> None:
    gosumdb.attach(modules)
    modules.inject("wrong_zip")
    result = download(go, modules, gosumdb.env).assert_failure(Failure.CHECKSUM_MISMATCH)
    # go: example.test/lib@v1.0.0: verifying module: checksum mismatch
    #     downloaded: h1:a90P...
    #     sumdb.goproxy.test: h1:idqF...
    # SECURITY ERROR
    # This download does NOT match the one reported by the checksum server.
    assert "verifying module: checksum mismatch" in result.stderr
    assert f"{gosumdb.name}: h1:" in result.stderr


def test_a_502_on_the_proxied_checksum_database(
    go: GoRunner, modules: FakeGoProxy, gosumdb: ChecksumDB
) -> None:
    gosumdb.attach(modules)
    fault = modules.inject("status", code=502, kind="sumdb")
    result = download(go, modules, gosumdb.env_via_proxy)
    # go: example.test/lib@v1.0.0: verifying go.mod: example.test/lib@v1.0.0/go.mod: reading
    #     http://127.0.0.1:PORT/sumdb/sumdb.goproxy.test/supported: 502 Bad Gateway
    #     server response: 502 Bad Gateway: injected by pytest-goproxy
    result.assert_failure(Failure.SUMDB)
    assert result.cause is Failure.HTTP_STATUS
    assert "/supported: 502 Bad Gateway" in result.stderr
    assert fault.hits == 1 and not modules.requests(kind="zip")

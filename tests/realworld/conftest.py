"""Fixtures of the real-shaped tests: a fake internet (code hosts laid out as real ones, a public
proxy whose ``.info`` carries ``Origin`` as proxy.golang.org's does, its checksum database) and a
user who records the checked-in project through it.

The public proxy is made the way proxy.golang.org makes its content: the real go fetches every
version of the closure straight from the code hosts (``GOPROXY=direct``), and the proxy serves
that module cache as it is, ``.info`` with the ``Origin`` go wrote included.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pytest_goproxy import ChecksumDB, FakeGoProxy, GoRunner
from pytest_goproxy.origin import FakeOrigin
from pytest_goproxy.record import RecordResult, record

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "record"))
from internet import DIRECT, HOSTS, PROJECT, build_internet
from record_helpers import behind_guard, user_env


@dataclass
class Upstream:
    """The fake internet: code hosts, a public proxy, its checksum database."""

    origin: FakeOrigin
    proxy: FakeGoProxy
    sumdb: ChecksumDB
    go: GoRunner

    def record(self, tmp: Path, name: str, **options: bool) -> RecordResult:
        """``record`` of the checked-in project by a user whose GOPROXY is the public proxy,
        behind a proxy that routes the code hosts by name (as a corporate proxy would)."""
        settings = {"GOPROXY": self.proxy.url, "GOSUMDB": self.sumdb.gosumdb}
        (tmp / f"{name}-user").mkdir()
        env = user_env(tmp / f"{name}-user", **settings)
        routes = dict.fromkeys(self.origin.hosts, self.origin)
        with behind_guard(self.go, env, routes) as recording_env:
            return record(PROJECT, tmp / name, env=recording_env, **options)


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Upstream]:
    tmp = tmp_path_factory.mktemp("internet")
    with GoRunner(workdir=tmp / "go") as go, FakeOrigin(HOSTS, workdir=tmp) as origin:
        origin.start()
        build_internet(origin)
        (tmp / "crawler").mkdir()
        env = user_env(tmp / "crawler", **DIRECT)
        routes = dict.fromkeys(origin.hosts, origin)
        with behind_guard(go, env, routes) as crawling_env:
            crawled = record(PROJECT, tmp / "crawled", env=crawling_env, tidy=False)
        with FakeGoProxy() as proxy, ChecksumDB() as sumdb:
            proxy.add_module_cache(crawled.snapshot)
            sumdb.attach(proxy)
            yield Upstream(origin, proxy, sumdb, go)

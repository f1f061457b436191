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
from pathlib import Path

import pytest

from pytest_goproxy import ChecksumDB, FakeGoProxy, GoRunner
from pytest_goproxy.origin import FakeOrigin
from pytest_goproxy.record import record

# record_helpers (tests/record) gives the user's shell and the proxy that routes host names
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "record"))
from internet import DIRECT, HOSTS, PROJECT, build_internet
from record_helpers import behind_guard, user_env
from upstream import Upstream


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

"""The fake internet's public side for the real-shaped tests: code hosts, a public proxy and its
checksum database, and a user who records through them (see ``conftest.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from internet import PROJECT
from record_helpers import behind_guard, user_env

from pytest_goproxy import ChecksumDB, FakeGoProxy, GoRunner
from pytest_goproxy.origin import FakeOrigin
from pytest_goproxy.record import RecordResult, record


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

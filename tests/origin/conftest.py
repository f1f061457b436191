"""Fixtures of the origin tests: an origin serving two host names, and a hermetic git client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from origin_helpers import Git

from pytest_goproxy.origin import FakeOrigin


@pytest.fixture
def origin() -> Iterator[FakeOrigin]:
    with FakeOrigin(hosts=("corp.example", "git.corp.example")) as served:
        yield served


@pytest.fixture
def git(tmp_path: Path) -> Git:
    return Git(tmp_path / "git-home")

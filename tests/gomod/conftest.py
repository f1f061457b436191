"""Fixtures of the gomod tests: ``go_env``, a hermetic go (see gomod_goenv.py)."""

from __future__ import annotations

import os
import pathlib

import pytest
from gomod_goenv import GoEnv, go_binary


@pytest.fixture(scope="session")
def _gocache(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    return tmp_path_factory.mktemp("gocache")


@pytest.fixture
def go_env(tmp_path: pathlib.Path, _gocache: pathlib.Path) -> GoEnv:
    """A hermetic go; skips without one, but fails when ``CI`` is set (CI must have go)."""
    go = go_binary()
    if go is None:
        if os.environ.get("CI"):
            pytest.fail("the go binary is required in CI but was not found on PATH")
        pytest.skip("go binary not found on PATH")
    root = tmp_path / "goenv"
    root.mkdir()
    return GoEnv(go, root, _gocache)

"""Fixtures for the network tests.

The ``toxiproxy``/``network`` fixtures and their options come from the plugin.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_goproxy.network.server import find_toxiproxy

__all__ = ["toxiproxy_binary"]


@pytest.fixture(scope="session")
def toxiproxy_binary(toxiproxy: object) -> Path:
    """The binary the session fixture started (tests that start extra servers reuse it)."""
    server = getattr(toxiproxy, "server", None)
    if server is not None:
        return Path(server.binary)
    found = find_toxiproxy(os.environ.get("TOXIPROXY_BIN"))
    if found is None:
        pytest.skip("no toxiproxy binary to start a second server from")
    return found


@pytest.fixture
def fake_bin(tmp_path: Path) -> Iterator[Path]:
    """A directory for fake executables (``go``, ``toxiproxy-server``) written by a test."""
    path = tmp_path / "bin"
    path.mkdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """pytest-httpserver on 127.0.0.1 (its default, ``localhost``, may resolve to ::1)."""
    return ("127.0.0.1", 0)

"""Fixtures of the matrix tests: a small generated Go project, go, toxiproxy and nginx or skip."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_goproxy.ci import in_ci
from pytest_goproxy.errors import GoNotFoundError
from pytest_goproxy.gorun import find_go
from pytest_goproxy.matrix import MatrixProject, run_matrix
from pytest_goproxy.network import Toxiproxy
from pytest_goproxy.outage import Cell
from pytest_goproxy.outage.relay import find_nginx

from .projects import write_project

#: The cells of the comma-versus-pipe acceptance check (run as a matrix and as pytest tests).
FALLBACK_FAULTS = ["none", "refused", "dns", "reset", "status"]
FALLBACK_CONFIGS = ["comma_backup", "pipe_backup"]


@pytest.fixture(scope="session")
def small_project(tmp_path_factory: pytest.TempPathFactory) -> MatrixProject:
    """example.test/app requiring example.test/lib and example.test/util (txtar modules)."""
    return write_project(tmp_path_factory.mktemp("matrix-project"))


@pytest.fixture(scope="session")
def need_go() -> None:
    try:
        find_go()
    except GoNotFoundError as exc:
        if in_ci():
            raise
        pytest.skip(f"go is not available: {exc}")


@pytest.fixture(scope="session")
def nginx_binary() -> Path:
    found = find_nginx()
    if found is None:
        if in_ci():
            pytest.fail("nginx is not installed (CI installs it: apt-get install -y nginx)")
        pytest.skip("nginx is not installed")
    return found


@pytest.fixture(scope="session")
def fallback_cells(small_project: MatrixProject, toxiproxy: Toxiproxy, need_go: None) -> list[Cell]:
    """The comma-versus-pipe cells, run once by run_matrix with jobs=2."""
    seen: list[Cell] = []
    cells = run_matrix(
        small_project,
        FALLBACK_FAULTS,
        FALLBACK_CONFIGS,
        jobs=2,
        timeout=30,
        toxiproxy=toxiproxy,
        progress=seen.append,
    )
    assert sorted(seen, key=lambda c: (c.fault, c.config)) == sorted(
        cells, key=lambda c: (c.fault, c.config)
    )
    return cells

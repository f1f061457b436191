"""Fixtures of the matrix tests: a small generated Go project, go, toxiproxy and nginx or skip."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_goproxy.errors import GoNotFoundError
from pytest_goproxy.gorun import find_go
from pytest_goproxy.matrix import MatrixProject
from pytest_goproxy.network.fixtures import in_ci
from pytest_goproxy.relay import find_nginx

from .projects import write_project


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

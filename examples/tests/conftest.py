"""Fixtures of the example suite: the app under test and a proxy serving its dependencies.

In your own repository, point ``APP`` at your module's root and serve your dependencies the way
that suits you: ``goproxy.add_txtar(dir)`` (as here), ``goproxy.add_dir(...)`` for vendored
sources, or ``goproxy.add_module_cache(...)`` to replay a real module cache.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_goproxy import FakeGoProxy, GoProject, GoRunner
from pytest_goproxy.matrix import DEFAULT_EXAMPLE

#: The Go module whose build these tests put under outages: the bundled example, which ships in
#: the package (``pytest_goproxy/scenarios/outages/project``). Yours: ``Path("path/to/module")``.
APP = DEFAULT_EXAMPLE
#: Its dependencies, one txtar file per module version (cmd/go testdata/mod format).
MODULES = APP.parent / "modules"


@pytest.fixture
def app_dir() -> Path:
    """The app's own directory (read its committed go.mod and go.sum here; never write)."""
    return APP


@pytest.fixture
def modules(goproxy: FakeGoProxy) -> FakeGoProxy:
    """The fake GOPROXY, serving every module the app needs (and nothing else)."""
    goproxy.add_txtar(MODULES)
    return goproxy


@pytest.fixture
def app(go: GoRunner) -> GoProject:
    """A fresh copy of the app (the original is never touched), with a cold module cache."""
    return go.project_from_dir(APP)

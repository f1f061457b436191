"""Fixtures of the example suite: the app under test, a proxy serving its public dependencies
and the origin of its private one.

In your own repository, point ``APP`` at your module's root and serve your dependencies the way
that suits you: ``goproxy.add_txtar(dir)`` (as here), ``goproxy.add_dir(...)`` for vendored
sources, or ``goproxy.add_module_cache(...)`` to replay a real module cache; your private modules
go into ``goorigin`` (a git host reached by name, e.g. ``corp.example``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_goproxy import FakeGoProxy, FakeOrigin, GoProject, GoRunner
from pytest_goproxy.matrix import DEFAULT_EXAMPLE

#: The Go module whose build these tests put under outages: the bundled example, which ships in
#: the package (``pytest_goproxy/scenarios/outages/project``). Yours: ``Path("path/to/module")``.
APP = DEFAULT_EXAMPLE
#: Its dependencies, one txtar file per module version (cmd/go testdata/mod format).
MODULES = APP.parent / "modules"
#: Its private module, which only its origin serves (GOPRIVATE=corp.example tells go so).
PRIVATE_MODULE = "corp.example/vault"


@pytest.fixture
def app_dir() -> Path:
    """The app's own directory (read its committed go.mod and go.sum here; never write)."""
    return APP


@pytest.fixture
def modules(goproxy: FakeGoProxy) -> FakeGoProxy:
    """The fake public GOPROXY, serving every public module the app needs (and nothing else):
    for the private one it answers 410 Gone, as proxy.golang.org does."""
    goproxy.add_txtar(MODULES)
    goproxy.mark_gone(PRIVATE_MODULE)
    return goproxy


@pytest.fixture
def vault(goorigin: FakeOrigin) -> FakeOrigin:
    """The private module's origin: a git host that the test's go runs reach as corp.example."""
    goorigin.add_txtar(MODULES / "corp.example_vault_v1.0.0.txt")
    return goorigin


@pytest.fixture
def app(go: GoRunner, vault: FakeOrigin) -> GoProject:
    """A fresh copy of the app (the original is never touched), with a cold module cache and
    GOPRIVATE set for its private module."""
    return go.project_from_dir(APP, env={"GOPRIVATE": "corp.example"})

"""pytest glue: options, markers and fixtures. It wires library classes; it computes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pytest_goproxy.gomod.store import ModuleStore
from pytest_goproxy.gorun.fixtures import add_options as add_gorun_options
from pytest_goproxy.gorun.fixtures import generate_go_tests, go, go_binary, go_build_cache  # noqa: F401  (fixtures)
from pytest_goproxy.matrix.plugin import add_markers as add_matrix_markers
from pytest_goproxy.matrix.plugin import (  # noqa: F401  (fixtures)
    generate_matrix_tests,
    goproxy_matrix_project,
    goproxy_matrix_session,
    matrix_cell,
)
from pytest_goproxy.network.fixtures import add_options as add_network_options
from pytest_goproxy.network.fixtures import network, toxiproxy  # noqa: F401  (fixtures)
from pytest_goproxy.proxy import FakeGoProxy
from pytest_goproxy.scenarios.plugin import add_options as add_scenario_options
from pytest_goproxy.scenarios.plugin import add_scenario_items, close_runner
from pytest_goproxy.sumdb.fixtures import (  # noqa: F401  (fixtures, registered by import)
    gosumdb,
    gosumdb_listen_host,
    gosumdb_name,
    gosumdb_session,
)

#: Fixtures that put a test under a fault; such a test is marked ``network_faults`` for ``-m``.
FAULT_FIXTURES = frozenset({"network", "toxiproxy", "matrix_cell"})


def pytest_addoption(parser: pytest.Parser) -> None:
    add_gorun_options(parser)
    add_network_options(parser)
    add_scenario_options(parser)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    generate_go_tests(metafunc)
    generate_matrix_tests(metafunc)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Add the ``--goproxy-scenario`` items, and mark fault tests ``network_faults``."""
    add_scenario_items(session, config, items)
    for item in items:
        if FAULT_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.network_faults)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "network_faults: a test that puts the go command under a network or HTTP fault "
        "(select them with `pytest -m network_faults`)",
    )
    add_matrix_markers(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    close_runner(config)


# -- the fake module proxy ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def goproxy_listen_host() -> str:
    """The address fake proxies bind to. Override to use another loopback address."""
    return "127.0.0.1"


@pytest.fixture(scope="session")
def goproxy_session(
    tmp_path_factory: pytest.TempPathFactory, goproxy_listen_host: str
) -> Iterator[FakeGoProxy]:
    """The session's fake GOPROXY server; tests use ``goproxy``, which clears it between tests."""
    proxy = FakeGoProxy(host=goproxy_listen_host, workdir=tmp_path_factory.mktemp("goproxy"))
    proxy.start()
    yield proxy
    proxy.close()


@pytest.fixture
def goproxy(goproxy_session: FakeGoProxy) -> Iterator[FakeGoProxy]:
    """A fake GOPROXY serving real, byte-exact Go modules; empty at the start of each test.

    Add modules with ``add_module``, ``add_dir``, ``add_txtar`` or ``add_module_cache`` and put
    ``goproxy.url`` in GOPROXY. ``goproxy.requests(kind=..., module=...)`` and
    ``assert_requested`` / ``assert_not_requested`` tell what the go command asked for.
    A bug inside the proxy fails the test at teardown.
    """
    goproxy_session.clear()
    yield goproxy_session
    try:
        goproxy_session.check_handler_errors()
    finally:
        goproxy_session.clear()


@pytest.fixture
def goproxy_factory(
    tmp_path_factory: pytest.TempPathFactory, goproxy_listen_host: str
) -> Iterator[Callable[..., FakeGoProxy]]:
    """Makes more, independent fake proxies (a primary and a backup, say), stopped after the test.

    ``goproxy_factory()`` starts an empty proxy; ``goproxy_factory(store=goproxy.store)`` one that
    serves the same modules as ``goproxy`` (a mirror).
    """
    made: list[FakeGoProxy] = []

    def make(store: ModuleStore | None = None, **kwargs: Any) -> FakeGoProxy:
        proxy = FakeGoProxy(
            store,
            host=kwargs.pop("host", goproxy_listen_host),
            workdir=tmp_path_factory.mktemp("goproxy"),
            **kwargs,
        )
        proxy.start()
        made.append(proxy)
        return proxy

    yield make
    errors = []
    for proxy in made:
        errors.extend(proxy.handler_errors)
        proxy.close()
    if errors:
        raise errors[0]

"""The fake module proxy's pytest plugin: ``goproxy``, ``goproxy_factory`` and the session server.

One server serves the whole session (pytest-httpserver's pattern); each test gets it emptied, and
a bug inside the proxy fails the test that met it. The main plugin (:mod:`pytest_goproxy.plugin`)
registers this module. The server (werkzeug) is imported when a fixture first needs it, so
loading the plugin stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pytest_goproxy.gomod.store import ModuleStore
    from pytest_goproxy.proxy.server import FakeGoProxy
    from pytest_goproxy.serving.tls import SessionCA

__all__ = [
    "goproxy",
    "goproxy_ca",
    "goproxy_factory",
    "goproxy_listen_host",
    "goproxy_session",
    "goproxy_tls",
    "goproxy_tls_session",
]


@pytest.fixture(scope="session")
def goproxy_listen_host() -> str:
    """The address fake proxies bind to. Override to use another loopback address."""
    return "127.0.0.1"


@pytest.fixture(scope="session")
def goproxy_session(
    tmp_path_factory: pytest.TempPathFactory, goproxy_listen_host: str
) -> Iterator[FakeGoProxy]:
    """The session's fake GOPROXY server; tests use ``goproxy``, which clears it between tests."""
    from pytest_goproxy.proxy.server import FakeGoProxy

    proxy = FakeGoProxy(host=goproxy_listen_host, workdir=tmp_path_factory.mktemp("goproxy"))
    proxy.start()
    yield proxy
    proxy.close()


@pytest.fixture(scope="session")
def goproxy_ca() -> SessionCA:
    """The session's test CA: it signs every HTTPS fake's certificate and every go run trusts it
    (``SSL_CERT_FILE``). ``goproxy_ca.pem`` is its certificate; ``goproxy_ca.issue(*hosts,
    not_before=..., not_after=...)`` and ``goproxy_ca.server_context(*hosts)`` make more."""
    from pytest_goproxy.serving.tls import session_ca

    return session_ca()


@pytest.fixture(scope="session")
def goproxy_tls_session(
    tmp_path_factory: pytest.TempPathFactory, goproxy_listen_host: str
) -> Iterator[FakeGoProxy]:
    """The session's HTTPS fake GOPROXY; tests use ``goproxy_tls``."""
    from pytest_goproxy.proxy.server import FakeGoProxy

    proxy = FakeGoProxy(
        host=goproxy_listen_host, workdir=tmp_path_factory.mktemp("goproxy"), tls=True
    )
    proxy.start()
    yield proxy
    proxy.close()


@pytest.fixture
def goproxy_tls(goproxy_tls_session: FakeGoProxy) -> Iterator[FakeGoProxy]:
    """``goproxy`` over HTTPS (``https://127.0.0.1:<port>``, a certificate of ``goproxy_ca``),
    as every real module proxy is; empty at the start of each test."""
    yield from _cleared(goproxy_tls_session)


def _cleared(proxy: FakeGoProxy) -> Iterator[FakeGoProxy]:
    proxy.clear()
    yield proxy
    try:
        proxy.check_handler_errors()
    finally:
        proxy.clear()


@pytest.fixture
def goproxy(goproxy_session: FakeGoProxy) -> Iterator[FakeGoProxy]:
    """A fake GOPROXY serving real, byte-exact Go modules; empty at the start of each test.

    Add modules with ``add_module``, ``add_dir``, ``add_txtar`` or ``add_module_cache`` and put
    ``goproxy.url`` in GOPROXY. ``goproxy.requests(kind=..., module=...)`` and
    ``assert_requested`` / ``assert_not_requested`` tell what the go command asked for.
    A bug inside the proxy fails the test at teardown.
    """
    yield from _cleared(goproxy_session)


@pytest.fixture
def goproxy_factory(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    goproxy_listen_host: str,
) -> Iterator[Callable[..., FakeGoProxy]]:
    """Makes more, independent fake proxies (a primary and a backup, say), stopped after the test.

    ``goproxy_factory()`` starts an empty proxy; ``goproxy_factory(store=goproxy.store)`` one that
    serves the same modules as ``goproxy`` (a mirror); ``goproxy_factory(tls=True)`` one over
    HTTPS; ``goproxy_factory(name="proxy.golang.org", tls=True)`` one served under that host
    name in the test's go runs (the ``go`` runner routes the name to it; its ``url`` is
    ``https://proxy.golang.org``), so go's errors name the host your CI names. The test's
    ``gosumdb`` knows their modules.
    """
    from pytest_goproxy.proxy.server import FakeGoProxy
    from pytest_goproxy.sumdb.plugin import TEST_SUMDB

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
        if proxy.name is not None:
            request.getfixturevalue("go").route(proxy.name, proxy)
        sumdb = request.node.stash.get(TEST_SUMDB, None)
        if sumdb is not None:
            sumdb.add_from(proxy.store)
        return proxy

    yield make
    errors = []
    for proxy in made:
        errors.extend(proxy.handler_errors)
        proxy.close()
    if errors:
        raise errors[0]

"""The faulty network's pytest plugin: options ``--toxiproxy-url``, ``--toxiproxy-bin``,
``--toxiproxy-cache-dir``, the fixtures ``toxiproxy`` (session), ``network`` and
``fake_resolver`` (with ``fake_resolver_options``), and the ``network_faults`` marker.

A test that uses ``network``, ``toxiproxy`` or ``fake_resolver`` is marked ``network_faults``
(``pytest -m network_faults`` selects every fault test; the matrix and scenario plugins mark
their items too).

The main plugin (:mod:`pytest_goproxy.plugin`) registers this module; it also works alone
(``-p pytest_goproxy.network.plugin``). Toxiproxy's client is imported when a fixture first needs
it, so loading the plugin stays cheap.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from pytest_goproxy.ci import in_ci
from pytest_goproxy.errors import ToxiproxyError

if TYPE_CHECKING:
    from pytest_goproxy.network.endpoint import Network
    from pytest_goproxy.network.resolver import FakeResolver
    from pytest_goproxy.network.session import Toxiproxy

__all__ = [
    "FAULT_FIXTURES",
    "MARKER",
    "fake_resolver",
    "fake_resolver_options",
    "in_ci",
    "network",
    "toxiproxy",
]

MARKER = "network_faults"
#: The fixtures of this plugin that put a test under a fault.
FAULT_FIXTURES = frozenset({"network", "toxiproxy", "fake_resolver"})


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("goproxy", "pytest-goproxy")
    group.addoption(
        "--toxiproxy-url",
        dest="toxiproxy_url",
        default=None,
        help="use the toxiproxy server whose REST API is at this URL instead of starting one "
        "(default: $TOXIPROXY_URL)",
    )
    group.addoption(
        "--toxiproxy-bin",
        dest="toxiproxy_bin",
        default=None,
        help="toxiproxy server binary to start (default: $TOXIPROXY_BIN, else toxiproxy-server "
        "or toxiproxy on PATH, else built once with `go install`)",
    )
    group.addoption(
        "--toxiproxy-cache-dir",
        dest="toxiproxy_cache_dir",
        default=None,
        help="where a toxiproxy built with `go install` is kept (default: $TOXIPROXY_CACHE_DIR, "
        "else pytest-goproxy/toxiproxy-<version> in $XDG_CACHE_HOME or ~/.cache)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}: a test that puts the go command under a network or HTTP fault "
        f"(select them with `pytest -m {MARKER}`)",
    )


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that use ``network`` or ``toxiproxy`` as ``network_faults``."""
    for item in items:
        if FAULT_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(MARKER)


def _option(config: pytest.Config, dest: str, env: str) -> str | None:
    value = config.getoption(dest, default=None) or os.environ.get(env)
    return str(value) if value else None


class _ReporterLines(io.StringIO):
    """A text stream whose complete lines go to pytest's terminal reporter, past output capture.

    The first ``toxiproxy`` fixture may build toxiproxy with ``go install`` (seconds to minutes);
    its progress lines must reach the terminal while the fixture runs, not a capture buffer that
    pytest shows only on failure."""

    def __init__(self, reporter: Any, capture: Any) -> None:
        super().__init__()
        self._reporter = reporter
        self._capture = capture
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        while "\n" in self._pending:
            line, self._pending = self._pending.split("\n", 1)
            if self._capture is not None:
                with self._capture.global_and_fixture_disabled():
                    self._reporter.write_line(line)
            else:
                self._reporter.write_line(line)
        return len(text)


def _build_log(config: pytest.Config) -> _ReporterLines | None:
    """Where a toxiproxy build reports: the terminal reporter, or None (stderr) without one
    (an xdist worker)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return None
    return _ReporterLines(reporter, config.pluginmanager.get_plugin("capturemanager"))


@pytest.fixture(scope="session")
def toxiproxy(request: pytest.FixtureRequest) -> Iterator[Toxiproxy]:
    """The toxiproxy server of this pytest process (each xdist worker has its own).

    ``--toxiproxy-url`` uses a running server. Otherwise one is started on 127.0.0.1 from
    ``--toxiproxy-bin``, ``PATH``, or a one-time ``go install`` build, and stopped at session end
    (pytest runs this teardown on Ctrl-C too). If no binary can be found or built the tests using
    it are skipped, except with ``CI`` set, where that is an error.
    """
    from pytest_goproxy.network.server import find_toxiproxy, resolve_toxiproxy
    from pytest_goproxy.network.session import connect_toxiproxy, start_toxiproxy

    config = request.config
    url = _option(config, "toxiproxy_url", "TOXIPROXY_URL")
    if url:
        yield connect_toxiproxy(url)
        return
    explicit = _option(config, "toxiproxy_bin", "TOXIPROXY_BIN")
    if explicit:
        binary = find_toxiproxy(explicit)  # a bad explicit path is always an error
    else:
        try:
            binary = resolve_toxiproxy(
                None,
                cache_dir=_option(config, "toxiproxy_cache_dir", "TOXIPROXY_CACHE_DIR"),
                log=_build_log(config),
            )
        except ToxiproxyError as exc:
            if in_ci():
                raise
            pytest.skip(f"toxiproxy is not available (set CI to make this an error): {exc}")
    assert binary is not None
    with start_toxiproxy(binary) as server:
        yield server


@pytest.fixture
def network(toxiproxy: Toxiproxy) -> Iterator[Network]:
    """Endpoints for this test: ``network.front(server)``; all removed afterwards, pass or fail."""
    net = toxiproxy.network()
    try:
        yield net
    finally:
        net.close()


@pytest.fixture
def fake_resolver_options() -> tuple[str, ...]:
    """The ``resolv.conf`` options go gets with ``fake_resolver``: none, so go's defaults
    (``timeout:5 attempts:2``: a resolver that never answers costs 10 s). Override it to fail
    fast: ``return ("timeout:1", "attempts:1")``; ``use-vc`` makes go ask over TCP."""
    return ()


@pytest.fixture
def fake_resolver(fake_resolver_options: tuple[str, ...]) -> Iterator[FakeResolver]:
    """A started :class:`~pytest_goproxy.network.FakeResolver` serving no name yet:
    ``fake_resolver.add("goproxy.cn", proxy.host)``, faults with
    ``fake_resolver.inject("goproxy.cn", "dns_servfail")``, and go meets it with
    ``go.run(..., resolver=fake_resolver)`` (a private mount namespace). Stopped afterwards,
    pass or fail. Where go cannot run in such a namespace, or port 53 is not ours, the test is
    skipped saying why, except with ``CI`` set, where that is an error."""
    from pytest_goproxy.ci import skip_or_fail
    from pytest_goproxy.errors import NamespaceUnavailable
    from pytest_goproxy.gorun.namespace import check_namespace
    from pytest_goproxy.network.resolver import FakeResolver

    try:
        check_namespace()
        resolver = FakeResolver(options=fake_resolver_options).start()
    except NamespaceUnavailable as exc:
        skip_or_fail(exc)
    with resolver:
        yield resolver

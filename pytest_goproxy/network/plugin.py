"""pytest options and fixtures of the faulty network: ``toxiproxy`` (session) and ``network``.

Wire into the plugin with::

    from pytest_goproxy.network.fixtures import add_options as add_network_options
    from pytest_goproxy.network.fixtures import network, toxiproxy  # noqa: F401 (fixtures)

and call ``add_network_options(parser)`` from ``pytest_addoption``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from pytest_goproxy.ci import in_ci
from pytest_goproxy.errors import ToxiproxyError
from pytest_goproxy.network.endpoint import Network
from pytest_goproxy.network.server import default_cache_dir, find_toxiproxy, resolve_toxiproxy
from pytest_goproxy.network.session import Toxiproxy, connect_toxiproxy, start_toxiproxy

__all__ = ["add_options", "in_ci", "network", "toxiproxy"]


def add_options(parser: pytest.Parser) -> None:
    """Register ``--toxiproxy-url``, ``--toxiproxy-bin`` and ``--toxiproxy-cache-dir``."""
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
        help=f"where a toxiproxy built with `go install` is kept (default: {default_cache_dir()})",
    )


def _option(config: pytest.Config, dest: str, env: str) -> str | None:
    value = config.getoption(dest, default=None) or os.environ.get(env)
    return str(value) if value else None


@pytest.fixture(scope="session")
def toxiproxy(request: pytest.FixtureRequest) -> Iterator[Toxiproxy]:
    """The toxiproxy server of this pytest process (each xdist worker has its own).

    ``--toxiproxy-url`` uses a running server. Otherwise one is started on 127.0.0.1 from
    ``--toxiproxy-bin``, ``PATH``, or a one-time ``go install`` build, and stopped at session end
    (pytest runs this teardown on Ctrl-C too). If no binary can be found or built the tests using
    it are skipped, except with ``CI`` set, where that is an error.
    """
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
                None, cache_dir=_option(config, "toxiproxy_cache_dir", "TOXIPROXY_CACHE_DIR")
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

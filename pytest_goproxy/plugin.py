"""The pytest plugin (entry point ``goproxy``): it registers each area's plugin once.

Each area is a plugin module with its own options, hooks, markers and fixtures (pytest-xdist's
layout); pytest imports the modules named in ``pytest_plugins`` below when it loads this one,
and registers each once, whether named here, by another area plugin, or with ``-p``:

========================================  ========================================================
``pytest_goproxy.gorun.plugin``           ``--go``, ``--go-timeout``, ``--go-build-cache``;
                                          ``go``, ``go_binary``, ``go_build_cache``
``pytest_goproxy.network.plugin``         ``--toxiproxy-url``/``-bin``/``-cache-dir``;
                                          ``toxiproxy``, ``network``; the ``network_faults`` marker
``pytest_goproxy.proxy.plugin``           ``goproxy``, ``goproxy_factory``, ``goproxy_session``
``pytest_goproxy.sumdb.plugin``           ``gosumdb``, ``gosumdb_session``, ``gosumdb_name``
``pytest_goproxy.origin.plugin``          ``goorigin``, ``goorigin_hosts``
``pytest_goproxy.matrix.plugin``          the ``goproxy_matrix`` marker; ``matrix_cell``
``pytest_goproxy.scenarios.plugin``       ``--goproxy-scenario``; ``goproxy_scenario_runner``
========================================  ========================================================

``-p no:goproxy`` turns all of them off. Loading them is cheap: each imports the library classes
it wraps only when a fixture or hook first needs them.

This module itself holds the one rule that is the whole plugin's: SIGTERM and SIGHUP end a
session the way Ctrl-C does (``KeyboardInterrupt``: fixtures torn down, servers and processes
stopped, temp dirs removed), in the main process and in each xdist worker. Handlers a user or
another plugin installed are left alone. What even that cannot reach (a SIGKILL) is ended by
the watchdog of :mod:`pytest_goproxy.lifecycle`.
"""

from __future__ import annotations

import contextlib

import pytest

from pytest_goproxy.lifecycle import interrupt_on_signals

_SIGNALS = pytest.StashKey[contextlib.ExitStack]()

pytest_plugins = [
    "pytest_goproxy.gorun.plugin",
    "pytest_goproxy.network.plugin",
    "pytest_goproxy.proxy.plugin",
    "pytest_goproxy.sumdb.plugin",
    "pytest_goproxy.origin.plugin",
    "pytest_goproxy.matrix.plugin",
    "pytest_goproxy.scenarios.plugin",
]


def pytest_configure(config: pytest.Config) -> None:
    stack = contextlib.ExitStack()
    stack.enter_context(interrupt_on_signals())
    config.stash[_SIGNALS] = stack


def pytest_unconfigure(config: pytest.Config) -> None:
    stack = config.stash.get(_SIGNALS, None)
    if stack is not None:
        stack.close()

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
``pytest_goproxy.matrix.plugin``          the ``goproxy_matrix`` marker; ``matrix_cell``
``pytest_goproxy.scenarios.plugin``       ``--goproxy-scenario``; ``goproxy_scenario_runner``
========================================  ========================================================

``-p no:goproxy`` turns all of them off. Loading them is cheap: each imports the library classes
it wraps only when a fixture or hook first needs them.
"""

from __future__ import annotations

pytest_plugins = [
    "pytest_goproxy.gorun.plugin",
    "pytest_goproxy.network.plugin",
    "pytest_goproxy.proxy.plugin",
    "pytest_goproxy.sumdb.plugin",
    "pytest_goproxy.matrix.plugin",
    "pytest_goproxy.scenarios.plugin",
]

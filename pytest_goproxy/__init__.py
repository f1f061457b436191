"""pytest-goproxy: prove that Go builds survive module-proxy outages.

The public API is re-exported here; the modules behind it are implementation details.

The names load lazily (PEP 562): ``import pytest_goproxy`` imports nothing else, and
``pytest_goproxy.FakeGoProxy`` imports the proxy (werkzeug, ...) the first time it is asked for.
So the pytest plugin, the command line and a user's ``import pytest_goproxy`` pay only for what
they use. The ``TYPE_CHECKING`` imports below give type checkers and IDEs the same names.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what __getattr__ returns, for mypy and IDEs (keep in step with _EXPORTS)
    from pytest_goproxy.configs import (
        CONFIGS,
        Config,
        RetryPolicy,
        config_names,
        config_table_markdown,
        get_config,
    )
    from pytest_goproxy.errors import (
        ChecksumDBError,
        ConfigError,
        FaultError,
        GoNotFoundError,
        GoProjectError,
        GoProxyError,
        InvalidModuleError,
        ModuleError,
        ModuleSourceError,
        ModuleZipError,
        ProbeError,
        RecordError,
        RelayError,
        ReportFormatError,
        ScenarioError,
        ScenarioFailed,
        ToolUnavailable,
        ToxiproxyError,
        UsageError,
    )
    from pytest_goproxy.gomod.store import ModuleStore, ModuleVersion
    from pytest_goproxy.gorun import (
        Classification,
        Failure,
        GoBinary,
        GoProject,
        GoResult,
        GoRunner,
        ModuleCache,
        classify,
        find_go,
    )
    from pytest_goproxy.httpfaults import (
        HTTP_FAULTS,
        HTTPFault,
        HTTPFaultHandle,
        HTTPFaultSpec,
        get_http_fault,
        http_fault_names,
        http_fault_table_markdown,
    )
    from pytest_goproxy.matrix import MatrixProject, MatrixRunner, run_matrix
    from pytest_goproxy.matrix.plugin import matrix_params
    from pytest_goproxy.network import (
        FAULTS,
        Endpoint,
        Fault,
        FaultHandle,
        Network,
        Toxiproxy,
        ToxiproxyClient,
        ToxiproxyServer,
        fault_table_markdown,
        get_fault,
    )
    from pytest_goproxy.outage import (
        BoundFault,
        Cell,
        Outage,
        OutageEngine,
        Outcome,
        all_fault_names,
        bind_fault,
    )
    from pytest_goproxy.outage.relay import NginxRelay
    from pytest_goproxy.probe import ProbeReport, parse_goproxy, probe, write_scenario
    from pytest_goproxy.proxy import FakeGoProxy
    from pytest_goproxy.record import ServedSnapshot, Snapshot, record, serve_snapshot
    from pytest_goproxy.report import (
        MatrixProgress,
        cells_from_json,
        render_table,
        render_text,
        to_json,
        to_markdown,
        to_svg,
        write_reports,
    )
    from pytest_goproxy.scenarios import (
        Scenario,
        ScenarioResult,
        ScenarioRunner,
        bundled_scenarios,
        load_scenario,
    )
    from pytest_goproxy.serve import OutageServer
    from pytest_goproxy.serving.requestlog import ProxyRequest, RequestKind
    from pytest_goproxy.sumdb import ChecksumDB, Misbehaviour, SumDBRequest

#: Where each public name lives: the module that defines (or publicly re-exports) it.
_EXPORTS: dict[str, tuple[str, ...]] = {
    "pytest_goproxy.configs": (
        "CONFIGS",
        "Config",
        "RetryPolicy",
        "config_names",
        "config_table_markdown",
        "get_config",
    ),
    "pytest_goproxy.errors": (
        "ChecksumDBError",
        "ConfigError",
        "FaultError",
        "GoNotFoundError",
        "GoProjectError",
        "GoProxyError",
        "InvalidModuleError",
        "ModuleError",
        "ModuleSourceError",
        "ModuleZipError",
        "ProbeError",
        "RecordError",
        "RelayError",
        "ReportFormatError",
        "ScenarioError",
        "ScenarioFailed",
        "ToolUnavailable",
        "ToxiproxyError",
        "UsageError",
    ),
    "pytest_goproxy.gomod.store": ("ModuleStore", "ModuleVersion"),
    "pytest_goproxy.gorun": (
        "Classification",
        "Failure",
        "GoBinary",
        "GoProject",
        "GoResult",
        "GoRunner",
        "ModuleCache",
        "classify",
        "find_go",
    ),
    "pytest_goproxy.httpfaults": (
        "HTTP_FAULTS",
        "HTTPFault",
        "HTTPFaultHandle",
        "HTTPFaultSpec",
        "get_http_fault",
        "http_fault_names",
        "http_fault_table_markdown",
    ),
    "pytest_goproxy.matrix": ("MatrixProject", "MatrixRunner", "run_matrix"),
    "pytest_goproxy.outage": (
        "BoundFault",
        "Cell",
        "Outage",
        "OutageEngine",
        "Outcome",
        "all_fault_names",
        "bind_fault",
    ),
    # pytest glue (it makes pytest.param objects), so it imports pytest when first asked for.
    "pytest_goproxy.matrix.plugin": ("matrix_params",),
    "pytest_goproxy.network": (
        "FAULTS",
        "Endpoint",
        "Fault",
        "FaultHandle",
        "Network",
        "Toxiproxy",
        "ToxiproxyClient",
        "ToxiproxyServer",
        "fault_table_markdown",
        "get_fault",
    ),
    "pytest_goproxy.outage.relay": ("NginxRelay",),
    "pytest_goproxy.probe": ("ProbeReport", "parse_goproxy", "probe", "write_scenario"),
    "pytest_goproxy.proxy": ("FakeGoProxy",),
    "pytest_goproxy.record": ("ServedSnapshot", "Snapshot", "record", "serve_snapshot"),
    "pytest_goproxy.report": (
        "MatrixProgress",
        "cells_from_json",
        "render_table",
        "render_text",
        "to_json",
        "to_markdown",
        "to_svg",
        "write_reports",
    ),
    "pytest_goproxy.scenarios": (
        "Scenario",
        "ScenarioResult",
        "ScenarioRunner",
        "bundled_scenarios",
        "load_scenario",
    ),
    "pytest_goproxy.serve": ("OutageServer",),
    "pytest_goproxy.serving.requestlog": ("ProxyRequest", "RequestKind"),
    "pytest_goproxy.sumdb": ("ChecksumDB", "Misbehaviour", "SumDBRequest"),
}

_WHERE: dict[str, str] = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "CONFIGS",
    "FAULTS",
    "HTTP_FAULTS",
    "BoundFault",
    "Cell",
    "ChecksumDB",
    "ChecksumDBError",
    "Classification",
    "Config",
    "ConfigError",
    "Endpoint",
    "Failure",
    "FakeGoProxy",
    "Fault",
    "FaultError",
    "FaultHandle",
    "GoBinary",
    "GoNotFoundError",
    "GoProject",
    "GoProjectError",
    "GoProxyError",
    "GoResult",
    "GoRunner",
    "HTTPFault",
    "HTTPFaultHandle",
    "HTTPFaultSpec",
    "InvalidModuleError",
    "MatrixProgress",
    "MatrixProject",
    "MatrixRunner",
    "Misbehaviour",
    "ModuleCache",
    "ModuleError",
    "ModuleSourceError",
    "ModuleStore",
    "ModuleVersion",
    "ModuleZipError",
    "Network",
    "NginxRelay",
    "Outage",
    "OutageEngine",
    "OutageServer",
    "Outcome",
    "ProbeError",
    "ProbeReport",
    "ProxyRequest",
    "RecordError",
    "RelayError",
    "ReportFormatError",
    "RequestKind",
    "RetryPolicy",
    "Scenario",
    "ScenarioError",
    "ScenarioFailed",
    "ScenarioResult",
    "ScenarioRunner",
    "ServedSnapshot",
    "Snapshot",
    "SumDBRequest",
    "ToolUnavailable",
    "Toxiproxy",
    "ToxiproxyClient",
    "ToxiproxyError",
    "ToxiproxyServer",
    "UsageError",
    "all_fault_names",
    "bind_fault",
    "bundled_scenarios",
    "cells_from_json",
    "classify",
    "config_names",
    "config_table_markdown",
    "fault_table_markdown",
    "find_go",
    "get_config",
    "get_fault",
    "get_http_fault",
    "http_fault_names",
    "http_fault_table_markdown",
    "load_scenario",
    "matrix_params",
    "parse_goproxy",
    "probe",
    "record",
    "render_table",
    "render_text",
    "run_matrix",
    "serve_snapshot",
    "to_json",
    "to_markdown",
    "to_svg",
    "write_reports",
    "write_scenario",
]


def __getattr__(name: str) -> Any:
    """Import the module behind a public name on first use, and keep the name here."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # next time a plain lookup, without this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """This package's module type: two public functions share their name with a submodule.

    ``pytest_goproxy.probe`` and ``pytest_goproxy.record`` are functions, as they were when this
    package imported everything eagerly. Python binds a submodule to its package's attribute when
    the submodule is first imported (``import pytest_goproxy.probe`` by the CLI, say), which
    would turn them into modules depending on import order; this keeps the functions.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _SHADOWED and isinstance(value, types.ModuleType):
            return  # the submodule stays reachable through sys.modules and `from ... import`
        super().__setattr__(name, value)


#: Public functions named like a submodule of this package.
_SHADOWED = frozenset({"probe", "record"})

sys.modules[__name__].__class__ = _Package

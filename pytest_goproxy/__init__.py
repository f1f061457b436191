"""pytest-goproxy: prove that Go builds survive module-proxy outages.

The public API is re-exported here; the modules behind it are implementation details.

The names load lazily (PEP 562): ``import pytest_goproxy`` imports nothing else, and
``pytest_goproxy.FakeGoProxy`` imports the proxy (werkzeug, ...) the first time it is asked for.
So the pytest plugin, the command line and a user's ``import pytest_goproxy`` pay only for what
they use. The ``TYPE_CHECKING`` imports below give type checkers and IDEs the same names.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

# The error classes are cheap (no imports) and load eagerly: `except pytest_goproxy.FaultError`.
from pytest_goproxy.errors import *  # noqa: F403
from pytest_goproxy.errors import __all__ as _ERRORS
from pytest_goproxy.exports import lazy_exports

if TYPE_CHECKING:  # what __getattr__ returns, for mypy and IDEs
    __version__: str
    from pytest_goproxy.configs import CONFIGS as CONFIGS
    from pytest_goproxy.configs import Config as Config
    from pytest_goproxy.configs import RetryPolicy as RetryPolicy
    from pytest_goproxy.configs import config_names as config_names
    from pytest_goproxy.configs import config_table_markdown as config_table_markdown
    from pytest_goproxy.configs import get_config as get_config
    from pytest_goproxy.gomod.store import ModuleStore as ModuleStore
    from pytest_goproxy.gomod.store import ModuleVersion as ModuleVersion
    from pytest_goproxy.gorun import Classification as Classification
    from pytest_goproxy.gorun import Failure as Failure
    from pytest_goproxy.gorun import GoBinary as GoBinary
    from pytest_goproxy.gorun import GoProject as GoProject
    from pytest_goproxy.gorun import GoResult as GoResult
    from pytest_goproxy.gorun import GoRunner as GoRunner
    from pytest_goproxy.gorun import ModuleCache as ModuleCache
    from pytest_goproxy.gorun import TLSError as TLSError
    from pytest_goproxy.gorun import classify as classify
    from pytest_goproxy.gorun import find_go as find_go
    from pytest_goproxy.httpfaults import HTTP_FAULTS as HTTP_FAULTS
    from pytest_goproxy.httpfaults import HTTPFault as HTTPFault
    from pytest_goproxy.httpfaults import HTTPFaultHandle as HTTPFaultHandle
    from pytest_goproxy.httpfaults import HTTPFaultSpec as HTTPFaultSpec
    from pytest_goproxy.httpfaults import get_http_fault as get_http_fault
    from pytest_goproxy.httpfaults import http_fault_names as http_fault_names
    from pytest_goproxy.httpfaults import http_fault_table_markdown as http_fault_table_markdown
    from pytest_goproxy.matrix import MatrixProject as MatrixProject
    from pytest_goproxy.matrix import MatrixRunner as MatrixRunner
    from pytest_goproxy.matrix import run_matrix as run_matrix
    from pytest_goproxy.matrix.plugin import matrix_params as matrix_params
    from pytest_goproxy.network import FAULTS as FAULTS
    from pytest_goproxy.network import Endpoint as Endpoint
    from pytest_goproxy.network import Fault as Fault
    from pytest_goproxy.network import FaultHandle as FaultHandle
    from pytest_goproxy.network import Network as Network
    from pytest_goproxy.network import Toxiproxy as Toxiproxy
    from pytest_goproxy.network import ToxiproxyClient as ToxiproxyClient
    from pytest_goproxy.network import ToxiproxyServer as ToxiproxyServer
    from pytest_goproxy.network import fault_table_markdown as fault_table_markdown
    from pytest_goproxy.network import get_fault as get_fault
    from pytest_goproxy.origin import FakeOrigin as FakeOrigin
    from pytest_goproxy.outage import BoundFault as BoundFault
    from pytest_goproxy.outage import Cell as Cell
    from pytest_goproxy.outage import Outage as Outage
    from pytest_goproxy.outage import OutageEngine as OutageEngine
    from pytest_goproxy.outage import Outcome as Outcome
    from pytest_goproxy.outage import all_fault_names as all_fault_names
    from pytest_goproxy.outage import bind_fault as bind_fault
    from pytest_goproxy.outage.relay import NginxRelay as NginxRelay
    from pytest_goproxy.probe import ProbeReport as ProbeReport
    from pytest_goproxy.probe import parse_goproxy as parse_goproxy
    from pytest_goproxy.probe import probe as probe
    from pytest_goproxy.probe import write_scenario as write_scenario
    from pytest_goproxy.proxy import FakeGoProxy as FakeGoProxy
    from pytest_goproxy.record import ServedSnapshot as ServedSnapshot
    from pytest_goproxy.record import Snapshot as Snapshot
    from pytest_goproxy.record import record as record
    from pytest_goproxy.record import serve_snapshot as serve_snapshot
    from pytest_goproxy.report import MatrixProgress as MatrixProgress
    from pytest_goproxy.report import cells_from_json as cells_from_json
    from pytest_goproxy.report import render_table as render_table
    from pytest_goproxy.report import render_text as render_text
    from pytest_goproxy.report import to_json as to_json
    from pytest_goproxy.report import to_markdown as to_markdown
    from pytest_goproxy.report import to_svg as to_svg
    from pytest_goproxy.report import write_reports as write_reports
    from pytest_goproxy.scenarios import Scenario as Scenario
    from pytest_goproxy.scenarios import ScenarioResult as ScenarioResult
    from pytest_goproxy.scenarios import ScenarioRunner as ScenarioRunner
    from pytest_goproxy.scenarios import bundled_scenarios as bundled_scenarios
    from pytest_goproxy.scenarios import load_scenario as load_scenario
    from pytest_goproxy.serve import OutageServer as OutageServer
    from pytest_goproxy.serving.requestlog import ProxyRequest as ProxyRequest
    from pytest_goproxy.serving.requestlog import RequestKind as RequestKind
    from pytest_goproxy.sumdb import ChecksumDB as ChecksumDB
    from pytest_goproxy.sumdb import Misbehaviour as Misbehaviour
    from pytest_goproxy.sumdb import SumDBRequest as SumDBRequest

#: Where each public name lives: the module that defines (or publicly re-exports) it.
_exported, __dir__, _LAZY = lazy_exports(
    __name__,
    {
        "pytest_goproxy.configs": (
            "CONFIGS",
            "Config",
            "RetryPolicy",
            "config_names",
            "config_table_markdown",
            "get_config",
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
            "TLSError",
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
        "pytest_goproxy.origin": ("FakeOrigin",),
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
    },
)
__all__ = sorted([*_ERRORS, *_LAZY])


def __getattr__(name: str) -> Any:
    """``__version__`` (read from the installed package's metadata on first use: importing
    importlib.metadata costs ~30 ms) or a public name, loaded on first use."""
    if name != "__version__":
        return _exported(name)
    from importlib.metadata import PackageNotFoundError, version

    try:
        value = version("pytest-goproxy")
    except PackageNotFoundError:  # a source tree on sys.path that was never installed
        value = "0+unknown"
    globals()["__version__"] = value
    return value


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

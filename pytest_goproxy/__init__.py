"""pytest-goproxy: prove that Go builds survive module-proxy outages.

The public API is re-exported here; the modules behind it are implementation details.
"""

from __future__ import annotations

from pytest_goproxy.errors import (
    ChecksumDBError,
    ConfigError,
    FaultError,
    GoNotFoundError,
    GoProjectError,
    GoProxyError,
    InvalidModuleError,
    ModuleSourceError,
    ModuleZipError,
    ReportFormatError,
    ScenarioError,
    ToxiproxyError,
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
from pytest_goproxy.proxy import FakeGoProxy
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
from pytest_goproxy.requestlog import ProxyRequest, RequestKind
from pytest_goproxy.sumdb import ChecksumDB, Misbehaviour, SumDBRequest

__all__ = [
    "FAULTS",
    "HTTP_FAULTS",
    "ChecksumDB",
    "ChecksumDBError",
    "Classification",
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
    "Misbehaviour",
    "ModuleCache",
    "ModuleSourceError",
    "ModuleStore",
    "ModuleVersion",
    "ModuleZipError",
    "Network",
    "ProxyRequest",
    "ReportFormatError",
    "RequestKind",
    "ScenarioError",
    "SumDBRequest",
    "Toxiproxy",
    "ToxiproxyClient",
    "ToxiproxyError",
    "ToxiproxyServer",
    "cells_from_json",
    "classify",
    "fault_table_markdown",
    "find_go",
    "get_fault",
    "get_http_fault",
    "http_fault_names",
    "http_fault_table_markdown",
    "render_table",
    "render_text",
    "to_json",
    "to_markdown",
    "to_svg",
    "write_reports",
]

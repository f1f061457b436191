"""pytest-goproxy: prove that Go builds survive module-proxy outages.

The public API is re-exported here; the modules behind it are implementation details.
"""

from __future__ import annotations

from pytest_goproxy.errors import (
    ChecksumDBError,
    FaultError,
    GoNotFoundError,
    GoProjectError,
    GoProxyError,
    InvalidModuleError,
    ModuleSourceError,
    ModuleZipError,
    ToxiproxyError,
)
from pytest_goproxy.gomod.store import ModuleStore, ModuleVersion
from pytest_goproxy.proxy import FakeGoProxy
from pytest_goproxy.requestlog import ProxyRequest, RequestKind
from pytest_goproxy.sumdb import ChecksumDB, Misbehaviour, SumDBRequest

__all__ = [
    "ChecksumDB",
    "ChecksumDBError",
    "FakeGoProxy",
    "FaultError",
    "GoNotFoundError",
    "GoProjectError",
    "GoProxyError",
    "InvalidModuleError",
    "Misbehaviour",
    "ModuleSourceError",
    "ModuleStore",
    "ModuleVersion",
    "ModuleZipError",
    "ProxyRequest",
    "RequestKind",
    "SumDBRequest",
    "ToxiproxyError",
]

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

__all__ = [
    "ChecksumDBError",
    "FaultError",
    "GoNotFoundError",
    "GoProjectError",
    "GoProxyError",
    "InvalidModuleError",
    "ModuleSourceError",
    "ModuleZipError",
    "ToxiproxyError",
]

"""A synthetic Go toolchain for the local go, put in a module store (the rules and the files are
:mod:`pytest_goproxy.gomod.toolchain`'s; this module knows the go binary they point at).

:meth:`FakeGoProxy.add_toolchain <pytest_goproxy.proxy.FakeGoProxy.add_toolchain>` and the
outage engine (``matrix --toolchain``, a scenario's ``toolchain``) both add toolchains here, so a
toolchain is built one way whoever serves it.
"""

from __future__ import annotations

import os

from pytest_goproxy.gomod.store import ModuleStore, ModuleVersion
from pytest_goproxy.gomod.toolchain import (
    TOOLCHAIN_MODULE,
    synthetic_toolchain_files,
    toolchain_version,
)
from pytest_goproxy.gorun.binary import GoBinary, find_go

__all__ = ["add_synthetic_toolchain"]


def add_synthetic_toolchain(
    store: ModuleStore, name: str, go: GoBinary | str | os.PathLike[str] | None = None
) -> ModuleVersion:
    """Add ``golang.org/toolchain@v0.0.1-<name>.<GOOS>-<GOARCH>`` to ``store``, for the platform
    of ``go`` (:func:`~pytest_goproxy.gorun.binary.find_go`'s choice when None), whose
    ``bin/go`` runs that go. Its ``.mod`` is ``module golang.org/toolchain``, as the real
    toolchain modules' are. Adding the same toolchain again replaces it (same bytes)."""
    __tracebackhide__ = True
    binary = find_go(go)
    files = synthetic_toolchain_files(
        name,
        go=str(binary.path),
        goroot=binary.goroot,
        local_toolchain=binary.version,
        goos=binary.goos,
        goarch=binary.goarch,
    )
    version = toolchain_version(name, binary.goos, binary.goarch)
    return store.add_module(TOOLCHAIN_MODULE, version, files, go_mod=f"module {TOOLCHAIN_MODULE}\n")

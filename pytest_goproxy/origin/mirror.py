"""An origin for every module of a store: what the proxy serves, also in git, as in real life.

A public module exists twice: in its repository (tags ``vX.Y.Z``) and in the proxies that copied
it. The outage engine gives go both, so ``direct``, GOPRIVATE and GONOPROXY fetch from an origin
that holds the same files as the proxy's zip, tagged with the same version; go then computes
the same ``h1:`` hashes either way (tests/origin checks that on its own).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from pytest_goproxy.gomod.semver import sort_versions
from pytest_goproxy.gomod.store import ModuleStore
from pytest_goproxy.origin.server import FakeOrigin

__all__ = ["module_hosts", "origin_of_store"]


def module_hosts(store: ModuleStore) -> tuple[str, ...]:
    """The host names a store's modules live under (their first path elements), sorted."""
    return tuple(sorted({module.split("/", 1)[0] for module in store.modules()}))


def origin_of_store(store: ModuleStore, *, workdir: str | Path | None = None) -> FakeOrigin:
    """A (not yet started) FakeOrigin holding every version of every module of ``store`` that
    has a zip, tagged oldest first, each commit holding exactly the zip's files."""
    origin = FakeOrigin(module_hosts(store) or ("corp.example",), workdir=workdir)
    try:
        for module in sorted(store.modules()):
            for version in sort_versions(store.versions(module)):
                found = store.get(module, version)
                if found is None or found.zip_path is None:
                    continue
                prefix = f"{module}@{version}/"
                with zipfile.ZipFile(found.zip_path) as archive:
                    files = {
                        name[len(prefix) :]: archive.read(name)
                        for name in archive.namelist()
                        if name.startswith(prefix) and not name.endswith("/")
                    }
                origin.add_module(module, version, files)
    except BaseException:
        origin.close()
        raise
    return origin

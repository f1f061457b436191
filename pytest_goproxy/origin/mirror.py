"""An origin for every module of a store: what the proxy serves, also in git, as in real life.

A public module exists twice: in its repository (tags ``vX.Y.Z``) and in the proxies that copied
it. The outage engine gives go both, so ``direct``, GOPRIVATE and GONOPROXY fetch from an origin
that holds the same files as the proxy's zip, tagged with the same version; go then computes
the same ``h1:`` hashes either way (tests/origin checks that on its own).
"""

from __future__ import annotations

import zipfile
from collections.abc import Collection
from pathlib import Path

from pytest_goproxy.gomod.semver import is_pseudo_version, sort_versions
from pytest_goproxy.gomod.store import ModuleStore
from pytest_goproxy.origin.server import FakeOrigin

__all__ = ["module_hosts", "origin_of_store"]


def module_hosts(store: ModuleStore, modules: Collection[str] | None = None) -> tuple[str, ...]:
    """The host names a store's modules (or those of ``modules``) live under (their first path
    elements), sorted."""
    paths = store.modules() if modules is None else modules
    return tuple(sorted({module.split("/", 1)[0] for module in paths}))


def origin_of_store(
    store: ModuleStore,
    *,
    workdir: str | Path | None = None,
    modules: Collection[str] | None = None,
) -> FakeOrigin:
    """A (not yet started) FakeOrigin holding every version of every module of ``store`` that
    has a zip, tagged oldest first, each commit holding exactly the zip's files.

    ``modules`` (module paths) keeps only those, and the origin serves only their hosts: a
    replay serves by name just what the recording fetched from origins. Pseudo-versions are
    left out: one names the commit hash (and time) of a repository the origin cannot remake, so
    no tag or commit here could be it; go would refuse it (keep such modules on a proxy)."""
    wanted = None if modules is None else set(modules)
    paths = sorted(store.modules() if wanted is None else wanted & set(store.modules()))
    origin = FakeOrigin(module_hosts(store, paths) or ("corp.example",), workdir=workdir)
    try:
        for module in paths:
            for version in sort_versions(store.versions(module)):
                found = store.get(module, version)
                if found is None or found.zip_path is None or is_pseudo_version(version):
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

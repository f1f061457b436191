"""An origin for every module of a store: what the proxy serves, also in git, as in real life.

A public module exists twice: in its repository and in the proxies that copied it. The outage
engine gives go both, so ``direct``, GOPRIVATE and GONOPROXY fetch from an origin that holds the
same files as the proxy's zip, tagged with the same version; go then computes the same ``h1:``
hashes either way (tests/origin checks that on its own).

Each module goes where go will look for it (:mod:`pytest_goproxy.origin.layout`): its
:class:`~pytest_goproxy.origin.layout.RepoRoot` is the one a recording kept (the live
``?go-get=1`` page), else the ``Origin`` a proxy wrote into its ``.info``, else cmd/go's rules.
So github.com modules sit in ``github.com/OWNER/REPO`` with no page, golang.org/x modules in
go.googlesource.com repositories named by golang.org pages, several modules share one
repository under prefixed tags, and gopkg.in keeps its ``.vN`` roots.

What a rebuilt repository holds, per version (oldest first):

* a version with a zip: one commit holding exactly the zip's files, tagged;
* a version recorded without a zip (``.mod`` only: one MVS did not select): one commit holding
  its go.mod, tagged, which is all go reads of such a version;
* a pseudo-version: nothing. It names a commit hash (and time) of the real repository, which no
  rebuilt commit can have. Unless the recording kept the real commits (``record --origins``:
  :mod:`pytest_goproxy.origin.bundles`), such a version is :attr:`OriginMirror.missing`, and a
  cell whose go needs it from the origin is *unavailable*, never a made-up failure.

A repository whose real commits were recorded is served from them alone (tags and commits with
their real hashes), not rebuilt.

:class:`OriginMirror` builds the repositories once (per matrix run, per snapshot) and hands out
any number of :class:`~pytest_goproxy.origin.FakeOrigin` servers reading them (one per cell, each
with its own port, request log and faults).
"""

from __future__ import annotations

import ssl
import zipfile
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path

from pytest_goproxy.errors import GoProxyError
from pytest_goproxy.gomod.semver import (
    is_pseudo_version,
    pseudo_version_rev,
    sort_versions,
)
from pytest_goproxy.gomod.snapshot import Snapshot
from pytest_goproxy.gomod.store import ModuleStore, ModuleVersion
from pytest_goproxy.lifecycle import Closing
from pytest_goproxy.origin.layout import RepoRoot, repo_root, root_from_origin
from pytest_goproxy.origin.server import FakeOrigin

__all__ = ["OriginMirror", "module_hosts", "origin_of_store", "recorded", "roots_of"]


def module_hosts(store: ModuleStore, modules: Collection[str] | None = None) -> tuple[str, ...]:
    """The host names a store's modules (or those of ``modules``) live under (their first path
    elements), sorted."""
    paths = store.modules() if modules is None else modules
    return tuple(sorted({module.split("/", 1)[0] for module in paths}))


def roots_of(store: ModuleStore, recorded: Iterable[RepoRoot] = ()) -> dict[str, RepoRoot]:
    """Module path -> where go finds its repository: a ``recorded`` root holding it, else the
    ``Origin`` (``URL``, ``Subdir``) of its newest version that has one, else cmd/go's rules."""
    known = list(recorded)
    found: dict[str, RepoRoot] = {}
    for module in store.modules():
        root = repo_root(module, known)
        if root not in known:
            for version in reversed(sort_versions(store.versions(module))):
                mv = store.get(module, version)
                origin = mv.origin if mv is not None else {}
                url, vcs = origin.get("URL"), origin.get("VCS", "git")
                if isinstance(url, str) and url and vcs == "git":
                    subdir = origin.get("Subdir")
                    root = root_from_origin(module, url, subdir if isinstance(subdir, str) else "")
                    break
        found[module] = root
    return found


def recorded(snapshot: Snapshot | None) -> tuple[list[RepoRoot], dict[str, Path]]:
    """A snapshot's recorded roots (format 3) and its bundles of real commits by repository URL;
    nothing for another source."""
    if snapshot is None:
        return [], {}
    repos = snapshot.repositories
    roots = [RepoRoot(r.root, r.url, r.static, r.vcs) for r in repos]
    return roots, {r.url: r.bundle for r in repos if r.bundle is not None}


def _hosts(roots: Iterable[RepoRoot]) -> tuple[str, ...]:
    """Every host a direct fetch of these roots reaches: the pages' and the repositories'."""
    names = set()
    for root in roots:
        names.add(root.host)
        if not root.static:
            names.add(root.meta_host)
    return tuple(sorted(names))


def _zip_files(mv: ModuleVersion) -> dict[str, bytes]:
    prefix = f"{mv.path}@{mv.version}/"
    assert mv.zip_path is not None
    with zipfile.ZipFile(mv.zip_path) as archive:
        return {
            name[len(prefix) :]: archive.read(name)
            for name in archive.namelist()
            if name.startswith(prefix) and not name.endswith("/")
        }


def _fill(
    origin: FakeOrigin,
    store: ModuleStore,
    paths: list[str],
    roots: Mapping[str, RepoRoot],
    bundles: Mapping[str, Path],
) -> dict[tuple[str, str], str]:
    """Put every version of ``paths`` into ``origin``'s repositories (see the module
    docstring); what cannot be served, with the reason."""
    missing: dict[tuple[str, str], str] = {}
    restored = set()
    for url, bundle in sorted(bundles.items()):
        root = next((r for r in roots.values() if r.url == url), None)
        if root is not None and bundle.is_file():
            origin.repos.restore(root.host, root.repo, bundle)
            restored.add((root.host, root.repo))
    for module in paths:
        root = roots[module]
        try:
            layout = origin.layout(module)
        except GoProxyError as exc:
            for version in store.versions(module):
                missing[(module, version)] = f"its repository cannot be laid out here: {exc}"
            continue
        if (layout.host, layout.repo) in restored:
            for version in store.versions(module):
                rev = (
                    pseudo_version_rev(version)
                    if is_pseudo_version(version)
                    else f"refs/tags/{layout.tag(version)}"
                )
                if origin.repos.commit_of(layout.host, layout.repo, rev) is None:
                    missing[(module, version)] = f"the recorded commits of {root.url} lack it"
            continue
        origin.repos.ensure(layout.host, layout.repo)  # there even when go finds nothing in it
        for version in sort_versions(store.versions(module)):
            found = store.get(module, version)
            if found is None:
                continue
            if is_pseudo_version(version):
                missing[(module, version)] = (
                    "a pseudo-version names a commit of the real repository, which was not "
                    "recorded (record with --origins)"
                )
                continue
            if found.zip_path is not None:
                files = _zip_files(found)
            elif version.endswith("+incompatible") or found.mod is None:
                files = {}  # go makes up its go.mod
            else:
                files = {"go.mod": found.mod}
            try:
                origin.commit_version(module, version, files)
            except GoProxyError as exc:
                missing[(module, version)] = str(exc)
    return missing


def origin_of_store(
    store: ModuleStore,
    *,
    workdir: str | Path | None = None,
    modules: Collection[str] | None = None,
    roots: Iterable[RepoRoot] = (),
    bundles: Mapping[str, Path] | None = None,
) -> FakeOrigin:
    """A (not yet started) FakeOrigin holding every module of ``store`` (or of ``modules``)
    where go finds it (see the module docstring); it serves only the hosts those need.
    ``roots`` are known roots (a recording's pages), ``bundles`` recorded real commits by
    repository URL. What it cannot serve is its ``missing`` (version -> why)."""
    return OriginMirror(
        store, workdir=workdir, modules=modules, roots=roots, bundles=bundles
    ).take_origin()


class OriginMirror(Closing):
    """The repositories of every module of ``store`` (or of ``modules``), built once, and the
    :class:`FakeOrigin` servers reading them (:meth:`serve`). ``missing`` maps each version the
    repositories cannot serve to the reason; ``roots`` maps module paths to their roots."""

    def __init__(
        self,
        store: ModuleStore,
        *,
        workdir: str | Path | None = None,
        modules: Collection[str] | None = None,
        roots: Iterable[RepoRoot] = (),
        bundles: Mapping[str, Path] | None = None,
    ) -> None:
        wanted = None if modules is None else set(modules)
        paths = sorted(store.modules() if wanted is None else wanted & set(store.modules()))
        every = roots_of(store, roots)
        self.roots = {path: every[path] for path in paths}
        unique = {r.root: r for r in self.roots.values()}
        self.hosts = _hosts(unique.values()) or ("corp.example",)
        self._origin: FakeOrigin | None = FakeOrigin(
            self.hosts, workdir=workdir, roots=unique.values()
        )
        self.repos = self._origin.repos
        try:
            self.missing = _fill(self._origin, store, paths, self.roots, bundles or {})
        except BaseException:
            self._origin.close()
            raise
        self._unique = tuple(unique.values())

    def take_origin(self) -> FakeOrigin:
        """The origin that owns the repositories (closing it removes them): for one user."""
        origin, self._origin = self._origin, None
        assert origin is not None, "the mirror's own origin was taken already"
        origin.missing = self.missing
        return origin

    def serve(self, *, tls: bool | ssl.SSLContext = True) -> FakeOrigin:
        """A new (not started) FakeOrigin reading the shared repositories: its own port,
        request log and faults; closing it leaves the repositories."""
        origin = FakeOrigin(self.hosts, repos=self.repos, roots=self._unique, tls=tls)
        origin.missing = self.missing
        return origin

    def close(self) -> None:
        """Remove the repositories (unless :meth:`take_origin` handed them on): after the
        origins reading them are closed."""
        origin, self._origin = self._origin, None
        if origin is not None:
            origin.close()

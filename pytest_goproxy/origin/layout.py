"""Where a module lives in the fake origin: which host, which repository, which directory, which
tags. Pure functions, no git: the rules are cmd/go's, and each one is named below.

The repository of a module is its host plus the first path element after it::

    corp.example/lib           repository lib, directory "",    tags v1.2.3
    corp.example/lib/sub       repository lib, directory sub,   tags sub/v1.2.3
    corp.example/lib/v2        repository lib, directory "",    tags v2.0.0   (major at the root)
    corp.example/lib/v2        repository lib, directory v2,    tags v2.0.0   (major_subdir=True)
    corp.example/lib/sub/v3    repository lib, directory sub,   tags sub/v3.0.0

That is what a ``?go-get=1`` answer naming ``corp.example/lib`` as the repository root makes go
expect (cmd/go/internal/modfetch/coderepo.go ``newCodeRepo``): the module's directory in the
repository (``codeDir``) is its path after the root with the ``/vN`` suffix left out, and its
tags are ``codeDir/`` + version. A ``/vN`` module may keep its go.mod at ``codeDir`` (saying
``module .../vN``: the root layout, what most repositories do and the default here) or in a
``vN/`` subdirectory of it (the major-subdirectory layout); ``coderepo.go findDir`` accepts either,
never both at one commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from pytest_goproxy.errors import InvalidModuleError, UsageError
from pytest_goproxy.gomod import semver
from pytest_goproxy.gomod.check import (
    check_module_path,
    check_version_servable,
    split_path_version,
)

__all__ = ["ModuleLayout", "check_tag_version", "layout_of", "repo_name_ok"]


def repo_name_ok(name: str) -> bool:
    """A repository name the origin serves: a module path element (``check_module_path`` has
    already vetted it) that is also a safe directory name and not ``x.git`` (a URL ending in
    ``.git`` names repository ``x``)."""
    return bool(name) and not name.startswith(".") and not name.endswith(".git")


@dataclass(frozen=True)
class ModuleLayout:
    """One module path placed in the origin (see the module docstring)."""

    #: the module path, e.g. ``corp.example/lib/sub/v2``
    path: str
    #: the host serving it, e.g. ``corp.example``
    host: str
    #: the repository name, the first element after the host: ``lib``
    repo: str
    #: the module's directory in the repository (``""`` at the root, ``sub``, ``v2``...)
    directory: str
    #: what goes before the version in a tag: ``""`` or ``sub/``
    tag_prefix: str

    @property
    def root(self) -> str:
        """The repository root as go names it: ``corp.example/lib``."""
        return f"{self.host}/{self.repo}"

    def tag(self, version: str) -> str:
        """The tag go looks for to find ``version`` (coderepo.go: ``tagPrefix + version``; an
        ``+incompatible`` version is the tag without that suffix)."""
        return self.tag_prefix + version.removesuffix("+incompatible")


def layout_of(path: str, hosts: tuple[str, ...], *, major_subdir: bool = False) -> ModuleLayout:
    """Where module ``path`` lives (see the module docstring).

    InvalidModuleError for a path go would refuse; UsageError for one this origin cannot serve:
    a host it does not serve, or a path with no repository name after the host."""
    __tracebackhide__ = True
    check_module_path(path)
    host, _, rest = path.partition("/")
    if host not in hosts:
        raise UsageError(
            f"{path}: this origin serves {', '.join(hosts)}, not {host}; "
            f"give FakeOrigin(hosts=...) the host name"
        )
    prefix, major, _ = split_path_version(path)
    if major.startswith("."):  # pragma: no cover - gopkg.in is never one of our hosts
        raise UsageError(f"{path}: gopkg.in-style .vN paths are not served by an origin")
    repo = rest.split("/", 1)[0]
    if not rest or prefix == host or not repo_name_ok(repo):
        raise UsageError(
            f"{path}: a module of an origin is <host>/<repository>[/<dir>][/vN], and "
            f"{repo or '(nothing)'!r} cannot name a repository"
        )
    code_dir = prefix[len(f"{host}/{repo}") :].strip("/")
    directory = code_dir
    if major_subdir:
        if not major:
            raise UsageError(
                f"{path}: major_subdir=True puts a /vN module in a vN/ directory; "
                "this path has no /vN suffix"
            )
        directory = f"{code_dir}/{major[1:]}".lstrip("/")
    tag_prefix = f"{code_dir}/" if code_dir else ""
    return ModuleLayout(path, host, repo, directory, tag_prefix)


def check_tag_version(layout: ModuleLayout, version: str) -> None:
    """A version a tag can carry for this module: canonical semver that fits the path's major
    (module.Check), and not a pseudo-version (go makes those from untagged commits:
    :meth:`FakeOrigin.add_commit`)."""
    __tracebackhide__ = True
    check_version_servable(layout.path, version)
    if semver.is_pseudo_version(version):
        raise InvalidModuleError(
            f"{layout.path}@{version}: a pseudo-version is what go computes for an untagged "
            "commit, not a tag; use add_commit() and let go name it"
        )

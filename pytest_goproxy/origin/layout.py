"""Where a module lives in an origin: which import-path root, which repository URL, which
directory, which tags. Pure functions, no git: the rules are cmd/go's, and each one is named below.

go finds a module's repository in one of three ways (cmd/go/internal/vcs
``RepoRootForImportPath``), and a :class:`RepoRoot` records the answer:

* **cmd/go's static host table** (vcs.go ``vcsPaths``): ``github.com/OWNER/REPO``,
  ``bitbucket.org/OWNER/REPO``, ``hub.jazz.net/git/USER/REPO``, ``git.openstack.org/NS/REPO``.
  go goes straight to git at ``https://<root>``; no ``?go-get=1`` page is asked.
* **a ``?go-get=1`` page** on the import path's host, whose go-import meta tag names the root
  and a repository anywhere: ``golang.org/x/sys`` -> ``https://go.googlesource.com/sys``,
  ``go.uber.org/zap`` -> ``https://github.com/uber-go/zap``. gopkg.in is one of these:
  ``gopkg.in/yaml.v3`` and ``gopkg.in/user/pkg.v1`` are roots of their own, the ``.vN`` included.
* for a made-up host of our own (``corp.example/lib``): a page naming ``https://<host>/<first
  element>``, the rule every FakeOrigin followed before real layouts (the default here).

Within the repository (modfetch/coderepo.go ``newCodeRepo``) the module's directory
(``codeDir``) is its path after the root with the ``/vN`` suffix left out (``""`` when the root
is the whole path, as for gopkg.in), and its tags are ``codeDir/`` + version::

    corp.example/lib           root corp.example/lib, directory "",    tags v1.2.3
    corp.example/lib/sub       root corp.example/lib, directory sub,   tags sub/v1.2.3
    corp.example/lib/v2        root corp.example/lib, directory "",    tags v2.0.0  (major at root)
    corp.example/lib/v2        root corp.example/lib, directory v2,    tags v2.0.0  (major_subdir)
    github.com/charm/x/ansi    root github.com/charm/x, directory ansi, tags ansi/v0.1.0
    gopkg.in/yaml.v3           root gopkg.in/yaml.v3,  directory "",    tags v3.0.1

A ``/vN`` module may keep its go.mod at ``codeDir`` (saying ``module .../vN``: the root layout,
what most repositories do and the default here) or in a ``vN/`` subdirectory of it (the
major-subdirectory layout); ``coderepo.go findDir`` accepts either, never both at one commit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from pytest_goproxy.errors import InvalidModuleError, UsageError
from pytest_goproxy.gomod import semver
from pytest_goproxy.gomod.check import (
    check_module_path,
    check_version_servable,
    split_path_version,
)

__all__ = [
    "ModuleLayout",
    "RepoRoot",
    "check_tag_version",
    "has_path_prefix",
    "known_root",
    "layout_of",
    "repo_name_ok",
    "repo_root",
    "root_from_origin",
    "static_root",
]

#: cmd/go's static host table (cmd/go/internal/vcs/vcs.go ``vcsPaths``), the git hosts: a path
#: matching one has its root and repository without any ``?go-get=1`` page.
_STATIC = (
    re.compile(r"^(?P<root>github\.com/[\w.\-]+/[\w.\-]+)(/[\w.\-]+)*$"),
    re.compile(r"^(?P<root>bitbucket\.org/[\w.\-]+/[\w.\-]+)(/[\w.\-]+)*$"),
    re.compile(r"^(?P<root>hub\.jazz\.net/git/[a-z0-9]+/[\w.\-]+)(/[\w.\-]+)*$"),
    re.compile(r"^(?P<root>git\.openstack\.org/[\w.\-]+/[\w.\-]+)(\.git)?(/[\w.\-]+)*$"),
)
#: gopkg.in's two shapes: ``gopkg.in/pkg.vN`` and ``gopkg.in/user/pkg.vN`` (-unstable allowed).
_GOPKG_IN = re.compile(
    r"^(?P<root>gopkg\.in/(?:[\w\-]+/)?[\w\-.]+?\.v[0-9]+(?:-unstable)?)(/[\w.\-]+)*$"
)
#: what a VCS URL of a repository may end with, and is the same repository without
_VCS_SUFFIX = ".git"


def has_path_prefix(path: str, prefix: str) -> bool:
    """cmd/go's ``hasPathPrefix``: ``prefix`` is ``path`` or a whole-element prefix of it."""
    return path == prefix or (path.startswith(prefix) and path[len(prefix)] == "/")


def repo_name_ok(name: str) -> bool:
    """A repository name (a URL path, ``lib`` or ``uber-go/zap``) the origin serves: safe path
    elements, none hidden, none ``..``; a trailing ``.git`` names the repository without it."""
    parts = name.split("/")
    return bool(name) and all(p and not p.startswith(".") for p in parts)


@dataclass(frozen=True)
class RepoRoot:
    """One repository as go finds it (see the module docstring)."""

    #: the import-path prefix go resolves to this repository: ``golang.org/x/sys``
    root: str
    #: the repository's URL: ``https://go.googlesource.com/sys``
    url: str
    #: True when cmd/go's static host table finds it (no ``?go-get=1`` page is asked)
    static: bool = False
    #: the version control system (the origin serves git only)
    vcs: str = "git"

    @property
    def host(self) -> str:
        """The host serving the repository: ``go.googlesource.com``."""
        return urlsplit(self.url).hostname or ""

    @property
    def repo(self) -> str:
        """The repository's name on its host, the URL path: ``sys``, ``uber-go/zap``."""
        return urlsplit(self.url).path.strip("/").removesuffix(_VCS_SUFFIX)

    @property
    def meta_host(self) -> str:
        """The host of the import path, which answers the ``?go-get=1`` page: ``golang.org``."""
        return self.root.split("/", 1)[0]

    def with_scheme(self, scheme: str) -> RepoRoot:
        """The same repository reached with ``scheme`` (``http`` for an origin without TLS)."""
        parts = urlsplit(self.url)
        return RepoRoot(self.root, parts._replace(scheme=scheme).geturl(), self.static, self.vcs)

    def to_json(self) -> dict[str, object]:
        return {"root": self.root, "vcs": self.vcs, "url": self.url, "static": self.static}


def static_root(path: str) -> RepoRoot | None:
    """The root cmd/go's static host table gives ``path``, or None (vcs.go ``vcsPaths``)."""
    for pattern in _STATIC:
        match = pattern.match(path)
        if match:
            root = match.group("root")
            return RepoRoot(root, f"https://{root}", static=True)
    return None


def _default_root(path: str) -> RepoRoot:
    """gopkg.in's roots, else ``host/first element`` with a page naming ``https://<root>``."""
    match = _GOPKG_IN.match(path)
    if match:
        root = match.group("root")
        return RepoRoot(root, f"https://{root}")
    host, _, rest = path.partition("/")
    first = rest.split("/", 1)[0]
    root = f"{host}/{first}" if first else host
    return RepoRoot(root, f"https://{root}")


def known_root(path: str, known: Iterable[RepoRoot]) -> RepoRoot | None:
    """The longest of the ``known`` roots that holds ``path``, or None."""
    best: RepoRoot | None = None
    for candidate in known:
        if has_path_prefix(path, candidate.root) and (
            best is None or len(candidate.root) > len(best.root)
        ):
            best = candidate
    return best


def repo_root(path: str, known: Iterable[RepoRoot] = ()) -> RepoRoot:
    """Where go finds ``path``'s repository: the longest ``known`` root holding it (what a
    ``?go-get=1`` page or a proxy's ``Origin`` said), else cmd/go's static table, else the
    default rule (see the module docstring)."""
    return known_root(path, known) or static_root(path) or _default_root(path)


def root_from_origin(path: str, url: str, subdir: str = "", vcs: str = "git") -> RepoRoot:
    """The root of module ``path`` as a proxy's ``.info`` ``Origin`` (``URL``, ``Subdir``)
    tells it: ``Subdir`` is the module's ``codeDir``, so the root is the path without the major
    suffix and without ``Subdir`` (the whole path for gopkg.in and a root ending in ``/vN``)."""
    found = static_root(path)
    if found is not None and found.url.rstrip("/") == url.rstrip("/").removesuffix(_VCS_SUFFIX):
        return RepoRoot(found.root, url, True, vcs)
    prefix, major, _ = split_path_version(path)
    if major.startswith("."):  # gopkg.in: the root is the whole path
        return RepoRoot(path, url, False, vcs)
    subdir = subdir.strip("/")
    if subdir and prefix.endswith("/" + subdir):
        return RepoRoot(prefix[: -len(subdir) - 1], url, False, vcs)
    return RepoRoot(prefix, url, False, vcs)


@dataclass(frozen=True)
class ModuleLayout:
    """One module path placed in a repository (see the module docstring)."""

    #: the module path, e.g. ``corp.example/lib/sub/v2``
    path: str
    #: where go finds its repository
    repo_root: RepoRoot
    #: the module's directory in the repository (``""`` at the root, ``sub``, ``v2``...)
    directory: str
    #: what goes before the version in a tag: ``""`` or ``sub/``
    tag_prefix: str

    @property
    def host(self) -> str:
        """The host serving the repository, e.g. ``github.com``, ``go.googlesource.com``."""
        return self.repo_root.host

    @property
    def repo(self) -> str:
        """The repository's name on that host: ``lib``, ``uber-go/zap``."""
        return self.repo_root.repo

    @property
    def root(self) -> str:
        """The import-path root go resolves: ``corp.example/lib``, ``golang.org/x/sys``."""
        return self.repo_root.root

    def tag(self, version: str) -> str:
        """The tag go looks for to find ``version`` (coderepo.go: ``tagPrefix + version``; an
        ``+incompatible`` version is the tag without that suffix)."""
        return self.tag_prefix + version.removesuffix("+incompatible")


def code_dir(path: str, root: str) -> str:
    """coderepo.go ``newCodeRepo``'s ``codeDir``: the path after ``root`` without the major
    suffix, ``""`` when ``root`` is the whole path; UsageError when the root cannot hold it."""
    __tracebackhide__ = True
    if root == path:
        return ""
    prefix, _, _ = split_path_version(path)
    if not has_path_prefix(prefix, root):
        raise UsageError(f"repository rooted at {root} cannot contain module {path}")
    return prefix[len(root) :].strip("/")


def layout_of(
    path: str,
    hosts: tuple[str, ...],
    *,
    major_subdir: bool = False,
    roots: Iterable[RepoRoot] = (),
) -> ModuleLayout:
    """Where module ``path`` lives (see the module docstring); ``roots`` are the known roots
    (vanity pages, a proxy's ``Origin``), ``hosts`` the names the origin serves.

    InvalidModuleError for a path go would refuse; UsageError for one this origin cannot serve:
    a repository or a ``?go-get=1`` page on a host it does not serve, or a path with no
    repository name after the host."""
    __tracebackhide__ = True
    check_module_path(path)
    found = repo_root(path, roots)
    needed = [found.host] + ([] if found.static else [found.meta_host])
    missing = [h for h in dict.fromkeys(needed) if h not in hosts]
    if missing:
        raise UsageError(
            f"{path}: its repository is {found.url}"
            + ("" if found.static else f" (named by a ?go-get=1 page on {found.meta_host})")
            + f"; this origin serves {', '.join(hosts)}, not {', '.join(missing)}: "
            "give FakeOrigin(hosts=...) the host name"
        )
    prefix, major, _ = split_path_version(path)
    if (
        found.root == found.meta_host
        or prefix == found.meta_host
        or (not found.static and found.root.endswith(_VCS_SUFFIX))
        or not repo_name_ok(found.repo)
    ):
        raise UsageError(
            f"{path}: a module of an origin is <host>/<repository>[/<dir>][/vN], and "
            f"{found.repo or '(nothing)'!r} cannot name a repository"
        )
    directory = dir_ = code_dir(path, found.root)
    if major_subdir:
        if not major or major.startswith("."):
            raise UsageError(
                f"{path}: major_subdir=True puts a /vN module in a vN/ directory; "
                "this path has no /vN suffix"
            )
        directory = f"{dir_}/{major[1:]}".lstrip("/")
    tag_prefix = f"{dir_}/" if dir_ else ""
    return ModuleLayout(path, found, directory, tag_prefix)


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

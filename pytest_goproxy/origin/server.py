"""FakeOrigin: a VCS host for go's ``direct`` mode, serving real git repositories over HTTPS.

With ``GOPROXY=...,direct``, ``GOPRIVATE`` or ``GONOPROXY`` the go command skips the proxy and
goes to the module's origin: it asks ``https://<import path>?go-get=1`` for the go-import meta
tag naming the repository (cmd/go/internal/vcs ``repoRootForImportDynamic``), then runs ``git``
against that repository (cmd/go/internal/modfetch/codehost ``git.go``) and builds the module zip
from the tagged commit itself (modfetch ``coderepo.go``). FakeOrigin is that host:

* ``GET /<path>?go-get=1`` answers the meta tag of the repository whose root is a prefix of
  ``<path>`` (go asks the full import path, ``corp.example/lib/sub/pkg``; the answer names
  ``corp.example/lib``), for the host in the request's ``Host`` header; 404 otherwise.
* Everything under ``/<repo>/`` (or ``/<repo>.git/``) is git's smart HTTP protocol, answered by
  the real ``git http-backend`` (:mod:`pytest_goproxy.origin.backend`) from bare repositories in
  the origin's work directory (:mod:`pytest_goproxy.origin.repos`). The origin is read-only:
  pushes are refused.
* With ``auth=(user, password)`` git's requests need those HTTP Basic credentials, as a private
  repository on a code host does: without them (or with others) the answer is ``401
  Unauthorized`` with ``WWW-Authenticate: Basic``, which git turns into a password prompt (and,
  under go's ``GIT_TERMINAL_PROMPT=0``, into ``terminal prompts disabled``). The meta tags stay
  public, as a code host's are.

Modules go in with :meth:`FakeOrigin.add_module` (a commit and a tag, laid out as
:mod:`pytest_goproxy.origin.layout` says) and :meth:`FakeOrigin.add_commit` (a commit without a
tag, which go names by a pseudo-version).

go reaches the origin by its host name (``corp.example``) over HTTPS, so the certificate covers
every host name of the origin (and 127.0.0.1, ::1, localhost), issued by the session CA every
hermetic go run trusts; the name is routed to 127.0.0.1 by the go run's network guard.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hmac
import html
import re
import ssl
import threading
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from pytest_goproxy.errors import (
    GoProxyError,
    InvalidModuleError,
    ModuleSourceError,
    UsageError,
    user_facing,
)
from pytest_goproxy.gomod import semver
from pytest_goproxy.gomod.archives import ArchiveFile, find_archives, read_archive
from pytest_goproxy.gomod.check import split_path_version
from pytest_goproxy.gomod.gomodfile import (
    DEFAULT_GO_VERSION,
    GoModOptions,
    given_go_mod,
    render_go_mod,
)
from pytest_goproxy.gomod.store import default_files
from pytest_goproxy.lifecycle import Starting, remove_temp_dir, temp_dir
from pytest_goproxy.origin.backend import GitBackend
from pytest_goproxy.origin.layout import (
    ModuleLayout,
    RepoRoot,
    check_tag_version,
    known_root,
    layout_of,
)
from pytest_goproxy.origin.log import OriginRequest, OriginRequestKind
from pytest_goproxy.origin.repos import (
    Blob,
    Repositories,
    check_repo_file,
    find_git,
    read_dir,
)
from pytest_goproxy.serving.answers import not_found, text_answer
from pytest_goproxy.serving.httpserver import QuickStopHTTPServer
from pytest_goproxy.serving.requestlog import LoggedBody, RequestLog
from pytest_goproxy.serving.tls import server_context

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack from Python 3.11 (kwargs: 3.12)

__all__ = ["FakeOrigin", "OriginVersion"]


#: A host name the origin can serve: what a module path's first element may be.
_HOST_NAME = re.compile(r"[a-z0-9][a-z0-9.-]*\.[a-z0-9.-]*[a-z0-9]")
#: Where a request for a repository goes: kind by the path after ``/<repo>/``.
_GIT_PATHS = {
    "info/refs": OriginRequestKind.INFO_REFS,
    "git-upload-pack": OriginRequestKind.UPLOAD_PACK,
    "git-receive-pack": OriginRequestKind.RECEIVE_PACK,
}


#: Methods a test calls raise our GoProxyErrors from the test's line (see errors.user_facing).
_user_facing = user_facing(GoProxyError)


@dataclass(frozen=True)
class OriginVersion:
    """A module version the origin serves: the tag go will find and the commit it names."""

    #: the module path, ``corp.example/lib/v2``
    path: str
    #: the version, ``v2.0.0``
    version: str
    #: the repository root, ``corp.example/lib``
    repo: str
    #: the module's directory in the repository (``""``: the root)
    directory: str
    #: the tag, ``v2.0.0`` or ``sub/v1.0.0``
    tag: str
    #: the full commit hash the tag names
    commit: str
    #: the commit time (what go reports as the version's ``Time``)
    time: datetime


class _OriginHTTPServer(QuickStopHTTPServer):
    """pytest-httpserver's server handing every request to the origin, unread: a request body
    streams into git (the base class would read it whole and log it). Connections persist, as a
    code host keeps them (the connection layer's :mod:`~pytest_goproxy.serving.wsgi`): git
    (curl) reuses one for the requests of a command, and each new one costs go's git a CONNECT
    through the guard and a TLS handshake, in which curl (GnuTLS) reads its CA files again."""

    def __init__(
        self, handler: Callable[[Request], Response], ssl_context: ssl.SSLContext | None
    ) -> None:
        super().__init__(host="127.0.0.1", port=0, ssl_context=ssl_context, threaded=True)
        self._handler = handler

    def application(self, request: Request) -> Response:
        return self._handler(request)


def _blob(module: str, name: str, data: object) -> Blob:
    """A file a test passed, as git stores it (text as UTF-8, mode 100644)."""
    __tracebackhide__ = True
    if isinstance(data, str):
        return ("100644", data.encode())
    if isinstance(data, bytes):
        return ("100644", data)
    raise ModuleSourceError(
        f"{module}: files[{name!r}] is a {type(data).__name__}; give the content as str or "
        "bytes (str is written as UTF-8)"
    )


def _hosts(hosts: str | Sequence[str]) -> tuple[str, ...]:
    __tracebackhide__ = True
    names = (hosts,) if isinstance(hosts, str) else tuple(hosts)
    if not names:
        raise UsageError("FakeOrigin needs at least one host name, e.g. hosts=('corp.example',)")
    for name in names:
        if not isinstance(name, str) or not _HOST_NAME.fullmatch(name):
            raise UsageError(
                f"FakeOrigin host {name!r}: a host is a lower-case DNS name with a dot, as the "
                "first element of a module path must be (corp.example, git.corp.example)"
            )
    return names


def _auth(auth: object) -> tuple[str, str] | None:
    """``auth=`` checked: None, or ``(user, password)`` as HTTP Basic can carry them."""
    __tracebackhide__ = True
    if auth is None:
        return None
    if (
        not isinstance(auth, tuple)
        or len(auth) != 2
        or not all(isinstance(part, str) for part in auth)
        or not auth[0]
        or ":" in auth[0]
    ):
        raise UsageError(
            f"FakeOrigin auth={auth!r}: give (user, password), two str, a non-empty user "
            "without ':' (HTTP Basic's separator)"
        )
    return (auth[0], auth[1])


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    """``(user, password)`` of an ``Authorization: Basic ...`` header, None for anything else."""
    scheme, _, encoded = (header or "").strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, colon, password = decoded.partition(":")
    return (user, password) if colon else None


class FakeOrigin(Starting):
    """A git host for go's direct mode: go-import meta tags and real git over HTTPS.

    ::

        with FakeOrigin(hosts=("corp.example",)) as origin:
            origin.add_module("corp.example/lib", "v1.0.0", {"lib.go": "package lib\\n"})
            go.route("corp.example", origin)  # the go run's guard tunnels corp.example here
            env = {"GOPROXY": "direct", "GOPRIVATE": "corp.example", "GOSUMDB": "off"}

    ``hosts`` are the names go reaches it by (the first elements of the module paths it
    serves); the certificate covers them all. ``tls=False`` serves plain HTTP (go then needs
    ``GOINSECURE``); an ``ssl.SSLContext`` serves with that context. ``auth=(user, password)``
    makes every repository private: git's requests without those HTTP Basic credentials are
    answered ``401`` (the meta tags stay public). Over HTTPS it offers ``h2`` by ALPN, as
    code hosts do (go and git's curl pick it); ``http2=False`` offers HTTP/1.1 alone.
    ``workdir`` is where the origin makes its directory of repositories (default: the
    system's temp dir); ``close()`` removes it and ends every git process still running.

    Modules can be added before or after :meth:`start`. The layout of repositories and tags is
    :mod:`pytest_goproxy.origin.layout`'s; commits are reproducible
    (:mod:`pytest_goproxy.origin.repos`).
    """

    def __init__(
        self,
        hosts: str | Sequence[str] = ("corp.example",),
        *,
        workdir: str | Path | None = None,
        tls: bool | ssl.SSLContext = True,
        auth: tuple[str, str] | None = None,
        repos: Repositories | None = None,
        roots: Iterable[RepoRoot] = (),
        http2: bool = True,
    ) -> None:
        __tracebackhide__ = True
        self._hosts = _hosts(hosts)
        self._tls = tls
        self._http2 = http2
        self._auth = _auth(auth)
        git = find_git() if repos is None else repos.git
        #: None when the repositories are another's (a shared mirror, read-only here)
        self.root: Path | None = None
        if repos is None:
            if workdir is not None:
                Path(workdir).mkdir(parents=True, exist_ok=True)
            self.root = temp_dir("goproxy-origin-", workdir)
            repos = Repositories(self.root, git)
        self.repos = repos
        self._backend = GitBackend(git, self.repos.env)
        self._server: _OriginHTTPServer | None = None
        self._lock = threading.RLock()
        self._layouts: dict[str, ModuleLayout] = {}
        #: the import-path roots the origin knows, by root (pages it answers, layouts it uses)
        self._roots: dict[str, RepoRoot] = {r.root: r for r in roots}
        self._versions: dict[tuple[str, str], OriginVersion] = {}
        self._closed = False
        #: every request, oldest first (``request_log.limit`` keeps only the last N)
        self.request_log: RequestLog[OriginRequest, OriginRequestKind] = RequestLog(
            lambda r: r.kind
        )
        #: exceptions our own handler raised (a bug of ours), answered 500
        self.handler_errors: list[Exception] = []
        #: versions a mirror could not put here, with the reason (:mod:`~.mirror`)
        self.missing: dict[tuple[str, str], str] = {}

    # -- lifecycle -------------------------------------------------------------------------

    def _start(self) -> None:
        if self._closed:
            raise UsageError("this FakeOrigin is closed; make a new one")
        if self._server is not None:
            return
        context = server_context(self._tls, http2=self._http2, names=self._hosts)
        server = _OriginHTTPServer(self._handle, context)
        server.start()
        self._server = server

    def close(self) -> None:
        """Stop serving, end every git process, remove the repositories (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            server, self._server = self._server, None
        if server is not None and server.is_running():
            server.stop()
        self._backend.close()
        if self.root is not None:
            remove_temp_dir(self.root)

    @property
    def git_processes(self) -> list[int]:
        """The ``git http-backend`` programs answering now (process and group ids): each one
        ends with its answer, and ``close()`` ends those still running."""
        return self._backend.live

    # -- where -----------------------------------------------------------------------------

    @property
    def hosts(self) -> tuple[str, ...]:
        """The host names the origin serves, the first one the default."""
        return self._hosts

    @property
    def host(self) -> str:
        """The address it listens on: always 127.0.0.1."""
        return "127.0.0.1"

    @property
    def port(self) -> int:
        """The port it listens on (once started)."""
        if self._server is None:
            raise UsageError(
                "the origin is not started: use `with FakeOrigin() as origin` or start()"
            )
        return self._server.port

    @property
    def scheme(self) -> str:
        """``https``, or ``http`` with ``tls=False``: what the meta tags' repository URLs use."""
        return "http" if self._tls is False else "https"

    @property
    def auth(self) -> tuple[str, str] | None:
        """The ``(user, password)`` git's requests need, None when the repositories are public."""
        return self._auth

    @property
    def url(self) -> str:
        """``https://127.0.0.1:PORT``: the origin reached directly (a request without one of
        its host names in ``Host`` is for the first host)."""
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def url_for(self, host: str | None = None) -> str:
        """``https://corp.example``: the origin as go and git name it (the meta tags name
        repositories under it); reached through the go run's network guard."""
        host = self._hosts[0] if host is None else host
        if host not in self._hosts:
            raise UsageError(f"this origin serves {', '.join(self._hosts)}, not {host}")
        return f"{self.scheme}://{host}"

    def repo_url(self, path: str) -> str:
        """The URL of the repository holding module (or package) ``path``, as the meta tag
        names it: ``https://corp.example/lib``, ``https://github.com/uber-go/zap``."""
        __tracebackhide__ = True
        layout = self.layout(path)
        return f"{self.url_for(layout.host)}/{layout.repo}"

    @property
    def roots(self) -> list[RepoRoot]:
        """The import-path roots the origin serves, sorted: each repository as go finds it."""
        return [self._roots[r] for r in sorted(self._roots)]

    @_user_facing
    def add_root(self, root: str, url: str) -> RepoRoot:
        """Declare a vanity import path: ``root`` (``go.uber.org/zap``) is answered by a
        ``?go-get=1`` page naming repository ``url`` (``https://github.com/uber-go/zap``) on
        another (or the same) host of this origin; modules under ``root`` added later live in
        that repository. Both hosts must be the origin's."""
        __tracebackhide__ = True
        found = RepoRoot(root, url)
        with self._lock:
            known = self._roots.get(root)
            if known is not None and known != found:
                raise UsageError(f"{root} already names {known.url}; a root names one repository")
            for host in (found.meta_host, found.host):
                if host not in self._hosts:
                    raise UsageError(
                        f"add_root({root!r}, {url!r}): this origin serves "
                        f"{', '.join(self._hosts)}, not {host}; give FakeOrigin(hosts=...) the "
                        "host name"
                    )
            layout_of(root, self._hosts, roots=[found])  # the same checks as a module's
            self._roots[root] = found
            return found

    def layout(self, path: str, *, major_subdir: bool = False) -> ModuleLayout:
        """Where ``path`` lives here: under a known root (a page, a vanity root), else by
        cmd/go's rules (:func:`~pytest_goproxy.origin.layout.layout_of`)."""
        __tracebackhide__ = True
        return layout_of(path, self._hosts, major_subdir=major_subdir, roots=self._roots.values())

    # -- modules ---------------------------------------------------------------------------

    @_user_facing
    def add_module(
        self,
        path: str,
        version: str,
        files: Mapping[str, str | bytes] | None = None,
        *,
        major_subdir: bool = False,
        **options: Unpack[GoModOptions],
    ) -> OriginVersion:
        """Commit ``files`` as module ``path`` and tag the commit ``version``.

        The files replace what the module's directory held (other modules nested below it keep
        theirs); go.mod is ``go_mod``, else ``files['go.mod']``, else rendered from
        ``requires``/``retracts``/``go_version`` (:class:`GoModOptions`) as FakeGoProxy renders it,
        so the same call on both gives the same module zip (and ``h1:`` hash). An ``+incompatible``
        version has no go.mod and is tagged without the suffix. ``files=None`` gives one Go file, as
        FakeGoProxy does. ``major_subdir=True`` puts a ``/vN`` module in a ``vN/`` directory instead
        of at its directory (see :mod:`pytest_goproxy.origin.layout`).
        """
        __tracebackhide__ = True
        layout = self.layout(path, major_subdir=major_subdir)
        check_tag_version(layout, version)
        module = f"{path}@{version}"
        blobs = self._initial_files(module, path, files)
        incompatible = semver.build(version) == "+incompatible"
        mod = self._go_mod(module, path, blobs, options)
        if incompatible:
            if mod is not None:
                raise InvalidModuleError(
                    f"{module}: invalid version: +incompatible suffix not allowed: module "
                    "contains a go.mod file, so semantic import versioning is required "
                    "(cmd/go/internal/modfetch/coderepo.go)"
                )
        else:
            if mod is None:
                mod = render_go_mod(path, go_version=options.get("go_version", DEFAULT_GO_VERSION))
            blobs["go.mod"] = ("100644", mod)
        return self._tagged(layout, version, blobs)

    @_user_facing
    def add_dir(
        self,
        directory: str | Path,
        path: str,
        version: str,
        *,
        major_subdir: bool = False,
    ) -> OriginVersion:
        """Commit the files of ``directory`` as module ``path`` and tag them ``version``: every
        file as it is (executable bits and symbolic links kept, VCS directories left out, no
        go.mod added), as ``git add -A`` would; go applies the module zip rules itself."""
        __tracebackhide__ = True
        root = Path(directory)
        if not root.is_dir():
            raise ModuleSourceError(f"{root}: not a directory (add_dir needs a module source tree)")
        layout = self.layout(path, major_subdir=major_subdir)
        check_tag_version(layout, version)
        return self._tagged(layout, version, read_dir(root))

    @_user_facing
    def commit_version(self, path: str, version: str, files: Mapping[str, bytes]) -> OriginVersion:
        """Commit exactly ``files`` (what a module zip holds: nothing added, no go.mod made up)
        as module ``path`` and tag the commit ``version``."""
        __tracebackhide__ = True
        layout = self.layout(path)
        check_tag_version(layout, version)
        blobs = {check_repo_file(path, n): _blob(path, n, d) for n, d in files.items()}
        return self._tagged(layout, version, blobs)

    @_user_facing
    def add_txtar(self, file_or_dir: str | Path) -> list[OriginVersion]:
        """Commit and tag module archives (``.txtar``/``.txt`` files, ``path_vers/``
        directories; the naming rule of :mod:`pytest_goproxy.gomod`), oldest version first per
        module: the members that are module files (not ``.info``, ``.mod`` or ``.zip``) as
        they are, a ``go.mod`` member included and none made up."""
        __tracebackhide__ = True
        found, _ = find_archives(Path(file_or_dir), strict=True)
        found.sort(key=functools.cmp_to_key(_archive_order))
        added = []
        for archive in found:
            members = {f.name: f.data for f in read_archive(archive.path).files}
            files: dict[str, Blob] = {}
            prefix = f"{archive.module}@{archive.version}/"
            for name, data in members.items():
                if name in (".info", ".mod", ".zip"):
                    continue
                if name.startswith("/"):
                    if not name[1:].startswith(prefix):
                        raise ModuleSourceError(
                            f"{archive.path}: member {name!r} is outside {prefix} and cannot "
                            "be a file of the repository"
                        )
                    name = name[1 + len(prefix) :]
                files[check_repo_file(str(archive.path), name)] = ("100644", data)
            layout = self.layout(archive.module)
            check_tag_version(layout, archive.version)
            added.append(self._tagged(layout, archive.version, files))
        return added

    @_user_facing
    def add_commit(
        self,
        path: str,
        files: Mapping[str, str | bytes | None] | None = None,
        *,
        go_mod: str | bytes | None = None,
        requires: Mapping[str, str] | None = None,
        go_version: str = "1.21",
        message: str | None = None,
        major_subdir: bool = False,
    ) -> str:
        """Commit on ``main``, on top of the latest commit, without a tag; the full hash.

        For a module already added the commit changes only what is given: ``files`` are
        written into the module's directory (a value of None deletes that file), and go.mod is
        replaced when ``go_mod`` or ``requires`` is given; ``files=None`` and nothing else
        makes a commit that changes nothing (a new hash all the same). For a module never
        added it is its first commit, made as :meth:`add_module` makes one (``major_subdir``
        applies then only). go names such a commit by a pseudo-version
        (``go get corp.example/lib@<hash>`` or ``@main``)."""
        __tracebackhide__ = True
        with self._lock:
            known = self._layouts.get(path)
            layout = known or self.layout(path, major_subdir=major_subdir)
            text = message or f"{path}: a commit without a tag"
            if known is None:
                plain = None if files is None else self._no_deletions(path, files)
                blobs = self._initial_files(path, path, plain)
                shape = GoModOptions(go_mod=go_mod, requires=requires, go_version=go_version)
                mod = self._go_mod(path, path, blobs, shape)
                blobs["go.mod"] = ("100644", mod or render_go_mod(path, go_version=go_version))
                commit = self.repos.commit(
                    layout.host, layout.repo, layout.directory, blobs, replace=True, message=text
                )
                self._learn(layout)
                return commit.hash
            changes: dict[str, Blob | None] = {}
            for name, data in (files or {}).items():
                check_repo_file(path, name)
                changes[name] = None if data is None else _blob(path, name, data)
            if go_mod is not None and requires:
                raise ModuleSourceError(
                    f"{path}: requires only shape a generated go.mod; put them in go_mod instead"
                )
            if go_mod is not None:
                changes["go.mod"] = _blob(path, "go_mod", go_mod)
            elif requires:
                rendered = render_go_mod(path, go_version=go_version, requires=requires)
                changes["go.mod"] = ("100644", rendered)
            commit = self.repos.commit(
                layout.host, layout.repo, layout.directory, changes, replace=False, message=text
            )
            return commit.hash

    def _learn(self, layout: ModuleLayout) -> None:
        """Keep a module's layout, and its root for the ``?go-get=1`` pages."""
        self._layouts[layout.path] = layout
        self._roots.setdefault(layout.root, layout.repo_root)

    def pseudo_version(self, path: str, commit: str) -> str:
        """The pseudo-version go names ``commit`` of module ``path`` by (module.PseudoVersion):
        the newest of the module's tags before it, the commit's time and its hash."""
        __tracebackhide__ = True
        layout = self.layout(path)
        _, major, _ = split_path_version(path)
        older = [
            tag[len(layout.tag_prefix) :]
            for tag in self.repos.tags_before(layout.host, layout.repo, commit)
            if tag.startswith(layout.tag_prefix)
        ]
        want = major.lstrip("/.")  # "v2" for /v2 and .v2; "" (v0 or v1) without a suffix
        fitting = [
            v
            for v in older
            if semver.is_valid(v) and semver.major(v) in ((want,) if want else ("v0", "v1"))
        ]
        base = max(fitting, key=functools.cmp_to_key(semver.compare), default="")
        when = self.repos.commit_time(layout.host, layout.repo, commit)
        return semver.pseudo_version(want, base, when, commit[:12])

    def version(self, path: str, version: str) -> OriginVersion:
        """What :meth:`add_module` made for ``path@version``; UsageError if nothing."""
        __tracebackhide__ = True
        found = self._versions.get((path, version))
        if found is None:
            raise UsageError(f"{path}@{version} was never added to this origin")
        return found

    def versions(self, path: str) -> list[str]:
        """The tagged versions of module ``path``, in semver order."""
        return semver.sort_versions(v for p, v in self._versions if p == path)

    @staticmethod
    def _no_deletions(path: str, files: Mapping[str, str | bytes | None]) -> dict[str, str | bytes]:
        __tracebackhide__ = True
        gone = [name for name, data in files.items() if data is None]
        if gone:
            raise ModuleSourceError(
                f"{path}: files {gone!r} are None (delete), but the module has no commit yet"
            )
        return {name: data for name, data in files.items() if data is not None}

    @staticmethod
    def _initial_files(
        module: str, path: str, files: Mapping[str, str | bytes] | None
    ) -> dict[str, Blob]:
        """The files of a module's version, checked; one Go file when none are given."""
        __tracebackhide__ = True
        if files is None:
            return {name: ("100644", text.encode()) for name, text in default_files(path).items()}
        if not isinstance(files, Mapping):
            raise ModuleSourceError(f"{module}: files is a {type(files).__name__}, not a mapping")
        return {check_repo_file(module, n): _blob(module, n, d) for n, d in files.items()}

    @staticmethod
    def _go_mod(
        module: str, path: str, blobs: dict[str, Blob], options: GoModOptions
    ) -> bytes | None:
        """The go.mod of a new version, by FakeGoProxy's rules (see :meth:`add_module`); None
        when nothing gives one and nothing asks for one to be rendered."""
        __tracebackhide__ = True
        go_mod = options.get("go_mod")
        mine = None if go_mod is None else _blob(module, "go_mod", go_mod)[1]
        given = given_go_mod(module, mine, blobs.get("go.mod", (None, None))[1], options)
        requires, retracts = options.get("requires"), options.get("retracts")
        if given is None and (requires or retracts):
            version = options.get("go_version", DEFAULT_GO_VERSION)
            return render_go_mod(path, go_version=version, requires=requires, retracts=retracts)
        return given

    def _tagged(self, layout: ModuleLayout, version: str, blobs: dict[str, Blob]) -> OriginVersion:
        """Commit ``blobs`` as the module's directory and tag the commit."""
        __tracebackhide__ = True
        tag = layout.tag(version)
        with self._lock:
            existing = self.repos.tags(layout.host, layout.repo).get(tag)
            if existing is not None:
                raise UsageError(
                    f"{layout.path}@{version}: tag {tag} of {layout.root} already names commit "
                    f"{existing[:12]}; a tag does not move (go caches what it named): add a "
                    "new version instead"
                )
            commit = self.repos.commit(
                layout.host,
                layout.repo,
                layout.directory,
                blobs,
                replace=True,
                message=f"{layout.path} {version}",
            )
            self.repos.tag(layout.host, layout.repo, tag, commit.hash)
            found = OriginVersion(
                layout.path,
                version,
                layout.root,
                layout.directory,
                tag,
                commit.hash,
                commit.time,
            )
            self._learn(layout)
            self._versions[(layout.path, version)] = found
            return found

    # -- request log -----------------------------------------------------------------------

    def requests(
        self,
        kind: OriginRequestKind | str | None = None,
        host: str | None = None,
        repo: str | None = None,
    ) -> list[OriginRequest]:
        """Requests received so far that match every given selector, oldest first; ``repo``
        is a name (``lib``) or a root (``corp.example/lib``)."""
        return [r for r in self.request_log.snapshot() if r.matches(kind, host, repo)]

    # -- serving ---------------------------------------------------------------------------

    def _host_of(self, request: Request) -> str:
        """The origin host a request is for: its ``Host`` header without the port when that
        names one of ours, else the first host (``127.0.0.1:PORT``, a test with curl)."""
        try:
            name = urllib.parse.urlsplit("//" + request.host).hostname or ""
        except ValueError:
            name = ""
        return name if name in self._hosts else self._hosts[0]

    def _handle(self, request: Request) -> Response:
        path = request.path
        record = OriginRequest(
            method=request.method,
            path=path,
            query=request.query_string.decode("latin-1"),
            kind=OriginRequestKind.OTHER,
            host=self._host_of(request),
            git_protocol=request.headers.get("Git-Protocol"),
            protocol=str(request.environ.get("SERVER_PROTOCOL") or "HTTP/1.1"),
        )
        self.request_log.append(record)
        try:
            response = self._route(request, record)
        except Exception as exc:  # a bug of ours: answer, and keep it for the test to see
            self.handler_errors.append(exc)
            response = text_answer(500, f"pytest-goproxy origin internal error: {exc!r}\n")
        record.status = response.status_code
        response.response = LoggedBody(record, response.response)  # type: ignore[arg-type]  # bytes
        response.direct_passthrough = True
        return response

    def _route(self, request: Request, record: OriginRequest) -> Response:
        path = record.path
        if request.args.get("go-get") == "1":
            record.kind = OriginRequestKind.META
            return self._meta(request, record)
        found = self.repos.find(record.host, path)
        if found is not None:
            record.repo, rest = found
            record.kind = _GIT_PATHS.get(rest, OriginRequestKind.OTHER)
            record.service = request.args.get("service")
        if not self._authorized(request):  # before the 404: a private host tells no one
            return self._unauthorized(record.host)
        if found is None:
            return not_found(f"no repository at {urllib.parse.quote(path)} on {record.host}")
        return self._backend.respond(request, self.repos.project_root(record.host), path)

    def _root_of(self, import_path: str) -> RepoRoot | None:
        """The known root holding ``import_path`` (the longest), whose repository exists."""
        best = known_root(import_path, self._roots.values())
        if best is None or not self.repos.exists(best.host, best.repo):
            return None
        return best

    def _authorized(self, request: Request) -> bool:
        """True when the origin is public or the request carries its Basic credentials."""
        if self._auth is None:
            return True
        given = _basic_credentials(request.headers.get("Authorization"))
        if given is None:
            return False
        same_user = hmac.compare_digest(given[0].encode(), self._auth[0].encode())
        same_password = hmac.compare_digest(given[1].encode(), self._auth[1].encode())
        return same_user and same_password

    @staticmethod
    def _unauthorized(host: str) -> Response:
        """A code host's answer to git without (the right) credentials: 401 and a Basic
        challenge, which git answers with credentials from its helpers or a prompt."""
        challenge = f'Basic realm="{host}"'
        return text_answer(401, "401 Unauthorized\n", {"WWW-Authenticate": challenge})

    def _meta(self, request: Request, record: OriginRequest) -> Response:
        """The go-import meta tag of the repository holding the import path asked for
        (cmd/go/internal/vcs ``parseMetaGoImports`` reads ``<meta name="go-import"
        content="<prefix> git <repo URL>">`` in the head)."""
        if request.method not in ("GET", "HEAD"):
            return text_answer(405, f"method {request.method} not allowed for ?go-get=1\n")
        import_path = f"{record.host}/{record.path.strip('/')}".rstrip("/")
        root = self._root_of(import_path)
        if root is None:
            return not_found(f"no repository holds {record.host}{urllib.parse.quote(record.path)}")
        if root.host == record.host:
            record.repo = root.repo
        url = root.with_scheme(self.scheme).url
        content = html.escape(f"{root.root} {root.vcs} {url}")
        body = (
            "<!DOCTYPE html>\n<html>\n<head>\n"
            f'<meta name="go-import" content="{content}">\n'
            f"</head>\n<body>\ngo get {html.escape(root.root)}\n</body>\n</html>\n"
        )
        return Response(body, status=200, content_type="text/html; charset=utf-8")

    def __repr__(self) -> str:
        where = f"port={self._server.port}" if self._server is not None else "not started"
        return f"<FakeOrigin hosts={','.join(self._hosts)} {where}>"


def _archive_order(a: ArchiveFile, b: ArchiveFile) -> int:
    """Archives by module, then version: each module's tags go on oldest first."""
    if a.module != b.module:
        return -1 if a.module < b.module else 1
    return semver.compare(a.version, b.version)

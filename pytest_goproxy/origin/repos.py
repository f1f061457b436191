"""The origin's git repositories: bare repositories in a work directory, written by the real git.

Every commit is made with ``git fast-import`` (one process per commit, no working tree): the
files of a module go in, the files the module had before go out, and the commit gets a fixed
author and a fixed, increasing time (2024-01-01 00:00 UTC plus one minute per commit of that
repository). So the same calls always give the same commit hashes, and go's pseudo-versions
(which name the commit time and hash) are reproducible from run to run.

git runs hermetically here, as in every go run of the plugin: its environment is built from
nothing (``PATH`` and ``LANG=C`` only), ``HOME`` is an empty directory of the origin's, and
``GIT_CONFIG_NOSYSTEM``/``GIT_CONFIG_GLOBAL`` keep ``/etc/gitconfig`` and ``~/.gitconfig`` out,
so a developer's hooks, signing keys, ``init.defaultBranch`` or ``GIT_DIR`` cannot change a
repository or a hash.

Each repository's history is one line on ``main``: a commit replaces the files of one module's
directory and keeps everything else, notably the directories of other modules nested below it
(a directory holding its own ``go.mod``), which go leaves out of the module anyway.
"""

from __future__ import annotations

import datetime
import functools
import os
import shutil
import stat
import subprocess
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pytest_goproxy.errors import ModuleSourceError, ToolUnavailable, UsageError
from pytest_goproxy.gomod.modzip import VCS_DIRS
from pytest_goproxy.origin.layout import repo_name_ok

__all__ = [
    "AUTHOR",
    "BRANCH",
    "EPOCH",
    "Blob",
    "Commit",
    "Repositories",
    "check_repo_file",
    "find_git",
    "git_env",
    "git_exec_path",
    "join_path",
    "read_dir",
]

#: The time of a repository's first commit; each later commit is one minute after the previous.
EPOCH = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
#: Author and committer of every commit (a reserved .invalid address: it reaches nobody).
AUTHOR = ("pytest-goproxy", "origin@pytest-goproxy.invalid")
#: The branch every repository has, and HEAD names.
BRANCH = "main"
#: How long one of our own git commands may take (a hung git must not hang the test).
_GIT_TIMEOUT = 120.0

#: A file as git stores it: mode (``100644``, ``100755`` or ``120000`` for a symlink), content.
Blob = tuple[str, bytes]

_MODES = ("100644", "100755", "120000")
_BAD_ELEMENTS = frozenset({"", ".", ".."})


@dataclass(frozen=True)
class Commit:
    """A commit the origin made: its full hash and its (committer) time."""

    hash: str
    time: datetime.datetime


@functools.lru_cache(maxsize=1)
def find_git() -> str:
    """The git binary on PATH, with its ``http-backend``; ToolUnavailable when either is
    missing (the origin serves repositories through the real git, nothing else)."""
    git = shutil.which("git")
    if git is None:
        raise ToolUnavailable(
            "git is not on PATH: FakeOrigin keeps real git repositories and serves them through "
            "`git http-backend`; install git (2.28 or newer)"
        )
    git_exec_path(git)
    return git


@functools.lru_cache(maxsize=8)
def git_exec_path(git: str) -> str:
    """The directory of ``git``'s own programs (``git --exec-path``), which holds its
    ``git-http-backend``; ToolUnavailable when it does not."""
    try:
        exec_path = subprocess.run(
            [git, "--exec-path"], capture_output=True, text=True, timeout=30, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        raise ToolUnavailable(f"{git} --exec-path failed: {exc}") from None
    if not (Path(exec_path) / "git-http-backend").is_file():
        raise ToolUnavailable(
            f"{git} has no http-backend (looked in {exec_path}); FakeOrigin serves repositories "
            "through `git http-backend`: install the full git package"
        )
    return exec_path


def git_env(home: Path) -> dict[str, str]:
    """An environment for git built from nothing (see the module docstring)."""
    env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "LANG": "C",
        "LC_ALL": "C",
    }
    if "PATH" in os.environ:
        env["PATH"] = os.environ["PATH"]
    return env


def join_path(directory: str, name: str) -> str:
    """``name`` inside ``directory`` of a repository (``""`` is the root)."""
    return f"{directory}/{name}" if directory else name


def check_repo_file(where: str, name: object) -> str:
    """A file name a test gave: relative, ``/``-separated, with no empty, ``.``, ``..`` or
    ``.git`` element (git itself refuses those); ModuleSourceError naming it otherwise."""
    __tracebackhide__ = True
    if not isinstance(name, str):
        raise ModuleSourceError(f"{where}: file name {name!r} is not a str")
    parts = name.split("/")
    if any(p in _BAD_ELEMENTS or p.lower() == ".git" for p in parts) or "\0" in name:
        raise ModuleSourceError(
            f"{where}: file name {name!r} cannot be committed: a name is relative, with / "
            "between non-empty elements, none of them ., .. or .git"
        )
    return name


def read_dir(root: Path) -> dict[str, Blob]:
    """The files of ``root`` as git would commit them: regular files (100755 when
    executable), symbolic links (120000, the target as content); VCS directories left out."""
    out: dict[str, Blob] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in VCS_DIRS)
        links = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
        for name in sorted(filenames) + links:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            st = os.lstat(full)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("120000", os.fsencode(os.readlink(full)))
            elif stat.S_ISREG(st.st_mode):
                mode = "100755" if st.st_mode & stat.S_IXUSR else "100644"
                out[rel] = (mode, Path(full).read_bytes())
    return out


def _quote(path: str) -> bytes:
    """A path for fast-import, C-style quoted (always allowed, required for some names)."""
    escaped = path.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return b'"' + escaped.encode("utf-8", "surrogateescape") + b'"'


def _data(content: bytes) -> bytes:
    return b"data %d\n%s\n" % (len(content), content)


class Repositories:
    """The bare repositories of one origin, under ``root/<host>/<name>.git``.

    Writes are serialised by one lock; reads (the http-backend) need none: git updates refs
    atomically."""

    def __init__(self, root: Path, git: str | None = None) -> None:
        self.root = root
        self.git = git or find_git()
        self.home = root / "home"
        self.home.mkdir(parents=True, exist_ok=True)
        self.env = git_env(self.home)
        self._lock = threading.RLock()
        self._commits: dict[Path, int] = {}

    # -- where -----------------------------------------------------------------------------

    def project_root(self, host: str) -> Path:
        """``GIT_PROJECT_ROOT`` of ``host``: its repositories are ``<name>.git`` in it."""
        return self.root / "repos" / host

    def path(self, host: str, name: str) -> Path:
        return self.project_root(host) / f"{name}.git"

    def exists(self, host: str, name: str) -> bool:
        return (self.path(host, name) / "HEAD").is_file()

    def names(self, host: str) -> list[str]:
        """The repositories of ``host``, sorted: URL paths such as ``lib`` or ``uber-go/zap``."""
        root = self.project_root(host)
        if not root.is_dir():
            return []
        return sorted(
            p.relative_to(root).as_posix()[: -len(".git")]
            for p in root.rglob("*.git")
            if (p / "HEAD").is_file()
        )

    def find(self, host: str, path: str) -> tuple[str, str] | None:
        """The repository of ``host`` a request path is for, and the rest of the path:
        ``/uber-go/zap.git/info/refs`` -> ``("uber-go/zap", "info/refs")``; None when no
        repository's name starts the path (the longest name wins)."""
        parts = [p for p in path.split("/") if p]
        if ".." in parts:
            return None
        for end in range(len(parts), 0, -1):
            name = "/".join(parts[:end])
            bare = name.removesuffix(".git")
            if repo_name_ok(bare) and self.exists(host, bare):
                return bare, "/".join(parts[end:])
        return None

    # -- reading ---------------------------------------------------------------------------

    def head(self, host: str, name: str) -> str | None:
        """The commit ``main`` points at, or None before the first commit."""
        if not self.exists(host, name):
            return None
        out = self._run(
            ["rev-parse", "--verify", "-q", f"refs/heads/{BRANCH}^{{commit}}"],
            git_dir=self.path(host, name),
            check=False,
        )
        return out.decode().strip() or None

    def tags(self, host: str, name: str) -> dict[str, str]:
        """Tag name -> the commit it names."""
        if not self.exists(host, name):
            return {}
        out = self._run(
            ["for-each-ref", "--format=%(refname:strip=2) %(objectname)", "refs/tags"],
            git_dir=self.path(host, name),
        )
        return dict(line.split(" ", 1) for line in out.decode().splitlines() if line)

    def files(self, host: str, name: str, rev: str | None = None) -> dict[str, Blob]:
        """The files of ``rev`` (default ``main``): path -> (mode, content)."""
        rev = rev or self.head(host, name)
        if rev is None:
            return {}
        git_dir = self.path(host, name)
        out: dict[str, Blob] = {}
        for mode, path, obj in self._tree(git_dir, rev):
            out[path] = (mode, self._run(["cat-file", "blob", obj], git_dir=git_dir))
        return out

    def _tree(self, git_dir: Path, rev: str) -> list[tuple[str, str, str]]:
        """(mode, path, object) of every file of ``rev``."""
        raw = self._run(["ls-tree", "-r", "-z", "--full-tree", rev], git_dir=git_dir)
        entries = []
        for item in raw.split(b"\0"):
            if not item:
                continue
            meta, _, path = item.partition(b"\t")
            mode, _kind, obj = meta.decode().split(" ")
            entries.append((mode, path.decode("utf-8", "surrogateescape"), obj))
        return entries

    # -- writing ---------------------------------------------------------------------------

    def ensure(self, host: str, name: str) -> Path:
        """The bare repository ``host/name``, made on first use with ``main`` as HEAD and the
        upload-pack settings of a public host (fetching any reachable commit by hash, as
        GitHub allows; partial clones)."""
        path = self.path(host, name)
        with self._lock:
            if self.exists(host, name):
                return path
            path.parent.mkdir(parents=True, exist_ok=True)
            self._run(["init", "-q", "--bare", f"--initial-branch={BRANCH}", str(path)])
            for key, value in (
                ("uploadpack.allowReachableSHA1InWant", "true"),
                ("uploadpack.allowFilter", "true"),
                ("http.receivepack", "false"),
                ("core.logAllRefUpdates", "false"),
            ):
                self._run(["config", key, value], git_dir=path)
            self._commits[path] = 0
            return path

    def commit(
        self,
        host: str,
        name: str,
        directory: str,
        files: Mapping[str, Blob | None],
        *,
        replace: bool,
        message: str,
    ) -> Commit:
        """Commit ``files`` (names relative to ``directory``; None deletes one) on ``main``.

        ``replace``: the files ``directory`` had go first, except those in a directory below it
        that holds its own ``go.mod`` (another module). Returns the new commit."""
        with self._lock:
            git_dir = self.ensure(host, name)
            parent = self.head(host, name)
            deletes: set[str] = set()
            if parent is not None:
                existing = [p for _, p, _ in self._tree(git_dir, parent)]
                if replace:
                    deletes |= _module_files(existing, directory)
                deletes |= {join_path(directory, n) for n, b in files.items() if b is None}
                deletes &= set(existing)
            writes = {join_path(directory, n): b for n, b in files.items() if b is not None}
            n = self._commits.get(git_dir, 0)
            when = EPOCH + datetime.timedelta(minutes=n)
            stamp = b"%s <%s> %d +0000" % (
                AUTHOR[0].encode(),
                AUTHOR[1].encode(),
                int(when.timestamp()),
            )
            stream = [
                f"commit refs/heads/{BRANCH}\n".encode(),
                b"mark :1\n",
                b"author " + stamp + b"\n",
                b"committer " + stamp + b"\n",
                _data(message.encode()),
            ]
            if parent is not None:
                stream.append(f"from {parent}\n".encode())
            stream += [b"D " + _quote(p) + b"\n" for p in sorted(deletes - set(writes))]
            for path, (mode, content) in sorted(writes.items()):
                if mode not in _MODES:  # pragma: no cover - callers pass these three
                    raise ValueError(f"mode {mode} is not a git file mode")
                stream += [f"M {mode} inline ".encode() + _quote(path) + b"\n", _data(content)]
            stream.append(b"\nget-mark :1\n")
            out = self._run(["fast-import", "--quiet"], git_dir=git_dir, stdin=b"".join(stream))
            self._commits[git_dir] = n + 1
            return Commit(out.decode().strip(), when)

    def tag(self, host: str, name: str, tag: str, commit: str) -> None:
        """Tag ``commit`` as ``tag`` (a lightweight tag, as ``git tag`` makes); UsageError if
        the tag exists: go caches what a tag named, so a tag that moves is a test of another
        thing (add a new version instead)."""
        __tracebackhide__ = True
        with self._lock:
            git_dir = self.path(host, name)
            self._run(["check-ref-format", f"refs/tags/{tag}"], git_dir=git_dir)
            existing = self.tags(host, name).get(tag)
            if existing is not None:
                raise UsageError(
                    f"{host}/{name}: tag {tag} already names commit {existing[:12]}; a tag "
                    "does not move (go caches what it named): add a new version instead"
                )
            self._run(["update-ref", f"refs/tags/{tag}", commit, ""], git_dir=git_dir)

    def commit_time(self, host: str, name: str, rev: str) -> datetime.datetime:
        """The committer time of ``rev`` (what go puts in a pseudo-version)."""
        out = self._run(["show", "-s", "--format=%ct", rev, "--"], git_dir=self.path(host, name))
        return datetime.datetime.fromtimestamp(int(out.decode().strip()), datetime.timezone.utc)

    def tags_before(self, host: str, name: str, rev: str) -> list[str]:
        """The tags whose commits are ``rev`` or its ancestors."""
        out = self._run(
            ["tag", "--merged", rev, "--format=%(refname:strip=2)"], git_dir=self.path(host, name)
        )
        return out.decode().split()

    def restore(self, host: str, name: str, bundle: Path) -> None:
        """Fill repository ``host/name`` with every ref and object of a git ``bundle`` (the
        real commits ``record --origins`` kept), hashes unchanged."""
        with self._lock:
            git_dir = self.ensure(host, name)
            self._run(["fetch", "-q", "--no-tags", str(bundle), "+refs/*:refs/*"], git_dir=git_dir)

    def commit_of(self, host: str, name: str, rev: str) -> str | None:
        """The full hash of commit ``rev`` (a hash or a prefix of one, a tag) when the
        repository has it, else None."""
        if not self.exists(host, name):
            return None
        out = self._run(
            ["rev-parse", "--verify", "-q", "--end-of-options", f"{rev}^{{commit}}"],
            git_dir=self.path(host, name),
            check=False,
        )
        return out.decode().strip() or None

    # -- running git -----------------------------------------------------------------------

    def _run(
        self,
        args: list[str],
        *,
        git_dir: Path | None = None,
        stdin: bytes | None = None,
        check: bool = True,
    ) -> bytes:
        cmd = [self.git]
        if git_dir is not None:
            cmd.append(f"--git-dir={git_dir}")
        cmd += args
        try:
            done = subprocess.run(
                cmd,
                input=stdin,
                capture_output=True,
                env=self.env,
                cwd=self.home,
                timeout=_GIT_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise RuntimeError(
                f"{' '.join(args[:2])}: git took over {_GIT_TIMEOUT:.0f} s"
            ) from None
        if check and done.returncode != 0:
            raise RuntimeError(
                f"git {' '.join(args[:3])} failed (exit {done.returncode}): "
                f"{done.stderr.decode(errors='replace').strip()}"
            )
        return done.stdout


def _module_files(paths: list[str], directory: str) -> set[str]:
    """The files of the module at ``directory``: those below it, except those in a directory
    below it that holds a ``go.mod`` (a nested module, which keeps its files)."""
    prefix = f"{directory}/" if directory else ""
    below = [p for p in paths if p.startswith(prefix)]
    nested = {
        p[: -len("/go.mod")] + "/"
        for p in below
        if p.endswith("/go.mod") and p != f"{prefix}go.mod"
    }
    return {p for p in below if not any(p.startswith(d) for d in nested)}

"""Your own project in the matrix: its modules recorded once and kept, its private pattern yours.

A user's first command is ``pytest-goproxy matrix .``, on a project that has no module files.
The matrix replays modules offline, so they must be recorded once, with the user's own Go
settings (GOPROXY, GOPRIVATE, auth: :func:`pytest_goproxy.record.record`, the one step that
reaches the network). :func:`ensure_snapshot` does that the first time and keeps the snapshot in
the user's cache, where the next run finds it::

    ${PYTEST_GOPROXY_CACHE:-${XDG_CACHE_HOME:-~/.cache}/pytest-goproxy}/snapshots/
        <module path, case-escaped, / as _>-<key>            a snapshot (Snapshot.load reads it)
        <module path, case-escaped, / as _>-<key>+origins    one recorded with origins=True

``<key>`` is the first 16 hex digits of a SHA-256 over the project's go.mod and go.sum bytes and
the snapshot manifest format, so a changed go.mod or go.sum (or a plugin writing another format)
records again, and two checkouts of the same commit share one snapshot. A recording goes into a
temporary directory beside its final place and is renamed there when complete: an interrupted
recording leaves no snapshot that looks whole (a killed one leaves a ``.*.partial`` directory,
never read).

The matrix measures the user's situation, so the ``{private}`` pattern (the private modules,
which only their origin serves) defaults to the user's own: GOPRIVATE, else GONOPROXY, else
GONOSUMDB, as the snapshot recorded them (``go_env``), or as ``go env`` says now for modules given
another way (:func:`private_default`). With none of them set there is no pattern: ``{private}``
renders empty and the private configurations equal their public twins (their cells say so).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pytest_goproxy.errors import GoProjectError, UsageError
from pytest_goproxy.gomod.escape import escape_path
from pytest_goproxy.gomod.gomodfile import parse_module_path
from pytest_goproxy.gomod.snapshot import MANIFEST, MANIFEST_FORMAT, Snapshot, is_snapshot
from pytest_goproxy.gorun.binary import GoBinary, find_go

__all__ = [
    "CACHE_ENV",
    "PRIVATE_VARIABLES",
    "PrivatePattern",
    "cache_dir",
    "check_private_pattern",
    "ensure_snapshot",
    "private_default",
    "private_from_go_env",
    "record_accepts_origins",
    "snapshot_dir",
    "snapshot_key",
]

#: The variable naming the plugin's cache directory (snapshots live in its ``snapshots/``).
CACHE_ENV = "PYTEST_GOPROXY_CACHE"
#: The settings that make a module private, in the order the default pattern is taken from.
PRIVATE_VARIABLES = ("GOPRIVATE", "GONOPROXY", "GONOSUMDB")
#: What marks a snapshot recorded with its modules' origins (``record(..., origins=True)``).
ORIGINS_SUFFIX = "+origins"


def cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$PYTEST_GOPROXY_CACHE``, else ``$XDG_CACHE_HOME/pytest-goproxy``, else
    ``~/.cache/pytest-goproxy`` (the XDG rule, so a user who moved their caches finds it)."""
    environ = os.environ if env is None else env
    if environ.get(CACHE_ENV):
        return Path(environ[CACHE_ENV]).expanduser()
    xdg = environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "pytest-goproxy"


def _module_of(project: Path) -> str:
    go_mod = project / "go.mod"
    if not go_mod.is_file():
        raise GoProjectError(f"{project} is not a Go module: it has no go.mod")
    module = parse_module_path(go_mod.read_bytes())
    if not module:
        raise GoProjectError(f"{go_mod} has no module line")
    return module


def snapshot_key(project: str | os.PathLike[str]) -> str:
    """16 hex digits naming what a recording of ``project`` depends on: its go.mod and go.sum
    bytes and the manifest format (see the module docstring)."""
    root = Path(project)
    digest = hashlib.sha256()
    for name in ("go.mod", "go.sum"):
        path = root / name
        data = path.read_bytes() if path.is_file() else b""
        digest.update(f"{name} {len(data)}\n".encode())  # lengths: no two splits hash alike
        digest.update(data)
    digest.update(f"manifest format {MANIFEST_FORMAT}\n".encode())
    return digest.hexdigest()[:16]


def snapshot_dir(
    project: str | os.PathLike[str],
    *,
    origins: bool = False,
    env: Mapping[str, str] | None = None,
) -> Path:
    """Where the snapshot of ``project`` lives in the cache (it may not exist yet)."""
    root = Path(project)
    name = escape_path(_module_of(root)).replace("/", "_")
    suffix = ORIGINS_SUFFIX if origins else ""
    return cache_dir(env) / "snapshots" / f"{name}-{snapshot_key(root)}{suffix}"


def _complete(path: Path) -> bool:
    return is_snapshot(path) and (path / MANIFEST).is_file()


def record_accepts_origins() -> bool:
    """Whether this installation's ``record()`` can also fetch each module's origin commits."""
    from pytest_goproxy.record import record

    return "origins" in inspect.signature(record).parameters


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def ensure_snapshot(
    project: str | os.PathLike[str],
    *,
    refresh: bool = False,
    origins: bool = False,
    env: Mapping[str, str] | None = None,
    go: GoBinary | str | os.PathLike[str] | None = None,
    timeout: float | None = None,
    notify: Callable[[str], object] | None = None,
) -> Path:
    """The cached snapshot of ``project``, recorded first (one line to ``notify``, default
    stderr) when there is none yet, when ``refresh`` asks for a new one, or when ``origins``
    asks for one with the modules' origins (a snapshot recorded with origins serves a run
    without them too).

    ``env`` is the environment go records with (default: this process's, the user's own).
    Raises :class:`~pytest_goproxy.errors.RecordError` with go's error when the closure cannot
    be downloaded; nothing is left in the cache then."""
    __tracebackhide__ = True
    from pytest_goproxy.record import record

    root = Path(project)
    module = _module_of(root)
    target = snapshot_dir(root, origins=origins, env=env)
    if not refresh:
        if not origins and _complete(richer := snapshot_dir(root, origins=True, env=env)):
            return richer
        if _complete(target):
            return target
    if origins and not record_accepts_origins():
        raise UsageError(
            "--origins: this installation's `record` cannot fetch the modules' origins "
            "(record(..., origins=True) is missing); upgrade pytest-goproxy"
        )
    why = "recording again (--refresh)" if refresh else f"no snapshot of {module} yet"
    (notify or _stderr)(
        f"pytest-goproxy: {why}: recording its modules with your Go settings into {target} (once)"
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(
        tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    )
    old: Path | None = None
    try:
        kwargs: dict[str, object] = {"origins": True} if origins else {}
        if timeout is not None:
            kwargs["timeout"] = timeout
        record(root, partial, env=env, go=go, **kwargs)  # type: ignore[arg-type]
        if target.exists():  # --refresh, or a half-made snapshot of an older plugin
            old = target.with_name(f".{target.name}.{os.getpid()}.old")
            os.rename(target, old)
        os.rename(partial, target)  # atomic: the snapshot is there whole, or not at all
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        if old is not None and not target.exists():
            os.rename(old, target)  # the refresh failed: keep what worked before
            old = None
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return target


# -- the private pattern ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PrivatePattern:
    """The ``{private}`` pattern a matrix runs with and where it came from, for the caption:
    ``pattern`` is a GOPRIVATE-style pattern, ``""`` for none."""

    pattern: str
    source: str

    def describe(self) -> str:
        """``private modules: corp.example (GOPRIVATE recorded in the snapshot)``, or ``no
        private pattern (...)``."""
        if self.pattern:
            return f"private modules: {self.pattern} ({self.source})"
        return f"no private pattern ({self.source})"


def check_private_pattern(text: str, what: str = "--private") -> str:
    """``text`` as a GOPRIVATE-style pattern (entries trimmed), or UsageError saying why not.

    go reads GOPRIVATE as comma-separated globs over module path prefixes; a URL, a space inside
    an entry, an ``@version`` or an unclosed ``[`` never matches anything, so the matrix would
    silently measure a project without private modules."""
    entries = [entry.strip() for entry in text.split(",")]
    for entry in entries:
        problem = None
        if "://" in entry:
            problem = "a module path prefix, not a URL (corp.example, not https://corp.example)"
        elif any(c.isspace() for c in entry):
            problem = "no spaces inside an entry"
        elif "@" in entry:
            problem = "a module path prefix, without @version"
        elif entry.count("[") != entry.count("]"):
            problem = "brackets closed, as in path.Match"
        elif entry.startswith("/") or "//" in entry:
            problem = "a module path such as corp.example/team, with no empty element"
        if problem is not None:
            raise UsageError(
                f"{what} {text!r}: {entry!r} is not a GOPRIVATE-style pattern: it must be "
                f"{problem}; separate several with commas"
            )
    return ",".join(e for e in entries if e)


def private_from_go_env(values: Mapping[str, str], where: str) -> PrivatePattern:
    """The first of GOPRIVATE, GONOPROXY, GONOSUMDB set in ``values``; ``where`` says whose
    values they are (``in the snapshot's recorded go env``, ``in your go env``)."""
    for name in PRIVATE_VARIABLES:
        value = values.get(name, "").strip()
        if value:
            return PrivatePattern(value, f"{name} {where}")
    return PrivatePattern("", f"GOPRIVATE, GONOPROXY and GONOSUMDB are empty {where}")


def _go_env(
    go: GoBinary | str | os.PathLike[str] | None, env: Mapping[str, str] | None
) -> dict[str, str]:
    """GOPRIVATE, GONOPROXY and GONOSUMDB as ``go env`` gives them with the user's environment
    (its ``go env -w`` file counts), run outside any module so no toolchain switch is asked
    for; the environment's own values when go cannot say."""
    environ = dict(os.environ if env is None else env)
    fallback = {name: environ.get(name, "") for name in PRIVATE_VARIABLES}
    try:
        binary = go if isinstance(go, GoBinary) else find_go(go)
        done = subprocess.run(
            [str(binary.path), "env", "-json", *PRIVATE_VARIABLES],
            cwd=tempfile.gettempdir(),
            env=environ,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        values = json.loads(done.stdout) if done.returncode == 0 else None
    except (OSError, ValueError, subprocess.TimeoutExpired):
        values = None
    if not isinstance(values, dict):
        return fallback
    return {name: str(values.get(name, "")) for name in PRIVATE_VARIABLES}


def private_default(
    modules: object,
    *,
    go: GoBinary | str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> PrivatePattern:
    """The user's own private pattern for a project served by ``modules``: as the snapshot
    recorded it (``go_env``) when ``modules`` is a recorded snapshot, else as ``go env`` says
    now with the user's environment (``env``, default this process's)."""
    if isinstance(modules, str | os.PathLike) and is_snapshot(modules):
        recorded = Snapshot.load(modules).go_env
        if recorded:
            return private_from_go_env(recorded, "in the snapshot's recorded go env")
    return private_from_go_env(_go_env(go, env), "in your go env")

"""Finding the ``go`` command and its version.

Order: an explicit path (``--go`` / ``GoRunner(go=...)``), then ``$GO_BINARY``, then ``go`` on
``PATH``. The version comes from ``go env GOVERSION`` run in a minimal environment with
``GOTOOLCHAIN=local`` and ``GOENV=off``, so neither a ``toolchain`` line nor the user's go env
file can make the answer describe (or download) another toolchain.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pytest_goproxy.errors import GoNotFoundError
from pytest_goproxy.gorun.environment import disable_telemetry

__all__ = ["GoBinary", "find_go", "go_env", "go_version"]

_HOW_TO = (
    "install Go (https://go.dev/dl/) and put `go` on PATH, or point pytest-goproxy at a go "
    "binary with --go=/path/to/bin/go or the GO_BINARY environment variable"
)
_VERSION = re.compile(r"go(\d+)(?:\.(\d+))?(?:\.(\d+))?")


@dataclass(frozen=True)
class GoBinary:
    """A ``go`` command that ran: its absolute path and the ``GOVERSION`` it reports."""

    path: Path
    version: str
    goroot: str = field(default="", compare=False)
    #: ``GOHOSTOS``/``GOHOSTARCH``: the platform whose toolchain a switch downloads
    goos: str = field(default="", compare=False)
    goarch: str = field(default="", compare=False)

    @property
    def version_info(self) -> tuple[int, int, int]:
        """``(1, 26, 8)`` for ``go1.26.8``; ``(0, 0, 0)`` for a version Go does not number."""
        m = _VERSION.search(self.version)
        if not m:
            return (0, 0, 0)
        return (int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0))

    @property
    def language_version(self) -> str:
        """The ``go`` line this toolchain writes by default: ``1.26`` for ``go1.26.8``."""
        major, minor, _ = self.version_info
        return f"{major}.{minor}"

    def __str__(self) -> str:
        return f"{self.version} ({self.path})"


def go_env(
    path: str | os.PathLike[str],
    *args: str,
    env: Mapping[str, str],
    cwd: str | os.PathLike[str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``go env ARGS...`` run with exactly ``env``, its output as text. A go that has not
    answered in 60 s (a toolchain download that hangs, a wedged GOROOT) is as good as missing.
    OSError and TimeoutExpired go to the caller, who says what they mean there."""
    return subprocess.run(
        [str(path), "env", *args],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@functools.lru_cache(maxsize=32)
def go_version(path: Path) -> tuple[str, str, str, str]:
    """``(GOVERSION, GOROOT, GOHOSTOS, GOHOSTARCH)`` of the go binary at ``path`` (empty strings
    for what it does not print); GoNotFoundError if it can't run."""
    with tempfile.TemporaryDirectory(prefix="pytest-goproxy-goversion-") as home:
        disable_telemetry(Path(home))
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": home,
            "USERPROFILE": home,
            "XDG_CONFIG_HOME": home,
            "GOENV": "off",
            "GOTOOLCHAIN": "local",
            "GOFLAGS": "",
            "GOPATH": str(Path(home, "gopath")),
        }
        if os.name == "nt":  # pragma: no cover - Windows
            env["SYSTEMROOT"] = os.environ.get("SYSTEMROOT", "")
        try:
            proc = go_env(path, "GOVERSION", "GOROOT", "GOHOSTOS", "GOHOSTARCH", env=env, cwd=home)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise GoNotFoundError(f"{path} could not be run as go ({exc}); {_HOW_TO}") from exc
    lines = proc.stdout.splitlines()
    if proc.returncode != 0 or not lines or not lines[0].strip():
        detail = proc.stderr.strip() or proc.stdout.strip() or f"exit status {proc.returncode}"
        raise GoNotFoundError(
            f"{path} does not behave like the go command (`go env GOVERSION` failed: {detail}); "
            f"{_HOW_TO}"
        )
    rest = [line.strip() for line in lines[1:4]] + ["", "", ""]
    return lines[0].strip(), rest[0], rest[1], rest[2]


def _resolve(spec: str | os.PathLike[str], origin: str) -> Path:
    text = os.fspath(spec)
    candidate = Path(text).expanduser()
    if os.sep not in text and (os.altsep is None or os.altsep not in text):
        found = shutil.which(text)
        if found:
            return Path(found).absolute()
    if candidate.is_dir():
        for sub in (candidate / "bin" / "go", candidate / "go"):
            if sub.is_file():
                return sub.absolute()
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return candidate.absolute()
    raise GoNotFoundError(
        f"{origin} names {text!r}, which is not an executable go binary; {_HOW_TO}"
    )


def find_go(explicit: GoBinary | str | os.PathLike[str] | None = None) -> GoBinary:
    """The go binary to use: ``explicit``, else ``$GO_BINARY``, else ``go`` on ``PATH``.

    Raises :class:`~pytest_goproxy.errors.GoNotFoundError` saying what to do when there is none or
    it does not run. ``explicit`` may be a path, a directory holding ``bin/go`` (a GOROOT), a
    command name, or a :class:`GoBinary` (returned unchanged).
    """
    if isinstance(explicit, GoBinary):
        return explicit
    if explicit is not None and os.fspath(explicit) != "":
        path = _resolve(explicit, "the go binary option")
    elif os.environ.get("GO_BINARY"):
        path = _resolve(os.environ["GO_BINARY"], "GO_BINARY")
    else:
        found = shutil.which("go")
        if not found:
            raise GoNotFoundError(f"no `go` command on PATH; {_HOW_TO}")
        path = Path(found).absolute()
    version, goroot, goos, goarch = go_version(path)
    return GoBinary(path=path, version=version, goroot=goroot, goos=goos, goarch=goarch)

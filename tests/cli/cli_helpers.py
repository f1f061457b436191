"""Running ``pytest-goproxy`` the way CI does: a subprocess whose stdout is a pipe, not a
terminal."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from pytest_goproxy.scenarios import BUNDLED

#: Two bundled scenarios that need no toxiproxy and take about a second each.
FAST = ("truncated_zip.toml", "cdn_502_burst.toml")


def cli(
    *args: str, cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``pytest-goproxy ARGS`` with stdout and stderr piped (separately)."""
    return subprocess.run(
        [sys.executable, "-m", "pytest_goproxy.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def copy_scenarios(directory: Path, *names: str) -> list[Path]:
    """Copies of bundled scenario files in ``directory`` (a file without ``modules`` or
    ``project`` uses the bundled ones, wherever it is)."""
    directory.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy(BUNDLED / name, directory / name)) for name in names]


def mismatching(directory: Path) -> Path:
    """truncated_zip expecting DNS instead of TRUNCATED: a mismatch."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "wrong.toml"
    target.write_text(
        (BUNDLED / "truncated_zip.toml")
        .read_text()
        .replace('failure = "TRUNCATED"', 'failure = "DNS"')
    )
    return target


def project_copy(directory: Path) -> Path:
    shutil.copytree(BUNDLED / "project", directory)
    return directory

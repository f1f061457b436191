"""A hermetic ``go`` runner for the gomod tests (a test-only stopgap until the real runner lands).

The environment is built from nothing but ``PATH``: GOPATH, GOMODCACHE, GOCACHE, HOME and GOENV
(a file of its own) all live under the test's tmp_path, so the user's go env file (which sets
GOFLAGS/GOPROXY on this machine) is never read. GOFLAGS=-modcacherw keeps the module cache
deletable by the normal tmp_path cleanup.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


def go_binary() -> str | None:
    return shutil.which("go")


@dataclass
class GoEnv:
    """Runs ``go`` with an environment made from scratch under one directory."""

    go: str
    root: pathlib.Path
    gocache: pathlib.Path

    @property
    def modcache(self) -> pathlib.Path:
        return self.root / "gopath" / "pkg" / "mod"

    def env(self, proxy: pathlib.Path | str | None) -> dict[str, str]:
        goenv = self.root / "goenv"
        goenv.touch()
        home = self.root / "home"
        home.mkdir(exist_ok=True)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(home),
            "GOPATH": str(self.root / "gopath"),
            "GOMODCACHE": str(self.modcache),
            "GOCACHE": str(self.gocache),
            "GOENV": str(goenv),
            "GOTOOLCHAIN": "local",
            "GOFLAGS": "-modcacherw",
            "GOSUMDB": "off",
            "GOTELEMETRY": "off",
            "GO111MODULE": "on",
            "CGO_ENABLED": "0",
            "GOPROXY": "off"
            if proxy is None
            else (proxy if isinstance(proxy, str) else pathlib.Path(proxy).as_uri()),
        }
        return env

    def run(
        self,
        args: Sequence[str],
        *,
        proxy: pathlib.Path | str | None = None,
        cwd: pathlib.Path | None = None,
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        work = cwd or (self.root / "work")
        work.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            [self.go, *args],
            cwd=work,
            env=self.env(proxy),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"go {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
            )
        return proc

    def download(self, proxy: pathlib.Path, module: str, version: str) -> dict[str, Any]:
        """``go mod download -json m@v`` from a file:// proxy; the JSON it prints."""
        proc = self.run(
            ["mod", "download", "-json", f"{module}@{version}"], proxy=proxy, check=False
        )
        out: dict[str, Any] = json.loads(proc.stdout) if proc.stdout.strip() else {}
        if proc.returncode != 0 and "Error" not in out:
            out["Error"] = proc.stderr
        return out

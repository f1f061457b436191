"""``serve --toolchain``: the proxy a shell points at also serves a synthetic toolchain, so a
go.mod that switches goes through it, and its faults hit the switch (issue 25)."""

from __future__ import annotations

import subprocess
import sys

from pytest_goproxy import Failure, GoRunner, Toxiproxy
from pytest_goproxy.serve import OutageServer


def test_serve_with_a_toolchain(toxiproxy: Toxiproxy, go: GoRunner) -> None:
    with OutageServer(toxiproxy=toxiproxy, summary_every=0, toolchain="go1.99.0") as server:
        assert any("synthetic go1.99.0" in line for line in server.export_lines())
        project = go.project(toolchain="go1.99.0")
        switched = project.run("version", env=server.env, gotoolchain="auto").assert_ok()
        assert switched.stdout.split()[2] == "go1.99.0"
        server.add_fault("refused")
        down = project.run("version", env=server.env, gotoolchain="auto")
        down.assert_failure(Failure.TOOLCHAIN)
        assert down.cause is Failure.REFUSED


def test_serve_refuses_a_toolchain_go_would_not_download() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest_goproxy.cli", "serve", "--toolchain", "1.99"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 2, done
    assert "argument --toolchain: '1.99' is not a Go toolchain name" in done.stderr

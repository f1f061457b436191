"""A new user's commands on a real-shaped project, as they type them (subprocesses, real go, git
and toxiproxy): ``pytest-goproxy record --origins`` lists the hosts the build needs, and
``pytest-goproxy matrix PROJECT --origins`` records once, then gives a table with no ``error``
cell. The user's shell reaches the fake internet through a proxy that routes its host names
(``conftest.py``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from internet import PROJECT
from record_helpers import behind_guard, user_env
from upstream import Upstream

from pytest_goproxy.network.server import resolve_toxiproxy

pytestmark = pytest.mark.network_faults


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest_goproxy.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_record_then_matrix_as_a_new_user(upstream: Upstream, tmp_path: Path) -> None:
    (tmp_path / "user").mkdir()
    settings = {"GOPROXY": upstream.proxy.url, "GOSUMDB": upstream.sumdb.gosumdb}
    shell = user_env(tmp_path / "user", **settings)
    # the suite's toxiproxy (the user's home here is new: no build cache in it)
    shell["TOXIPROXY_BIN"] = str(resolve_toxiproxy(os.environ.get("TOXIPROXY_BIN")))
    shell["PYTEST_GOPROXY_CACHE"] = str(tmp_path / "cache")
    routes = dict.fromkeys(upstream.origin.hosts, upstream.origin)
    with behind_guard(upstream.go, shell, routes) as env:
        recorded = _cli(env, "record", str(PROJECT), "--out", str(tmp_path / "snap"), "--origins")
        assert recorded.returncode == 0, recorded.stderr
        assert recorded.stderr.splitlines()[-7:] == [
            "fetched directly (no proxy), the build needs 6 host(s) for 12 repository root(s); "
            "the real commits of 12 repositories are kept:",
            "  github.com: 7 repositories",
            "  go.googlesource.com: 3 repositories",
            "  go.uber.org: 2 ?go-get=1 pages",
            "  golang.org: 3 ?go-get=1 pages",
            "  gopkg.in: 2 repositories, 2 ?go-get=1 pages",
            "  mvdan.cc: 1 ?go-get=1 page",
        ]
        matrix = _cli(
            env,
            "matrix",
            str(PROJECT),
            "--origins",
            "--faults",
            "none,refused",
            "--configs",
            "single,comma_direct,pipe_direct",
            "--timeout",
            "60",
        )
    assert matrix.returncode == 0, matrix.stdout + matrix.stderr
    assert "recording its modules with your Go settings" in matrix.stderr
    rows = {
        (m.group(1), m.group(2)): m.group(3)
        for m in re.finditer(r"^(\w+) x (\w+): (\w+)", matrix.stdout, re.MULTILINE)
    }
    assert rows == {
        ("none", "single"): "recovered",
        ("none", "comma_direct"): "recovered",
        ("none", "pipe_direct"): "recovered",
        ("refused", "single"): "failed",
        ("refused", "comma_direct"): "failed",
        ("refused", "pipe_direct"): "recovered",
    }, matrix.stdout

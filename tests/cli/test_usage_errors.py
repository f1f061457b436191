"""Usage problems are found once, before anything runs: one error line and exit status 2
(argparse's), never a traceback, never N error cells, never 1 (a CI gate's "a cell broke")
(issue 22)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import cli

from pytest_goproxy.cli.main import EXIT_ERROR, EXIT_USAGE, exit_status
from pytest_goproxy.errors import (
    ConfigError,
    FaultError,
    GoProjectError,
    ModuleSourceError,
    RecordError,
    ToxiproxyError,
    UsageError,
)


def test_usage_errors_exit_2_and_the_others_1() -> None:
    for usage in (UsageError("x"), FaultError("x"), ConfigError("x"), GoProjectError("x")):
        assert exit_status(usage) == EXIT_USAGE == 2
    for other in (ModuleSourceError("x"), RecordError("x"), ToxiproxyError("x")):
        assert exit_status(other) == EXIT_ERROR == 1


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["matrix", "--timeout", "-1"], "argument --timeout: must be more than 0 seconds"),
        (["matrix", "--timeout", "nan"], "argument --timeout: must be more than 0 seconds"),
        (["matrix", "--jobs", "0"], "argument --jobs: must be at least 1, got 0"),
        (["matrix", "--faults", "refusd"], "unknown fault 'refusd'"),
        (["matrix", "--configs", "singel"], "unknown configuration 'singel'"),
        (["matrix", "--format", "xml"], "unknown report format 'xml'"),
        (["matrix", "{tmp}"], "is not a Go module: it has no go.mod"),
        (["matrix", "--modules", "{tmp}/none"], "--modules {tmp}/none: {tmp}/none does not exist"),
        (["matrix", "--private", "https://corp.example"], "not a URL"),
        (["matrix", "--refresh"], "--refresh records a project's modules: name the project"),
        (["probe", "--timeout", "0"], "argument --timeout: must be more than 0 seconds"),
        (["serve", "--modules", "{tmp}/none"], "--modules {tmp}/none: {tmp}/none does not"),
        (["serve", "--fault", "refusd"], "unknown fault 'refusd'"),
        (["serve", "--summary-every", "-1"], "argument --summary-every: must be 0 or more"),
        (["run", "--project", "{tmp}"], "not a Go module (no go.mod in it)"),
        (["record", "{tmp}", "--out", "{tmp}/snap"], "has no go.mod"),
        (["record", "{tmp}", "--out", "{tmp}/s", "--timeout", "-1"], "must be more than 0 s"),
    ],
)
def test_a_bad_option_is_one_line_and_exit_2(tmp_path: Path, args: list[str], said: str) -> None:
    args = [a.format(tmp=tmp_path) for a in args]
    result = cli(*args, timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith(("usage:", " "))]
    assert len(lines) == 1, result.stderr
    assert "error:" in lines[0] and said.format(tmp=tmp_path) in lines[0], result.stderr
    assert "cells" not in result.stdout  # nothing ran


def test_the_matrix_help_says_the_exit_statuses_and_where_snapshots_live() -> None:
    result = cli("matrix", "--help")
    text = " ".join(result.stdout.split())
    assert "2 for a usage error" in text
    squeezed = "".join(text.split())  # argparse wraps the path where it likes
    assert "${PYTEST_GOPROXY_CACHE:-${XDG_CACHE_HOME:-~/.cache}/pytest-goproxy}/snapshots/" in (
        squeezed
    )
    for option in ("--refresh", "--no-record", "--origins", "--modules DIR"):
        assert option in text

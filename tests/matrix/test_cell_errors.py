"""A cell that breaks is that cell's ``error`` verdict, and the matrix goes on (issue 13: one
relay cell's IncompleteRead once ended a 302-cell run with a traceback and no report)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_goproxy.matrix.runner import MatrixProject, run_matrix
from pytest_goproxy.outage import procedures
from pytest_goproxy.outage.engine import Outage, OutageEngine
from pytest_goproxy.outage.relay import find_nginx


def test_an_exception_in_one_cell_is_its_error_verdict_and_the_run_goes_on(
    small_project: MatrixProject, need_go: None, monkeypatch: pytest.MonkeyPatch
) -> None:

    def broken(ctx: procedures.RunContext) -> procedures.Ran:
        raise ConnectionResetError("what a bug of ours looks like")

    monkeypatch.setitem(procedures.PROCEDURES, "retry", broken)
    seen: list[str] = []
    cells = run_matrix(
        small_project,
        ["none"],
        ["single", "retry", "pipe_backup"],
        jobs=2,
        timeout=30,
        progress=lambda cell: seen.append(cell.config),
    )
    verdicts = {cell.config: (cell.verdict, cell.error) for cell in cells}
    assert verdicts["single"] == ("recovered", None)
    assert verdicts["pipe_backup"] == ("recovered", None)
    assert verdicts["retry"] == ("error", "ConnectionResetError: what a bug of ours looks like")
    assert sorted(seen) == ["pipe_backup", "retry", "single"]


def test_the_outcome_keeps_the_traceback_for_a_bug_report(
    small_project: MatrixProject, need_go: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(ctx: procedures.RunContext) -> procedures.Ran:
        raise KeyError("missing")

    monkeypatch.setitem(procedures.PROCEDURES, "plain", broken)
    from pytest_goproxy.configs import get_config

    with OutageEngine() as engine:
        outcome = engine.run(
            Outage.cell("none", get_config("single")),
            small_project.modules,
            project=small_project.path,
        )
    assert outcome.cell.verdict == "error"
    assert outcome.traceback is not None and "in broken" in outcome.traceback


def test_nginx_that_exists_but_will_not_start_is_an_error_not_unavailable(
    small_project: MatrixProject, need_go: None, tmp_path: Path
) -> None:
    """A relay that cannot start on a machine with nginx is a broken tool, which must show: an
    ``unavailable`` cell is what a machine without nginx gets."""
    fake = tmp_path / "nginx"
    fake.write_text("#!/bin/sh\necho 'nginx: [emerg] this nginx is broken' >&2\nexit 1\n")
    fake.chmod(0o755)
    assert find_nginx(fake) == fake
    (cell,) = run_matrix(small_project, ["none"], ["relay"], timeout=30, nginx=fake)
    assert cell.verdict == "error"
    assert cell.error is not None and cell.error.startswith("relay could not start:")
    assert "this nginx is broken" in cell.error

"""``pytest-goproxy run PATH [--project DIR]``: runs scenarios, prints what happened and why
(in-process; tests/cli/ runs the command as CI does, stdout piped)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pytest_goproxy.cli import main
from pytest_goproxy.scenarios import BUNDLED


def test_run_prints_the_table_and_exits_by_expectation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(BUNDLED / "truncated_zip.toml", tmp_path / "truncated_zip.toml")
    out_json = tmp_path / "results.json"
    assert main(["run", str(tmp_path), "--json", str(out_json), "--width", "200"]) == 0
    out, _ = capsys.readouterr()
    # stdout is no terminal here: a line per scenario; --width asks for the table as well.
    assert "PASS truncated_zip: expected failed (TRUNCATED), got failed (TRUNCATED)" in out
    assert "outage scenarios" in out and "cut_body" in out
    assert out.rstrip().endswith("1 scenario: 1 as expected, 0 mismatches, 0 unavailable")
    [row] = json.loads(out_json.read_text())
    assert row["verdict"] == "failed" and row["passed"] and row["failure"] == "TRUNCATED"
    assert any("cut_body" in line for line in row["why"])

    # The same outage on a project the user names: another go.mod, same expectation.
    project = tmp_path / "proj"
    shutil.copytree(BUNDLED / "project", project)
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(
        (BUNDLED / "truncated_zip.toml")
        .read_text()
        .replace('failure = "TRUNCATED"', 'failure = "DNS"')
    )
    assert main(["run", str(wrong), "--project", str(project), "--width", "200"]) == 1
    out, _ = capsys.readouterr()
    assert "MISMATCH: expected failure DNS, got TRUNCATED" in out


def test_run_reports_a_bad_file_before_running_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad.toml").write_text("config = 'single'\n[expect]\nverdict = 'maybe'\n")
    assert main(["run", str(tmp_path)]) == 2  # a bad file is not a mismatch
    assert "bad.toml: expect.verdict: got 'maybe'; allowed: recovered, failed, hung" in (
        capsys.readouterr().err
    )

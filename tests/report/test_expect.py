"""The resilience gate's rules without go: outcomes compared by verdict and failure class (never
time), ranked regressions, racy cells accepting several outcomes, the file kept on update."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_goproxy.errors import ReportFormatError, UsageError
from pytest_goproxy.outage import Cell
from pytest_goproxy.report.expect import compare, diff_lines, load_expected, update

EXPECTED = [
    Cell("none", "single", "recovered", None, 1.0, None),
    Cell("refused", "pipe_direct", "recovered", None, 2.0, None),
    Cell("refused", "single", "failed", "REFUSED", 0.1, "x"),
    Cell("blackhole", "single", "hung", None, 10.0, None),
    Cell("reset", "single", "failed", "RESET", 0.1, "y"),
]


@pytest.fixture
def expected_file(tmp_path: Path) -> Path:
    path = tmp_path / "matrix.json"
    update(path, EXPECTED)
    data = json.loads(path.read_text())
    data[4]["accept"] = ["failed TRUNCATED"]  # a racy cell: a cut can be either
    path.write_text(json.dumps(data))
    return path


def test_the_same_outcomes_pass_whatever_the_times(expected_file: Path) -> None:
    again = [
        Cell(c.fault, c.config, c.verdict, c.failure, c.seconds * 3, "other") for c in EXPECTED
    ]
    assert compare(load_expected(expected_file), again) == []
    assert diff_lines([]) == ["expected matrix: every cell as expected"]


def test_changes_are_ranked_and_listed_regressions_first(expected_file: Path) -> None:
    got = [
        Cell("none", "single", "recovered", None, 1.0, None),
        Cell("refused", "pipe_direct", "failed", "REFUSED", 0.2, "z"),  # worse
        Cell("refused", "single", "failed", "DNS", 0.1, "x"),  # another class
        Cell("blackhole", "single", "failed", "DIAL_TIMEOUT", 10.0, None),  # better than hung
        Cell("reset", "single", "failed", "TRUNCATED", 0.1, "y"),  # accepted (racy)
        Cell("dns", "single", "failed", "DNS", 0.1, "w"),  # not in the file
    ]
    changes = compare(load_expected(expected_file), got)
    assert [(c.fault, c.config, c.kind) for c in changes] == [
        ("refused", "pipe_direct", "regression"),
        ("refused", "single", "changed"),
        ("blackhole", "single", "improvement"),
        ("dns", "single", "new"),
    ]
    lines = diff_lines(changes)
    assert lines[0] == "expected matrix: 4 cell(s) changed, 1 regression(s)"
    assert lines[1] == "  refused \u00d7 pipe_direct: recovered -> failed REFUSED (regression)"
    # a cell the run did not have is listed, and is no regression
    missing = compare(load_expected(expected_file), got[:1])
    assert {c.kind for c in missing} == {"not run"} and len(missing) == 4


def test_hung_and_unavailable_are_worse_than_failed(expected_file: Path) -> None:
    got = [
        Cell("refused", "single", "hung", None, 10.0, None),
        Cell("none", "single", "unavailable", None, 0.0, "no nginx"),
    ]
    kinds = {(c.fault, c.config): c.kind for c in compare(load_expected(expected_file), got)}
    assert kinds["refused", "single"] == kinds["none", "single"] == "regression"


def test_update_keeps_accept_and_drops_details(expected_file: Path) -> None:
    update(expected_file, EXPECTED)
    data = json.loads(expected_file.read_text())
    assert data[4]["accept"] == ["failed TRUNCATED"]
    assert "accept" not in data[0] and all("details" not in item for item in data)


def test_bad_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--update-expect"):
        load_expected(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('[{"fault": "none", "config": "single", "verdict": "failed", "accept": "x"}]')
    with pytest.raises(ReportFormatError, match="item 0: accept is a list"):
        load_expected(bad)
    bad.write_text("{")
    with pytest.raises(ReportFormatError, match="not JSON"):
        load_expected(bad)

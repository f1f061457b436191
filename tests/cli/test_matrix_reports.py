"""``pytest-goproxy matrix --out`` writes reports a Go engineer reads without README beside them
(issue 12, item 11): a title naming the project, a caption with the go command, where the fault
sits, the Go version and the date, the GOPROXY shape under each configuration, and the HTTP
status code in a status cell."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pytest_goproxy.gorun import GoBinary

CELLS = ["--faults", "status", "--configs", "single,pipe_backup", "--timeout", "30"]


def test_matrix_reports_carry_title_caption_shapes_and_codes(
    tmp_path: Path, go_binary: GoBinary
) -> None:
    go = go_binary
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "pytest_goproxy.cli", "matrix", *CELLS, "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "GO_BINARY": str(go.path)},
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    markdown = (out / "matrix.md").read_text()
    assert "outage matrix: the bundled example" in markdown
    assert "`go mod tidy`" in markdown and "fault on the primary proxy" in markdown
    assert go.version in markdown
    assert "`{primary}\\|{backup}`" in markdown
    assert "HTTP_STATUS 502" in markdown
    text = (out / "matrix.txt").read_text()
    assert "outage matrix: the bundled example" in text and "fault on the primary" in text
    # html is written by default, with each cell's why: go's environment, the fault's
    # parameters, what each endpoint was asked
    page = (out / "matrix.html").read_text()
    assert "outage matrix: the bundled example" in page and go.version in page
    assert page.count('<section class="cell') == 2
    assert "environment go ran with" in page and "code=502" in page
    assert "requests each endpoint saw" in page and "(faulted)" in page
    assert "HTTP_STATUS 502" in run.stdout


def test_svg_names_the_configuration_shape() -> None:
    from pytest_goproxy.outage import Cell
    from pytest_goproxy.report import to_svg
    from pytest_goproxy.report.cells import MatrixInfo

    cell = Cell("status", "pipe_backup", "recovered", None, 0.3, None)
    svg = to_svg([cell], title="t", info=MatrixInfo("app", ("mod", "tidy"), "go1.26", "today"))
    assert "{primary}|{backup}" in svg and "go mod tidy" in svg


def test_the_resilience_gate(tmp_path: Path, go_binary: GoBinary) -> None:
    """--update-expect writes the file; --expect passes on the same outcomes, and exits 1 with
    a small diff table when a cell got worse; a racy cell's accept lets either outcome pass."""
    import json

    expect = tmp_path / "expected.json"

    def matrix(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pytest_goproxy.cli", "matrix", *CELLS, *extra],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env={**os.environ, "GO_BINARY": str(go_binary.path)},
            timeout=300,
        )

    missing = matrix("--expect", str(expect))
    assert missing.returncode == 2 and "--update-expect" in missing.stderr
    assert matrix("--expect", str(expect), "--update-expect").returncode == 0
    written = json.loads(expect.read_text())
    assert [(c["fault"], c["config"]) for c in written] == [
        ("status", "single"),
        ("status", "pipe_backup"),
    ]
    assert (written[0]["verdict"], written[0]["failure"]) == ("failed", "HTTP_STATUS")
    same = matrix("--expect", str(expect))
    assert same.returncode == 0, same.stderr
    assert "expected matrix: every cell as expected" in same.stdout

    # the file says single used to recover: its failure now is a regression
    written[0].update(verdict="recovered", failure=None)
    expect.write_text(json.dumps(written))
    worse = matrix("--expect", str(expect))
    assert worse.returncode == 1, worse.stdout + worse.stderr
    assert "  status \u00d7 single: recovered -> failed HTTP_STATUS (regression)" in worse.stdout
    # ... unless the cell accepts it
    written[0]["accept"] = ["failed HTTP_STATUS"]
    expect.write_text(json.dumps(written))
    assert matrix("--expect", str(expect)).returncode == 0

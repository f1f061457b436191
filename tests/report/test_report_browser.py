"""The HTML report in a real browser: headless Chromium (Debian's ``chromium`` package, which
``.ci/run`` and ``scripts/setup.sh`` install) loads the page, runs its script, and we read the
DOM it ends with; then it takes the screenshot the docs show.

Two Chromium launches in all. Without Chromium the test is skipped on a developer's machine and
fails in CI (:func:`pytest_goproxy.ci.skip_or_fail`), as a missing toxiproxy does.

To refresh the docs' picture: ``PYTEST_GOPROXY_SCREENSHOT=docs/images/matrix-report.png
python -m pytest tests/report/test_report_browser.py``.
"""

from __future__ import annotations

import os
import shutil
import signal
import struct
import subprocess
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path

import pytest
from test_report_html import DETAILS, EXAMPLE, Page

from pytest_goproxy.ci import skip_or_fail
from pytest_goproxy.outage import Cell
from pytest_goproxy.report import cells_from_json, to_html
from pytest_goproxy.report.cells import MatrixInfo

#: Where the browser is looked for: this variable, then the names distributions give it.
CHROMIUM_ENV = "PYTEST_GOPROXY_CHROMIUM"
NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
WIDTH, HEIGHT = 1280, 900


def find_chromium() -> str:
    given = os.environ.get(CHROMIUM_ENV)
    if given:
        return given
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    skip_or_fail(
        f"no Chromium ({', '.join(NAMES)} on PATH, or ${CHROMIUM_ENV}): apt-get install -y chromium"
    )


def chromium(binary: str, profile: Path, *args: str) -> str:
    """Run headless Chromium once and return its stdout. Its own process group, killed
    whole afterwards: Chromium starts helper processes (zygote, GPU, renderer) that must not
    outlive the test. ``--no-sandbox``: CI runs as root, where the sandbox refuses to start."""
    command = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
    ]
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=120)
    finally:
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == 0, f"chromium exited {proc.returncode}: {err[-2000:]}"
    return out


def report_cells() -> list[Cell]:
    """The bundled example's recorded matrix, two of its cells with details as a run keeps."""
    cells = cells_from_json(EXAMPLE.read_text(encoding="utf-8"))
    for index in (0, 9):
        c = cells[index]
        cells[index] = Cell(
            c.fault, c.config, c.verdict, c.failure, c.seconds, c.error, details=DETAILS
        )
    return cells


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def classes(attrs: dict[str, str | None]) -> set[str]:
    return set((attrs.get("class") or "").split())


def check_filtered(page: Page, cells: Sequence[Cell], verdicts: set[str], configs: set[str]) -> int:
    """Every cell is in the DOM, and the script showed exactly the chosen ones."""
    sections = page.having("section", "cell")
    assert sorted((s["data-fault"], s["data-config"]) for s in sections) == sorted(
        (c.fault, c.config) for c in cells
    )
    shown = 0
    for s in sections:
        wanted = s["data-verdict"] in verdicts and s["data-config"] in configs
        assert ("hidden" not in s) == wanted, s
        shown += wanted
    grid = page.having("td", "gridcell")
    assert len([g for g in grid if "data-verdict" in g]) == len(cells)
    for g in grid:
        chosen = g["data-config"] in configs
        assert ("hidden" not in g) == chosen, g
        if chosen and "data-verdict" in g:
            assert ("dim" in classes(g)) == (g["data-verdict"] not in verdicts), g
    columns = page.having("th", "column")
    assert {c["data-config"] for c in columns if "hidden" not in c} == configs
    return shown


def test_the_report_in_chromium(tmp_path: Path) -> None:
    binary = find_chromium()
    cells = report_cells()
    info = MatrixInfo("examples/app", ("mod", "tidy"), "go1.26.8", "2026-12-06")
    report = tmp_path / "matrix.html"
    report.write_text(to_html(cells, title="pytest-goproxy outage matrix", info=info))

    # 1. The DOM after the script ran, filtered from the URL's fragment.
    verdicts, configs = {"failed", "hung"}, {"single", "pipe_direct", "goprivate"}
    fragment = f"#verdict={','.join(sorted(verdicts))}&config={','.join(sorted(configs))}"
    dom = chromium(
        binary,
        tmp_path / "profile",
        "--virtual-time-budget=5000",
        "--dump-dom",
        report.as_uri() + fragment,
    )
    page = Page(dom)
    [form] = [a for t, a in page.tags if t == "form"]
    assert "hidden" not in form, "the script did not run: the filters are still hidden"
    shown = check_filtered(page, cells, verdicts, configs)
    assert 0 < shown < len(cells)
    assert f"{shown} shown" in "".join(page.text)
    # the details of a cell that kept them are in its section
    text = "".join(page.text)
    for wanted in ("environment go ran with", "GET /example.test/lib/@v/list 502 (faulted)"):
        assert wanted in text, wanted

    # 2. A screenshot of the page as it opens.
    shot = tmp_path / "matrix-report.png"
    chromium(
        binary,
        tmp_path / "profile",
        f"--window-size={WIDTH},{HEIGHT}",
        f"--screenshot={shot}",
        report.as_uri(),
    )
    data = shot.read_bytes()
    assert png_size(data) == (WIDTH, HEIGHT)
    # A page of coloured cells compresses far worse than a blank one (about 1 KB).
    assert len(data) > 30_000, f"the screenshot looks blank ({len(data)} bytes)"
    target = os.environ.get("PYTEST_GOPROXY_SCREENSHOT")
    if target:
        shutil.copyfile(shot, target)


@pytest.mark.parametrize("value", ["", "0"])
def test_without_chromium_it_skips_outside_ci(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    monkeypatch.delenv(CHROMIUM_ENV, raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(pytest.skip.Exception):
        find_chromium()


def test_without_chromium_it_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    monkeypatch.delenv(CHROMIUM_ENV, raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(pytest.fail.Exception, match="in CI, nothing may be skipped"):
        find_chromium()

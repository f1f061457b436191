"""A matrix picture that reads without README beside it: with a MatrixInfo, the Markdown, the SVG
and matrix.txt carry a title and a caption (project, go command, fault on the primary, Go version,
date), config columns show their GOPROXY shape, and HTTP status cells their code."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from pathlib import Path

from pytest_goproxy.configs import CONFIGS
from pytest_goproxy.outage import Cell
from pytest_goproxy.report import to_markdown, to_svg, write_reports
from pytest_goproxy.report.cells import MatrixInfo, cell_label, config_shape, failure_text

SVG = "{http://www.w3.org/2000/svg}"

BAD_GATEWAY = (
    "example.test/clock: example.test/clock@v0.3.0: reading "
    "http://127.0.0.1:46211/example.test/clock/@v/v0.3.0.zip: 502 Bad Gateway"
)
CELLS = [
    Cell("none", "single", "recovered", None, 1.234, None),
    Cell("none", "pipe_backup", "recovered", None, 1.5, None),
    Cell("status", "single", "failed", "HTTP_STATUS", 0.12, BAD_GATEWAY),
    Cell("status", "pipe_backup", "recovered", None, 0.2, None),
]
INFO = MatrixInfo("examples/app", ("mod", "tidy"), "go1.26.8", datetime.date(2026, 3, 4))
CAPTION = (
    "go mod tidy in examples/app, fault on the primary proxy (backup and checksum database "
    "healthy); go1.26.8, 2026-03-04"
)


def test_caption_names_project_command_fault_go_and_date() -> None:
    assert INFO.caption() == CAPTION
    assert INFO.command_text == "go mod tidy"
    same = MatrixInfo("examples/app", "go mod tidy", "go1.26.8", "2026-03-04")
    assert same.caption() == CAPTION
    assert MatrixInfo(command="go build ./...").caption() == (
        "go build ./..., fault on the primary proxy (backup and checksum database healthy)"
    )
    assert MatrixInfo().caption() == (
        "Fault on the primary proxy (backup and checksum database healthy)"
    )
    today = MatrixInfo.today(Path("app"), ("mod", "tidy"), "go1.26.8")
    assert today.date == datetime.date.today() and today.project == "app"


def test_config_shape_and_failure_text() -> None:
    assert config_shape("pipe_backup") == CONFIGS["pipe_backup"].env["GOPROXY"]
    assert config_shape("pipe_backup") == "{primary}|{backup}"
    assert config_shape("offline_warm_cache") == "off"
    assert config_shape("my_own") is None
    assert failure_text(CELLS[2]) == "HTTP_STATUS 502"
    refused = Cell("refused", "single", "failed", "REFUSED", 0.1, "connect: connection refused")
    assert failure_text(refused) == "REFUSED"
    unreadable = Cell("status", "single", "failed", "HTTP_STATUS", 0.1, "no code here")
    assert failure_text(unreadable) == "HTTP_STATUS"
    assert cell_label(CELLS[2]) == "✗ failed HTTP_STATUS"  # as before, unless asked
    assert cell_label(CELLS[2], codes=True) == "✗ failed HTTP_STATUS 502"


def test_markdown_with_info_is_exact() -> None:
    text = to_markdown(CELLS, title="Outage matrix of examples/app", info=INFO)
    assert text.split("\n\nLegend: ")[0] == (
        "### Outage matrix of examples/app\n"
        "\n"
        "*`go mod tidy` in `examples/app`, fault on the primary proxy (backup and checksum "
        "database healthy); go1.26.8, 2026-03-04.*\n"
        "\n"
        "| fault \\\\ config<br>GOPROXY | `single`<br>`{primary}` "
        "| `pipe_backup`<br>`{primary}\\|{backup}` |\n"
        "|---|---|---|\n"
        "| `none` | ✓ recovered 1.2s | ✓ recovered 1.5s |\n"
        "| `status` | ✗ failed `HTTP_STATUS 502` | ✓ recovered 0.2s |"
    )


def test_markdown_without_info_is_as_before() -> None:
    text = to_markdown(CELLS, title="T")
    assert text.startswith("### T\n\n| fault \\\\ config | `single` | `pipe_backup` |\n")
    assert "| `status` | ✗ failed `HTTP_STATUS` | ✓ recovered 0.2s |" in text
    assert "primary proxy" not in text and "{primary}" not in text


def test_markdown_header_of_a_config_outside_the_catalogue_is_its_name() -> None:
    cells = [Cell("none", "my_own", "recovered", None, 1.0, None)]
    text = to_markdown(cells, info=INFO)
    assert "| fault \\\\ config | `my_own` |\n" in text


def test_svg_with_info_has_title_caption_shapes_and_codes() -> None:
    root = ET.fromstring(to_svg(CELLS, title="Outage matrix", info=INFO))
    texts = {t.get("class"): t.text for t in root.iter(f"{SVG}text") if t.get("class")}
    assert texts["caption"] == CAPTION
    shapes = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "goproxy"]
    assert shapes == ["{primary}", "{primary}|{backup}"]
    all_texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Outage matrix" in all_texts and "HTTP_STATUS 502" in all_texts
    assert "GOPROXY" in all_texts  # what the header's second line is
    # the caption fits: the picture is at least as wide as its text
    assert float(root.get("width") or 0) >= len(CAPTION) * 7.5
    # nothing overlaps the grid: the header block ends above the first cell
    first_cell = min(
        float(r.get("y") or 0) for r in root.iter(f"{SVG}rect") if r.get("class") == "cell"
    )
    lowest_header = max(
        float(t.get("y") or 0) for t in root.iter(f"{SVG}text") if t.get("class") == "goproxy"
    )
    assert lowest_header + 4 < first_cell


def test_svg_without_info_has_no_caption_and_no_codes() -> None:
    root = ET.fromstring(to_svg(CELLS, title="T"))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "HTTP_STATUS" in texts and "HTTP_STATUS 502" not in texts
    assert not [t for t in root.iter(f"{SVG}text") if t.get("class") in ("caption", "goproxy")]


def test_write_reports_carry_title_and_caption(tmp_path: Path) -> None:
    written = write_reports(CELLS, tmp_path, title="Outage matrix of examples/app", info=INFO)
    table = written["table"].read_text(encoding="utf-8")
    assert "Outage matrix of examples/app" in table.splitlines()[0]
    assert table.endswith(f"\n{CAPTION}.\n")
    markdown = written["md"].read_text(encoding="utf-8")
    assert markdown == to_markdown(CELLS, title="Outage matrix of examples/app", info=INFO)
    assert "go1.26.8, 2026-03-04.*" in markdown
    svg = ET.parse(written["svg"]).getroot()
    assert CAPTION in [t.text for t in svg.iter(f"{SVG}text")]
    assert "go1.26.8" not in written["json"].read_text(encoding="utf-8")  # cells only


def test_write_reports_without_info_write_what_they_did(tmp_path: Path) -> None:
    written = write_reports(CELLS, tmp_path, "table,md", title="T")
    assert written["md"].read_text(encoding="utf-8") == to_markdown(CELLS, title="T")
    assert "primary proxy" not in written["table"].read_text(encoding="utf-8")

"""Renderings of a matrix: exact Markdown, JSON round trip, SVG structure and escaping, formats."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rich.console import Console
from rich.table import Table

from pytest_goproxy.errors import ReportFormatError
from pytest_goproxy.outage import Cell
from pytest_goproxy.report import (
    FORMATS,
    VERDICTS,
    MatrixProgress,
    cells_from_json,
    parse_formats,
    render_table,
    render_text,
    to_json,
    to_markdown,
    to_svg,
    write_reports,
)
from pytest_goproxy.report.jsonfile import CellLog
from pytest_goproxy.report.lines import cell_lines, cells_summary

SVG = "{http://www.w3.org/2000/svg}"

CELLS = [
    Cell("none", "single", "recovered", None, 1.234, None),
    Cell("none", "pipe_backup", "recovered", None, 1.5, None),
    Cell("refused", "single", "failed", "REFUSED", 0.31, "dial tcp 127.0.0.1:1: connect: refused"),
    Cell("refused", "pipe_backup", "recovered", None, 1.71, None),
    Cell("blackhole", "single", "hung", None, 4.0, None),
    Cell("blackhole", "pipe_backup", "unavailable", None, 0.0, "nginx not found"),
]


def test_markdown_is_exact_for_a_small_grid() -> None:
    assert to_markdown(CELLS) == (
        "| fault \\\\ config | `single` | `pipe_backup` |\n"
        "|---|---|---|\n"
        "| `none` | ✓ recovered 1.2s | ✓ recovered 1.5s |\n"
        "| `refused` | ✗ failed `REFUSED` | ✓ recovered 1.7s |\n"
        "| `blackhole` | … hung 4.0s | \u2013 unavailable |\n"
        "\n"
        "Legend: ✓ **recovered**: the go command succeeded (time taken); "
        "✗ **failed**: go failed fast (the Failure class of its error); "
        "… **hung**: go was still waiting at the deadline and was killed; "
        "\u2013 **unavailable**: this configuration cannot run here (e.g. nginx missing); "
        "not a pass.\n"
    )


def test_markdown_marks_missing_pairs_and_escapes_table_breakers() -> None:
    cells = [
        Cell("a|b", "x", "recovered", None, 1.0, None),
        Cell("c", "y*", "failed", "HTTP_STATUS", 0.2, "502 <Bad> | gateway"),
    ]
    text = to_markdown(cells, title="T", errors=True)
    assert text.startswith("### T\n\n| fault \\\\ config | `x` | y\\* |\n")
    assert "| a\\|b | ✓ recovered 1.0s | · not run |" in text
    assert "| `c` | · not run | ✗ failed `HTTP_STATUS` |" in text
    assert text.endswith("- `c` \u00d7 y\\*: 502 \\<Bad\\> \\| gateway\n")


def test_json_round_trips() -> None:
    text = to_json(CELLS)
    data = json.loads(text)
    assert data == [cell.to_dict() for cell in CELLS]
    assert set(data[2]) == {"fault", "config", "verdict", "failure", "seconds", "error"}
    assert cells_from_json(text) == CELLS


def test_json_reader_rejects_what_is_not_a_cell_list() -> None:
    with pytest.raises(ValueError, match="must be a list"):
        cells_from_json('"cells"')
    with pytest.raises(ValueError, match="item 0 is not a cell"):
        cells_from_json('{"fault": "none"}')  # JSON lines whose only line is no cell
    with pytest.raises(ValueError, match="item 1 is not a cell"):
        cells_from_json(to_json(CELLS[:1])[:-2] + ', {"fault": "x"}]')


def test_notes_show_in_markdown_errors_and_svg_tooltips() -> None:
    relay = Cell("refused", "relay", "recovered", None, 2.0, None, notes=("relay list: stale",))
    text = to_markdown([*CELLS, relay], errors=True)
    assert "- `refused` \u00d7 `relay`: relay list: stale\n" in text
    assert "- `refused` \u00d7 `single`: dial tcp 127.0.0.1:1: connect: refused\n" in text
    titles = [t.text or "" for t in ET.fromstring(to_svg([relay])).iter(f"{SVG}title")]
    assert any(t.endswith("recovered\nrelay list: stale") for t in titles)


def test_svg_is_xml_with_one_rect_per_cell_and_a_legend() -> None:
    root = ET.fromstring(to_svg(CELLS, title="matrix"))
    assert root.tag == f"{SVG}svg"
    rects = list(root.iter(f"{SVG}rect"))
    cells = [r for r in rects if r.get("class") == "cell"]
    legend = [r for r in rects if r.get("class") == "legend"]
    assert [r.get("data-verdict") for r in cells] == [c.verdict for c in CELLS]
    assert [r.get("data-verdict") for r in legend] == [v for v in VERDICTS if v != "error"]
    # each cell's colour is its verdict's, and the text says the same thing
    assert {r.get("data-verdict"): r.get("fill") for r in cells} == {
        v: VERDICTS[v].fill for v in {c.verdict for c in CELLS}
    }
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "REFUSED" in texts and "1.2s" in texts and "pipe_backup" in texts


def test_svg_escapes_text_and_marks_missing_pairs() -> None:
    cells = [
        Cell("<fault>&", "a&b", "failed", "HTTP_STATUS", 0.1, 'go: "<bad>" & worse'),
        Cell("other", "c", "recovered", None, 2.0, None),
    ]
    text = to_svg(cells)
    assert "<fault>" not in text and "&lt;fault&gt;&amp;" in text
    root = ET.fromstring(text)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "<fault>&" in texts and "a&b" in texts
    titles = [t.text or "" for t in root.iter(f"{SVG}title")]
    assert any('go: "<bad>" & worse' in t for t in titles)
    assert len([r for r in root.iter(f"{SVG}rect") if r.get("class") == "empty"]) == 2


def test_table_and_plain_text() -> None:
    table = render_table(CELLS)
    assert isinstance(table, Table)
    assert [c.header for c in table.columns] == ["fault \\ config", "single", "pipe_backup"]
    text = render_text(CELLS, title="matrix")
    assert "\x1b[" not in text
    assert "✗ REFUSED" in text and "✓ 1.2s" in text and "… hung 4.0s" in text
    assert "\u2013 unavailable" in text
    ascii_text = render_text(CELLS, ascii_only=True)
    assert "━" not in ascii_text and "-" in ascii_text


def test_formats_are_checked(tmp_path: Path) -> None:
    assert parse_formats("table, JSON,md,json") == ["table", "json", "md"]
    assert parse_formats(["svg"]) == ["svg"]
    with pytest.raises(
        ReportFormatError, match=r"unknown report format 'xml'.*table, json, md, svg"
    ):
        parse_formats("json,xml")
    with pytest.raises(ReportFormatError, match="no report format"):
        parse_formats(" , ")
    with pytest.raises(ReportFormatError):
        write_reports(CELLS, tmp_path / "out", "pdf")
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_write_reports_writes_every_format(tmp_path: Path) -> None:
    written = write_reports(CELLS, tmp_path / "out", "table,json,md,svg,html", title="matrix")
    assert {name: path.name for name, path in written.items()} == FORMATS
    assert cells_from_json(written["json"].read_text(encoding="utf-8")) == CELLS
    assert written["md"].read_text(encoding="utf-8") == to_markdown(CELLS, title="matrix")
    ET.parse(written["svg"])
    assert "REFUSED" in written["table"].read_text(encoding="utf-8")


def test_progress_reports_each_cell() -> None:
    console = Console(record=True, width=120, force_terminal=False)
    with MatrixProgress(total=len(CELLS), console=console) as progress:
        for cell in CELLS:
            progress.started(cell.fault, cell.config)
            progress(cell)
    assert progress.done == CELLS
    out = console.export_text()
    assert "refused \u00d7 single: ✗ failed REFUSED" in out  # spelled out above the bar


def test_progress_names_the_running_cells_with_their_time() -> None:
    console = Console(record=True, width=120, force_terminal=True)
    with MatrixProgress(total=2, console=console) as progress:
        progress.started("blackhole", "single")
        progress.started("refused", "pipe_backup")
        [(first, elapsed), (second, _)] = progress.running()
        assert (first, second) == ("blackhole \u00d7 single", "refused \u00d7 pipe_backup")
        assert 0 <= elapsed < 5
        progress(Cell("blackhole", "single", "hung", None, 10.0, "killed"))
        assert [name for name, _ in progress.running()] == [second]


def test_an_error_cell_is_shown_apart_from_failed_and_never_as_a_pass() -> None:
    broke = Cell("cut_body", "relay", "error", None, 1.0, "IncompleteRead: IncompleteRead(5 bytes)")
    assert cell_lines(broke) == [
        "cut_body x relay: ERROR, the run itself broke (not a pass)",
        "  error: IncompleteRead: IncompleteRead(5 bytes)",
    ]
    assert cells_summary([*CELLS, broke]).endswith(", 1 error")
    assert "error" not in cells_summary(CELLS)
    assert "**error**" in to_markdown([broke]) and "**error**" not in to_markdown(CELLS)
    svg = ET.fromstring(to_svg([broke]))
    legend = [r.get("data-verdict") for r in svg.iter(f"{SVG}rect") if r.get("class") == "legend"]
    assert legend[-1] == "error"


def test_cells_read_back_from_json_lines_a_cut_last_line_left_out(tmp_path: Path) -> None:
    path = tmp_path / "matrix.jsonl"
    with CellLog(path) as log:
        for cell in CELLS:
            log.write(cell)
    text = path.read_text()
    assert len(text.splitlines()) == len(CELLS)
    assert cells_from_json(text) == CELLS
    assert cells_from_json(text + '{"fault": "dns", "con') == CELLS  # killed mid-line

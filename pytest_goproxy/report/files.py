"""Report files: the formats the CLI's ``--format`` names, each written into ``--out``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from pytest_goproxy.errors import ReportFormatError
from pytest_goproxy.outage.cell import Cell
from pytest_goproxy.report.cells import MatrixInfo, ordered
from pytest_goproxy.report.html import to_html
from pytest_goproxy.report.jsonfile import to_json
from pytest_goproxy.report.markdown import to_markdown
from pytest_goproxy.report.svg import to_svg

__all__ = ["FORMATS", "parse_formats", "write_reports"]

#: Output formats of :func:`write_reports`, with the file each one is written to.
FORMATS: dict[str, str] = {
    "table": "matrix.txt",
    "json": "matrix.json",
    "md": "matrix.md",
    "svg": "matrix.svg",
    "html": "matrix.html",
}


def parse_formats(formats: str | Iterable[str]) -> list[str]:
    """``"table,json"`` or ``["table", "json"]`` -> ``["table", "json"]``, checked, no repeats.

    Raises :class:`ReportFormatError` naming the unknown format and the known ones, so a typo in
    ``--format`` is a clear message, not a traceback or a silently missing file.
    """
    raw = formats.split(",") if isinstance(formats, str) else list(formats)
    names = ordered(name.strip().lower() for name in raw if name.strip())
    unknown = [name for name in names if name not in FORMATS]
    if unknown:
        raise ReportFormatError(
            f"unknown report format {', '.join(map(repr, unknown))}: choose from "
            f"{', '.join(FORMATS)} (comma-separated)"
        )
    if not names:
        raise ReportFormatError(f"no report format given: choose from {', '.join(FORMATS)}")
    return names


def _table_text(cells: Sequence[Cell], title: str | None, info: MatrixInfo | None) -> str:
    # rich is imported only when a table is written.
    from pytest_goproxy.report.terminal import render_text

    text = render_text(cells, title=title)
    return text + (f"\n{info.caption()}.\n" if info is not None else "")


def write_reports(
    cells: Sequence[Cell],
    out_dir: str | Path,
    formats: str | Iterable[str] = tuple(FORMATS),
    *,
    title: str | None = None,
    info: MatrixInfo | None = None,
) -> dict[str, Path]:
    """Write each format's rendering to ``out_dir`` (created); returns format -> file written.

    Files: ``matrix.txt`` (table, plain text), ``matrix.json``, ``matrix.md``, ``matrix.svg``,
    ``matrix.html`` (self-contained, with each cell's details).
    ``title`` heads the table, the Markdown, the SVG and the HTML; ``info`` (a
    :class:`MatrixInfo`) adds their caption (below the table in ``matrix.txt``). The JSON is
    the cells, with their details when they kept them.
    Formats are checked before anything is written, so a bad one leaves no partial output.
    """
    names = parse_formats(formats)
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    renderers: dict[str, Callable[[], str]] = {
        "table": lambda: _table_text(cells, title, info),
        "json": lambda: to_json(cells),
        "md": lambda: to_markdown(cells, title=title, info=info),
        "svg": lambda: to_svg(cells, title=title, info=info),
        "html": lambda: to_html(cells, title=title, info=info),
    }
    written: dict[str, Path] = {}
    for name in names:
        path = directory / FORMATS[name]
        path.write_text(renderers[name](), encoding="utf-8", newline="\n")
        written[name] = path
    return written

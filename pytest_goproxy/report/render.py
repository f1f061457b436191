"""Renderings of a fault x configuration matrix: terminal table, JSON, Markdown, SVG heatmap.

Every rendering answers the same question, "under each fault, does the build survive with each
configuration?", for a different reader:

* :func:`render_table` — a rich ``Table`` for the terminal (colour per verdict); :func:`render_text`
  is the same grid as plain text, for logs and terminals without colour;
* :func:`to_json` — the machine form, a list of ``Cell.to_dict()`` (read back with
  :func:`cells_from_json`);
* :func:`to_markdown` — the grid for a README, with a legend;
* :func:`to_svg` — a standalone heatmap (stdlib only) a person reads at a glance.

:func:`write_reports` writes the chosen formats into a directory (the CLI's ``--format`` and
``--out``), and :class:`MatrixProgress` shows progress while the matrix runs (cells can take tens of
seconds each, so silence would look like a hang).

Rows are faults and columns configurations, each in the order they first appear in the cells (the
order the matrix was asked for), so every rendering of one run has the same layout. A
(fault, config) pair without a cell is shown as not run; it is never guessed.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from xml.sax.saxutils import escape, quoteattr

from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from pytest_goproxy.errors import ReportFormatError
from pytest_goproxy.outage.cell import Cell

__all__ = [
    "FORMATS",
    "VERDICTS",
    "MatrixProgress",
    "ReportFormatError",
    "cell_label",
    "cells_from_json",
    "parse_formats",
    "render_table",
    "render_text",
    "to_json",
    "to_markdown",
    "to_svg",
    "write_reports",
]


@dataclass(frozen=True)
class _Style:
    """How one verdict looks: a symbol (so the grid reads without colour), colours, meaning."""

    symbol: str
    rich: str
    fill: str
    ink: str
    meaning: str


#: One entry per verdict, in legend order. The colours are a traffic light plus grey, and every
#: cell also carries its symbol and word, so the grid still reads for colour-blind people and in
#: black-and-white print.
VERDICTS: dict[str, _Style] = {
    "recovered": _Style(
        "✓", "bold green", "#2e7d32", "#ffffff", "the go command succeeded (time taken)"
    ),
    "failed": _Style(
        "✗", "bold red", "#c62828", "#ffffff", "go failed fast (the Failure class of its error)"
    ),
    "hung": _Style(
        "\u2026",  # ellipsis: "still waiting"
        "bold yellow",
        "#f9a825",
        "#000000",
        "go was still waiting at the deadline and was killed",
    ),
    "unavailable": _Style(
        "\u2013",  # en dash: "no result"
        "dim",
        "#9e9e9e",
        "#000000",
        "this configuration cannot run here (e.g. nginx missing); not a pass",
    ),
}
#: "fault x config" with a multiplication sign, in labels and tooltips.
_BY = " \u00d7 "
_NOT_RUN = _Style("·", "dim", "#ffffff", "#757575", "not run")

#: Output formats of :func:`write_reports`, with the file each one is written to.
FORMATS: dict[str, str] = {
    "table": "matrix.txt",
    "json": "matrix.json",
    "md": "matrix.md",
    "svg": "matrix.svg",
}


# -- the grid every rendering shares ---------------------------------------------------------


def _ordered(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _grid(
    cells: Sequence[Cell],
) -> tuple[list[str], list[str], dict[tuple[str, str], Cell]]:
    """Rows (faults), columns (configs), and the cell of each pair; the last cell of a pair wins."""
    faults = _ordered(c.fault for c in cells)
    configs = _ordered(c.config for c in cells)
    by_pair = {(c.fault, c.config): c for c in cells}
    return faults, configs, by_pair


def _style(verdict: str) -> _Style:
    return VERDICTS.get(verdict, _NOT_RUN)


def _seconds(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    return f"{seconds:.1f}s" if seconds < 100 else f"{seconds:.0f}s"


def cell_label(cell: Cell) -> str:
    """The short text of one cell: the verdict and what matters about it.

    recovered: its time (the cost of surviving); failed: the Failure class (why); hung: the
    deadline it was killed at; unavailable: nothing more (the reason is in ``error``).
    """
    verdict, detail = _cell_detail(cell)
    return f"{verdict} {detail}".rstrip()


def _short_label(cell: Cell) -> str:
    """The terminal form of a cell, narrow enough for many columns in 80 characters: the
    symbol says the verdict (the caption is the legend), the rest what matters about it."""
    symbol = _style(cell.verdict).symbol
    if cell.verdict == "recovered":
        return f"{symbol} {_seconds(cell.seconds)}"
    if cell.verdict == "failed":
        return f"{symbol} {cell.failure or 'UNKNOWN'}"
    if cell.verdict == "hung":
        return f"{symbol} hung {_seconds(cell.seconds)}"
    return f"{symbol} {cell.verdict}"


def _explanation(cell: Cell) -> str:
    """go's error line (for cells that did not recover) and the cell's notes, in one line."""
    parts = [cell.error] if cell.error and cell.verdict != "recovered" else []
    parts += list(cell.notes)
    return "; ".join(p for p in parts if p)


def _legend_lines() -> list[tuple[str, str, str]]:
    return [(s.symbol, verdict, s.meaning) for verdict, s in VERDICTS.items()]


# -- terminal --------------------------------------------------------------------------------


def render_table(cells: Sequence[Cell], *, title: str | None = None) -> Table:
    """A rich ``Table``: rows faults, columns configurations, a coloured verdict per cell.

    Cells are short (``✓ 0.7s``, ``✗ REFUSED``, ``… hung 60s``) so that a dozen configurations
    fit a terminal; the caption is the legend. Markdown and SVG spell the verdicts out.
    """
    faults, configs, by_pair = _grid(cells)
    table = Table(
        title=title,
        box=box.SIMPLE_HEAVY,
        caption="  ".join(f"{symbol} {verdict}" for symbol, verdict, _ in _legend_lines()),
        header_style="bold",
    )
    table.add_column("fault \\ config", style="bold", no_wrap=True)
    for config in configs:
        # Names fold rather than being cut with an ellipsis: every character of a name matters.
        table.add_column(config, overflow="fold")
    for fault in faults:
        row: list[Text | str] = [fault]
        for config in configs:
            cell = by_pair.get((fault, config))
            if cell is None:
                row.append(Text(f"{_NOT_RUN.symbol} not run", style=_NOT_RUN.rich))
            else:
                row.append(Text(_short_label(cell), style=_style(cell.verdict).rich))
        table.add_row(*row)
    return table


def render_text(
    cells: Sequence[Cell], *, title: str | None = None, ascii_only: bool = False
) -> str:
    """The table as plain text, no escape codes: for logs, files and terminals without colour.

    ``ascii_only`` draws the frame with ASCII (for consoles whose encoding lacks box characters;
    the verdict symbols stay, the words beside them carry the same meaning).
    """
    table = render_table(cells, title=title)
    if ascii_only:
        table.box = box.ASCII
    buffer = io.StringIO()
    # Wide enough that rich never wraps or truncates a row: a report file is not a terminal.
    console = Console(
        file=buffer, color_system=None, width=100_000, no_color=True, legacy_windows=False
    )
    console.print(table)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


# -- JSON ------------------------------------------------------------------------------------


def to_json(cells: Sequence[Cell], *, indent: int | None = 2) -> str:
    """The matrix for machines: a JSON list with one ``Cell.to_dict()`` object per cell."""
    return json.dumps([cell.to_dict() for cell in cells], indent=indent, ensure_ascii=False) + "\n"


def cells_from_json(text: str) -> list[Cell]:
    """Cells back from :func:`to_json` output: re-render a saved run without running it again
    (``notes``, which the JSON does not carry, come back empty)."""
    data = json.loads(text)
    if not isinstance(data, list):
        raise ReportFormatError("matrix JSON must be a list of cell objects")
    fields = ("fault", "config", "verdict", "failure", "seconds", "error")
    cells = []
    for index, item in enumerate(data):
        if not isinstance(item, dict) or any(name not in item for name in fields):
            raise ReportFormatError(f"matrix JSON item {index} is not a cell object with {fields}")
        cells.append(
            Cell(
                fault=str(item["fault"]),
                config=str(item["config"]),
                verdict=item["verdict"],
                failure=item["failure"],
                seconds=float(item["seconds"]),
                error=item["error"],
            )
        )
    return cells


# -- Markdown --------------------------------------------------------------------------------


_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.:+-]+")


def _md(text: str) -> str:
    """Escape what would break a Markdown table cell (``|``, newlines) or be read as markup."""
    out = text.replace("\\", "\\\\").replace("|", "\\|")
    for char in "*_`<>[]":
        out = out.replace(char, "\\" + char)
    return " ".join(out.split())


def _code(text: str) -> str:
    """A name as inline code when that is safe in a table cell, else escaped text."""
    return f"`{text}`" if _PLAIN_NAME.fullmatch(text) else _md(text)


def _md_label(cell: Cell) -> str:
    if cell.verdict == "failed":
        return f"{_style(cell.verdict).symbol} failed {_code(cell.failure or 'UNKNOWN')}"
    return _md(cell_label(cell))


def to_markdown(cells: Sequence[Cell], *, title: str | None = None, errors: bool = False) -> str:
    """A fault x configuration grid in GitHub Markdown, with a legend below it.

    ``errors`` adds, below the legend, the line go printed for every cell that did not recover
    and the cell's notes (such as whether a relay's version list went stale)
    (long, so off by default: the grid is what a README shows).
    """
    faults, configs, by_pair = _grid(cells)
    lines: list[str] = []
    if title:
        lines += [f"### {_md(title)}", ""]
    lines.append("| fault \\\\ config | " + " | ".join(_code(c) for c in configs) + " |")
    lines.append("|---|" + "---|" * len(configs))
    for fault in faults:
        row = [_code(fault)]
        for config in configs:
            cell = by_pair.get((fault, config))
            row.append(f"{_NOT_RUN.symbol} not run" if cell is None else _md_label(cell))
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    lines.append(
        "Legend: "
        + "; ".join(
            f"{symbol} **{verdict}**: {meaning}" for symbol, verdict, meaning in _legend_lines()
        )
        + "."
    )
    if errors:
        noted = [c for c in cells if _explanation(c)]
        if noted:
            lines += ["", "Errors and notes:", ""]
            lines += [
                f"- {_code(c.fault)}{_BY}{_code(c.config)}: {_md(_explanation(c))}" for c in noted
            ]
    return "\n".join(lines) + "\n"


# -- SVG -------------------------------------------------------------------------------------

_FONT = "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"
_FONT_SIZE = 12
#: Width of one character of the monospace font at _FONT_SIZE, rounded up so text never spills.
_CHAR_W = 7.5
_PAD = 12
_CELL_H = 44
_HEADER_H = 28
_TITLE_H = 30
_LEGEND_ROW_H = 22
_MIN_COL_W = 110


def _text_w(text: str) -> float:
    return len(text) * _CHAR_W


def _svg_text(x: float, y: float, text: str, **attrs: str) -> str:
    extra = "".join(
        f" {name.replace('_', '-')}={quoteattr(value)}" for name, value in attrs.items()
    )
    return f'<text x="{x:g}" y="{y:g}"{extra}>{escape(text)}</text>'


def _cell_detail(cell: Cell) -> tuple[str, str]:
    """The two lines of an SVG cell (one line in :func:`cell_label`): the verdict word, then
    time or failure class."""
    style = _style(cell.verdict)
    first = f"{style.symbol} {cell.verdict}"
    if cell.verdict == "failed":
        second = cell.failure or "UNKNOWN"
    elif cell.verdict in ("recovered", "hung"):
        second = _seconds(cell.seconds)
    else:
        second = ""
    return first, second


def to_svg(cells: Sequence[Cell], *, title: str | None = None) -> str:
    """A standalone SVG heatmap: rows faults, columns configurations, one coloured rect per cell.

    Each cell carries its verdict word and its time or failure class (colour is never the only
    signal), and a ``<title>`` with go's error line, which browsers show on hover. A legend sits
    below the grid. Every piece of text is XML-escaped, so names and error lines with ``<`` or
    ``&`` cannot break the document.
    """
    faults, configs, by_pair = _grid(cells)
    label_w = max([_text_w("fault \\ config"), *(_text_w(f) for f in faults)]) + 2 * _PAD
    col_ws = []
    for config in configs:
        widest = [_text_w(config)]
        for fault in faults:
            cell = by_pair.get((fault, config))
            if cell is not None:
                widest += [_text_w(line) for line in _cell_detail(cell)]
        col_ws.append(max(_MIN_COL_W, max(widest) + 2 * _PAD))
    top = _PAD + (_TITLE_H if title else 0)
    grid_top = top + _HEADER_H
    grid_w = label_w + sum(col_ws)
    legend = _legend_lines()
    legend_top = grid_top + len(faults) * _CELL_H + _PAD
    legend_w = max(_text_w(f"{symbol} {verdict}: {meaning}") for symbol, verdict, meaning in legend)
    width = _PAD + max(grid_w, legend_w + 24) + _PAD
    height = legend_top + len(legend) * _LEGEND_ROW_H + _PAD

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}" height="{height:g}" '
        f'viewBox="0 0 {width:g} {height:g}" font-family={quoteattr(_FONT)} '
        f'font-size="{_FONT_SIZE}">',
        f"<title>{escape(title or 'pytest-goproxy outage matrix')}</title>",
        f'<rect class="background" x="0" y="0" width="{width:g}" height="{height:g}" '
        'fill="#ffffff"/>',
    ]
    if title:
        out.append(_svg_text(_PAD, _PAD + 18, title, font_size="16", font_weight="bold"))
    header_y = top + _HEADER_H / 2 + 4
    out.append(_svg_text(_PAD, header_y, "fault \\ config", font_weight="bold", fill="#424242"))
    x = _PAD + label_w
    for config, col_w in zip(configs, col_ws, strict=True):
        out.append(
            _svg_text(x + col_w / 2, header_y, config, text_anchor="middle", font_weight="bold")
        )
        x += col_w
    for row, fault in enumerate(faults):
        y = grid_top + row * _CELL_H
        out.append(_svg_text(_PAD, y + _CELL_H / 2 + 4, fault, font_weight="bold"))
        x = _PAD + label_w
        for config, col_w in zip(configs, col_ws, strict=True):
            cell = by_pair.get((fault, config))
            cx = x + col_w / 2
            if cell is None:
                out.append(
                    f'<rect class="empty" x="{x + 1:g}" y="{y + 1:g}" width="{col_w - 2:g}" '
                    f'height="{_CELL_H - 2:g}" fill="{_NOT_RUN.fill}" stroke="#bdbdbd" '
                    'stroke-dasharray="4 3"/>'
                )
                out.append(
                    _svg_text(
                        cx, y + _CELL_H / 2 + 4, "not run", text_anchor="middle", fill=_NOT_RUN.ink
                    )
                )
            else:
                style = _style(cell.verdict)
                first, second = _cell_detail(cell)
                tip = f"{fault}{_BY}{config}: {cell.verdict}"
                if _explanation(cell):
                    tip += f"\n{_explanation(cell)}"
                out.append('<g class="cell-group">')
                out.append(f"<title>{escape(tip)}</title>")
                out.append(
                    f'<rect class="cell" data-verdict={quoteattr(cell.verdict)} x="{x + 1:g}" '
                    f'y="{y + 1:g}" width="{col_w - 2:g}" height="{_CELL_H - 2:g}" rx="3" '
                    f'fill="{style.fill}"/>'
                )
                if second:
                    out.append(
                        _svg_text(
                            cx,
                            y + 18,
                            first,
                            text_anchor="middle",
                            fill=style.ink,
                            font_weight="bold",
                        )
                    )
                    out.append(_svg_text(cx, y + 34, second, text_anchor="middle", fill=style.ink))
                else:
                    out.append(
                        _svg_text(
                            cx,
                            y + _CELL_H / 2 + 4,
                            first,
                            text_anchor="middle",
                            fill=style.ink,
                            font_weight="bold",
                        )
                    )
                out.append("</g>")
            x += col_w
    for index, (symbol, verdict, meaning) in enumerate(legend):
        y = legend_top + index * _LEGEND_ROW_H
        style = VERDICTS[verdict]
        out.append(
            f'<rect class="legend" data-verdict={quoteattr(verdict)} x="{_PAD:g}" y="{y:g}" '
            f'width="16" height="16" rx="2" fill="{style.fill}"/>'
        )
        out.append(_svg_text(_PAD + 24, y + 12, f"{symbol} {verdict}: {meaning}"))
    out.append("</svg>")
    return "\n".join(out) + "\n"


# -- files -----------------------------------------------------------------------------------


def parse_formats(formats: str | Iterable[str]) -> list[str]:
    """``"table,json"`` or ``["table", "json"]`` -> ``["table", "json"]``, checked, no repeats.

    Raises :class:`ReportFormatError` naming the unknown format and the known ones, so a typo in
    ``--format`` is a clear message, not a traceback or a silently missing file.
    """
    raw = formats.split(",") if isinstance(formats, str) else list(formats)
    names = _ordered(name.strip().lower() for name in raw if name.strip())
    unknown = [name for name in names if name not in FORMATS]
    if unknown:
        raise ReportFormatError(
            f"unknown report format {', '.join(map(repr, unknown))}: choose from "
            f"{', '.join(FORMATS)} (comma-separated)"
        )
    if not names:
        raise ReportFormatError(f"no report format given: choose from {', '.join(FORMATS)}")
    return names


def write_reports(
    cells: Sequence[Cell],
    out_dir: str | Path,
    formats: str | Iterable[str] = tuple(FORMATS),
    *,
    title: str | None = None,
) -> dict[str, Path]:
    """Write each format's rendering to ``out_dir`` (created); returns format -> file written.

    Files: ``matrix.txt`` (table, plain text), ``matrix.json``, ``matrix.md``, ``matrix.svg``.
    Formats are checked before anything is written, so a bad one leaves no partial output.
    """
    names = parse_formats(formats)
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    renderers = {
        "table": lambda: render_text(cells, title=title),
        "json": lambda: to_json(cells),
        "md": lambda: to_markdown(cells, title=title),
        "svg": lambda: to_svg(cells, title=title),
    }
    written: dict[str, Path] = {}
    for name in names:
        path = directory / FORMATS[name]
        path.write_text(renderers[name](), encoding="utf-8", newline="\n")
        written[name] = path
    return written


# -- progress --------------------------------------------------------------------------------


class MatrixProgress:
    """A rich progress bar for ``run_matrix(progress=...)``: cells done, elapsed, last verdict.

    A matrix cell is a real go run under a real fault; some take tens of seconds (a hang is only
    known at the deadline), so the display says which cell is running and what the last one
    gave. Use as a context manager around the run; each finished cell is printed above the bar
    so a run that is interrupted still shows what it measured::

        with MatrixProgress(total=len(faults) * len(configs)) as progress:
            cells = run_matrix(project, faults, configs, progress=progress)
    """

    def __init__(
        self, total: int | None = None, *, console: Console | None = None, transient: bool = True
    ) -> None:
        self.console = console or Console(stderr=True)
        self._progress = Progress(
            TextColumn("[bold]matrix[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=self.console,
            transient=transient,
        )
        self._task: TaskID = self._progress.add_task("starting", total=total)
        self.done: list[Cell] = []

    def start(self, total: int | None = None) -> None:
        """Start the display (and set the number of cells, when known only now)."""
        if total is not None:
            self._progress.update(self._task, total=total)
        self._progress.start()

    def started(self, fault: str, config: str) -> None:
        """A cell began: show which one, so a long wait has a name."""
        self._progress.update(self._task, description=f"running {fault}{_BY}{config}")

    def finished(self, cell: Cell) -> None:
        """A cell ended: count it and print its verdict above the bar."""
        self.done.append(cell)
        style = _style(cell.verdict)
        line = Text.assemble(
            (f"{cell.fault}{_BY}{cell.config}: ", ""), (cell_label(cell), style.rich)
        )
        self._progress.console.print(line)
        self._progress.update(self._task, advance=1, description=f"last: {cell_label(cell)}")

    def __call__(self, cell: Cell) -> None:
        """The plain callback form: ``progress=display`` reports each finished cell."""
        self.finished(cell)

    def stop(self) -> None:
        self._progress.stop()

    def __enter__(self) -> MatrixProgress:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

"""The matrix as a GitHub Markdown grid with a legend, for a README."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pytest_goproxy.outage.cell import Cell
from pytest_goproxy.report.cells import (
    BY,
    NOT_RUN,
    MatrixInfo,
    cell_label,
    config_shape,
    explanation,
    failure_text,
    grid,
    legend_lines,
    style_of,
)

__all__ = ["to_markdown"]

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


def _any_code(text: str) -> str:
    """Any text without backticks or line breaks as inline code in a table cell (GitHub reads
    ``\\|`` inside a code span in a table as ``|``); escaped text otherwise."""
    if "`" in text or "\n" in text:
        return _md(text)
    return "`" + text.replace("|", "\\|") + "`"


def _md_label(cell: Cell, *, codes: bool) -> str:
    if cell.verdict == "failed":
        failure = failure_text(cell) if codes else cell.failure or "UNKNOWN"
        return f"{style_of(cell.verdict).symbol} failed {_any_code(failure)}"
    return _md(cell_label(cell))


def _header(config: str, *, shapes: bool) -> str:
    """The name, and under it the configuration's GOPROXY shape when it is a catalogue one."""
    shape = config_shape(config) if shapes else None
    return _code(config) + (f"<br>{_any_code(shape)}" if shape is not None else "")


def to_markdown(
    cells: Sequence[Cell],
    *,
    title: str | None = None,
    errors: bool = False,
    info: MatrixInfo | None = None,
) -> str:
    """A fault x configuration grid in GitHub Markdown, with a legend below it.

    ``info`` (a :class:`~pytest_goproxy.report.cells.MatrixInfo`) makes the grid read on its
    own: a caption under the title (the project, the go command, where the fault sits, the Go
    version and the date), each configuration's GOPROXY shape under its name, and the code of
    an HTTP status (``HTTP_STATUS 502``). Without it the grid is as it always was.
    ``errors`` adds, below the legend, the line go printed for every cell that did not recover
    and the cell's notes (such as whether a relay's version list went stale)
    (long, so off by default: the grid is what a README shows).
    """
    faults, configs, by_pair = grid(cells)
    lines: list[str] = []
    if title:
        lines += [f"### {_md(title)}", ""]
    shapes = info is not None
    if info is not None:
        lines += [f"*{info.caption(_any_code)}.*", ""]
    corner = "fault \\\\ config"
    if shapes and any(config_shape(c) for c in configs):
        corner += "<br>GOPROXY"
    lines.append(f"| {corner} | " + " | ".join(_header(c, shapes=shapes) for c in configs) + " |")
    lines.append("|---|" + "---|" * len(configs))
    for fault in faults:
        row = [_code(fault)]
        for config in configs:
            cell = by_pair.get((fault, config))
            row.append(
                f"{NOT_RUN.symbol} not run" if cell is None else _md_label(cell, codes=shapes)
            )
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    lines.append(
        "Legend: "
        + "; ".join(
            f"{symbol} **{verdict}**: {meaning}" for symbol, verdict, meaning in legend_lines(cells)
        )
        + "."
    )
    if errors:
        noted = [c for c in cells if explanation(c)]
        if noted:
            lines += ["", "Errors and notes:", ""]
            lines += [
                f"- {_code(c.fault)}{BY}{_code(c.config)}: {_md(explanation(c))}" for c in noted
            ]
    return "\n".join(lines) + "\n"

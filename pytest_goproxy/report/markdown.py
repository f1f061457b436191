"""The matrix as a GitHub Markdown grid with a legend, for a README."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pytest_goproxy.outage.cell import Cell
from pytest_goproxy.report.cells import (
    BY,
    NOT_RUN,
    cell_label,
    explanation,
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


def _md_label(cell: Cell) -> str:
    if cell.verdict == "failed":
        return f"{style_of(cell.verdict).symbol} failed {_code(cell.failure or 'UNKNOWN')}"
    return _md(cell_label(cell))


def to_markdown(cells: Sequence[Cell], *, title: str | None = None, errors: bool = False) -> str:
    """A fault x configuration grid in GitHub Markdown, with a legend below it.

    ``errors`` adds, below the legend, the line go printed for every cell that did not recover
    and the cell's notes (such as whether a relay's version list went stale)
    (long, so off by default: the grid is what a README shows).
    """
    faults, configs, by_pair = grid(cells)
    lines: list[str] = []
    if title:
        lines += [f"### {_md(title)}", ""]
    lines.append("| fault \\\\ config | " + " | ".join(_code(c) for c in configs) + " |")
    lines.append("|---|" + "---|" * len(configs))
    for fault in faults:
        row = [_code(fault)]
        for config in configs:
            cell = by_pair.get((fault, config))
            row.append(f"{NOT_RUN.symbol} not run" if cell is None else _md_label(cell))
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    lines.append(
        "Legend: "
        + "; ".join(
            f"{symbol} **{verdict}**: {meaning}" for symbol, verdict, meaning in legend_lines()
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

"""What every rendering of a matrix shares: verdict styles, cell labels and the grid's order.

Rows are faults and columns configurations, each in the order they first appear in the cells (the
order the matrix was asked for), so every rendering of one run has the same layout. A
(fault, config) pair without a cell is shown as not run; it is never guessed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pytest_goproxy.outage.cell import Cell

__all__ = [
    "BY",
    "NOT_RUN",
    "VERDICTS",
    "VerdictStyle",
    "cell_detail",
    "cell_label",
    "explanation",
    "grid",
    "legend_lines",
    "ordered",
    "seconds_text",
    "style_of",
]


@dataclass(frozen=True)
class VerdictStyle:
    """How one verdict looks: a symbol (so the grid reads without colour), colours, meaning."""

    symbol: str
    rich: str
    fill: str
    ink: str
    meaning: str


#: One entry per verdict, in legend order. The colours are a traffic light plus grey, and every
#: cell also carries its symbol and word, so the grid still reads for colour-blind people and in
#: black-and-white print.
VERDICTS: dict[str, VerdictStyle] = {
    "recovered": VerdictStyle(
        "✓", "bold green", "#2e7d32", "#ffffff", "the go command succeeded (time taken)"
    ),
    "failed": VerdictStyle(
        "✗", "bold red", "#c62828", "#ffffff", "go failed fast (the Failure class of its error)"
    ),
    "hung": VerdictStyle(
        "\u2026",  # ellipsis: "still waiting"
        "bold yellow",
        "#f9a825",
        "#000000",
        "go was still waiting at the deadline and was killed",
    ),
    "unavailable": VerdictStyle(
        "\u2013",  # en dash: "no result"
        "dim",
        "#9e9e9e",
        "#000000",
        "this configuration cannot run here (e.g. nginx missing); not a pass",
    ),
}
#: "fault x config" with a multiplication sign, in labels and tooltips.
BY = " \u00d7 "
#: How a (fault, config) pair without a cell looks.
NOT_RUN = VerdictStyle("·", "dim", "#ffffff", "#757575", "not run")


def ordered(values: Iterable[str]) -> list[str]:
    """``values`` without repeats, in the order each first appears."""
    return list(dict.fromkeys(values))


def grid(
    cells: Sequence[Cell],
) -> tuple[list[str], list[str], dict[tuple[str, str], Cell]]:
    """Rows (faults), columns (configs), and the cell of each pair; the last cell of a pair wins."""
    faults = ordered(c.fault for c in cells)
    configs = ordered(c.config for c in cells)
    by_pair = {(c.fault, c.config): c for c in cells}
    return faults, configs, by_pair


def style_of(verdict: str) -> VerdictStyle:
    """The style of ``verdict``; an unknown verdict looks like a cell not run."""
    return VERDICTS.get(verdict, NOT_RUN)


def seconds_text(seconds: float) -> str:
    """A duration as a cell shows it: ``1.2s``, ``150s``, or ``?`` when it is not finite."""
    if not math.isfinite(seconds):
        return "?"
    return f"{seconds:.1f}s" if seconds < 100 else f"{seconds:.0f}s"


def cell_label(cell: Cell) -> str:
    """The short text of one cell: the verdict and what matters about it.

    recovered: its time (the cost of surviving); failed: the Failure class (why); hung: the
    deadline it was killed at; unavailable: nothing more (the reason is in ``error``).
    """
    verdict, detail = cell_detail(cell)
    return f"{verdict} {detail}".rstrip()


def cell_detail(cell: Cell) -> tuple[str, str]:
    """The two lines of an SVG cell (one line in :func:`cell_label`): the verdict word, then
    time or failure class."""
    style = style_of(cell.verdict)
    first = f"{style.symbol} {cell.verdict}"
    if cell.verdict == "failed":
        second = cell.failure or "UNKNOWN"
    elif cell.verdict in ("recovered", "hung"):
        second = seconds_text(cell.seconds)
    else:
        second = ""
    return first, second


def explanation(cell: Cell) -> str:
    """go's error line (for cells that did not recover) and the cell's notes, in one line."""
    parts = [cell.error] if cell.error and cell.verdict != "recovered" else []
    parts += list(cell.notes)
    return "; ".join(p for p in parts if p)


def legend_lines() -> list[tuple[str, str, str]]:
    """(symbol, verdict, meaning) for every verdict, in legend order."""
    return [(s.symbol, verdict, s.meaning) for verdict, s in VERDICTS.items()]

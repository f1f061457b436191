"""What every rendering of a matrix shares: verdict styles, cell labels and the grid's order.

Rows are faults and columns configurations, each in the order they first appear in the cells (the
order the matrix was asked for), so every rendering of one run has the same layout. A
(fault, config) pair without a cell is shown as not run; it is never guessed.

A picture given a :class:`MatrixInfo` reads without README beside it: a caption names the project,
the go command, where the fault sits, the Go version and the date; a configuration's column shows
its GOPROXY shape (:func:`config_shape`) and an HTTP status failure its code
(:func:`failure_text`). Without one, a grid looks as it always has (README's generated example,
which has README around it).
"""

from __future__ import annotations

import datetime
import math
import shlex
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from pytest_goproxy.outage.cell import Cell

__all__ = [
    "BY",
    "NOT_RUN",
    "VERDICTS",
    "MatrixInfo",
    "VerdictStyle",
    "cell_detail",
    "cell_label",
    "config_env",
    "config_shape",
    "explanation",
    "failure_text",
    "fault_summary",
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
    "error": VerdictStyle(
        "!",
        "bold magenta",
        "#6a1b9a",
        "#ffffff",
        "the run itself broke (the exception is in the cell's error); not a pass",
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


def cell_label(cell: Cell, *, codes: bool = False) -> str:
    """The short text of one cell: the verdict and what matters about it.

    recovered: its time (the cost of surviving); failed: the Failure class (why; with
    ``codes``, an HTTP status's code too: see :func:`failure_text`); hung: the deadline it was
    killed at; unavailable and error: nothing more (the reason is in ``error``).
    """
    verdict, detail = cell_detail(cell, codes=codes)
    return f"{verdict} {detail}".rstrip()


def status_code(cell: Cell) -> int | None:
    """The HTTP status of an ``HTTP_STATUS`` cell, read from go's error line
    (``reading <url>: 502 Bad Gateway``) the way the runner classifies it; None otherwise."""
    if cell.failure != "HTTP_STATUS" or not cell.error:
        return None
    from pytest_goproxy.gorun.failure import classify  # only when a status cell is drawn

    return classify(cell.error).status_code


def failure_text(cell: Cell) -> str:
    """The Failure class of a failed cell, with the code for an HTTP status:
    ``HTTP_STATUS 502``, ``REFUSED``, ``UNKNOWN`` when go's error was not recognised."""
    code = status_code(cell)
    failure = cell.failure or "UNKNOWN"
    return f"{failure} {code}" if code is not None else failure


def config_shape(config: str) -> str | None:
    """The GOPROXY a named configuration gives go, as a template (``{primary}|{backup}``,
    ``{primary},direct``, ``off``); None for a name that is not in the catalogue."""
    from pytest_goproxy.configs import CONFIGS

    found = CONFIGS.get(config)
    return None if found is None else found.env.get("GOPROXY")


def config_env(config: str) -> dict[str, str] | None:
    """Every variable a named configuration sets, as templates (``GOPROXY={primary},direct``,
    ``GOPRIVATE={private}``); None for a name that is not in the catalogue. A report shows it
    for a cell that kept no details (the rendered values are in
    :attr:`Cell.details <pytest_goproxy.outage.Cell.details>` when it did)."""
    from pytest_goproxy.configs import CONFIGS

    found = CONFIGS.get(config)
    return None if found is None else dict(found.env)


def fault_summary(name: str) -> str | None:
    """The one-line summary of a catalogue fault (network or HTTP), None for ``none`` or a name
    the catalogues do not have (a scenario's label, a fault with parameters)."""
    from pytest_goproxy.httpfaults import HTTP_FAULTS
    from pytest_goproxy.network import FAULTS

    entry = FAULTS.get(name) or HTTP_FAULTS.get(name)
    return None if entry is None else entry.summary


@dataclass(frozen=True)
class MatrixInfo:
    """What a matrix picture says about the run it shows, as its caption (:meth:`caption`).

    ``project`` (a path or name), ``command`` (``"go mod tidy"``, or go's arguments
    ``("mod", "tidy")``), ``go_version`` (``go1.26.8``), ``date`` (a date or text) and
    ``private`` (which private pattern the private configurations used and where it came from,
    e.g. ``private modules: corp.example (GOPRIVATE in your go env)``: the same configuration
    means something else for another pattern); each is left out of the caption when None.
    Every cell of a matrix puts its fault on the primary
    proxy, with the backup and the checksum database healthy: the caption always says so.
    """

    project: str | None = None
    command: str | Sequence[str] | None = None
    go_version: str | None = None
    date: datetime.date | str | None = None
    private: str | None = None

    @classmethod
    def today(
        cls,
        project: object = None,
        command: str | Sequence[str] | None = None,
        go_version: str | None = None,
        private: str | None = None,
    ) -> MatrixInfo:
        """The info of a run made now (``project`` may be a Path)."""
        return cls(
            None if project is None else str(project),
            command,
            go_version,
            datetime.date.today(),
            private,
        )

    @property
    def command_text(self) -> str | None:
        """``go mod tidy``: the command as a person types it."""
        if self.command is None or isinstance(self.command, str):
            return self.command
        return "go " + shlex.join(self.command)

    def caption(self, code: Callable[[str], str] = str) -> str:
        """``go mod tidy in examples/app, fault on the primary proxy (backup and checksum
        database healthy); go1.26.8, 2026-03-04``. ``code`` formats the command and the project
        (Markdown puts them in backticks)."""
        command, project = self.command_text, self.project
        if command and project:
            where = f"{code(command)} in {code(project)}, "
        elif command or project:
            where = code(command) + ", " if command else f"project {code(project or '')}, "
        else:
            where = ""
        caption = f"{where}fault on the primary proxy (backup and checksum database healthy)"
        if self.private:
            caption += f"; {self.private}"
        date = self.date.isoformat() if isinstance(self.date, datetime.date) else self.date
        when = [text for text in (self.go_version, date) if text]
        if when:
            caption += "; " + ", ".join(when)
        return caption[0].upper() + caption[1:] if not where else caption


def cell_detail(cell: Cell, *, codes: bool = False) -> tuple[str, str]:
    """The two lines of an SVG cell (one line in :func:`cell_label`): the verdict word, then
    time or failure class (with ``codes``, an HTTP status's code too)."""
    style = style_of(cell.verdict)
    first = f"{style.symbol} {cell.verdict}"
    if cell.verdict == "failed":
        second = failure_text(cell) if codes else cell.failure or "UNKNOWN"
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


def legend_lines(cells: Sequence[Cell] = ()) -> list[tuple[str, str, str]]:
    """(symbol, verdict, meaning) for every verdict, in legend order; ``error`` only when one
    of ``cells`` has it (a run that broke is rare, and the legend should not suggest it)."""
    shown = {cell.verdict for cell in cells}
    return [
        (s.symbol, verdict, s.meaning)
        for verdict, s in VERDICTS.items()
        if verdict != "error" or verdict in shown
    ]

"""The matrix in a terminal: a rich table (or the same grid as plain text) and a progress bar.

The only report module that imports rich; :mod:`pytest_goproxy.report` loads it on first use.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

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

from pytest_goproxy.lifecycle import Closing
from pytest_goproxy.outage.cell import Cell
from pytest_goproxy.report.cells import (
    BY,
    NOT_RUN,
    cell_label,
    grid,
    legend_lines,
    seconds_text,
    style_of,
)

__all__ = ["MatrixProgress", "render_table", "render_text"]


def _short_label(cell: Cell) -> str:
    """The terminal form of a cell, narrow enough for many columns in 80 characters: the
    symbol says the verdict (the caption is the legend), the rest what matters about it."""
    symbol = style_of(cell.verdict).symbol
    if cell.verdict == "recovered":
        return f"{symbol} {seconds_text(cell.seconds)}"
    if cell.verdict == "failed":
        return f"{symbol} {cell.failure or 'UNKNOWN'}"
    if cell.verdict == "hung":
        return f"{symbol} hung {seconds_text(cell.seconds)}"
    return f"{symbol} {cell.verdict}"


def render_table(cells: Sequence[Cell], *, title: str | None = None) -> Table:
    """A rich ``Table``: rows faults, columns configurations, a coloured verdict per cell.

    Cells are short (``✓ 0.7s``, ``✗ REFUSED``, ``… hung 60s``) so that a dozen configurations
    fit a terminal; the caption is the legend. Markdown and SVG spell the verdicts out.
    """
    faults, configs, by_pair = grid(cells)
    table = Table(
        title=title,
        box=box.SIMPLE_HEAVY,
        caption="  ".join(f"{symbol} {verdict}" for symbol, verdict, _ in legend_lines()),
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
                row.append(Text(f"{NOT_RUN.symbol} not run", style=NOT_RUN.rich))
            else:
                row.append(Text(_short_label(cell), style=style_of(cell.verdict).rich))
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


class MatrixProgress(Closing):
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
        self._progress.update(self._task, description=f"running {fault}{BY}{config}")

    def finished(self, cell: Cell) -> None:
        """A cell ended: count it and print its verdict above the bar."""
        self.done.append(cell)
        style = style_of(cell.verdict)
        line = Text.assemble(
            (f"{cell.fault}{BY}{cell.config}: ", ""), (cell_label(cell), style.rich)
        )
        self._progress.console.print(line)
        self._progress.update(self._task, advance=1, description=f"last: {cell_label(cell)}")

    def __call__(self, cell: Cell) -> None:
        """The plain callback form: ``progress=display`` reports each finished cell."""
        self.finished(cell)

    def stop(self) -> None:
        self._progress.stop()

    close = stop

    def __enter__(self) -> MatrixProgress:
        self.start()
        return self

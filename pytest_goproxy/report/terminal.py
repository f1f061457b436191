"""The matrix in a terminal: a rich table (or the same grid as plain text) and a progress bar.

The only report module that imports rich; :mod:`pytest_goproxy.report` loads it on first use.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

from rich import box
from rich.console import Console, RenderableType
from rich.measure import Measurement
from rich.padding import Padding
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
    failure_text,
    grid,
    legend_lines,
    seconds_text,
    style_of,
)

__all__ = [
    "MatrixProgress",
    "RunningProgress",
    "fits",
    "needed_width",
    "render_table",
    "render_text",
]


def _short_label(cell: Cell) -> str:
    """The terminal form of a cell, narrow enough for many columns in 80 characters: the
    symbol says the verdict (the caption is the legend), the rest what matters about it."""
    symbol = style_of(cell.verdict).symbol
    if cell.verdict == "recovered":
        return f"{symbol} {seconds_text(cell.seconds)}"
    if cell.verdict == "failed":
        return f"{symbol} {failure_text(cell)}"
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
        caption="  ".join(f"{symbol} {verdict}" for symbol, verdict, _ in legend_lines(cells)),
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


def needed_width(console: Console, table: Table, *, natural: bool = False) -> int:
    """The columns ``table`` needs on ``console`` so that no text is cut: every ``no_wrap``
    column at its full width, the others at their ``min_width`` (or the widest word); with
    ``natural`` every column at its full width (nothing folds)."""
    options = console.options
    _, right, _, left = Padding.unpack(table.padding)
    total = 0
    for column in table.columns:
        cells = [column.header, *column.cells]
        widths = [Measurement.get(console, options, c) for c in cells]
        full = max(m.maximum for m in widths)
        if natural or column.no_wrap:
            width = full
        else:
            width = min(full, max(column.min_width or 0, max(m.minimum for m in widths)))
        total += width + left + right
    edges = (2 if table.show_edge else 0) if table.box else 0
    return total + edges + (len(table.columns) - 1 if table.box else 0)


def fits(console: Console, table: Table, *, natural: bool = False) -> bool:
    """Whether ``console`` is wide enough for ``table`` (see :func:`needed_width`); when it is
    not, print plain lines instead of a table folded narrower than its content."""
    return needed_width(console, table, natural=natural) <= console.width


class _RunningColumnsProgress(Progress):
    """A rich Progress that also lists what is running, each with its elapsed time."""

    def __init__(self, *columns: Any, **kwargs: Any) -> None:
        # Set before Progress.__init__, which renders once.
        self.running: dict[str, float] = {}
        self.running_lock = threading.Lock()
        super().__init__(*columns, **kwargs)

    def get_renderables(self) -> Iterable[RenderableType]:
        yield from super().get_renderables()
        now = time.monotonic()
        with self.running_lock:
            running = list(self.running.items())
        for name, since in running:
            yield Text(f"  running {name}  {seconds_text(now - since)}", style="dim")


class RunningProgress(Closing):
    """A rich progress bar with a line per running item (its name and elapsed time), and each
    finished item printed above the bar, so an interrupted run still shows what it measured.

    ``begin(name)`` when an item starts and ``end(name, line)`` when it ends (from any thread).
    Use as a context manager around the run.
    """

    def __init__(
        self,
        total: int | None = None,
        *,
        label: str = "run",
        console: Console | None = None,
        transient: bool = True,
    ) -> None:
        self.console = console or Console(stderr=True)
        self._progress = _RunningColumnsProgress(
            TextColumn(f"[bold]{label}[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=self.console,
            transient=transient,
        )
        self._task: TaskID = self._progress.add_task("starting", total=total)

    def start(self, total: int | None = None) -> None:
        """Start the display (and set the number of items, when known only now)."""
        if total is not None:
            self._progress.update(self._task, total=total)
        self._progress.start()

    def begin(self, name: str) -> None:
        """An item began: list it with its elapsed time, so a long wait has a name."""
        with self._progress.running_lock:
            self._progress.running[name] = time.monotonic()
        self._progress.update(self._task, description="")

    def running(self) -> list[tuple[str, float]]:
        """What is running now, each with its elapsed seconds, as the display lists it."""
        now = time.monotonic()
        with self._progress.running_lock:
            return [(name, now - since) for name, since in self._progress.running.items()]

    def end(self, name: str, line: Text | str, *, last: str = "") -> None:
        """An item ended: count it, drop it from the running list, print ``line`` above the bar."""
        with self._progress.running_lock:
            self._progress.running.pop(name, None)
        self._progress.console.print(line)
        self._progress.update(self._task, advance=1, description=f"last: {last}" if last else "")

    def stop(self) -> None:
        self._progress.stop()

    close = stop

    def __enter__(self) -> RunningProgress:
        self.start()
        return self


class MatrixProgress(RunningProgress):
    """A rich progress bar for ``run_matrix(progress=...)``: cells done, elapsed, last verdict,
    and the cells running now with their elapsed time.

    A matrix cell is a real go run under a real fault; some take tens of seconds (a hang is only
    known at the deadline), so the display says which cells are running and what the last one
    gave. Use as a context manager around the run; each finished cell is printed above the bar
    so a run that is interrupted still shows what it measured::

        with MatrixProgress(total=len(faults) * len(configs)) as progress:
            cells = run_matrix(project, faults, configs, progress=progress)
    """

    def __init__(
        self, total: int | None = None, *, console: Console | None = None, transient: bool = True
    ) -> None:
        super().__init__(total, label="matrix", console=console, transient=transient)
        self.done: list[Cell] = []

    def started(self, fault: str, config: str) -> None:
        """A cell began: show which one, so a long wait has a name."""
        self.begin(f"{fault}{BY}{config}")

    def finished(self, cell: Cell) -> None:
        """A cell ended: count it and print its verdict above the bar."""
        self.done.append(cell)
        style = style_of(cell.verdict)
        line = Text.assemble(
            (f"{cell.fault}{BY}{cell.config}: ", ""), (cell_label(cell), style.rich)
        )
        self.end(f"{cell.fault}{BY}{cell.config}", line, last=cell_label(cell))

    def __call__(self, cell: Cell) -> None:
        """The plain callback form: ``progress=display`` reports each finished cell."""
        self.finished(cell)

    def __enter__(self) -> MatrixProgress:
        self.start()
        return self

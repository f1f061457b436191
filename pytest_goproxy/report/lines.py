"""Output for logs: plain lines, no escape codes, no table that a narrow terminal would fold.

A CI log or a pipe is no terminal. There, ``pytest-goproxy matrix`` and ``run`` print one line
per finished cell or scenario (:func:`cell_lines`) and a summary (:func:`cells_summary`), and
:class:`PlainProgress` names anything still running after a few seconds, so a 30 s hang is
not 30 s of silence. :class:`~pytest_goproxy.report.terminal.MatrixProgress` is the terminal
counterpart.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable, Sequence
from typing import TextIO

from pytest_goproxy.gorun.verdict import VERDICTS
from pytest_goproxy.lifecycle import Closing
from pytest_goproxy.outage.cell import Cell
from pytest_goproxy.report.cells import seconds_text

__all__ = [
    "SLOW_AFTER",
    "PlainProgress",
    "cell_lines",
    "cell_name",
    "cells_summary",
    "first_line",
]

#: Seconds after which something still running gets a ``started <name>`` line.
SLOW_AFTER = 5.0


def first_line(text: str | None) -> str:
    """The first non-empty line of ``text`` (go's errors and tool errors can be long)."""
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


def cell_name(fault: str, config: str) -> str:
    """``fault x config`` in ASCII: a log's encoding may lack the multiplication sign."""
    return f"{fault} x {config}"


def cell_lines(cell: Cell) -> list[str]:
    """One finished matrix cell: ``refused x single: failed REFUSED in 0.1 s``, for a cell
    that did not recover the line that matters (go's error, or why it could not run), and a
    ``note:`` line per note (a private configuration without a pattern says which it equals;
    a relay whether its list went stale): a log reader needs them to read the verdict."""
    name = cell_name(cell.fault, cell.config)
    if cell.verdict == "failed":
        head = f"{name}: failed {cell.failure or 'UNKNOWN'} in {seconds_text(cell.seconds)}"
    elif cell.verdict == "unavailable":
        head = f"{name}: unavailable (not a pass)"
    elif cell.verdict == "error":
        head = f"{name}: ERROR, the run itself broke (not a pass)"
    else:
        head = f"{name}: {cell.verdict} in {seconds_text(cell.seconds)}"
    lines = [head]
    if cell.verdict != "recovered" and first_line(cell.error):
        who = {"unavailable": "why", "error": "error"}.get(cell.verdict, "go")
        lines.append(f"  {who}: {first_line(cell.error)}")
    lines += [f"  note: {note}" for note in cell.notes]
    return lines


def cells_summary(
    cells: Sequence[Cell], *, interrupted: bool = False, planned: int | None = None
) -> str:
    """``32 cells: 10 recovered, 15 failed, 5 hung, 2 unavailable`` (``, 1 error`` when a run
    broke); an interrupted run says so, and how many of the ``planned`` cells it finished."""
    counts = {v: sum(c.verdict == v for c in cells) for v in VERDICTS}
    parts = [f"{n} {verdict}" for verdict, n in counts.items() if n or verdict != "error"]
    n = len(cells)
    text = f"{n} cell{'' if n == 1 else 's'}: {', '.join(parts)}"
    if interrupted:
        text += f" (interrupted after {n} of {planned} cells)" if planned else " (interrupted)"
    return text


class PlainProgress(Closing):
    """Progress for a log: finished items print their lines; an item still running after
    ``slow_after`` seconds prints ``started <name>`` once (a timer thread).

    ``begin(name)`` when an item starts, ``end(name, lines)`` when it ends (callable from any
    thread); ``close()`` cancels the timers. Lines go to ``out`` (stdout by default), flushed.
    """

    def __init__(self, out: TextIO | None = None, *, slow_after: float = SLOW_AFTER) -> None:
        self.out = out if out is not None else sys.stdout
        self.slow_after = slow_after
        self._lock = threading.Lock()
        self._timers: dict[str, threading.Timer] = {}

    def write(self, lines: Iterable[str]) -> None:
        with self._lock:
            for line in lines:
                print(line, file=self.out)
            self.out.flush()

    def _slow(self, name: str) -> None:
        with self._lock:
            if self._timers.pop(name, None) is None:
                return  # it ended meanwhile
        self.write([f"started {name} (still running after {self.slow_after:g} s)"])

    def begin(self, name: str) -> None:
        timer = threading.Timer(self.slow_after, self._slow, args=(name,))
        timer.daemon = True
        with self._lock:
            self._timers[name] = timer
        timer.start()

    def end(self, name: str, lines: Iterable[str]) -> None:
        with self._lock:
            timer = self._timers.pop(name, None)
        if timer is not None:
            timer.cancel()
        self.write(lines)

    def close(self) -> None:
        with self._lock:
            timers, self._timers = list(self._timers.values()), {}
        for timer in timers:
            timer.cancel()

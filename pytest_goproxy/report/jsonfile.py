"""The matrix for machines: a JSON list of cells, JSON lines written while a run goes on, and
the cells read back from either."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence

from pytest_goproxy.errors import ReportFormatError
from pytest_goproxy.lifecycle import Closing
from pytest_goproxy.outage.cell import Cell, CellDetails

__all__ = ["CellLog", "cells_from_json", "to_json"]

#: The file of :class:`CellLog` in a report directory.
CELL_LOG = "matrix.jsonl"


class CellLog(Closing):
    """``matrix.jsonl``: one ``Cell.to_dict()`` line per cell, written and flushed as the cell
    finishes, so a run that is interrupted (or killed) keeps every cell it finished."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = path
        self._file = open(path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
        self._lock = threading.Lock()

    def write(self, cell: Cell) -> None:
        line = json.dumps(cell.to_dict(details=True), ensure_ascii=False)
        with self._lock:
            self._file.write(line + "\n")
            self._file.flush()

    def close(self) -> None:
        with self._lock:
            self._file.close()


def to_json(cells: Sequence[Cell], *, indent: int | None = 2, details: bool = True) -> str:
    """The matrix for machines: a JSON list with one ``Cell.to_dict()`` object per cell, with
    each cell's notes and details when it has them (so the HTML report can be made again from
    the file); ``details=False`` keeps the six keys alone."""
    data = [cell.to_dict(details=details) for cell in cells]
    return json.dumps(data, indent=indent, ensure_ascii=False) + "\n"


def cells_from_json(text: str) -> list[Cell]:
    """Cells back from :func:`to_json` output, or from a :class:`CellLog`'s JSON lines:
    re-render a saved run without running it again (``notes`` and ``details`` come back when
    the file has them). A last line cut short by a kill is left out."""
    data: object
    if text.lstrip().startswith("{"):
        lines = [line for line in text.splitlines() if line.strip()]
        data = []
        for index, line in enumerate(lines):
            try:
                data.append(json.loads(line))
            except json.JSONDecodeError:
                if index == len(lines) - 1:
                    break  # the line being written when the run was killed
                raise ReportFormatError(f"matrix JSON lines: not JSON: {line[:80]!r}") from None
    else:
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
                notes=tuple(str(n) for n in item.get("notes") or ()),
                details=(
                    CellDetails.from_dict(item["details"])
                    if isinstance(item.get("details"), dict)
                    else None
                ),
            )
        )
    return cells

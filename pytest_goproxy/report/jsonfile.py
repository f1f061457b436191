"""The matrix for machines: a JSON list of cells, and the cells read back from it."""

from __future__ import annotations

import json
from collections.abc import Sequence

from pytest_goproxy.errors import ReportFormatError
from pytest_goproxy.outage.cell import Cell

__all__ = ["cells_from_json", "to_json"]


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

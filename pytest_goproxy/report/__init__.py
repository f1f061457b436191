"""Matrix reports: a terminal table, JSON, Markdown and SVG, and README's generated tables.

Every rendering answers the same question, "under each fault, does the build survive with each
configuration?", for a different reader, one module each:

* ``terminal`` — :func:`render_table`, a rich ``Table`` (colour per verdict); :func:`render_text`,
  the same grid as plain text, for logs and terminals without colour; and :class:`MatrixProgress`,
  shown while the matrix runs (cells can take tens of seconds each, so silence would look like a
  hang);
* ``jsonfile`` — :func:`to_json`, the machine form, a list of ``Cell.to_dict()`` (read back with
  :func:`cells_from_json`);
* ``markdown`` — :func:`to_markdown`, the grid for a README, with a legend;
* ``svg`` — :func:`to_svg`, a standalone heatmap (stdlib only) a person reads at a glance;
* ``files`` — :func:`write_reports` writes the chosen formats into a directory (the CLI's
  ``--format`` and ``--out``);
* ``cells`` — what they share: verdict styles (:data:`VERDICTS`), :func:`cell_label`, the grid's
  order.

The terminal names load rich, so they are imported on first use (PEP 562).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_goproxy.report.cells import VERDICTS, cell_label
from pytest_goproxy.report.files import FORMATS, parse_formats, write_reports
from pytest_goproxy.report.jsonfile import cells_from_json, to_json
from pytest_goproxy.report.markdown import to_markdown
from pytest_goproxy.report.svg import to_svg

if TYPE_CHECKING:
    from pytest_goproxy.report.terminal import MatrixProgress, render_table, render_text

__all__ = [
    "FORMATS",
    "VERDICTS",
    "MatrixProgress",
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

_TERMINAL = frozenset({"MatrixProgress", "render_table", "render_text"})


def __getattr__(name: str) -> Any:
    if name in _TERMINAL:
        from pytest_goproxy.report import terminal

        return getattr(terminal, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

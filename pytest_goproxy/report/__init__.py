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

Every name is imported on first use (PEP 562, :func:`pytest_goproxy.exports.lazy_exports`), so
writing JSON or SVG never loads rich.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_goproxy.exports import lazy_exports

if TYPE_CHECKING:
    from pytest_goproxy.report.cells import VERDICTS as VERDICTS
    from pytest_goproxy.report.cells import cell_label as cell_label
    from pytest_goproxy.report.files import FORMATS as FORMATS
    from pytest_goproxy.report.files import parse_formats as parse_formats
    from pytest_goproxy.report.files import write_reports as write_reports
    from pytest_goproxy.report.jsonfile import cells_from_json as cells_from_json
    from pytest_goproxy.report.jsonfile import to_json as to_json
    from pytest_goproxy.report.markdown import to_markdown as to_markdown
    from pytest_goproxy.report.svg import to_svg as to_svg
    from pytest_goproxy.report.terminal import MatrixProgress as MatrixProgress
    from pytest_goproxy.report.terminal import render_table as render_table
    from pytest_goproxy.report.terminal import render_text as render_text

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "cells": ("VERDICTS", "cell_label"),
        "files": ("FORMATS", "parse_formats", "write_reports"),
        "jsonfile": ("cells_from_json", "to_json"),
        "markdown": ("to_markdown",),
        "svg": ("to_svg",),
        "terminal": ("MatrixProgress", "render_table", "render_text"),
    },
)

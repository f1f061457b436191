"""Matrix reports: a terminal table, JSON, Markdown and SVG, and README's generated tables."""

from pytest_goproxy.report.render import (
    FORMATS,
    VERDICTS,
    MatrixProgress,
    cell_label,
    cells_from_json,
    parse_formats,
    render_table,
    render_text,
    to_json,
    to_markdown,
    to_svg,
    write_reports,
)

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

"""The matrix as a standalone SVG heatmap (stdlib only) a person reads at a glance."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from pytest_goproxy.outage.cell import Cell
from pytest_goproxy.report.cells import (
    BY,
    NOT_RUN,
    VERDICTS,
    MatrixInfo,
    cell_detail,
    config_shape,
    explanation,
    grid,
    legend_lines,
    style_of,
)

__all__ = ["to_svg"]

_FONT = "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"
_FONT_SIZE = 12
#: Width of one character of the monospace font at _FONT_SIZE, rounded up so text never spills.
_CHAR_W = 7.5
_PAD = 12
_CELL_H = 44
_HEADER_H = 28
_TITLE_H = 30
#: A caption line under the title, and a header's second line (the GOPROXY shape).
_CAPTION_H = 20
_SHAPE_H = 16
_LEGEND_ROW_H = 22
_MIN_COL_W = 110


def _text_w(text: str) -> float:
    return len(text) * _CHAR_W


def _svg_text(x: float, y: float, text: str, **attrs: str) -> str:
    extra = "".join(
        f" {name.rstrip('_').replace('_', '-')}={quoteattr(value)}" for name, value in attrs.items()
    )
    return f'<text x="{x:g}" y="{y:g}"{extra}>{escape(text)}</text>'


def to_svg(
    cells: Sequence[Cell], *, title: str | None = None, info: MatrixInfo | None = None
) -> str:
    """A standalone SVG heatmap: rows faults, columns configurations, one coloured rect per cell.

    Each cell carries its verdict word and its time or failure class (colour is never the only
    signal), and a ``<title>`` with go's error line, which browsers show on hover. ``info`` (a
    :class:`~pytest_goproxy.report.cells.MatrixInfo`) makes the picture read on its own: a
    caption under the title (the project, the go command, where the fault sits, the Go version
    and the date), each configuration's GOPROXY shape under its name, and the code of an HTTP
    status (``HTTP_STATUS 502``). A legend sits below the grid. Every piece of text is
    XML-escaped, so names and error lines with ``<`` or ``&`` cannot break the document.
    """
    faults, configs, by_pair = grid(cells)
    codes = info is not None
    shapes = [config_shape(config) if codes else None for config in configs]
    caption = info.caption() if info is not None else None
    label_w = max([_text_w("fault \\ config"), *(_text_w(f) for f in faults)]) + 2 * _PAD
    col_ws = []
    for config, shape in zip(configs, shapes, strict=True):
        widest = [_text_w(config), _text_w(shape or "")]
        for fault in faults:
            cell = by_pair.get((fault, config))
            if cell is not None:
                widest += [_text_w(line) for line in cell_detail(cell, codes=codes)]
        col_ws.append(max(_MIN_COL_W, max(widest) + 2 * _PAD))
    header_h = _HEADER_H + (_SHAPE_H if any(shapes) else 0)
    top = _PAD + (_TITLE_H if title else 0) + (_CAPTION_H if caption else 0)
    grid_top = top + header_h
    grid_w = label_w + sum(col_ws)
    legend = legend_lines(cells)
    legend_top = grid_top + len(faults) * _CELL_H + _PAD
    legend_w = max(_text_w(f"{symbol} {verdict}: {meaning}") for symbol, verdict, meaning in legend)
    width = _PAD + max(grid_w, legend_w + 24, _text_w(caption or "")) + _PAD
    height = legend_top + len(legend) * _LEGEND_ROW_H + _PAD

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}" height="{height:g}" '
        f'viewBox="0 0 {width:g} {height:g}" font-family={quoteattr(_FONT)} '
        f'font-size="{_FONT_SIZE}">',
        f"<title>{escape(title or 'pytest-goproxy outage matrix')}</title>",
        f'<rect class="background" x="0" y="0" width="{width:g}" height="{height:g}" '
        'fill="#ffffff"/>',
    ]
    if title:
        out.append(_svg_text(_PAD, _PAD + 18, title, font_size="16", font_weight="bold"))
    if caption:
        caption_y = _PAD + (_TITLE_H if title else 0) + 14
        out.append(_svg_text(_PAD, caption_y, caption, class_="caption", fill="#424242"))
    header_y = top + _HEADER_H / 2 + 4
    out.append(_svg_text(_PAD, header_y, "fault \\ config", font_weight="bold", fill="#424242"))
    if any(shapes):
        out.append(_svg_text(_PAD, header_y + _SHAPE_H, "GOPROXY", fill="#757575"))
    x = _PAD + label_w
    for config, shape, col_w in zip(configs, shapes, col_ws, strict=True):
        out.append(
            _svg_text(x + col_w / 2, header_y, config, text_anchor="middle", font_weight="bold")
        )
        if shape:
            out.append(
                _svg_text(
                    x + col_w / 2,
                    header_y + _SHAPE_H,
                    shape,
                    text_anchor="middle",
                    class_="goproxy",
                    fill="#616161",
                )
            )
        x += col_w
    for row, fault in enumerate(faults):
        y = grid_top + row * _CELL_H
        out.append(_svg_text(_PAD, y + _CELL_H / 2 + 4, fault, font_weight="bold"))
        x = _PAD + label_w
        for config, col_w in zip(configs, col_ws, strict=True):
            cell = by_pair.get((fault, config))
            cx = x + col_w / 2
            if cell is None:
                out.append(
                    f'<rect class="empty" x="{x + 1:g}" y="{y + 1:g}" width="{col_w - 2:g}" '
                    f'height="{_CELL_H - 2:g}" fill="{NOT_RUN.fill}" stroke="#bdbdbd" '
                    'stroke-dasharray="4 3"/>'
                )
                out.append(
                    _svg_text(
                        cx, y + _CELL_H / 2 + 4, "not run", text_anchor="middle", fill=NOT_RUN.ink
                    )
                )
            else:
                style = style_of(cell.verdict)
                first, second = cell_detail(cell, codes=codes)
                tip = f"{fault}{BY}{config}: {cell.verdict}"
                if explanation(cell):
                    tip += f"\n{explanation(cell)}"
                out.append('<g class="cell-group">')
                out.append(f"<title>{escape(tip)}</title>")
                out.append(
                    f'<rect class="cell" data-verdict={quoteattr(cell.verdict)} x="{x + 1:g}" '
                    f'y="{y + 1:g}" width="{col_w - 2:g}" height="{_CELL_H - 2:g}" rx="3" '
                    f'fill="{style.fill}"/>'
                )
                if second:
                    out.append(
                        _svg_text(
                            cx,
                            y + 18,
                            first,
                            text_anchor="middle",
                            fill=style.ink,
                            font_weight="bold",
                        )
                    )
                    out.append(_svg_text(cx, y + 34, second, text_anchor="middle", fill=style.ink))
                else:
                    out.append(
                        _svg_text(
                            cx,
                            y + _CELL_H / 2 + 4,
                            first,
                            text_anchor="middle",
                            fill=style.ink,
                            font_weight="bold",
                        )
                    )
                out.append("</g>")
            x += col_w
    for index, (symbol, verdict, meaning) in enumerate(legend):
        y = legend_top + index * _LEGEND_ROW_H
        style = VERDICTS[verdict]
        out.append(
            f'<rect class="legend" data-verdict={quoteattr(verdict)} x="{_PAD:g}" y="{y:g}" '
            f'width="16" height="16" rx="2" fill="{style.fill}"/>'
        )
        out.append(_svg_text(_PAD + 24, y + 12, f"{symbol} {verdict}: {meaning}"))
    out.append("</svg>")
    return "\n".join(out) + "\n"

"""The matrix (or a set of scenario results) as one self-contained HTML page, the artifact a CI
run publishes.

The SVG answers "which cells fail?" at a glance; this page also answers *why*, without the JSON:
for every cell its verdict, failure class and time, go's error lines, the environment the
configuration gave go, the faults with their parameters, and the requests each endpoint saw
(from :class:`~pytest_goproxy.outage.CellDetails`, when the cell kept them).

The page fetches nothing: its CSS and its few lines of JavaScript are inline, so it opens from a
CI artifact, an e-mail or a file system without network. It reads without JavaScript: the grid
and every cell's section are plain HTML (``<details>`` folds the long request lists natively).
JavaScript only adds the filters (by verdict and by configuration), which start hidden so a
reader without it never sees controls that do nothing. A filter can also be given in the URL's
fragment, ``report.html#verdict=failed,hung&config=single``, to share a view.

Colours, symbols and words come from :mod:`~pytest_goproxy.report.cells` (one place for each
rule), so the page and the SVG agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from pytest_goproxy.outage.cell import Cell
from pytest_goproxy.report.cells import (
    BY,
    NOT_RUN,
    VERDICTS,
    MatrixInfo,
    cell_detail,
    config_env,
    config_shape,
    fault_summary,
    grid,
    legend_lines,
    ordered,
    seconds_text,
    style_of,
)

__all__ = ["ScenarioRow", "scenarios_html", "to_html"]


@dataclass(frozen=True)
class ScenarioRow:
    """One scenario result as the page shows it: its name and file, what its file expects, the
    :class:`~pytest_goproxy.outage.Cell` it ran as (``fault`` the faults' label, ``config``
    the configuration's), whether it matched, and the why lines of ``pytest-goproxy run``.

    The report layer sits beside the scenario runner, not above it, so the command line turns
    each :class:`~pytest_goproxy.scenarios.runner.ScenarioResult` into one of these."""

    name: str
    cell: Cell
    expected: str
    passed: bool
    mismatch: str | None = None
    file: str | None = None
    why: tuple[str, ...] = field(default=())


# -- page ------------------------------------------------------------------------------------------

_CSS = """
:root { --ink: #212121; --muted: #616161; --line: #e0e0e0; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
  margin: 0 auto; padding: 16px 24px 48px; max-width: 1400px; background: #fff; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: 12.5px; }
h1 { font-size: 20px; margin: 8px 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 0 0 8px; }
h4 { font-size: 13px; margin: 14px 0 4px; color: var(--muted); text-transform: uppercase;
  letter-spacing: .03em; }
.caption { color: var(--muted); margin: 0 0 12px; }
.filters { display: flex; flex-wrap: wrap; gap: 6px 24px; padding: 8px 12px; margin: 12px 0;
  background: #f5f5f5; border-radius: 6px; }
.filters fieldset { border: 0; margin: 0; padding: 0; }
.filters legend { font-weight: 600; padding: 0 6px 0 0; float: left; }
.filters label { margin-right: 10px; white-space: nowrap; }
.filters .count { color: var(--muted); align-self: center; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; }
table.grid th, table.grid td { border: 1px solid #fff; padding: 0; text-align: center; }
table.grid th { padding: 4px 8px; background: #fafafa; font-weight: 600; }
table.grid th.fault { text-align: left; }
table.grid th .shape { display: block; font-weight: normal; color: var(--muted); }
table.grid td a { display: block; min-width: 104px; padding: 5px 8px; color: inherit;
  text-decoration: none; }
table.grid td a:hover, table.grid td a:focus { outline: 2px solid #1565c0; }
table.grid td .sub { display: block; font-size: 12px; white-space: nowrap; }
td.dim, tr.dim { opacity: .18; }
td.empty { background: #fff; color: #757575; border: 1px dashed #bdbdbd; }
table.rows th, table.rows td, table.kv th, table.kv td { border-bottom: 1px solid var(--line);
  padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
.legend { list-style: none; padding: 0; margin: 12px 0; }
.legend li { margin: 2px 0; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 3px; font-weight: 600; }
section.cell { border: 1px solid var(--line); border-left-width: 6px; border-radius: 4px;
  padding: 10px 14px; margin: 12px 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
pre { background: #f5f5f5; padding: 8px 10px; border-radius: 4px; overflow-x: auto;
  white-space: pre-wrap; word-break: break-all; margin: 4px 0; }
details summary { cursor: pointer; }
.none { color: var(--muted); font-style: italic; }
.mismatch { color: #c62828; font-weight: 600; }
[hidden] { display: none !important; }
"""

#: The filters: read the checked boxes (or the URL fragment), hide the sections and rows of
#: other verdicts and configurations, dim grid cells of other verdicts (the grid keeps its
#: shape) and hide whole columns of other configurations. Everything it touches carries
#: ``data-verdict`` / ``data-config``; nothing else depends on it.
_JS = """
(function () {
  var form = document.getElementById('filters');
  if (!form) { return; }
  form.hidden = false;
  function chosen(name) {
    var out = {};
    form.querySelectorAll('input[name="' + name + '"]').forEach(function (box) {
      if (box.checked) { out[box.value] = true; }
    });
    return out;
  }
  function apply() {
    var verdicts = chosen('verdict'), configs = chosen('config'), shown = 0;
    document.querySelectorAll('[data-config]').forEach(function (el) {
      var config = configs[el.getAttribute('data-config')] === true;
      var verdict = el.hasAttribute('data-verdict') ?
        verdicts[el.getAttribute('data-verdict')] === true : true;
      if (el.classList.contains('gridcell')) {
        el.hidden = !config;
        el.classList.toggle('dim', config && !verdict);
      } else if (el.classList.contains('column')) {
        el.hidden = !config;
      } else {
        el.hidden = !(config && verdict);
        if (el.classList.contains('cell') && !el.hidden) { shown += 1; }
      }
    });
    var count = document.getElementById('shown');
    if (count) { count.textContent = shown + ' shown'; }
  }
  function fromHash() {
    var hash = decodeURIComponent(window.location.hash.replace(/^#/, ''));
    if (hash.indexOf('=') < 0) { return; }
    hash.split('&').forEach(function (part) {
      var kv = part.split('='), keep = {};
      if (kv.length !== 2) { return; }
      kv[1].split(',').forEach(function (v) { keep[v] = true; });
      form.querySelectorAll('input[name="' + kv[0] + '"]').forEach(function (box) {
        box.checked = keep[box.value] === true;
      });
    });
  }
  form.addEventListener('change', apply);
  fromHash();
  apply();
})();
"""


def _css() -> str:
    """The stylesheet, with one class per verdict in the SVG's colours."""
    verdicts = "".join(
        f".v-{name} {{ background: {s.fill}; color: {s.ink}; }}\n"
        f"section.cell.v-{name} {{ border-left-color: {s.fill}; background: #fff; "
        "color: var(--ink); }\n"
        for name, s in VERDICTS.items()
    )
    return _CSS + verdicts


def _page(title: str, body: list[str]) -> str:
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            # The page may load nothing: a CSP says so to the browser, too.
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">",
            f"<title>{escape(title)}</title>",
            f"<style>{_css()}</style>",
            "</head>",
            "<body>",
            *body,
            f"<script>{_JS}</script>",
            "</body>",
            "</html>",
            "",
        ]
    )


def _a(value: str) -> str:
    """An attribute value, quoted."""
    return '"' + escape(value, quote=True) + '"'


def _filters(verdicts: Sequence[str], configs: Sequence[str], total: int) -> list[str]:
    """The filter form: hidden until the script shows it (without JavaScript it does nothing)."""
    out = ['<form id="filters" class="filters" hidden>', "<fieldset><legend>verdict</legend>"]
    for verdict in verdicts:
        out.append(
            f'<label><input type="checkbox" name="verdict" value={_a(verdict)} checked> '
            f"{escape(style_of(verdict).symbol)} {escape(verdict)}</label>"
        )
    out.append("</fieldset><fieldset><legend>configuration</legend>")
    for config in configs:
        out.append(
            f'<label><input type="checkbox" name="config" value={_a(config)} checked> '
            f"{escape(config)}</label>"
        )
    out += [
        "</fieldset>",
        f'<span class="count" id="shown">{total} shown</span>',
        "</form>",
    ]
    return out


def _legend(cells: Sequence[Cell]) -> list[str]:
    out = ['<ul class="legend">']
    for symbol, verdict, meaning in legend_lines(cells):
        out.append(
            f'<li><span class="badge v-{escape(verdict)}">{escape(symbol)} '
            f"{escape(verdict)}</span> {escape(meaning)}</li>"
        )
    return [*out, "</ul>"]


def _id(index: int) -> str:
    return f"cell-{index}"


# -- one cell's section ----------------------------------------------------------------------------


def _pre(lines: Sequence[str]) -> str:
    return "<pre>" + escape("\n".join(lines)) + "</pre>"


def _kv(rows: Sequence[tuple[str, str]], cls: str = "kv") -> str:
    body = "".join(
        f"<tr><th class='mono'>{escape(k)}</th><td class='mono'>{escape(v)}</td></tr>"
        for k, v in rows
    )
    return f'<table class="{cls}">{body}</table>'


def _params(params: object) -> str:
    if not isinstance(params, dict) or not params:
        return "(none)"
    return ", ".join(f"{k}={v}" for k, v in params.items())


def _section(
    cell: Cell,
    index: int,
    heading: str,
    *,
    facts: Sequence[tuple[str, str]] = (),
    why: Sequence[str] = (),
) -> list[str]:
    """Everything about one cell, in the order a person asks: what happened, go's words, how
    go was configured, what was broken and how, what each endpoint saw."""
    style = style_of(cell.verdict)
    first, second = cell_detail(cell, codes=True)
    out = [
        f'<section class="cell v-{escape(cell.verdict)}" id="{_id(index)}" '
        f"data-verdict={_a(cell.verdict)} data-config={_a(cell.config)} "
        f"data-fault={_a(cell.fault)}>",
        f'<h3><span class="badge v-{escape(cell.verdict)}">{escape(first)}</span> '
        f"{escape(heading)}</h3>",
        '<dl class="facts">',
    ]
    rows: list[tuple[str, str]] = list(facts)
    rows.append(("verdict", f"{cell.verdict}: {style.meaning}"))
    if cell.verdict == "failed":
        rows.append(("failure class", second or "UNKNOWN"))
    rows.append(("time", seconds_text(cell.seconds)))
    if cell.error:
        label = "go's error" if cell.verdict in ("failed", "hung") else "why"
        rows.append((label, cell.error))
    details = cell.details
    if details is not None and details.command:
        rows.append(("command", "go " + " ".join(details.command)))
    summary = fault_summary(cell.fault)
    if summary:
        rows.append(("fault", f"{cell.fault}: {summary}"))
    for key, value in rows:
        out.append(f"<dt>{escape(key)}</dt><dd>{escape(value)}</dd>")
    out.append("</dl>")
    if details is not None and details.stderr:
        # a recovered go's stderr is its progress (a toolchain switch, modules found), no error
        what = "go's stderr" if cell.verdict == "recovered" else "go's error lines"
        out += [f"<h4>{what}</h4>", _pre(details.stderr)]
    if details is not None and details.env:
        out += ["<h4>environment go ran with</h4>", _kv(sorted(details.env.items()))]
    else:
        template = config_env(cell.config)
        if template:
            out += [
                "<h4>environment (the configuration's template)</h4>",
                _kv(sorted(template.items())),
            ]
    if details is not None and details.faults:
        out.append("<h4>faults and their parameters</h4>")
        out.append('<table class="rows"><tr><th>endpoint</th><th>fault</th><th>layer</th>')
        out.append("<th>parameters</th></tr>")
        for f in details.faults:
            out.append(
                f"<tr><td>{escape(f.endpoint)}</td><td class='mono'>{escape(f.name)}</td>"
                f"<td>{escape(f.layer)}</td><td class='mono'>"
                f"{escape(_params(dict(f.params)))}</td></tr>"
            )
        out.append("</table>")
    if details is not None and details.endpoints:
        out.append("<h4>requests each endpoint saw</h4>")
        out.append('<table class="rows"><tr><th>endpoint</th><th>kind</th><th>url</th>')
        out.append("<th>requests</th><th>faulted</th></tr>")
        for e in details.endpoints:
            out.append(
                f"<tr class='endpoint'><td>{escape(e.name)}</td><td>{escape(e.kind)}</td>"
                f"<td class='mono'>{escape(e.url)}</td><td>{e.total}</td>"
                f"<td>{e.faulted}</td></tr>"
            )
        out.append("</table>")
        for e in details.endpoints:
            if e.requests:
                more = e.total - len(e.requests)
                lines = [*e.requests, *([f"... and {more} more"] if more > 0 else [])]
                out.append(
                    f"<details><summary>{escape(e.name)}: {e.total} request(s)</summary>"
                    f"{_pre(lines)}</details>"
                )
    if cell.notes or why:
        out += ["<h4>notes</h4>", "<ul>"]
        out += [f"<li>{escape(line)}</li>" for line in (*cell.notes, *why)]
        out.append("</ul>")
    if details is None and cell.verdict not in ("unavailable", "error"):
        out.append(
            '<p class="none">This cell kept no details (a report read back from a file with '
            "verdicts only): run the matrix with <code>--out</code> to have them.</p>"
        )
    out.append("</section>")
    return out


# -- the matrix ------------------------------------------------------------------------------------


def to_html(
    cells: Sequence[Cell], *, title: str | None = None, info: MatrixInfo | None = None
) -> str:
    """The matrix as one self-contained HTML page (see the module docstring).

    The grid is the SVG's (rows faults, columns configurations, each column headed by its
    GOPROXY shape), every cell a link to its section below; ``info`` (a
    :class:`~pytest_goproxy.report.cells.MatrixInfo`) gives the caption. Every piece of text is
    HTML-escaped, so names and go's error lines cannot break the page."""
    faults, configs, by_pair = grid(cells)
    heading = title or "pytest-goproxy outage matrix"
    index = {id(cell): n for n, cell in enumerate(cells)}
    body = [f"<h1>{escape(heading)}</h1>"]
    if info is not None:
        body.append(f'<p class="caption">{escape(info.caption())}.</p>')
    verdicts = [v for v in VERDICTS if any(c.verdict == v for c in cells)]
    body += _filters(verdicts, configs, len(cells))
    body += ['<div class="scroll"><table class="grid">', "<thead><tr>"]
    body.append('<th class="fault">fault \\ config</th>')
    for config in configs:
        shape = config_shape(config)
        shown = f'<span class="shape mono">{escape(shape)}</span>' if shape else ""
        body.append(f'<th class="column" data-config={_a(config)}>{escape(config)}{shown}</th>')
    body += ["</tr></thead>", "<tbody>"]
    for fault in faults:
        body.append(f'<tr><th class="fault mono">{escape(fault)}</th>')
        for config in configs:
            cell = by_pair.get((fault, config))
            if cell is None:
                body.append(
                    f'<td class="gridcell empty" data-config={_a(config)}>'
                    f"{escape(NOT_RUN.symbol)} not run</td>"
                )
                continue
            first, second = cell_detail(cell, codes=True)
            tip = f"{fault}{BY}{config}: {cell.verdict}" + (f"\n{cell.error}" if cell.error else "")
            body.append(
                f'<td class="gridcell v-{escape(cell.verdict)}" '
                f"data-verdict={_a(cell.verdict)} data-config={_a(config)}>"
                f'<a href="#{_id(index[id(cell)])}" title={_a(tip)}>{escape(first)}'
                f'<span class="sub">{escape(second) or "&nbsp;"}</span></a></td>'
            )
        body.append("</tr>")
    body += ["</tbody></table></div>"]
    body += _legend(cells)
    body.append("<h2>Cells</h2>")
    for cell in cells:
        body += _section(cell, index[id(cell)], f"{cell.fault}{BY}{cell.config}")
    return _page(heading, body)


# -- scenario results ------------------------------------------------------------------------------


def scenarios_html(
    rows: Sequence[ScenarioRow], *, title: str | None = None, caption: str | None = None
) -> str:
    """Scenario results (``pytest-goproxy run --html FILE``) as one self-contained page: a
    table with one row per scenario (expected, got, time, as expected or not), coloured by
    verdict like the matrix, each row a link to the scenario's section with the same details
    as a matrix cell, plus the file, the mismatch and the why lines. ``caption`` (the Go
    version and the date, say) goes under the title: a scenario puts its faults where its file
    says, so the matrix's caption would be wrong here."""
    heading = title or "pytest-goproxy outage scenarios"
    cells = [row.cell for row in rows]
    configs = ordered(row.cell.config for row in rows)
    verdicts = [v for v in VERDICTS if any(c.verdict == v for c in cells)]
    passed = sum(row.passed for row in rows)
    body = [f"<h1>{escape(heading)}</h1>"]
    if caption:
        body.append(f'<p class="caption">{escape(caption)}</p>')
    body.append(
        f'<p class="caption">{len(rows)} scenario(s): {passed} as expected, '
        f"{len(rows) - passed} not.</p>"
    )
    body += _filters(verdicts, configs, len(rows))
    body += [
        '<div class="scroll"><table class="rows results">',
        "<tr><th>scenario</th><th>faults</th><th>configuration</th><th>expected</th>"
        "<th>got</th><th>time</th><th>as expected</th></tr>",
    ]
    for n, row in enumerate(rows):
        cell = row.cell
        first, second = cell_detail(cell, codes=True)
        got = f"{first} {second}".strip()
        body.append(
            f"<tr data-verdict={_a(cell.verdict)} data-config={_a(cell.config)}>"
            f'<td><a href="#{_id(n)}">{escape(row.name)}</a></td>'
            f"<td class='mono'>{escape(cell.fault)}</td><td class='mono'>{escape(cell.config)}"
            f"</td><td>{escape(row.expected)}</td>"
            f'<td><span class="badge v-{escape(cell.verdict)}">{escape(got)}</span></td>'
            f"<td>{escape(seconds_text(cell.seconds))}</td>"
            f"<td>{'yes' if row.passed else '<span class=mismatch>no</span>'}</td></tr>"
        )
    body += ["</table></div>"]
    body += _legend(cells)
    body.append("<h2>Scenarios</h2>")
    for n, row in enumerate(rows):
        facts: list[tuple[str, str]] = []
        if row.file:
            facts.append(("file", row.file))
        facts += [
            ("faults", row.cell.fault),
            ("configuration", row.cell.config),
            ("expected", row.expected),
        ]
        if row.mismatch:
            facts.append(("MISMATCH", row.mismatch))
        elif not row.passed:
            facts.append(("as expected", "no: a scenario that could not run is not a pass"))
        body += _section(row.cell, n, row.name, facts=facts, why=row.why)
    return _page(heading, body)

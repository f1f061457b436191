"""Matrix reports: a terminal table, JSON, Markdown, SVG and HTML, and README's generated tables.

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
* ``html`` — :func:`to_html`, one self-contained page (the artifact a CI run publishes): the
  grid, and for every cell why (go's error lines, the environment, the faults' parameters,
  the requests each endpoint saw), filterable; :func:`scenarios_html` for scenario results;
* ``files`` — :func:`write_reports` writes the chosen formats into a directory (the CLI's
  ``--format`` and ``--out``);
* ``expect`` — the resilience gate (``matrix --expect FILE``): a run against a checked-in
  matrix, by verdict and failure class, regressions first;
* ``cells`` — what they share: verdict styles (:data:`VERDICTS`), :func:`cell_label`, the grid's
  order.

Every name is imported on first use (PEP 562, :func:`pytest_goproxy.exports.stub_exports`), so
writing JSON or SVG never loads rich.
"""

from __future__ import annotations

from pytest_goproxy.exports import stub_exports

__getattr__, __dir__, __all__ = stub_exports(__name__, __file__)

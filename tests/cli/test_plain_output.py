"""Output without a terminal: plain lines, a started line for what runs long, no table folded
narrower than its content."""

from __future__ import annotations

import io
import time

from rich.console import Console

from pytest_goproxy.cli.matrix import DEFAULT_CONFIGS
from pytest_goproxy.outage.cell import Cell
from pytest_goproxy.report.lines import PlainProgress, cell_lines, cells_summary
from pytest_goproxy.report.terminal import fits, needed_width, render_table
from pytest_goproxy.scenarios.runner import shorten_keys

KEY = "sumdb.goproxy.test+6c5440d6+AQv4uzfOqFeCd+a1WxdT0i3NPWfL75PLAUPHA5YYa4Lz"


def test_a_key_is_shortened_to_name_and_hash() -> None:
    line = f"GOPROXY=http://127.0.0.1:1 GOSUMDB={KEY} http://127.0.0.1:2"
    assert shorten_keys(line) == (
        "GOPROXY=http://127.0.0.1:1 GOSUMDB=sumdb.goproxy.test+6c5440d6\u2026 http://127.0.0.1:2"
    )
    assert shorten_keys("no key here") == "no key here"


def test_a_cell_is_one_line_and_the_error_that_matters() -> None:
    refused = Cell(
        "refused", "single", "failed", "REFUSED", 0.12, "dial tcp: connection refused\nmore"
    )
    assert cell_lines(refused) == [
        "refused x single: failed REFUSED in 0.1s",
        "  go: dial tcp: connection refused",
    ]
    ok = Cell("none", "single", "recovered", None, 1.0, None)
    assert cell_lines(ok) == ["none x single: recovered in 1.0s"]
    gone = Cell("none", "relay", "unavailable", None, 0.0, "nginx not found")
    assert cell_lines(gone) == ["none x relay: unavailable (not a pass)", "  why: nginx not found"]
    assert cells_summary([refused, ok, gone], interrupted=True) == (
        "3 cells: 1 recovered, 1 failed, 0 hung, 1 unavailable (interrupted)"
    )


def test_started_line_only_for_what_is_still_running() -> None:
    out = io.StringIO()
    with PlainProgress(out, slow_after=0.2) as progress:
        progress.begin("quick")
        progress.end("quick", ["quick done"])
        progress.begin("slow")
        time.sleep(0.6)
        progress.end("slow", ["slow done"])
    assert out.getvalue().splitlines() == [
        "quick done",
        "started slow (still running after 0.2 s)",
        "slow done",
    ]


def test_a_table_that_does_not_fit_is_not_printed_folded() -> None:
    cells = [Cell("refused", config, "failed", "REFUSED", 0.1, None) for config in DEFAULT_CONFIGS]
    table = render_table(cells)
    needed = needed_width(Console(width=500), table, natural=True)
    assert fits(Console(width=needed, file=io.StringIO()), table, natural=True)
    assert not fits(Console(width=needed - 1, file=io.StringIO()), table, natural=True)
    assert not fits(Console(width=80, file=io.StringIO()), table, natural=True)

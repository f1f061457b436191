"""examples/matrix_toolchain.json is measured: the same cells, run again, give the same verdicts.

The file was written by ``pytest-goproxy matrix --toolchain go1.99.0 --private '' --faults
none,refused,status,cut_body,blackhole --configs single,comma_backup,pipe_backup,comma_direct,
pipe_direct,gosumdb_off,warm_cache,toolchain_cached,gotoolchain_local --timeout 10 --format json
--out DIR`` (go1.26.8, linux/amd64): the bundled example, every cell starting with a switch to a
synthetic go1.99.0. README's toolchain table shows it.
"""

from __future__ import annotations

from pytest_goproxy import Toxiproxy, run_matrix
from pytest_goproxy.report import cells_from_json
from pytest_goproxy.report.readme import EXAMPLE_MATRIX_TOOLCHAIN

EXAMPLE = EXAMPLE_MATRIX_TOOLCHAIN
RECORDED = cells_from_json(EXAMPLE.read_text(encoding="utf-8"))
FAULTS = list(dict.fromkeys(cell.fault for cell in RECORDED))
CONFIGS = list(dict.fromkeys(cell.config for cell in RECORDED))
TIMEOUT = 10.0


def test_recorded_matrix_says_what_the_issue_asks() -> None:
    """gosumdb_off fails by design, `,direct` stops at a broken proxy, warm_cache survives."""
    got = {(c.fault, c.config): (c.verdict, c.failure) for c in RECORDED}
    assert len(got) == len(FAULTS) * len(CONFIGS)
    assert got["none", "gosumdb_off"] == ("failed", "TOOLCHAIN")
    assert got["refused", "comma_direct"] == ("failed", "TOOLCHAIN")
    assert all(got[f, "warm_cache"] == ("recovered", None) for f in FAULTS)
    assert got["refused", "toolchain_cached"] == ("failed", "REFUSED")


def test_run_matrix_reproduces_the_recorded_verdicts(toxiproxy: Toxiproxy) -> None:
    cells = run_matrix(
        None,
        FAULTS,
        CONFIGS,
        jobs=2,
        timeout=TIMEOUT,
        toxiproxy=toxiproxy,
        private="",
        toolchain="go1.99.0",
    )
    measured = {(c.fault, c.config): (c.verdict, c.failure, c.error) for c in cells}
    recorded = {(c.fault, c.config): (c.verdict, c.failure) for c in RECORDED}
    differences = {
        key: (measured[key], wanted)
        for key, wanted in recorded.items()
        if measured[key][:2] != wanted
    }
    assert not differences, f"(measured with go's error, recorded) per cell: {differences}"

"""README's matrix is measured: the bundled example's cells, run again, give the same verdicts.

Twice: once through ``run_matrix`` (what ``pytest-goproxy matrix`` does) and once cell by cell as
pytest tests (the ``goproxy_matrix`` marker), so the command and the tests agree with each other
and with examples/matrix.json, which README's table is generated from.
"""

from __future__ import annotations

import pytest

from pytest_goproxy import Cell, Toxiproxy, run_matrix
from pytest_goproxy.outage.relay import find_nginx
from pytest_goproxy.report import cells_from_json
from pytest_goproxy.report.readme import EXAMPLE_MATRIX

RECORDED = cells_from_json(EXAMPLE_MATRIX.read_text(encoding="utf-8"))
FAULTS = list(dict.fromkeys(cell.fault for cell in RECORDED))
CONFIGS = list(dict.fromkeys(cell.config for cell in RECORDED))
#: The recorded timeout: a hang costs this much per hanging cell.
TIMEOUT = 10.0


#: Faults that cut a connection after some bytes. go fetches in parallel, so which request the
#: cut hits first changes between runs, and with it go's first error: a zip (TRUNCATED), a
#: checksum lookup ("verifying module: ... unexpected EOF", SUMDB), a version list cut inside a
#: line (seen once as UNKNOWN in a loaded CI run). Measured: truncate x comma_direct gave
#: TRUNCATED and SUMDB in turn over three rounds of benchmarks/bench_matrix.py. Such a cell must
#: keep its verdict (failed); its failure class is not checked.
CUT_FAULTS = {"truncate", "down_after_bytes"}
CUT_FAILURES = {"TRUNCATED", "SUMDB"}


def agrees(fault: str, config: str, measured: tuple[str, str | None]) -> bool:
    """Whether a measured (verdict, failure) is the recorded one (see CUT_FAULTS)."""
    wanted = expected(fault, config)
    if measured == wanted:
        return True
    return fault in CUT_FAULTS and measured[0] == wanted[0] == "failed"


def expected(fault: str, config: str) -> tuple[str, str | None]:
    """The recorded verdict; ``relay`` cells are ``unavailable`` on a machine without nginx."""
    if config == "relay" and find_nginx() is None:
        return "unavailable", None
    [cell] = [c for c in RECORDED if (c.fault, c.config) == (fault, config)]
    return cell.verdict, cell.failure


def test_recorded_matrix_covers_the_quickstart_cells() -> None:
    assert len(RECORDED) == len(FAULTS) * len(CONFIGS) >= 40
    assert {"recovered", "failed", "hung"} <= {cell.verdict for cell in RECORDED}


def test_run_matrix_reproduces_the_recorded_verdicts(toxiproxy: Toxiproxy) -> None:
    cells = run_matrix(None, FAULTS, CONFIGS, jobs=2, timeout=TIMEOUT, toxiproxy=toxiproxy)
    measured = {(c.fault, c.config): (c.verdict, c.failure) for c in cells}
    errors = {(c.fault, c.config): c.error for c in cells}
    wanted = {(f, c): expected(f, c) for f in FAULTS for c in CONFIGS}
    differences = {
        key: (measured[key], wanted[key], errors[key])
        for key in wanted
        if not agrees(*key, measured[key])
    }
    assert not differences, f"(measured, recorded, go's error) per cell: {differences}"


@pytest.mark.goproxy_matrix(faults=FAULTS, configs=CONFIGS, timeout=TIMEOUT)
def test_each_cell_as_a_pytest_test(matrix_cell: Cell) -> None:
    verdict = (matrix_cell.verdict, matrix_cell.failure)
    assert agrees(matrix_cell.fault, matrix_cell.config, verdict), (
        verdict,
        expected(matrix_cell.fault, matrix_cell.config),
        matrix_cell.error,
    )


def test_only_a_cut_may_change_its_failure_class() -> None:
    failed = next(c for c in RECORDED if c.fault == "truncate" and c.failure in CUT_FAILURES)
    other = (CUT_FAILURES - {failed.failure}).pop()
    assert agrees(failed.fault, failed.config, ("failed", other))
    assert not agrees(failed.fault, failed.config, ("hung", None))
    assert not agrees(failed.fault, failed.config, ("recovered", None))
    refused = next(c for c in RECORDED if c.fault == "refused" and c.failure == "REFUSED")
    assert not agrees(refused.fault, refused.config, ("failed", "TRUNCATED"))

"""README's HTTP/2 matrix is measured: the bundled example over HTTPS with the HTTP/2 faults,
run again, gives the recorded verdicts and failure classes (examples/matrix_tls.json).

These cells are the catalogue's claims at matrix scale: a stream reset, a GOAWAY with a stream in
flight and a DATA frame before HEADERS stop a ``,`` list and not a ``|`` one; a graceful GOAWAY is
recovered; a server that refuses every stream or stalls one hangs go; ``http1_only``
(``GODEBUG=http2client=0``) makes every HTTP/2 fault vanish but not a cut body.
"""

from __future__ import annotations

import pytest

from pytest_goproxy import Toxiproxy, run_matrix
from pytest_goproxy.report import cells_from_json
from pytest_goproxy.report.readme import EXAMPLE_MATRIX_TLS

pytestmark = pytest.mark.network_faults

RECORDED = cells_from_json(EXAMPLE_MATRIX_TLS.read_text(encoding="utf-8"))
FAULTS = list(dict.fromkeys(cell.fault for cell in RECORDED))
CONFIGS = list(dict.fromkeys(cell.config for cell in RECORDED))
#: The recorded timeout: each hanging cell costs this much.
TIMEOUT = 10.0


def test_recorded_matrix_has_every_http2_fault_and_the_workaround() -> None:
    from pytest_goproxy.httpfaults import HTTP_FAULTS

    http2 = {name for name, fault in HTTP_FAULTS.items() if fault.http2_only}
    assert http2 <= set(FAULTS)
    assert "http1_only" in CONFIGS
    assert len(RECORDED) == len(FAULTS) * len(CONFIGS)


def test_run_matrix_over_tls_reproduces_the_recorded_cells(toxiproxy: Toxiproxy) -> None:
    cells = run_matrix(
        None, FAULTS, CONFIGS, jobs=2, timeout=TIMEOUT, toxiproxy=toxiproxy, tls=True, private=""
    )
    measured = {(c.fault, c.config): (c.verdict, c.failure) for c in cells}
    wanted = {(c.fault, c.config): (c.verdict, c.failure) for c in RECORDED}
    errors = {(c.fault, c.config): c.error for c in cells}
    differences = {
        key: (measured[key], wanted[key], errors[key])
        for key in wanted
        if measured[key] != wanted[key]
    }
    assert not differences


def test_http2_faults_over_plain_http_are_unavailable_with_the_reason(
    toxiproxy: Toxiproxy,
) -> None:
    [cell] = run_matrix(None, ["rst_stream"], ["single"], timeout=TIMEOUT, toxiproxy=toxiproxy)
    assert cell.verdict == "unavailable"
    assert "never speaks HTTP/2" in (cell.error or "")
    assert "--tls" in (cell.error or "")

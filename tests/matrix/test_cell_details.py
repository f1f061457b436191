"""A cell that ran keeps what explains it (the HTML report's sections): the environment go ran
with, the fault with its parameters as bound, what each endpoint was asked, and go's stderr."""

from __future__ import annotations

from pytest_goproxy.matrix import MatrixProject
from pytest_goproxy.matrix.runner import matrix_runner


def test_a_cell_keeps_its_environment_faults_requests_and_stderr(
    small_project: MatrixProject, need_go: None
) -> None:
    # An HTTP fault: the proxy plays it, so no toxiproxy is needed and the proxy counts it.
    with matrix_runner(small_project, timeout=30) as matrix:
        cell = matrix.run_cell("status", "comma_backup")
    assert (cell.verdict, cell.failure) == ("failed", "HTTP_STATUS"), cell
    details = cell.details
    assert details is not None
    assert details.command == ("mod", "tidy")
    assert details.env["GOPROXY"].count("http://127.0.0.1:") == 2 and "," in details.env["GOPROXY"]
    [fault] = details.faults
    assert (fault.endpoint, fault.name, fault.layer) == ("primary", "status", "http")
    assert fault.params["code"] == 502  # the default, filled in
    seen = {e.name: e for e in details.endpoints}
    assert set(seen) == {"primary", "backup", "sumdb"}
    primary = seen["primary"]
    assert primary.url == details.env["GOPROXY"].split(",")[0]
    assert primary.total >= 1 and primary.faulted >= 1
    assert any(line.endswith("502 (faulted)") for line in primary.requests), primary.requests
    assert seen["backup"].total == 0  # `,` never falls back on a 502
    assert any("502 Bad Gateway" in line for line in details.stderr), details.stderr
    assert not any(line.startswith("go: downloading") for line in details.stderr)

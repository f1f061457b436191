"""Names and records of the matrix: unknown names are errors listing the valid ones."""

from __future__ import annotations

import pytest

from pytest_goproxy.errors import ConfigError, FaultError
from pytest_goproxy.httpfaults import HTTP_FAULTS
from pytest_goproxy.matrix import check_names, run_matrix
from pytest_goproxy.matrix.plugin import matrix_params
from pytest_goproxy.network import FAULTS
from pytest_goproxy.outage import Cell, all_fault_names


def test_fault_names_are_none_then_both_catalogues() -> None:
    assert all_fault_names() == ["none", *FAULTS, *HTTP_FAULTS]


def test_unknown_names_list_the_valid_ones() -> None:
    with pytest.raises(
        FaultError, match=r"unknown fault 'nope'; network faults: latency, .*; or none"
    ):
        check_names(["refused", "nope"], ["single"])
    with pytest.raises(ConfigError, match="unknown configuration 'nah'; valid configurations: "):
        check_names(["refused"], ["nah"])
    with pytest.raises(TypeError):
        check_names("refused", ["single"])
    with pytest.raises(ConfigError, match="stale_list"):  # nothing runs before the check
        run_matrix(None, ["refused"], ["stale_list"])
    with pytest.raises(FaultError):
        matrix_params(["nope"], ["single"])


def test_matrix_params_ids_and_marks() -> None:
    params = matrix_params(["refused", "status"], ["single", "pipe_backup"])
    assert [p.id for p in params] == [
        "refused-single",
        "refused-pipe_backup",
        "status-single",
        "status-pipe_backup",
    ]
    assert params[0].values == (("refused", "single"),)
    assert all(m.name == "network_faults" for p in params for m in p.marks)


def test_cell_json_object_is_exactly_the_issue_s() -> None:
    cell = Cell("refused", "single", "failed", "REFUSED", 0.12345, "dial tcp: refused", ("x",))
    assert cell.to_dict() == {
        "fault": "refused",
        "config": "single",
        "verdict": "failed",
        "failure": "REFUSED",
        "seconds": 0.123,
        "error": "dial tcp: refused",
    }

"""The matrix with real go and real toxiproxy: the known Go semantics come out of it, measured.

Small fault/config subsets, run with ``jobs=2``; blackhole cells get a 5 s deadline (a hang is
proved by reaching it).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_goproxy.matrix import MatrixProject, MatrixRunner, run_matrix
from pytest_goproxy.network import Toxiproxy
from pytest_goproxy.outage import Cell

from .conftest import FALLBACK_CONFIGS, FALLBACK_FAULTS

pytestmark = [pytest.mark.network_faults, pytest.mark.usefixtures("need_go")]

HANG_TIMEOUT = 5.0


def by_pair(cells: list[Cell]) -> dict[tuple[str, str], Cell]:
    return {(c.fault, c.config): c for c in cells}


def test_comma_stops_at_a_broken_primary_and_pipe_gets_past(fallback_cells: list[Cell]) -> None:
    cells = by_pair(fallback_cells)
    assert [(c.fault, c.config) for c in fallback_cells] == [
        (f, c) for f in FALLBACK_FAULTS for c in FALLBACK_CONFIGS
    ]
    expected = {"refused": "REFUSED", "dns": "DNS", "reset": "RESET", "status": "HTTP_STATUS"}
    for fault, failure in expected.items():
        comma = cells[fault, "comma_backup"]
        assert (comma.verdict, comma.failure) == ("failed", failure), comma
        assert comma.error and comma.error.startswith("example.test/"), comma
        pipe = cells[fault, "pipe_backup"]
        assert (pipe.verdict, pipe.failure, pipe.error) == ("recovered", None, None), pipe
    for config in FALLBACK_CONFIGS:
        assert cells["none", config].verdict == "recovered"
    assert all(c.seconds > 0 for c in fallback_cells)
    assert json.loads(json.dumps([c.to_dict() for c in fallback_cells]))[0] == {
        "fault": "none",
        "config": "comma_backup",
        "verdict": "recovered",
        "failure": None,
        "seconds": round(fallback_cells[0].seconds, 3),
        "error": None,
    }


def test_nothing_but_a_warm_cache_survives_a_blackholed_primary(
    small_project: MatrixProject, toxiproxy: Toxiproxy
) -> None:
    configs = ["single", "pipe_backup", "retry", "warm_cache", "offline_warm_cache"]
    cells = by_pair(
        run_matrix(
            small_project, ["blackhole"], configs, jobs=2, timeout=HANG_TIMEOUT, toxiproxy=toxiproxy
        )
    )
    for config in ("single", "pipe_backup", "retry"):
        cell = cells["blackhole", config]
        assert (cell.verdict, cell.failure) == ("hung", None), cell
        assert cell.seconds >= HANG_TIMEOUT * 0.9 and cell.error and "killed after" in cell.error
    for config in ("warm_cache", "offline_warm_cache"):
        cell = cells["blackhole", config]
        assert cell.verdict == "recovered", cell
        assert cell.seconds < HANG_TIMEOUT / 2


def test_offline_warm_cache_works_offline_and_retry_outlasts_a_short_outage(
    small_project: MatrixProject, toxiproxy: Toxiproxy
) -> None:
    cells = by_pair(
        run_matrix(
            small_project,
            ["refused", "down_for"],
            ["single", "offline_warm_cache", "retry"],
            jobs=2,
            timeout=20,
            toxiproxy=toxiproxy,
            fault_params={"down_for": {"seconds": 1.5}},
        )
    )
    assert cells["refused", "offline_warm_cache"].verdict == "recovered"
    assert cells["down_for", "offline_warm_cache"].verdict == "recovered"
    assert cells["down_for", "single"].failure == "REFUSED"
    retried = cells["down_for", "retry"]
    assert retried.verdict == "recovered", retried
    assert retried.seconds >= 1.0  # it waited out the outage between attempts
    given_up = cells["refused", "retry"]
    assert (given_up.verdict, given_up.failure) == ("failed", "REFUSED")
    assert given_up.error and given_up.error.startswith("after 3 attempt(s): ")


def test_configurations_going_direct_reach_every_modules_origin(
    small_project: MatrixProject,
) -> None:
    """Every module has its origin (issue 16): GOPRIVATE/GONOPROXY fetch from it, and a
    `|direct` list gets past a 502-answering proxy through it (the database by its name)."""
    with MatrixRunner(small_project, timeout=20) as matrix:
        cells = (("none", "goprivate"), ("none", "gonoproxy"), ("status", "pipe_direct"))
        for fault, config in cells:
            cell = matrix.run_cell(fault, config)
            assert cell.verdict == "recovered", cell
        assert matrix.run_cell("none", "gonosumdb").verdict == "recovered"
        assert matrix.run_cell("wrong_zip", "single").failure == "CHECKSUM_MISMATCH"


def test_relay_serves_its_cache_through_an_outage(
    small_project: MatrixProject, toxiproxy: Toxiproxy, nginx_binary: Path
) -> None:
    cells = by_pair(
        run_matrix(
            small_project, ["none", "refused"], ["relay"], jobs=2, timeout=20, toxiproxy=toxiproxy
        )
    )
    fine, down = cells["none", "relay"], cells["refused", "relay"]
    assert fine.verdict == "recovered" and down.verdict == "recovered", (fine, down)
    assert any("fresh (lists v1.2.1)" in n for n in fine.notes), fine.notes
    assert any("stale (lacks v1.2.1" in n for n in down.notes), down.notes


def test_relay_without_nginx_is_unavailable_never_passed(small_project: MatrixProject) -> None:
    with MatrixRunner(small_project, nginx="/nonexistent/nginx") as matrix:
        cell = matrix.run_cell("refused", "relay")
    assert (cell.verdict, cell.failure, cell.seconds) == ("unavailable", None, 0.0)
    assert cell.error and "nginx is not installed" in cell.error


def test_network_faults_without_toxiproxy_are_unavailable(
    small_project: MatrixProject, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TOXIPROXY_BIN", str(tmp_path / "no-toxiproxy"))
    with MatrixRunner(small_project) as matrix:
        cell = matrix.run_cell("refused", "single")
    assert cell.verdict == "unavailable" and cell.error and "toxiproxy" in cell.error


def test_the_origin_repositories_are_built_once_for_every_cell(
    small_project: MatrixProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 22: no cell pays for set-up another cell already paid. The origin's git
    repositories are built once per run (``prepare``), and each cell's origin reads them."""
    from pytest_goproxy.origin import mirror

    built: list[mirror.OriginMirror] = []
    real_init = mirror.OriginMirror.__init__

    def counting(self: mirror.OriginMirror, *args: object, **kwargs: object) -> None:
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]
        built.append(self)

    monkeypatch.setattr(mirror.OriginMirror, "__init__", counting)
    with MatrixRunner(small_project, timeout=20) as matrix:
        pairs = [("none", "goprivate"), ("none", "gonoproxy"), ("status", "pipe_direct")]
        cells = matrix.run_cells(pairs, jobs=2)
        assert [c.verdict for c in cells] == ["recovered"] * 3, cells
        assert len(built) == 1
        assert built[0].repos.root.is_dir()  # kept for the run, read by every cell's origin
    assert not built[0].repos.root.exists()  # removed with the runner

"""Matrix cells that start with a toolchain switch (``matrix --toolchain``), with the real go.

The small project (public modules only) gets ``toolchain go1.99.0``, the proxies serve a
synthetic go1.99.0 and go runs with ``GOTOOLCHAIN=auto``. Each cell's GoResult says whether go
switched (``switched_to``, from go's own trace), so a recovered cell is known to have gone through
the switch, and a failed one where it stopped: at the toolchain (TOOLCHAIN) or at the modules.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from pytest_goproxy.gorun import Failure, GoResult
from pytest_goproxy.matrix import MatrixProject
from pytest_goproxy.matrix.runner import MatrixRunner
from pytest_goproxy.network import Toxiproxy

TOOLCHAIN = "go1.99.0"


@pytest.fixture(scope="module")
def matrix(
    small_project: MatrixProject, toxiproxy: Toxiproxy, need_go: None
) -> Iterator[MatrixRunner]:
    with MatrixRunner(small_project, timeout=30, toolchain=TOOLCHAIN) as runner:
        runner.use_toxiproxy(toxiproxy)
        yield runner


def cell(matrix: MatrixRunner, fault: str, config: str) -> tuple[str, str | None, GoResult]:
    """(verdict, failure, the go run that decided) of one cell."""
    outcome = matrix.engine.run(
        matrix.outage(fault, config),
        matrix.project.modules,
        project=matrix.project.path,
        private=matrix.project.private,
    )
    assert outcome.result is not None, outcome.cell
    return outcome.cell.verdict, outcome.cell.failure, outcome.result


def test_every_cell_starts_with_the_switch(matrix: MatrixRunner) -> None:
    verdict, _, result = cell(matrix, "none", "single")
    assert verdict == "recovered", result.describe()
    assert result.switched_to == TOOLCHAIN and result.toolchain_download == TOOLCHAIN
    assert result.env["GOTOOLCHAIN"] == "auto"
    assert result.go_mod is not None and f"\ntoolchain {TOOLCHAIN}\n" in result.go_mod


@pytest.mark.parametrize("fault", ["refused", "status"])
def test_a_broken_proxy_stops_the_switch(matrix: MatrixRunner, fault: str) -> None:
    verdict, failure, result = cell(matrix, fault, "single")
    assert (verdict, failure) == ("failed", "TOOLCHAIN"), result.describe()
    assert result.classification is not None and result.classification.toolchain == TOOLCHAIN


def test_gosumdb_off_fails_by_design(matrix: MatrixRunner) -> None:
    verdict, failure, result = cell(matrix, "none", "gosumdb_off")
    assert (verdict, failure) == ("failed", "TOOLCHAIN")
    assert result.cause is Failure.SUMDB
    assert "verifying module: checksum database disabled by GOSUMDB=off" in result.stderr


def test_comma_direct_stops_at_the_broken_proxy(matrix: MatrixRunner) -> None:
    verdict, failure, result = cell(matrix, "refused", "comma_direct")
    assert (verdict, failure) == ("failed", "TOOLCHAIN"), result.describe()
    assert result.cause is Failure.REFUSED


def test_warm_cache_survives_with_the_switch(matrix: MatrixRunner) -> None:
    verdict, _, result = cell(matrix, "refused", "warm_cache")
    assert verdict == "recovered", result.describe()
    assert result.switched_to == TOOLCHAIN and result.toolchain_download is None


def test_toolchain_cached_switches_and_then_needs_the_proxy(matrix: MatrixRunner) -> None:
    verdict, failure, result = cell(matrix, "refused", "toolchain_cached")
    assert (verdict, failure) == ("failed", "REFUSED"), result.describe()
    assert result.switched_to == TOOLCHAIN and result.toolchain_download is None


def test_gotoolchain_local_never_switches(matrix: MatrixRunner) -> None:
    verdict, _, result = cell(matrix, "none", "gotoolchain_local")
    assert verdict == "recovered", result.describe()
    assert result.env["GOTOOLCHAIN"] == "local"
    assert result.switched_to is None and result.toolchain_download is None


def test_pipe_backup_gets_the_toolchain_from_the_backup(matrix: MatrixRunner) -> None:
    verdict, _, result = cell(matrix, "status", "pipe_backup")
    assert verdict == "recovered", result.describe()
    assert result.switched_to == TOOLCHAIN


def test_cli_refuses_a_toolchain_go_would_not_download() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest_goproxy.cli", "matrix", "--toolchain", "go1.99"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2, done
    assert "--toolchain: 'go1.99' is not a Go toolchain name" in done.stderr


def test_pipe_direct_gets_the_toolchain_from_go_dev(matrix: MatrixRunner) -> None:
    """go's direct path for toolchains: golang.org's mod tag, then go.dev/dl/mod."""
    verdict, _, result = cell(matrix, "refused", "pipe_direct")
    assert verdict == "recovered", result.describe()
    assert result.switched_to == TOOLCHAIN
    assert {"golang.org", "go.dev"} <= {r.host for r in result.routed}, result.routed
    result.assert_no_escapes()


def test_no_direct_no_go_dev(matrix: MatrixRunner) -> None:
    _, _, result = cell(matrix, "none", "single")
    assert not {"golang.org", "go.dev"} & {r.host for r in result.routed}


def test_the_cell_says_go_ran_with_gotoolchain_auto(matrix: MatrixRunner) -> None:
    """The runner sets GOTOOLCHAIN, not the configuration: the cell's environment says it."""
    outcome = matrix.engine.run(
        matrix.outage("none", "single"),
        matrix.project.modules,
        project=matrix.project.path,
        private=matrix.project.private,
    )
    assert outcome.env["GOTOOLCHAIN"] == "auto"
    assert outcome.cell.details is not None and outcome.cell.details.env["GOTOOLCHAIN"] == "auto"
    local = matrix.engine.run(
        matrix.outage("none", "gotoolchain_local"),
        matrix.project.modules,
        project=matrix.project.path,
        private=matrix.project.private,
    )
    assert local.env["GOTOOLCHAIN"] == "local"


def test_the_marker_takes_a_toolchain(
    pytester: pytest.Pytester, small_project: MatrixProject
) -> None:
    """The pytest front end: goproxy_matrix(toolchain=...) cells start with the switch."""
    pytester.makepyfile(
        test_team=f"""
        import pytest

        @pytest.mark.goproxy_matrix(
            faults=["none"], configs=["gosumdb_off", "gotoolchain_local"],
            project={str(small_project.path)!r}, private="", timeout=30, toolchain="go1.99.0",
        )
        def test_cell(matrix_cell):
            if matrix_cell.config == "gosumdb_off":  # fails by design: the switch was tried
                assert matrix_cell.failure == "TOOLCHAIN", matrix_cell.error
            else:
                assert matrix_cell.verdict == "recovered", matrix_cell.error
        """
    )
    result = pytester.runpytest("-p", "pytest_goproxy.matrix.plugin", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)

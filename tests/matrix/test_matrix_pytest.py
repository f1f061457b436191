"""The matrix as pytest tests (marker, matrix_params, matrix_cell), the way a team writes them.

The acceptance check: the verdicts of cells run one by one as pytest tests equal those of
``run_matrix`` for the same cells.
"""

from __future__ import annotations

import json
import textwrap
import xml.etree.ElementTree as ET

import pytest

from pytest_goproxy.matrix import MatrixProject
from pytest_goproxy.outage import Cell

from .conftest import FALLBACK_CONFIGS, FALLBACK_FAULTS

pytestmark = [pytest.mark.network_faults, pytest.mark.usefixtures("need_go")]

#: Loads the matrix fixtures on their own until plugin.py wires them (harmless afterwards).
PLUGIN = ("-p", "pytest_goproxy.matrix.plugin")


def test_cells_as_pytest_tests_give_the_matrix_verdicts(
    pytester: pytest.Pytester, small_project: MatrixProject, fallback_cells: list[Cell]
) -> None:
    out = pytester.path / "cells.jsonl"
    pytester.makepyfile(
        test_team=textwrap.dedent(
            f"""
            import json
            import pytest

            @pytest.mark.goproxy_matrix(
                faults={FALLBACK_FAULTS!r}, configs={FALLBACK_CONFIGS!r},
                project={str(small_project.path)!r}, timeout=30,
            )
            def test_cell(matrix_cell):
                with open({str(out)!r}, "a") as f:
                    f.write(json.dumps(matrix_cell.to_dict()) + "\\n")
                if matrix_cell.config == "pipe_backup":
                    assert matrix_cell.verdict == "recovered", matrix_cell.error
            """
        )
    )
    junit = pytester.path / "junit.xml"
    result = pytester.runpytest(
        *PLUGIN, "-m", "network_faults", "-p", "no:cacheprovider", f"--junitxml={junit}"
    )
    result.assert_outcomes(passed=len(FALLBACK_FAULTS) * len(FALLBACK_CONFIGS))
    result.stdout.no_fnmatch_line("*PytestUnknownMarkWarning*")
    as_tests = {
        (d["fault"], d["config"]): (d["verdict"], d["failure"])
        for d in map(json.loads, out.read_text().splitlines())
    }
    as_matrix = {(c.fault, c.config): (c.verdict, c.failure) for c in fallback_cells}
    assert as_tests == as_matrix
    # each cell's verdict, failure class and time are JUnit properties, for CI dashboards
    as_junit = {}
    for case in ET.parse(junit).iter("testcase"):
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        fault, config = case.get("name", "")[len("test_cell[") : -1].rsplit("-", 1)
        as_junit[fault, config] = (props["verdict"], props["failure"] or None)
        assert float(props["seconds"] or "0") > 0
    assert as_junit == as_matrix


def test_matrix_params_fixture_override_and_failing_assertion(
    pytester: pytest.Pytester, small_project: MatrixProject
) -> None:
    pytester.makeconftest(
        f"""
        import pytest
        from pytest_goproxy.matrix import MatrixProject

        @pytest.fixture(scope="session")
        def goproxy_matrix_project():
            return MatrixProject.of({str(small_project.path)!r})
        """
    )
    pytester.makepyfile(
        test_team="""
        import pytest
        from pytest_goproxy.matrix.plugin import matrix_params

        @pytest.mark.parametrize(
            "matrix_cell", matrix_params(["refused"], ["pipe_backup", "single"]), indirect=True
        )
        def test_recovers(matrix_cell):
            assert matrix_cell.verdict == "recovered", matrix_cell.error

        def test_not_selected():
            pass
        """
    )
    result = pytester.runpytest(*PLUGIN, "-m", "network_faults", "-v")
    result.assert_outcomes(passed=1, failed=1, deselected=1)
    result.stdout.fnmatch_lines(
        ["*test_recovers?refused-pipe_backup? PASSED*", "*test_recovers?refused-single? FAILED*"]
    )
    result.stdout.fnmatch_lines(["*connection refused*"])


def test_bad_use_is_a_clear_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_unknown="""
        import pytest

        @pytest.mark.goproxy_matrix(faults=["refused"], configs=["nope"])
        def test_unknown(matrix_cell):
            pass
        """,
        test_bare="""
        def test_unparametrized(matrix_cell):
            pass
        """,
    )
    result = pytester.runpytest(*PLUGIN, "test_unknown.py")
    result.stdout.fnmatch_lines(["*unknown configuration 'nope'; valid configurations: single*"])
    result = pytester.runpytest(*PLUGIN, "test_bare.py")
    result.stdout.fnmatch_lines(["*matrix_cell needs @pytest.mark.goproxy_matrix*"])


def test_cells_under_xdist_give_the_matrix_verdicts(
    pytester: pytest.Pytester, small_project: MatrixProject, fallback_cells: list[Cell]
) -> None:
    """Scale-out (issue 17): the same cells under ``-n 4`` give run_matrix's verdicts, each
    worker with a toxiproxy of its own (no port shared between workers)."""
    out = pytester.path / "cells.jsonl"
    pytester.makepyfile(
        test_team=textwrap.dedent(
            f"""
            import json, os
            import pytest

            @pytest.mark.goproxy_matrix(
                faults={FALLBACK_FAULTS!r}, configs={FALLBACK_CONFIGS!r},
                project={str(small_project.path)!r}, timeout=30,
            )
            def test_cell(matrix_cell, toxiproxy):
                line = {{**matrix_cell.to_dict(), "worker": os.environ["PYTEST_XDIST_WORKER"],
                        "toxiproxy": toxiproxy.url}}
                with open({str(out)!r}, "a") as f:
                    f.write(json.dumps(line) + "\\n")
            """
        )
    )
    result = pytester.runpytest_subprocess(
        "-n", "4", "-m", "network_faults", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=len(FALLBACK_FAULTS) * len(FALLBACK_CONFIGS))
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    as_tests = {(d["fault"], d["config"]): (d["verdict"], d["failure"]) for d in lines}
    assert as_tests == {(c.fault, c.config): (c.verdict, c.failure) for c in fallback_cells}
    proxies = {d["worker"]: d["toxiproxy"] for d in lines}
    workers = {d["worker"] for d in lines}
    assert len(workers) > 1  # the cells were spread
    assert len(set(proxies.values())) == len(workers)  # one toxiproxy per worker, none shared
    for d in lines:
        assert d["toxiproxy"] == proxies[d["worker"]]

"""A mistake in a ``goproxy_matrix`` marker is the test author's: one line naming the test and
what is wrong, before any cell runs, never the plugin's frames (issue 22)."""

from __future__ import annotations

import pytest

PLUGIN = ("-p", "pytest_goproxy.matrix.plugin")


@pytest.mark.parametrize(
    ("marker", "said"),
    [
        (
            'faults=["refusd"], configs=["single"]',
            "unknown fault 'refusd'; network faults: latency, *",
        ),
        (
            'faults=["refused"], configs=["singel"]',
            "unknown configuration 'singel'; valid configurations: single, *",
        ),
        ('faults=["refused"]', "needs faults=[[]...[]] and configs=[[]...[]], got *"),
        (
            'faults=["refused"], configs=["single"], timout=3',
            "unknown option(s) timout; valid: faults, configs, *",
        ),
        ('faults="refused", configs=["single"]', "faults and configs are lists of names*"),
    ],
)
def test_a_bad_marker_is_one_line_naming_the_test(
    pytester: pytest.Pytester, marker: str, said: str
) -> None:
    pytester.makepyfile(
        test_team=f"""
        import pytest

        @pytest.mark.goproxy_matrix({marker})
        def test_cell(matrix_cell):
            pass

        def test_other():
            pass
        """
    )
    result = pytester.runpytest(*PLUGIN, "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.INTERRUPTED  # a collection error: nothing ran
    result.stdout.fnmatch_lines(
        [
            "*ERROR collecting test_team.py*",
            f"@pytest.mark.goproxy_matrix on test_team.py::test_cell: {said}",
            "*short test summary info*",
        ]
    )
    out = result.stdout.str()
    assert "pytest_goproxy/" not in out and "Traceback" not in out and "raise " not in out
    result.assert_outcomes(errors=1)


def test_matrix_params_with_an_unknown_fault_points_at_the_test_file(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_team="""
        import pytest
        from pytest_goproxy.matrix.plugin import matrix_params

        @pytest.mark.parametrize("matrix_cell", matrix_params(["refusd"], ["single"]),
                                 indirect=True)
        def test_cell(matrix_cell):
            pass
        """
    )
    result = pytester.runpytest(*PLUGIN, "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*FaultError: unknown fault 'refusd'*"])
    assert "pytest_goproxy/" not in result.stdout.str()

"""``pytest --goproxy-scenario=PATH`` the way users meet it (pytester)."""

from __future__ import annotations

import pytest

PASSING = """
description = "CDN 502 on zips: a single proxy breaks"
config = "single"
timeout = 20
[endpoints.primary]
http = [{ fault = "status", code = 502, kind = "zip" }]
[expect]
verdict = "failed"
failure = "HTTP_STATUS"
"""

WRONG = PASSING.replace('verdict = "failed"\nfailure = "HTTP_STATUS"', 'verdict = "recovered"')


def test_scenarios_run_as_marked_tests(pytester: pytest.Pytester) -> None:
    scenarios = pytester.mkdir("outages")
    (scenarios / "cdn.toml").write_text(PASSING)
    (scenarios / "wrong.toml").write_text(WRONG)
    result = pytester.runpytest(
        f"--goproxy-scenario={scenarios}",
        "-m",
        "network_faults",
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*MISMATCH: expected recovered, got failed*",
            "*primary: http fault status(code=502,kind=zip)*",
        ]
    )


def test_collect_only_lists_scenarios(pytester: pytest.Pytester) -> None:
    path = pytester.path / "cdn.toml"
    path.write_text(PASSING)
    result = pytester.runpytest(f"--goproxy-scenario={path}", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["*cdn.toml::cdn*"])


def test_a_bad_file_is_a_collection_error_naming_the_field(pytester: pytest.Pytester) -> None:
    path = pytester.path / "bad.toml"
    path.write_text('config = "nope"\n[expect]\nverdict = "failed"\n')
    result = pytester.runpytest(f"--goproxy-scenario={path}")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*bad.toml: config: unknown configuration 'nope'; allowed: single*"]
    )
    result.stdout.no_fnmatch_line("*Traceback*")

"""A module a test gets wrong fails at the test's own line: pytest shows no frame of the plugin
(proxy -> store -> zip writer -> path checks) before the message."""

from __future__ import annotations

import pytest

CASES = {
    "bad_version": 'goproxy.add_module("example.test/x", "v1")',
    "bad_path": 'goproxy.add_module("x", "v1.0.0")',
    "bad_file_name": 'goproxy.add_module("example.test/x", "v1.0.0", files={"a\\\\b.go": ""})',
    "add_dir_missing": 'goproxy.add_dir(str(tmp_path / "nope"), "example.test/x", "v1.0.0")',
    "add_txtar_bad_name": 'goproxy.add_txtar(tmp_path / "nonsense.txt")',
    "add_module_cache_empty": "goproxy.add_module_cache(tmp_path)",
}


@pytest.mark.parametrize("call", CASES.values(), ids=CASES.keys())
def test_module_error_shows_only_the_test_frame(pytester: pytest.Pytester, call: str) -> None:
    pytester.makepyfile(
        f"""
        def test_add(goproxy, tmp_path):
            (tmp_path / "nonsense.txt").write_text("")
            {call}
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "Error: " in out  # the message itself is shown ...
    frames = [line for line in result.outlines if "pytest_goproxy/" in line]
    assert frames == [], "\n".join(result.outlines)  # ... and no frame of the plugin before it
    # the test's line, the message, and the test file as the place of the error
    result.stdout.fnmatch_lines(
        [f">*{call.split('(')[0]}(*", "E * pytest_goproxy.errors.*Error: *", "test_*.py:3: *Error"]
    )


def test_module_error_keeps_the_test_line_with_long_tracebacks(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def helper(goproxy):
            goproxy.add_module("x", "v1")

        def test_add(goproxy):
            helper(goproxy)
        """
    )
    result = pytester.runpytest("-p", "no:randomly", "--tb=long")
    result.assert_outcomes(failed=1)
    assert not [line for line in result.outlines if "pytest_goproxy/" in line]
    result.stdout.fnmatch_lines(
        [
            "*helper(goproxy)",
            '>*goproxy.add_module("x", "v1")',
            'E * pytest_goproxy.errors.InvalidModuleError: malformed module path "x": *',
            "test_*.py:2: InvalidModuleError",
        ]
    )

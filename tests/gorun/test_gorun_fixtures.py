"""The go fixtures and options, through pytester."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from gorun_servers import PYTESTER_CONFTEST

from pytest_goproxy.gorun import GoBinary


@pytest.fixture
def gotester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("GO_BINARY", raising=False)
    pytester.makeconftest(PYTESTER_CONFTEST)
    return pytester


def test_go_fixture_runs_hermetic_go_and_cleans_up(gotester: pytest.Pytester) -> None:
    gotester.makepyfile(
        """
        import pytest
        from pytest_goproxy.gorun import Failure, GoRunner

        ROOTS = []

        def test_tidy(go):
            assert isinstance(go, GoRunner)
            ROOTS.append(go.root)
            project = go.project(requires={"example.test/lib": "v1.2.0"})
            project.tidy().assert_failure(Failure.PROXY_OFF)
            assert go.timeout == 7.5

        def test_cleaned_up():
            assert ROOTS and not ROOTS[0].exists()
        """
    )
    gotester.makeini("[pytest]\ngo_timeout = 7.5\n")
    gotester.runpytest().assert_outcomes(passed=2)


def test_go_timeout_option_wins_over_ini(gotester: pytest.Pytester) -> None:
    gotester.makeini("[pytest]\ngo_timeout = 7.5\n")
    gotester.makepyfile("def test_t(go):\n    assert go.timeout == 3.0\n")
    gotester.runpytest("--go-timeout=3").assert_outcomes(passed=1)


def test_several_go_binaries_parametrize(
    gotester: pytest.Pytester, go_binary: GoBinary, tmp_path: Path
) -> None:
    other = tmp_path / "other-go"
    other.symlink_to(go_binary.path)
    gotester.makepyfile(
        """
        def test_version(go, go_binary):
            assert go.binary == go_binary

        def test_without_go():
            pass
        """
    )
    result = gotester.runpytest("-v", f"--go={go_binary.path},{other}")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        [
            f"*test_version?{go_binary.version}-0? PASSED*",
            f"*test_version?{go_binary.version}-1? PASSED*",
            "*test_without_go PASSED*",
        ]
    )


def test_missing_go_skips_outside_ci_and_errors_in_ci(
    gotester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin") + os.pathsep + "/nonexistent")
    gotester.makepyfile("def test_t(go):\n    pass\n")
    result = gotester.runpytest("-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*go is not available (set CI to make this an error)*"])
    monkeypatch.setenv("CI", "true")
    result = gotester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*GoNotFoundError*no `go` command on PATH*"])


def test_a_named_go_that_is_missing_is_an_error(gotester: pytest.Pytester, tmp_path: Path) -> None:
    gotester.makepyfile("def test_t(go):\n    pass\n")
    result = gotester.runpytest(f"--go={tmp_path / 'no-such-go'}")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*not an executable go binary*"])


def test_build_cache_option_keeps_the_cache(gotester: pytest.Pytester, tmp_path: Path) -> None:
    cache = tmp_path / "kept-gocache"
    gotester.makepyfile(
        f"""
        def test_t(go):
            assert str(go.build_cache) == {str(cache)!r}
            assert go.run(["env", "GOCACHE"]).stdout.strip() == {str(cache)!r}
        """
    )
    gotester.runpytest(f"--go-build-cache={cache}").assert_outcomes(passed=1)
    assert cache.is_dir()

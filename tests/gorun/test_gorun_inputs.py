"""What GoRunner and GoProject accept: every env and timeout is checked where it is given.

Before, ``timeout=0`` or ``-1`` gave a run "hung" after 0 s, ``nan`` set no deadline at all, a
dict value became its repr, an int GOFLAGS raised AttributeError deep in the runner and
``GOPROXY=None`` brought back proxy.golang.org. Each entry point now raises one TypeError or
ValueError that says what to pass, before anything runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_goproxy.gorun import GoBinary, GoRunner
from pytest_goproxy.gorun.environment import check_env, layer_env
from pytest_goproxy.gorun.runner import check_timeout

BAD_TIMEOUTS: list[tuple[object, type[Exception], str]] = [
    (0, ValueError, r"finite number of seconds > 0, got 0\b"),
    (-1, ValueError, r"finite number of seconds > 0, got -1\b"),
    (math.nan, ValueError, r"got nan"),
    (math.inf, ValueError, r"got inf"),
    (True, TypeError, r"number of seconds, got bool True"),
    ("10", TypeError, r"number of seconds, got str '10'"),
]

BAD_ENVS: list[tuple[object, type[Exception], str]] = [
    ({"GOPRIVATE": {"a": 1}}, TypeError, r"env\['GOPRIVATE'\] must be a str, or None .* got dict"),
    ({"GOFLAGS": 1}, TypeError, r"env\['GOFLAGS'\] must be a str.* got int 1"),
    ({"GOFLAGS": ["-mod=mod", "-x"]}, TypeError, r"several flags go in one string: '-mod=mod -x'"),
    ({"CGO_ENABLED": False}, TypeError, r"got bool False"),
    ({"GOMODCACHE": Path("/x")}, TypeError, r"must be a str.* got PosixPath|WindowsPath"),
    ({"GOPROXY": None}, ValueError, r"GOPROXY=https://proxy\.golang\.org,direct, on the internet"),
    ({"GOPROXY": " "}, ValueError, r"pass GOPROXY='off' to forbid it"),
    ({"GOSUMDB": None}, ValueError, r"default GOSUMDB=sum\.golang\.org.*checksum database's key"),
    ({"GOSUMDB": ""}, ValueError, r"env\['GOSUMDB'\]='' would make go fall back"),
    ({"GODEBUG": "a\0b"}, ValueError, r"contains a NUL character"),
    ({1: "x"}, TypeError, r"env names must be str, got int 1"),
    ({"A=B": "x"}, ValueError, r"env name 'A=B' is not a variable name"),
    ([("GOPROXY", "off")], TypeError, r"env must be a mapping .* got list"),
    ("GOPROXY=off", TypeError, r"env must be a mapping .* got str"),
]


def _ids(cases: list[tuple[object, type[Exception], str]]) -> list[str]:
    return [repr(case[0])[:40] for case in cases]


@pytest.mark.parametrize(("timeout", "error", "match"), BAD_TIMEOUTS, ids=_ids(BAD_TIMEOUTS))
def test_bad_timeouts_are_refused_everywhere(
    go: GoRunner, go_binary: GoBinary, timeout: object, error: type[Exception], match: str
) -> None:
    project = go.project()
    entry_points: list[Callable[[], object]] = [
        lambda: GoRunner(go_binary, timeout=timeout),  # type: ignore[arg-type]
        lambda: go.run(["env"], timeout=timeout),  # type: ignore[arg-type]
        lambda: project.run("env", timeout=timeout),  # type: ignore[arg-type]
        lambda: project.tidy(timeout=timeout),  # type: ignore[arg-type]
    ]
    for call in entry_points:
        with pytest.raises(error, match=match):
            call()
    assert not (go.root / "runs").exists()  # refused before anything was made or run


@pytest.mark.parametrize(("env", "error", "match"), BAD_ENVS, ids=_ids(BAD_ENVS))
def test_bad_envs_are_refused_everywhere(
    go: GoRunner, go_binary: GoBinary, env: object, error: type[Exception], match: str
) -> None:
    project = go.project()
    entry_points: list[Callable[[], object]] = [
        lambda: GoRunner(go_binary, env=env),  # type: ignore[arg-type]
        lambda: go.project(env=env),  # type: ignore[arg-type]
        lambda: go.project_from_dir(project.path, env=env),  # type: ignore[arg-type]
        lambda: go.run(["env"], env=env),  # type: ignore[arg-type]
        lambda: go.go_env(env=env),  # type: ignore[arg-type]
        lambda: project.run("env", env=env),  # type: ignore[arg-type]
        lambda: project.download(env=env),  # type: ignore[arg-type]
    ]
    made = sorted((go.root / "projects").iterdir())
    for call in entry_points:
        with pytest.raises(error, match=match):
            call()
    assert not (go.root / "runs").exists()  # refused before anything was made or run
    assert sorted((go.root / "projects").iterdir()) == made


def test_a_bad_value_put_in_a_projects_env_later_is_refused_at_the_run(go: GoRunner) -> None:
    """``project.env`` and ``runner.env`` are plain dicts; what is in them is checked per run."""
    project = go.project(env={"GOPROXY": "off"})
    project.env["GOPROXY"] = None
    with pytest.raises(ValueError, match="GOPROXY"):
        project.tidy()
    go.env["GOFLAGS"] = 3  # type: ignore[assignment]
    with pytest.raises(TypeError, match="GOFLAGS"):
        go.run(["env"])


def test_what_is_accepted(go: GoRunner) -> None:
    """Real numbers of seconds (a Fraction too), str values, None to unset anything else."""
    from fractions import Fraction

    assert check_timeout(Fraction(1, 2)) == 0.5
    assert check_timeout(0, "kill_grace", allow_zero=True) == 0.0
    assert check_env(None) == {}
    assert layer_env({"GOFLAGS": "-a"}, {"GOFLAGS": "", "GOPRIVATE": None}) == {
        "GOFLAGS": "-a",
        "GOPRIVATE": None,
    }
    result = go.run(
        ["env", "GOPROXY", "GOINSECURE"],
        env={"GOPROXY": "off", "GOINSECURE": None},
        timeout=30,
    ).assert_ok()
    assert result.stdout.split() == ["off"]
    assert result.timeout == 30.0


def test_kill_grace_is_checked(go_binary: GoBinary) -> None:
    with pytest.raises(ValueError, match=r"kill_grace must be a finite number of seconds >= 0"):
        GoRunner(go_binary, kill_grace=-1)


# -- the same deadline rule in the other front ends ------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0"])
def test_go_timeout_option_uses_the_one_check(pytester: pytest.Pytester, value: str) -> None:
    pytester.makepyfile("def test_x(go): pass\n")
    result = pytester.runpytest_subprocess(f"--go-timeout={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*go_timeout must be a finite number of seconds > 0*"])


@pytest.mark.parametrize("value", [math.nan, math.inf, 0, -5])
def test_matrix_timeout_uses_the_one_check(value: float) -> None:
    from pytest_goproxy.matrix.runner import MatrixRunner

    with pytest.raises(ValueError, match="finite number of seconds"):
        MatrixRunner(None, timeout=value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0", '"10"', "true"])
def test_scenario_timeout_uses_the_one_check(tmp_path: Path, value: str) -> None:
    from pytest_goproxy.errors import ScenarioError
    from pytest_goproxy.scenarios import load_scenario

    path = tmp_path / "s.toml"
    path.write_text(f'timeout = {value}\n[expect]\nverdict = "recovered"\n')
    with pytest.raises(ScenarioError, match="timeout: must be a finite, positive number"):
        load_scenario(path)

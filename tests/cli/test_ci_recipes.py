"""The CI recipes in examples/ci are what users copy, so they are checked like code: each file
is YAML of its service's shape, runs the outage tests and the matrix, caches the toxiproxy build
and Go's caches, and publishes the HTML report and the JUnit XML; every ``pytest-goproxy``
command in them parses with our own command line, and the pytest command selects tests with
the options and marker it names."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from pytest_goproxy.ci import skip_or_fail
from pytest_goproxy.cli.main import _parser

ROOT = Path(__file__).resolve().parents[2]
GITHUB = ROOT / "examples" / "ci" / "github-actions.yml"
GITLAB = ROOT / "examples" / "ci" / "gitlab-ci.yml"

#: A ``pytest-goproxy`` command inside a shell line (also inside ``$(...)``).
OUR_COMMAND = re.compile(r"pytest-goproxy [^)\"\n]*")


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


def github_runs() -> list[str]:
    [job] = load(GITHUB)["jobs"].values()
    return [step["run"] for step in job["steps"] if "run" in step]


def gitlab_runs() -> list[str]:
    job = load(GITLAB)["outages"]
    return [*job["before_script"], *job["script"]]


def test_github_workflow_shape() -> None:
    workflow = load(GITHUB)
    # PyYAML reads the bare key `on` as True (YAML 1.1); GitHub reads it as "on".
    assert {"push", "pull_request"} <= set(workflow.get("on") or workflow[True])
    [job] = workflow["jobs"].values()
    uses = {step["uses"].split("@")[0]: step for step in job["steps"] if "uses" in step}
    assert uses["actions/setup-go"]["with"]["cache"] is True  # GOMODCACHE and GOCACHE
    cached = uses["actions/cache"]["with"]["path"]
    assert ".cache/toxiproxy" in cached and ".cache/pytest-goproxy" in cached
    upload = uses["actions/upload-artifact"]
    assert upload["if"] == "always()" and upload["with"]["path"] == "reports/"
    assert job["env"]["PYTEST_GOPROXY_CACHE"].endswith(".cache/pytest-goproxy")


def test_gitlab_job_shape() -> None:
    job = load(GITLAB)["outages"]
    assert job["cache"]["key"]["files"] == ["go.sum"] and job["cache"]["paths"] == [".cache/"]
    for variable in ("GOMODCACHE", "GOCACHE", "PYTEST_GOPROXY_CACHE"):
        assert job["variables"][variable].startswith("$CI_PROJECT_DIR/.cache/")
    artifacts = job["artifacts"]
    assert artifacts["when"] == "always" and artifacts["paths"] == ["reports/"]
    assert artifacts["reports"]["junit"] == "reports/outages.xml"


@pytest.mark.parametrize("runs", [github_runs, gitlab_runs], ids=["github", "gitlab"])
def test_both_run_the_outage_tests_and_the_matrix_into_the_published_directory(
    runs: Any,
) -> None:
    lines: list[str] = runs()
    tests = [line for line in lines if "-m pytest" in line]
    assert tests == ["python -m pytest -m network_faults -ra --junitxml=reports/outages.xml"]
    matrix = [line for line in lines if line.startswith("pytest-goproxy matrix")]
    assert matrix == [
        "pytest-goproxy matrix . --jobs 2 --timeout 30 --out reports/matrix "
        "--expect outages/matrix.json"
    ]
    assert any("install-toxiproxy --dir .cache/toxiproxy" in line for line in lines)


@pytest.mark.parametrize("runs", [github_runs, gitlab_runs], ids=["github", "gitlab"])
def test_every_pytest_goproxy_command_parses(runs: Any) -> None:
    lines: list[str] = runs()
    commands = [m.group(0).strip() for line in lines for m in OUR_COMMAND.finditer(line)]
    # comments name commands too (how to write the expected matrix): those must parse as well
    path = GITHUB if runs is github_runs else GITLAB
    commented = re.finditer(r"`(pytest-goproxy [^`]*)`", path.read_text(encoding="utf-8"))
    commands += [m.group(1) for m in commented]
    assert len(commands) >= 3
    parser = _parser()
    for command in commands:
        argv = shlex.split(command)[1:]
        try:
            args = parser.parse_args(argv)
        except SystemExit:  # argparse's way of saying "unknown option"
            pytest.fail(f"{command!r} does not parse with pytest-goproxy's command line")
        assert args.command == argv[0]
    # `--out DIR` writes the HTML report by default (the file the recipes publish)
    args = parser.parse_args(["matrix", ".", "--out", "reports/matrix"])
    assert "html" in args.format.split(",")


def test_the_pytest_command_selects_outage_tests(tmp_path: Path) -> None:
    """The recipe's pytest options, on this repository's example suite, collect only."""
    [line] = [line for line in github_runs() if "-m pytest" in line]
    argv = shlex.split(line)[3:]  # after `python -m pytest`
    argv = [a.replace("reports/", f"{tmp_path}/") for a in argv]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", *argv, "--collect-only", "-q", "examples/tests"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    collected = re.search(r"(\d+)(?:/\d+)? tests? collected", run.stdout)
    assert collected and int(collected.group(1)) > 0, run.stdout[-2000:]
    assert (tmp_path / "outages.xml").is_file()
    # the marker is ours (a typo would select nothing, silently)
    markers = subprocess.run(
        [sys.executable, "-m", "pytest", "--markers"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "@pytest.mark.network_faults" in markers.stdout


def test_actionlint_accepts_the_workflow() -> None:
    """actionlint (built with `go install github.com/rhysd/actionlint/cmd/actionlint`, as
    .ci/run does) checks the workflow as GitHub would read it: keys, expressions, the
    actions' inputs. Skipped without it, an error in CI."""
    binary = os.environ.get("ACTIONLINT_BIN") or shutil.which("actionlint")
    if not binary:
        skip_or_fail("actionlint is not installed ($ACTIONLINT_BIN, or actionlint on PATH)")
    run = subprocess.run(
        [binary, "-no-color", str(GITHUB)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout + run.stderr

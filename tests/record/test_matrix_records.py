"""``pytest-goproxy matrix PROJECT_DIR`` on a project with no module files (issue 22): it records
the closure once with the user's Go settings, says so in one line, runs the matrix on it, and
reuses the kept snapshot next time.

The user's "internet" is a FakeGoProxy with its own checksum database (the user's GOPROXY and
GOSUMDB point there, as in test_record.py); the matrix runs real go and real toxiproxy; the
cache is a temporary directory (PYTEST_GOPROXY_CACHE).
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from record_helpers import user_env

from pytest_goproxy import ChecksumDB, FakeGoProxy, GoRunner
from pytest_goproxy.ci import skip_or_fail
from pytest_goproxy.errors import ToxiproxyError
from pytest_goproxy.gomod.snapshot import Snapshot
from pytest_goproxy.matrix import MatrixProject
from pytest_goproxy.matrix.own import CACHE_ENV, ensure_snapshot, snapshot_dir
from pytest_goproxy.network.server import resolve_toxiproxy

pytestmark = pytest.mark.network_faults

MAIN = """package main

import "example.test/lib"

func main() { println(lib.Name()) }
"""
RECORDING = "no snapshot of example.test/app yet: recording its modules with your Go settings"


@pytest.fixture
def upstream() -> Iterator[tuple[FakeGoProxy, ChecksumDB]]:
    """The user's (fake) internet: a proxy and the checksum database it serves."""
    with FakeGoProxy() as proxy, ChecksumDB() as db:
        proxy.add_module(
            "example.test/util", "v1.1.0", files={"util.go": "package util\n\nconst N = 1\n"}
        )
        proxy.add_module(
            "example.test/lib",
            "v1.0.0",
            files={
                "lib.go": 'package lib\n\nimport "example.test/util"\n\n'
                'func Name() string { _ = util.N; return "lib" }\n'
            },
            requires={"example.test/util": "v1.1.0"},
        )
        db.attach(proxy)
        yield proxy, db


@pytest.fixture
def project(tmp_path: Path, upstream: tuple[FakeGoProxy, ChecksumDB], go: GoRunner) -> Path:
    """The user's project, its go.sum made through the upstream (as committed); no module
    files of its own."""
    app = go.project(
        module="example.test/app",
        requires={"example.test/lib": "v1.0.0"},
        files={"main.go": MAIN},
    )
    app.tidy(env={"GOPROXY": upstream[0].url, "GOSUMDB": "off"}).assert_ok()
    return Path(shutil.copytree(app.path, tmp_path / "app"))


@pytest.fixture(scope="module")
def toxiproxy_bin() -> str:
    """The toxiproxy binary the command runs (found, or built once, as the plugin does)."""
    try:
        return str(resolve_toxiproxy(os.environ.get("TOXIPROXY_BIN") or None))
    except ToxiproxyError as exc:
        skip_or_fail(exc)


@pytest.fixture
def shell(
    tmp_path: Path, upstream: tuple[FakeGoProxy, ChecksumDB], toxiproxy_bin: str
) -> dict[str, str]:
    """The user's shell: GOPROXY and GOSUMDB are the upstream's, no private pattern, the
    plugin's cache in the test's directory, toxiproxy found."""
    proxy, db = upstream
    env = user_env(tmp_path, GOPROXY=proxy.url, GOSUMDB=db.gosumdb)
    env[CACHE_ENV] = str(tmp_path / "cache")
    env["TOXIPROXY_BIN"] = toxiproxy_bin
    for name in ("TMPDIR", "CI"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def matrix(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``pytest-goproxy matrix ARGS`` in the user's shell, stdout a pipe (plain lines)."""
    return subprocess.run(
        [sys.executable, "-m", "pytest_goproxy.cli", "matrix", *args, "--timeout", "30"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_matrix_records_once_then_reuses_the_snapshot(
    tmp_path: Path, project: Path, shell: dict[str, str]
) -> None:
    out = tmp_path / "report"
    cells = ["--faults", "none,refused", "--configs", "single,goprivate_direct"]
    first = matrix(shell, str(project), *cells, "--out", str(out), "--format", "md")
    assert first.returncode == 0, first.stdout + first.stderr
    recording = [line for line in first.stderr.splitlines() if "recording" in line]
    assert len(recording) == 1 and RECORDING in recording[0], first.stderr
    kept = snapshot_dir(project, env=shell)
    assert str(kept) in recording[0]
    assert Snapshot.load(kept).go_env == {"GOPRIVATE": "", "GONOPROXY": "", "GONOSUMDB": ""}
    assert [p.name for p in kept.parent.iterdir()] == [kept.name]  # no temporary left

    assert "none x single: recovered" in first.stdout
    assert "refused x single: failed REFUSED" in first.stdout
    assert "refused x goprivate_direct: failed REFUSED" in first.stdout  # a comma list
    twin = "note: no private pattern: GOPRIVATE is empty, so this is comma_direct"
    assert first.stdout.count(twin) == 2, first.stdout
    said = (
        "no private pattern (GOPRIVATE, GONOPROXY and GONOSUMDB are empty in the snapshot's "
        "recorded go env)"
    )
    assert said in (out / "matrix.md").read_text()

    again = matrix(shell, str(project), "--faults", "none", "--configs", "single")
    assert again.returncode == 0, again.stderr
    assert "recording" not in again.stderr
    assert "none x single: recovered" in again.stdout

    refreshed = matrix(shell, str(project), "--refresh", "--faults", "none", "--configs", "single")
    assert refreshed.returncode == 0, refreshed.stderr
    assert "recording again (--refresh)" in refreshed.stderr
    assert [p.name for p in kept.parent.iterdir()] == [kept.name]


def test_no_record_fails_before_anything_naming_record(
    tmp_path: Path, project: Path, shell: dict[str, str]
) -> None:
    result = matrix(shell, str(project), "--no-record")
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "`pytest-goproxy record " in result.stderr
    assert not (tmp_path / "cache").exists()
    assert result.stdout == ""


def test_a_failed_recording_leaves_no_snapshot(
    tmp_path: Path, project: Path, shell: dict[str, str]
) -> None:
    result = matrix({**shell, "GOPROXY": "off"}, str(project))
    assert result.returncode == 1, result.stderr  # not a usage error: go could not download
    assert "`go mod download all` failed" in result.stderr
    assert list((tmp_path / "cache" / "snapshots").iterdir()) == []


def test_the_snapshot_serves_a_user_project_from_pytest(
    pytester: pytest.Pytester,
    project: Path,
    shell: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """README's recipe: goproxy_matrix_project overridden with the user's project and its
    snapshot (recorded here into the cache, as `pytest-goproxy matrix` would)."""
    snapshot = ensure_snapshot(project, env=shell, notify=lambda _line: None)
    pytester.makeconftest(
        f"""
        import pytest
        from pytest_goproxy.matrix import MatrixProject

        @pytest.fixture(scope="session")
        def goproxy_matrix_project():
            return MatrixProject.user({str(project)!r}, modules={str(snapshot)!r})
        """
    )
    pytester.makepyfile(
        test_ours="""
        import pytest

        @pytest.mark.goproxy_matrix(faults=["none", "refused"], configs=["pipe_backup"])
        def test_our_goproxy_survives(matrix_cell):
            assert matrix_cell.verdict == "recovered", matrix_cell.error

        @pytest.mark.goproxy_matrix(faults=["refused"], configs=["goprivate"])
        def test_goprivate_is_single_without_a_pattern(matrix_cell):
            assert matrix_cell.failure == "REFUSED", matrix_cell.error
            assert matrix_cell.notes == (
                "no private pattern: GOPRIVATE is empty, so this is single",
            )
        """
    )
    monkeypatch.setenv("TOXIPROXY_BIN", shell["TOXIPROXY_BIN"])
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=3)
    project_of = MatrixProject.user(project, modules=str(snapshot))
    assert project_of.private == ""


def test_origins_asks_record_for_the_origins(
    tmp_path: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--origins`` reaches ``record(..., origins=True)`` and is kept apart from a snapshot
    without origins (a stand-in record: the real one's origins are tested with record)."""
    recording = importlib.import_module("pytest_goproxy.record")

    calls: list[dict[str, object]] = []

    def record(project_dir: Path, out_dir: Path, **kwargs: object) -> None:
        calls.append(kwargs)
        (Path(out_dir) / "cache" / "download").mkdir(parents=True)
        (Path(out_dir) / "snapshot.json").write_text("{}")

    def record_with_origins(
        project_dir: Path, out_dir: Path, *, origins: bool = False, **kwargs: object
    ) -> None:
        record(project_dir, out_dir, origins=origins, **kwargs)

    env = {CACHE_ENV: str(tmp_path / "cache")}
    monkeypatch.setattr(recording, "record", record_with_origins)
    plain = ensure_snapshot(project, env=env, notify=lambda _line: None)
    with_origins = ensure_snapshot(project, origins=True, env=env, notify=lambda _line: None)
    assert with_origins == snapshot_dir(project, origins=True, env=env) != plain
    assert [call.get("origins") for call in calls] == [False, True]
    # a run without --origins is served by the richer snapshot from now on, unrecorded
    assert ensure_snapshot(project, env=env, notify=lambda _line: None) == with_origins
    assert len(calls) == 2

    def record_without(project_dir: Path, out_dir: Path, *, env: object = None) -> None:
        raise AssertionError("not called")

    monkeypatch.setattr(recording, "record", record_without)
    with pytest.raises(Exception, match="cannot fetch the modules' origins"):
        ensure_snapshot(project, origins=True, refresh=True, env=env)

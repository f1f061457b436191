"""record keeps the toolchain a project's go.mod asks for, and the replay serves it (issue 25).

The fast tests record from a fake upstream serving a synthetic go1.99.0. The slow one records the
real go1.27.3 (about 75 MB) from proxy.golang.org with a user's settings, the one place these
tests reach the internet, then replays it on loopback: the switched run's ``go version`` is the
real go1.27.3's, and a body cut short in the replay fails the switch.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_goproxy import ChecksumDB, FakeGoProxy, GoRunner
from pytest_goproxy.gomod.toolchain import TOOLCHAIN_MODULE, toolchain_version
from pytest_goproxy.gorun import Failure
from pytest_goproxy.record import MANIFEST, Snapshot, record, serve_snapshot

sys.path.insert(0, str(Path(__file__).resolve().parent))
from record_helpers import user_env

MAIN = 'package main\n\nimport _ "example.test/lib"\n\nfunc main() {}\n'
LIB = "require example.test/lib v1.0.0\n"


def write_project(directory: Path, go_mod: str, main: str = MAIN) -> Path:
    """A project; with the default ``main``, its go.mod needs :data:`LIB` added."""
    directory.mkdir()
    (directory / "go.mod").write_text(go_mod)
    (directory / "main.go").write_text(main)
    return directory


@pytest.fixture
def upstream(go: GoRunner) -> Iterator[tuple[FakeGoProxy, ChecksumDB]]:
    with FakeGoProxy() as proxy, ChecksumDB() as db:
        db.attach(proxy)
        proxy.add_toolchain("go1.99.0", go=go.binary)
        proxy.add_module("example.test/lib", "v1.0.0")
        yield proxy, db


def test_record_keeps_the_toolchain_line_and_the_replay_serves_it(
    tmp_path: Path, go: GoRunner, upstream: tuple[FakeGoProxy, ChecksumDB]
) -> None:
    proxy, db = upstream
    project = write_project(
        tmp_path / "app", "module example.test/app\n\ngo 1.21\n\ntoolchain go1.99.0\n"
    )
    # GOTOOLCHAIN=local (user_env's): go would not switch, record fetches the toolchain itself
    env = user_env(tmp_path, GOPROXY=proxy.url, GOSUMDB=db.gosumdb)
    result = record(project, tmp_path / "snap", env=env, go=go.binary)
    version = toolchain_version("go1.99.0", go.binary.goos, go.binary.goarch)
    assert (TOOLCHAIN_MODULE, version) in result.versions, result
    manifest = json.loads((result.snapshot / MANIFEST).read_text())
    assert manifest["toolchain"] == "go1.99.0"
    proxy.assert_requested("zip", TOOLCHAIN_MODULE, version)

    app = go.project_from_dir(project)
    with serve_snapshot(Snapshot.load(result.snapshot)) as replay:
        switched = app.run("version", env=replay.env, gotoolchain="auto").assert_ok()
        assert switched.switched_to == "go1.99.0"
        assert switched.stdout.split()[2] == "go1.99.0"
        replay.proxy.assert_requested("zip", TOOLCHAIN_MODULE, version, count=1)
        switched.assert_no_escapes()


def test_a_project_on_the_recording_go_records_no_toolchain(
    tmp_path: Path, go: GoRunner, upstream: tuple[FakeGoProxy, ChecksumDB]
) -> None:
    proxy, db = upstream
    project = write_project(tmp_path / "app", "module example.test/app\n\ngo 1.21\n\n" + LIB)
    env = user_env(tmp_path, GOPROXY=proxy.url, GOSUMDB=db.gosumdb)
    result = record(project, tmp_path / "snap", env=env, go=go.binary)
    assert all(path != TOOLCHAIN_MODULE for path, _ in result.versions)
    assert "toolchain" not in json.loads((result.snapshot / MANIFEST).read_text())
    proxy.assert_not_requested(module=TOOLCHAIN_MODULE)


def test_a_toolchain_the_proxy_lacks_is_a_warning(
    tmp_path: Path, go: GoRunner, upstream: tuple[FakeGoProxy, ChecksumDB]
) -> None:
    """The recording goes on (with GOTOOLCHAIN=local the user's build runs without it)."""
    proxy, db = upstream
    project = write_project(
        tmp_path / "app", "module example.test/app\n\ngo 1.21\n\ntoolchain go1.98.0\n"
    )
    env = user_env(tmp_path, GOPROXY=proxy.url, GOSUMDB=db.gosumdb)
    result = record(project, tmp_path / "snap", env=env, go=go.binary)
    [warning] = [w for w in result.warnings if "toolchain" in w]
    assert warning.startswith("toolchain go1.98.0 (golang.org/toolchain@v0.0.1-go1.98.0.")
    assert "could not be recorded" in warning


REAL = "go1.27.3"


@pytest.mark.slow
def test_the_real_toolchain_recorded_from_the_go_module_proxy(tmp_path: Path, go: GoRunner) -> None:
    """go1.27.3 on this go1.26 machine: recorded from proxy.golang.org (the user's settings,
    Go's defaults), replayed on loopback, where go switches to it and a cut body stops it."""
    assert go.binary.version_info < (1, 27, 3), f"needs a go older than {REAL}: {go.binary}"
    go_mod = f"module example.test/app\n\ngo 1.21\n\ntoolchain {REAL}\n"
    project = write_project(tmp_path / "app", go_mod, main="package main\n\nfunc main() {}\n")
    env = user_env(
        tmp_path,
        GOPROXY="https://proxy.golang.org",
        GOSUMDB="sum.golang.org",
        GOTOOLCHAIN="auto",
        **{k: os.environ[k] for k in ("HTTPS_PROXY", "SSL_CERT_FILE") if k in os.environ},
    )
    result = record(project, tmp_path / "snap", env=env, go=go.binary, timeout=900)
    version = toolchain_version(REAL, go.binary.goos, go.binary.goarch)
    assert (TOOLCHAIN_MODULE, version) in result.versions, result
    app = go.project_from_dir(project)
    with serve_snapshot(Snapshot.load(result.snapshot)) as replay:
        size = replay.store.get(TOOLCHAIN_MODULE, version).zip_size  # type: ignore[union-attr]
        assert size > 50_000_000, size  # the real one, not a synthetic few hundred bytes
        switched = app.run("version", env=replay.env, gotoolchain="auto", timeout=300)
        assert switched.assert_ok().stdout.split()[:3] == ["go", "version", REAL]
        assert switched.switched_to == REAL
        switched.assert_no_escapes()
        [served] = replay.proxy.requests("zip", TOOLCHAIN_MODULE, version)
        assert served.status == 200
        with replay.proxy.inject("cut_body", kind="zip", module=TOOLCHAIN_MODULE):
            cut = app.run("version", env=replay.env, gotoolchain="auto", timeout=300)
        cut.assert_failure(Failure.TOOLCHAIN)
        assert cut.cause is Failure.TRUNCATED, cut.describe()
        assert cut.classification is not None and cut.classification.toolchain == REAL
    # the matrix of the recorded project starts its cells with the switch to the real toolchain
    from pytest_goproxy.matrix import MatrixProject
    from pytest_goproxy.matrix.runner import MatrixRunner

    recorded = MatrixProject.of(project, result.snapshot, "")
    with MatrixRunner(recorded, runner=go, timeout=300, command=["version"]) as matrix:
        assert matrix.switch_toolchain() == REAL
        for fault, verdict in (("none", "recovered"), ("cut_body", "failed")):
            outcome = matrix.engine.run(
                matrix.outage(fault, "single"), recorded.modules, project=project, private=""
            )
            assert outcome.cell.verdict == verdict, outcome.cell
            assert outcome.result is not None
            assert outcome.result.toolchain_download == REAL


def test_the_matrix_of_a_recorded_project_starts_with_its_own_toolchain(
    tmp_path: Path, go: GoRunner, upstream: tuple[FakeGoProxy, ChecksumDB]
) -> None:
    """No --toolchain: the project's go.mod asks for go1.99.0 and the recording holds it, so
    every cell switches to the recorded toolchain (not a synthetic one made anew)."""
    from pytest_goproxy.matrix import MatrixProject
    from pytest_goproxy.matrix.runner import MatrixRunner

    proxy, db = upstream
    go_mod = "module example.test/app\n\ngo 1.21\n\ntoolchain go1.99.0\n\n" + LIB
    project = write_project(tmp_path / "app", go_mod)
    env = user_env(tmp_path, GOPROXY=proxy.url, GOSUMDB=db.gosumdb)
    snapshot = record(project, tmp_path / "snap", env=env, go=go.binary).snapshot
    version = toolchain_version("go1.99.0", go.binary.goos, go.binary.goarch)
    recorded = proxy.store.get(TOOLCHAIN_MODULE, version)
    assert recorded is not None
    with MatrixRunner(MatrixProject.of(project, snapshot, ""), runner=go, timeout=30) as matrix:
        assert matrix.switch_toolchain() == "go1.99.0"
        served = matrix.store().get(TOOLCHAIN_MODULE, version)
        assert served is not None and served.zip_hash == recorded.zip_hash
        outcome = matrix.engine.run(
            matrix.outage("none", "single"), matrix.project.modules, project=project, private=""
        )
    assert outcome.cell.verdict == "recovered", outcome.cell
    assert outcome.result is not None and outcome.result.switched_to == "go1.99.0"
    plain = write_project(tmp_path / "plain", "module example.test/app\n\ngo 1.21\n\n" + LIB)
    with MatrixRunner(MatrixProject.of(plain, snapshot, ""), runner=go) as matrix:
        assert matrix.switch_toolchain() is None

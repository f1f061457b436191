"""GoRunner and GoProject: projects, copies, module caches, cleanup, errors and messages."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from gorun_servers import LIB, LIB_VERSION

from pytest_goproxy.errors import GoNotFoundError, GoProjectError
from pytest_goproxy.gorun import Failure, GoBinary, GoRunner, find_go


def test_generated_project(go: GoRunner) -> None:
    project = go.project(
        module="example.test/app", requires={LIB: LIB_VERSION, "b.test/x": "v0.1.0"}
    )
    assert project.go_mod == (
        "module example.test/app\n\ngo 1.21\n\nrequire (\n\tb.test/x v0.1.0\n"
        f"\t{LIB} {LIB_VERSION}\n)\n"
    )
    assert f'_ "{LIB}"' in project.read("main.go")
    assert project.go_sum is None


def test_files_are_written_as_given(go: GoRunner) -> None:
    project = go.project(
        files={"cmd/x/main.go": "package main\n", "data.bin": b"\x00"}, go_version="1.22"
    )
    assert (project.path / "data.bin").read_bytes() == b"\x00"
    assert not (project.path / "main.go").exists()
    assert project.go_mod == "module example.test/app\n\ngo 1.22\n"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"module": "has space"}, "malformed import path \"has space\": invalid char ' '"),
        ({"requires": {LIB: "1.2.0"}}, "must be of the form v1.2.3"),
        ({"go_version": "latest"}, 'invalid go version "latest"'),
        ({"files": {"../escape.go": "x"}}, "relative path inside the project"),
    ],
)
def test_bad_projects_are_clear_errors(go: GoRunner, kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(GoProjectError, match=match):
        go.project(**kwargs)  # type: ignore[arg-type]


def test_project_from_dir_copies_and_never_touches_the_original(
    go: GoRunner, tmp_path: Path, module_tree: Path
) -> None:
    original = tmp_path / "user-project"
    (original / ".git").mkdir(parents=True)
    (original / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (original / "go.mod").write_text(
        f"module example.test/user\n\ngo 1.21\n\nrequire {LIB} {LIB_VERSION}\n"
    )
    (original / "main.go").write_text(f'package main\n\nimport _ "{LIB}"\n\nfunc main() {{}}\n')
    before = {p: p.read_bytes() for p in original.rglob("*") if p.is_file()}
    project = go.project_from_dir(original)
    assert not (project.path / ".git").exists()
    project.tidy(env={"GOPROXY": module_tree.as_uri()}).assert_ok()
    assert project.go_sum is not None
    assert {p: p.read_bytes() for p in original.rglob("*") if p.is_file()} == before


def test_project_from_dir_errors(go: GoRunner, tmp_path: Path) -> None:
    with pytest.raises(GoProjectError, match="not a directory"):
        go.project_from_dir(tmp_path / "missing")
    with pytest.raises(GoProjectError, match=r"no go\.mod"):
        go.project_from_dir(tmp_path)


def test_warm_cache_survives_an_outage(go: GoRunner, module_tree: Path) -> None:
    warm = go.warm_cache()
    assert go.warm_cache() is warm
    project = go.project(requires={LIB: LIB_VERSION}, modcache=warm)
    project.tidy(env={"GOPROXY": module_tree.as_uri()}).assert_ok()
    assert warm.has(LIB, LIB_VERSION)
    # the proxy is gone now (GOPROXY=off): the build still works from the warm cache
    project.build(env={"GOPROXY": "off"}).assert_ok()
    # the same project without the shared cache is cold
    project.build(env={"GOPROXY": "off"}, modcache=go.module_cache()).assert_failure(
        Failure.PROXY_OFF
    )


def test_gopath_is_fresh_per_run_unless_shared_on_purpose(go: GoRunner) -> None:
    def gopath_of(**kwargs: object) -> str:
        result = go.run(["env", "GOPATH"], **kwargs)  # type: ignore[arg-type]
        return result.assert_ok().stdout.strip()

    assert gopath_of() != gopath_of()
    shared = go.gopath()
    assert shared.is_dir() and shared.is_relative_to(go.root)
    assert gopath_of(gopath=shared) == gopath_of(gopath=shared) == str(shared)
    project = go.project(gopath=shared)
    assert project.run("env", "GOPATH").assert_ok().stdout.strip() == str(shared)
    other = go.gopath()
    assert project.run("env", "GOPATH", gopath=other).stdout.strip() == str(other)  # run wins
    # what a run leaves in it (here the remembered checksum-database tree: pkg/sumdb) stays
    (shared / "pkg" / "sumdb").mkdir(parents=True)
    assert go.run(["env", "GOPATH"], gopath=shared).ok and (shared / "pkg" / "sumdb").is_dir()
    go.close()
    assert not shared.exists()


def test_project_go_mod_is_written_by_gomod(go: GoRunner) -> None:
    """One go.mod writer for the proxy and for projects: go's own layout and rules."""
    one = go.project(module="app", requires={LIB: LIB_VERSION})  # a main module needs no dot
    assert one.go_mod == f"module app\n\ngo 1.21\n\nrequire {LIB} {LIB_VERSION}\n"
    with pytest.raises(GoProjectError, match="missing dot in first path element"):
        go.project(requires={"nodot/lib": "v1.0.0"})  # a dependency must be fetchable


def test_close_removes_read_only_module_caches(
    go_binary: GoBinary, tmp_path: Path, module_tree: Path
) -> None:
    runner = GoRunner(go_binary, workdir=tmp_path)
    project = runner.project(requires={LIB: LIB_VERSION})
    result = project.download(env={"GOPROXY": module_tree.as_uri(), "GOFLAGS": None})
    result.assert_ok()
    extracted = Path(result.env["GOMODCACHE"]) / "cache" / "download" / LIB / "@v"
    assert extracted.is_dir()
    project.tidy(env={"GOPROXY": module_tree.as_uri(), "GOFLAGS": None}).assert_ok()
    read_only = [
        p for p in runner.root.rglob(f"{LIB.rsplit('/', 1)[-1]}@{LIB_VERSION}") if p.is_dir()
    ]
    assert read_only and not read_only[0].stat().st_mode & stat.S_IWUSR
    runner.close()
    assert not runner.root.exists()
    runner.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        runner.run(["version"])


def test_missing_go_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(GoNotFoundError, match=r"--go=.*GO_BINARY"):
        GoRunner(go=tmp_path / "no-go")
    monkeypatch.delenv("GO_BINARY", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GoNotFoundError, match="no `go` command on PATH"):
        find_go()
    fake = tmp_path / "go"
    fake.write_text("#!/bin/sh\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(GoNotFoundError, match="does not behave like the go command"):
        find_go()
    monkeypatch.setenv("GO_BINARY", str(tmp_path / "elsewhere"))
    with pytest.raises(GoNotFoundError, match="GO_BINARY names"):
        find_go()


def test_find_go_accepts_a_goroot(go_binary: GoBinary) -> None:
    found = find_go(go_binary.goroot)
    assert found.path == go_binary.path or found.path.resolve() == go_binary.path.resolve()
    assert found.version.startswith("go") and found.version_info >= (1, 0, 0)
    assert found.language_version == "{}.{}".format(*found.version_info[:2])


def test_messages_a_person_can_act_on(go: GoRunner) -> None:
    project = go.project(requires={LIB: LIB_VERSION})
    result = project.tidy(env={"GOPROXY": "off", "GONOSUMDB": "example.test"})
    with pytest.raises(AssertionError) as info:
        result.assert_ok()
    message = str(info.value)
    assert "`go mod tidy`" in message and str(project.path) in message
    assert "GOPROXY=off" in message and "GONOSUMDB=example.test" in message
    assert "classified as PROXY_OFF" in message
    assert "module lookup disabled by GOPROXY=off" in message
    with pytest.raises(AssertionError, match="expected failure REFUSED, got PROXY_OFF"):
        result.assert_failure(Failure.REFUSED)
    with pytest.raises(AssertionError, match="expected the command to hang"):
        result.assert_hung()
    ok = go.run(["version"]).assert_ok()
    with pytest.raises(AssertionError, match="but the command succeeded"):
        ok.assert_failure(Failure.DNS)


def test_runner_arguments(go_binary: GoBinary) -> None:
    with pytest.raises(ValueError, match="timeout"):
        GoRunner(go_binary, timeout=0)
    with GoRunner(go_binary, env={"GOFLAGS": "-mod=mod"}) as runner:
        with pytest.raises(TypeError):
            runner.run("version")  # type: ignore[arg-type]
        result = runner.run(["env", "GOFLAGS"], env={"GOFLAGS": "-trimpath"})
        assert result.stdout.split() == ["-modcacherw", "-mod=mod", "-trimpath"]
        with pytest.raises(GoProjectError, match="does not exist"):
            runner.run(["version"], cwd=os.path.join(runner.root, "nope"))
    assert not runner.root.exists()

"""The real go command against FakeGoProxy: download, tidy, build, hashes, every module source."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pytest_goproxy import FakeGoProxy, GoRunner

LIB_BODY = '// Answer is what main prints.\nfunc Answer() string { return "forty-two" }\n'
LIB_GO = "package lib\n\n" + LIB_BODY
APP_GO = (
    "package main\n\n"
    'import (\n\t"fmt"\n\n\t"example.test/lib"\n)\n\n'
    "func main() { fmt.Println(lib.Answer()) }\n"
)


def env_for(proxy: FakeGoProxy) -> dict[str, str]:
    return {"GOPROXY": proxy.url, "GOSUMDB": "off"}


def downloaded(go: GoRunner, proxy: FakeGoProxy, module: str, version: str) -> dict[str, str]:
    """What `go mod download -json` reports for module@version: the hashes go computed itself."""
    project = go.project(module="example.test/probe", files={"probe.go": "package probe\n"})
    result = project.run("mod", "download", "-json", f"{module}@{version}", env=env_for(proxy))
    result.assert_ok()
    info: dict[str, str] = json.loads(result.stdout)
    return info


def assert_hashes_match_go(go: GoRunner, proxy: FakeGoProxy, module: str, version: str) -> None:
    info = downloaded(go, proxy, module, version)
    zip_line, mod_line = proxy.go_sum_lines(module, version)
    assert zip_line == f"{module} {version} {info['Sum']}"
    assert mod_line == f"{module} {version}/go.mod {info['GoModSum']}"


def test_tidy_and_build_a_program_importing_a_served_module(
    goproxy: FakeGoProxy, go: GoRunner
) -> None:
    goproxy.add_module("example.test/lib", "v1.2.0", {"lib.go": LIB_GO})
    project = go.project(
        module="example.test/app",
        requires={"example.test/lib": "v1.2.0"},
        files={"main.go": APP_GO},
    )
    tidy = project.tidy(env=env_for(goproxy))
    tidy.assert_ok()
    assert tidy.go_sum is not None
    for line in goproxy.go_sum_lines("example.test/lib", "v1.2.0"):
        assert line in tidy.go_sum.splitlines()
    build = project.build(env=env_for(goproxy))
    build.assert_ok()
    run = project.run("run", ".", env=env_for(goproxy))
    run.assert_ok()
    assert run.stdout.strip() == "forty-two"
    goproxy.assert_requested("zip", "example.test/lib", "v1.2.0")
    assert all(r.status == 200 for r in goproxy.request_log)


def test_go_mod_download_hashes_equal_go_sum_lines(goproxy: FakeGoProxy, go: GoRunner) -> None:
    goproxy.add_module(
        "example.test/lib",
        "v1.2.0",
        {"lib.go": LIB_GO, "sub/sub.go": "package sub\n", "README.md": "# lib\n"},
    )
    assert_hashes_match_go(go, goproxy, "example.test/lib", "v1.2.0")


def test_major_version_v2_module(goproxy: FakeGoProxy, go: GoRunner) -> None:
    goproxy.add_module("example.test/lib/v2", "v2.1.0", {"lib.go": LIB_GO})
    assert_hashes_match_go(go, goproxy, "example.test/lib/v2", "v2.1.0")
    app = APP_GO.replace('"example.test/lib"', 'lib "example.test/lib/v2"')
    project = go.project(
        module="example.test/app",
        requires={"example.test/lib/v2": "v2.1.0"},
        files={"main.go": app},
    )
    project.tidy(env=env_for(goproxy)).assert_ok()
    project.build(env=env_for(goproxy)).assert_ok()


def test_incompatible_version_without_go_mod(goproxy: FakeGoProxy, go: GoRunner) -> None:
    goproxy.add_module("example.test/old", "v3.0.0+incompatible", {"old.go": "package old\n"})
    assert_hashes_match_go(go, goproxy, "example.test/old", "v3.0.0+incompatible")


def test_commit_query_resolves_to_the_pseudo_version(goproxy: FakeGoProxy, go: GoRunner) -> None:
    pseudo = "v0.0.0-20240102030405-abcdef123456"
    goproxy.add_module("example.test/lib", pseudo, {"lib.go": LIB_GO})
    project = go.project(module="example.test/app", files={"main.go": APP_GO})
    result = project.run("get", "example.test/lib@abcdef123456", env=env_for(goproxy))
    result.assert_ok()
    assert f"example.test/lib {pseudo}" in (result.go_mod or "")
    goproxy.assert_requested("info", "example.test/lib", "abcdef123456")


def test_go_get_latest_picks_the_newest_release(goproxy: FakeGoProxy, go: GoRunner) -> None:
    for version in ("v1.0.0", "v1.3.0", "v1.10.0", "v1.11.0-rc.1"):
        goproxy.add_module("example.test/lib", version, {"lib.go": LIB_GO})
    project = go.project(module="example.test/app", files={"main.go": APP_GO})
    result = project.run("get", "example.test/lib@latest", env=env_for(goproxy))
    result.assert_ok()
    assert "example.test/lib v1.10.0" in (result.go_mod or "")


def test_latest_without_tags_uses_the_pseudo_version(goproxy: FakeGoProxy, go: GoRunner) -> None:
    pseudo = "v0.0.0-20240102030405-abcdef123456"
    goproxy.add_module("example.test/lib", pseudo, {"lib.go": LIB_GO})
    project = go.project(module="example.test/app", files={"main.go": APP_GO})
    project.run("get", "example.test/lib@latest", env=env_for(goproxy)).assert_ok()
    goproxy.assert_requested("latest", "example.test/lib")


def test_retracted_versions_are_skipped_by_go_get(goproxy: FakeGoProxy, go: GoRunner) -> None:
    goproxy.add_module("example.test/lib", "v1.0.0", {"lib.go": LIB_GO})
    goproxy.add_module(
        "example.test/lib",
        "v1.1.0",
        {"lib.go": LIB_GO},
        retracts=["v1.1.0"],
    )
    project = go.project(module="example.test/app", files={"main.go": APP_GO})
    result = project.run("get", "example.test/lib@latest", env=env_for(goproxy))
    result.assert_ok()
    assert "example.test/lib v1.0.0" in (result.go_mod or "")
    listed = project.run("list", "-m", "-versions", "example.test/lib", env=env_for(goproxy))
    listed.assert_ok()
    assert listed.stdout.split() == ["example.test/lib", "v1.0.0"]


def test_module_from_a_directory(goproxy: FakeGoProxy, go: GoRunner, tmp_path: Path) -> None:
    src = tmp_path / "lib"
    (src / ".git").mkdir(parents=True)
    (src / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (src / "lib.go").write_text(LIB_GO)
    (src / "go.mod").write_text("module example.test/lib\n\ngo 1.21\n")
    goproxy.add_dir(src, "example.test/lib", "v1.2.0")
    assert_hashes_match_go(go, goproxy, "example.test/lib", "v1.2.0")
    project = go.project(
        module="example.test/app",
        requires={"example.test/lib": "v1.2.0"},
        files={"main.go": APP_GO},
    )
    project.tidy(env=env_for(goproxy)).assert_ok()
    project.build(env=env_for(goproxy)).assert_ok()


def test_module_from_a_txtar_archive(goproxy: FakeGoProxy, go: GoRunner, tmp_path: Path) -> None:
    archive = tmp_path / "example.test_lib_v1.2.0.txt"
    archive.write_text(
        "example.test/lib v1.2.0, written by hand\n"
        "-- .mod --\nmodule example.test/lib\n\ngo 1.21\n"
        '-- .info --\n{"Version":"v1.2.0","Time":"2024-01-02T03:04:05Z"}\n'
        "-- go.mod --\nmodule example.test/lib\n\ngo 1.21\n"
        f"-- lib.go --\n{LIB_GO}"
    )
    [mv] = goproxy.add_txtar(archive)
    assert (mv.path, mv.version) == ("example.test/lib", "v1.2.0")
    assert_hashes_match_go(go, goproxy, "example.test/lib", "v1.2.0")
    project = go.project(
        module="example.test/app",
        requires={"example.test/lib": "v1.2.0"},
        files={"main.go": APP_GO},
    )
    project.tidy(env=env_for(goproxy)).assert_ok()
    project.build(env=env_for(goproxy)).assert_ok()


def test_replay_a_module_cache_offline(
    goproxy: FakeGoProxy, goproxy_factory: object, go: GoRunner, tmp_path: Path
) -> None:
    """Download a closure once, then serve its module cache from a fresh proxy, byte for byte."""
    goproxy.add_module("example.test/dep", "v0.3.0", {"dep.go": "package dep\n"})
    goproxy.add_module(
        "example.test/lib",
        "v1.2.0",
        {"lib.go": 'package lib\n\nimport _ "example.test/dep"\n\n' + LIB_BODY},
        requires={"example.test/dep": "v0.3.0"},
    )
    modcache = go.module_cache()
    first = go.project(
        module="example.test/app",
        requires={"example.test/lib": "v1.2.0"},
        files={"main.go": APP_GO},
        modcache=modcache,
    )
    first.tidy(env=env_for(goproxy)).assert_ok()
    cache = tmp_path / "download"
    shutil.copytree(modcache.path / "cache" / "download", cache)

    assert callable(goproxy_factory)
    replay: FakeGoProxy = goproxy_factory()
    served = replay.add_module_cache(cache)
    assert {(m.path, m.version) for m in served} >= {
        ("example.test/lib", "v1.2.0"),
        ("example.test/dep", "v0.3.0"),
    }
    second = go.project(
        module="example.test/app",
        requires={"example.test/lib": "v1.2.0"},
        files={"main.go": APP_GO},
    )
    second.tidy(env=env_for(replay)).assert_ok()
    second.build(env=env_for(replay)).assert_ok()
    assert second.go_sum == first.go_sum


@pytest.mark.parametrize("escaped", ["example.test/Upper"])
def test_upper_case_module_paths(goproxy: FakeGoProxy, go: GoRunner, escaped: str) -> None:
    goproxy.add_module(escaped, "v1.0.0-RC1", {"upper.go": "package upper\n"})
    assert_hashes_match_go(go, goproxy, escaped, "v1.0.0-RC1")
    goproxy.assert_requested("zip", escaped, "v1.0.0-RC1")

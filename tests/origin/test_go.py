"""The real go against FakeOrigin: direct mode fetches tags and commits through git, and the zip
go builds from a tagged commit hashes to what FakeGoProxy serves for the same files."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest

from pytest_goproxy.gomod.store import ModuleStore
from pytest_goproxy.gorun import GoRunner
from pytest_goproxy.origin import FakeOrigin
from pytest_goproxy.proxy import FakeGoProxy

#: go fetches corp.example itself: not from a proxy, with no checksum database
DIRECT = {"GOPROXY": "direct", "GOPRIVATE": "corp.example", "GOSUMDB": "off"}


@pytest.fixture(autouse=True)
def routed(go: GoRunner, origin: FakeOrigin) -> None:
    """go and git reach the origin under its host names, through the go runs' network guard."""
    for host in origin.hosts:
        go.route(host, origin)


def download(go: GoRunner, env: Mapping[str, str], query: str) -> dict[str, str]:
    """``go mod download -json <query>``: what go fetched and the hashes it computed."""
    result = go.run(["mod", "download", "-json", query], env=dict(env))
    result.assert_ok()
    info: dict[str, str] = json.loads(result.stdout)
    return info


LIB = {"lib.go": "package lib\n\nfunc Answer() int { return 42 }\n", "README.md": "# lib\n"}

CASES = {
    "root": ("corp.example/lib", "v1.0.0", LIB, {}),
    "v2-at-root": ("corp.example/lib/v2", "v2.0.0", LIB, {}),
    "v2-in-subdir": ("corp.example/lib/v2", "v2.1.0", LIB, {"major_subdir": True}),
    "subdirectory": ("corp.example/lib/sub", "v0.3.0", {"sub.go": "package sub\n"}, {}),
    "sub-v3": ("corp.example/lib/sub/v3", "v3.0.0", {"sub.go": "package sub\n"}, {}),
    "excluded-files": (
        "corp.example/lib",
        "v1.1.0",
        {
            **LIB,
            "vendor/example.com/dep/dep.go": "package dep\n",
            "vendor/modules.txt": "# example.com/dep v1.0.0\n",
            "nested/go.mod": "module corp.example/lib/nested\n",
            "nested/nested.go": "package nested\n",
            "internal/x/x.go": "package x\n",
        },
        {},
    ),
    "requires": ("corp.example/lib", "v1.2.0", LIB, {"requires": {"example.com/dep": "v1.0.0"}}),
    "go1.24-vendor": (
        "corp.example/lib",
        "v1.3.0",
        {**LIB, "vendor/modules.txt": "# example.com/dep v1.0.0\n"},
        {"go_version": "1.24"},
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_go_hashes_the_tagged_commit_as_the_proxy_hashes_the_same_files(
    go: GoRunner, origin: FakeOrigin, case: str
) -> None:
    path, version, files, options = CASES[case]
    origin.add_module(path, version, files, **options)
    info = download(go, DIRECT, f"{path}@{version}")
    with ModuleStore() as store:
        same = {k: v for k, v in options.items() if k != "major_subdir"}
        served = store.add_module(path, version, files, **same)  # type: ignore[arg-type]
        names = zipfile.ZipFile(io.BytesIO(served.zip_bytes())).namelist()
    assert info["Version"] == version
    assert info["Sum"] == served.zip_hash
    assert info["GoModSum"] == served.mod_hash
    if case == "go1.24-vendor":  # from go 1.24 on vendor/modules.txt is left out too
        assert not [n for n in names if "/vendor/" in n]
    if case == "excluded-files":  # left out by both, not kept by both
        # (vendor/modules.txt stays in a go 1.21 module: x/mod's rule before go 1.24)
        assert not [n for n in names if "/vendor/example.com/" in n or "/nested/" in n]
        assert not (Path(info["Dir"]) / "vendor" / "example.com").exists()
        assert not (Path(info["Dir"]) / "nested").exists()
        assert (Path(info["Dir"]) / "internal" / "x" / "x.go").is_file()
    assert origin.requests("meta", repo="corp.example/lib")
    assert origin.requests("upload_pack", repo="lib")


def test_a_subdirectory_module_takes_the_repository_license(
    go: GoRunner, origin: FakeOrigin
) -> None:
    """coderepo.go: a module in a subdirectory without a LICENSE gets the repository root's, so
    its origin zip is the proxy's zip of its files plus that LICENSE."""
    origin.add_module("corp.example/lib", "v1.0.0", {**LIB, "LICENSE": "MIT\n"})
    origin.add_module("corp.example/lib/sub", "v0.1.0", {"sub.go": "package sub\n"})
    info = download(go, DIRECT, "corp.example/lib/sub@v0.1.0")
    with ModuleStore() as store:
        plain = store.add_module("corp.example/lib/sub", "v0.1.0", {"sub.go": "package sub\n"})
        licensed = store.add_module(
            "corp.example/lib/sub", "v0.1.0", {"sub.go": "package sub\n", "LICENSE": "MIT\n"}
        )
    assert info["Sum"] == licensed.zip_hash != plain.zip_hash


def test_an_untagged_commit_gets_a_reproducible_pseudo_version(
    go: GoRunner, origin: FakeOrigin
) -> None:
    v1 = origin.add_module("corp.example/lib", "v1.0.0", LIB)
    commit = origin.add_commit("corp.example/lib", {"more.go": "package lib\n"})
    env = DIRECT
    by_hash = download(go, env, f"corp.example/lib@{commit}")
    by_branch = download(go, env, "corp.example/lib@main")
    # one minute after v1.0.0's commit, the next patch version as its base (module/pseudo.go)
    assert v1.time.strftime("%Y%m%d%H%M%S") == "20240101000000"
    assert by_hash["Version"] == f"v1.0.1-0.20240101000100-{commit[:12]}"
    assert by_branch["Version"] == by_hash["Version"]
    assert by_hash["Sum"] == by_branch["Sum"]


def test_a_module_with_no_tag_is_a_v0_pseudo_version(go: GoRunner, origin: FakeOrigin) -> None:
    commit = origin.add_commit("corp.example/tool", {"tool.go": "package tool\n"})
    info = download(go, DIRECT, "corp.example/tool@latest")
    assert info["Version"] == f"v0.0.0-20240101000000-{commit[:12]}"


def test_go_lists_the_tags_as_versions(go: GoRunner, origin: FakeOrigin) -> None:
    for version in ("v1.0.0", "v1.1.0", "v1.2.0-rc.1"):
        origin.add_module("corp.example/lib", version, LIB)
    origin.add_module("corp.example/lib/sub", "v0.1.0")
    result = go.run(
        ["list", "-m", "-versions", "-json", "corp.example/lib"],
        env=DIRECT,
    )
    result.assert_ok()
    assert json.loads(result.stdout)["Versions"] == ["v1.0.0", "v1.1.0", "v1.2.0-rc.1"]
    stat = go.run(["list", "-m", "-json", "corp.example/lib@v1.1.0"], env=DIRECT)
    stat.assert_ok()
    assert json.loads(stat.stdout)["Time"] == "2024-01-01T00:01:00Z"  # the commit's time


def test_goprivate_skips_the_proxy_and_direct_follows_its_404(
    go: GoRunner, origin: FakeOrigin
) -> None:
    """The two ways to the origin: GOPRIVATE never asks the proxy; ``proxy,direct`` asks it
    first and goes direct on its 404."""
    origin.add_module("corp.example/lib", "v1.0.0", LIB)
    with FakeGoProxy(tls=True) as proxy:
        private = {"GOPROXY": proxy.url, "GOPRIVATE": "corp.example", "GOSUMDB": "off"}
        download(go, private, "corp.example/lib@v1.0.0")
        proxy.assert_not_requested()
        fallback = {"GOPROXY": f"{proxy.url},direct", "GOSUMDB": "off"}
        info = download(go, fallback, "corp.example/lib@v1.0.0")
        proxy.assert_requested("info", "corp.example/lib", "v1.0.0")
    assert info["Version"] == "v1.0.0"
    assert len(origin.requests("meta")) >= 2
    assert go.guard is not None
    assert {str(r) for r in go.guard.routed} == {"CONNECT corp.example:443"}
    assert all(r.reached for r in go.guard.routed)


def test_go_names_the_missing_repository(go: GoRunner, origin: FakeOrigin) -> None:
    origin.add_module("corp.example/lib", "v1.0.0", LIB)
    result = go.run(
        ["mod", "download", "-json", "corp.example/nope@v1.0.0"],
        env=DIRECT,
    )
    assert result.returncode != 0
    assert re.search(r"corp\.example/nope.*404 Not Found", result.stdout + result.stderr)


def test_a_program_builds_with_a_module_from_the_origin(go: GoRunner, origin: FakeOrigin) -> None:
    origin.add_module("corp.example/lib", "v1.0.0", LIB)
    project = go.project(
        module="example.test/app",
        requires={"corp.example/lib": "v1.0.0"},
        files={
            "main.go": 'package main\n\nimport (\n\t"fmt"\n\n\t"corp.example/lib"\n)\n\n'
            "func main() { fmt.Println(lib.Answer()) }\n"
        },
    )
    env = DIRECT
    project.tidy(env=env).assert_ok()
    run = project.run("run", ".", env=env)
    run.assert_ok()
    assert run.stdout.strip() == "42"

"""record / replay of a project whose dependencies come partly from a proxy, partly from origins.

Real go, real git: the upstream is a FakeGoProxy with its checksum database, and a FakeOrigin
plays the private code host (``corp.example``) and a public one that only ``direct`` reaches
(``vcs.example``). ``record`` runs with a user's environment behind a proxy that routes those
names (the test runner's network guard, see record_helpers). The replay then runs offline:
upstream and origin closed, the replay's own proxy and origin serving everything.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from record_helpers import behind_guard, user_env

from pytest_goproxy import ChecksumDB, FakeGoProxy, GoRunner
from pytest_goproxy.errors import ModuleSourceError
from pytest_goproxy.origin import FakeOrigin
from pytest_goproxy.origin.mirror import origin_of_store
from pytest_goproxy.record import Snapshot, parse_go_sum, record, serve_snapshot

MAIN = """package main

import (
	"fmt"

	"corp.example/auth/v2"
	"corp.example/lib"
	"example.test/pub"
)

func main() { fmt.Println(lib.Name(), auth.Token(), pub.Hi()) }
"""

OPEN_MAIN = """package main

import (
	"fmt"

	"example.test/pub"
	"vcs.example/open"
)

func main() { fmt.Println(open.Door(), pub.Hi()) }
"""


@pytest.fixture
def upstream() -> Iterator[FakeGoProxy]:
    """The public proxy: example.test/pub only (it answers 404 for everything else)."""
    proxy = FakeGoProxy()
    proxy.start()
    proxy.add_module(
        "example.test/pub",
        "v1.0.0",
        files={"pub.go": 'package pub\n\nfunc Hi() string { return "hi" }\n'},
    )
    yield proxy
    proxy.close()


@pytest.fixture
def db(upstream: FakeGoProxy) -> Iterator[ChecksumDB]:
    """The upstream's checksum database: it knows the public modules only."""
    with ChecksumDB() as database:
        database.attach(upstream)
        yield database


@pytest.fixture
def origin(tmp_path: Path) -> Iterator[FakeOrigin]:
    """The code hosts: the private corp.example and the public vcs.example."""
    host = FakeOrigin(("corp.example", "vcs.example"), workdir=tmp_path / "origin")
    host.start()
    host.add_module(
        "corp.example/lib",
        "v1.0.0",
        {
            "lib.go": 'package lib\n\nimport "example.test/pub"\n\n'
            "func Name() string { return pub.Hi() }\n"
        },
        requires={"example.test/pub": "v1.0.0"},
    )
    host.add_module(
        "corp.example/auth/v2",
        "v2.0.0",
        {"auth.go": 'package auth\n\nfunc Token() string { return "t" }\n'},
    )
    host.add_module(
        "vcs.example/open",
        "v1.1.0",
        {"open.go": 'package open\n\nfunc Door() string { return "open" }\n'},
    )
    yield host
    host.close()


def _project(
    tmp_path: Path,
    go: GoRunner,
    origin: FakeOrigin,
    env: dict[str, str],
    requires: dict[str, str],
    main: str,
) -> Path:
    """A project with a go.sum made through the upstream and the origin (as committed)."""
    app = go.project(module="example.test/app", requires=requires, files={"main.go": main})
    routes = dict.fromkeys(origin.hosts, origin)
    app.tidy(env=env, routes=routes).assert_ok()
    dest = tmp_path / "app"
    shutil.copytree(app.path, dest)
    return dest


def _asked(proxy: FakeGoProxy) -> set[str]:
    return {r.module for r in proxy.requests() if r.module}


def test_record_keeps_private_modules_and_replays_them_from_an_origin(
    tmp_path: Path, upstream: FakeGoProxy, db: ChecksumDB, origin: FakeOrigin, go: GoRunner
) -> None:
    settings = {"GOPROXY": upstream.url, "GOSUMDB": db.gosumdb, "GOPRIVATE": "corp.example"}
    requires = {
        "corp.example/lib": "v1.0.0",
        "corp.example/auth/v2": "v2.0.0",
        "example.test/pub": "v1.0.0",
    }
    project = _project(tmp_path, go, origin, settings, requires, MAIN)
    go_sum = (project / "go.sum").read_text()
    assert "corp.example/lib v1.0.0 h1:" in go_sum
    fetched_before = len(origin.requests("upload_pack"))

    env = user_env(tmp_path, **settings)
    with behind_guard(go, env, {"corp.example": origin}) as recording_env:
        result = record(project, tmp_path / "snap", env=recording_env)
    assert len(origin.requests("upload_pack")) > fetched_before  # record cloned from it
    assert set(result.origin_modules) == {
        ("corp.example/lib", "v1.0.0"),
        ("corp.example/auth/v2", "v2.0.0"),
    }
    assert ("example.test/pub", "v1.0.0") in result.versions
    snap = tmp_path / "snap"
    manifest = json.loads((snap / "snapshot.json").read_text())
    assert manifest["format"] == 3
    assert manifest["go_env"]["GOPRIVATE"] == "corp.example"
    assert manifest["go_env"]["GONOPROXY"] == "corp.example"  # go's default: GOPRIVATE
    lib = next(o for o in manifest["origin_modules"] if o["module"] == "corp.example/lib")
    assert lib == {
        "module": "corp.example/lib",
        "version": "v1.0.0",
        "vcs": "git",
        "url": "https://corp.example/lib",
        "ref": "refs/tags/v1.0.0",
        "hash": origin.version("corp.example/lib", "v1.0.0").commit,
    }
    assert (snap / "cache/download/corp.example/lib/@v/v1.0.0.zip").is_file()
    # where go finds each repository: the live ?go-get=1 page, asked through the user's proxy
    roots = {r["root"]: r for r in manifest["repositories"]}
    assert roots["corp.example/lib"] == {
        "root": "corp.example/lib",
        "vcs": "git",
        "url": "https://corp.example/lib",
        "static": False,
        "source": "go-get",
        "modules": ["corp.example/lib"],
    }
    assert roots["corp.example/auth"]["modules"] == ["corp.example/auth/v2"]
    assert roots["example.test/pub"]["source"] == "rule"  # no page, no Origin: cmd/go's rule
    assert manifest["hosts"] == {
        "corp.example": {"pages": 2, "repositories": 2},
        "example.test": {"pages": 1, "repositories": 1},
    }
    assert result.host_lines() == [
        "corp.example: 2 repositories, 2 ?go-get=1 pages",
        "example.test: 1 repository, 1 ?go-get=1 page",
    ]
    upstream.close()  # offline from here on
    origin.close()
    db.close()

    with serve_snapshot(Snapshot.load(snap)) as replay:
        assert replay.origin is not None
        assert replay.env["GOPRIVATE"] == "corp.example"
        assert set(replay.routes) == {"corp.example"}
        app = go.project_from_dir(project)
        fetched = app.download("all", env=replay.env, routes=replay.routes)
        fetched.assert_ok().assert_no_escapes()
        assert fetched.routed  # git reached corp.example through the guard
        built = app.build(env=replay.env, routes=replay.routes).assert_ok()
        assert built.go_sum == go_sum
        # The private modules came from the replay's origin, never from its proxy...
        assert replay.origin.requests("upload_pack", repo="corp.example/lib")
        assert replay.origin.requests("upload_pack", repo="corp.example/auth")
        assert _asked(replay.proxy) == {"example.test/pub"}
        # ... and a cold cache without go.sum gets the very same hashes: the database signs
        # the public module, go hashes what git gave for the private ones.
        (app.path / "go.sum").unlink()
        fresh = app.tidy(env=replay.env, routes=replay.routes).assert_ok()
        assert fresh.go_sum == go_sum
        replay.sumdb.assert_requested("lookup", module="example.test/pub")
        assert not [r for r in replay.sumdb.requests() if "corp.example" in r.path]
        # Asked by hand, the replay's proxy refuses them as proxy.golang.org does.
        gone = httpx.get(f"{replay.proxy.url}/corp.example/lib/@v/list")
        assert gone.status_code == 410
        served = httpx.get(f"{replay.proxy.url}/example.test/pub/@v/list")
        assert served.status_code == 200
        # ... and so does its checksum database, as sum.golang.org does
        lookup = f"{replay.sumdb.url}/lookup"
        assert httpx.get(f"{lookup}/corp.example/lib@v1.0.0").status_code == 410
        assert httpx.get(f"{lookup}/example.test/pub@v1.0.0").status_code == 200


def test_a_module_fetched_after_direct_is_replayed_from_its_origin(
    tmp_path: Path, upstream: FakeGoProxy, db: ChecksumDB, origin: FakeOrigin, go: GoRunner
) -> None:
    """No GOPRIVATE: the proxy 404s vcs.example/open and go falls back to ``direct``. Only the
    repositories go cloned tell such a module apart (GONOPROXY is empty)."""
    settings = {
        "GOPROXY": f"{upstream.url},direct",
        "GOSUMDB": db.gosumdb,
        "GONOSUMDB": "vcs.example",
    }
    requires = {"vcs.example/open": "v1.1.0", "example.test/pub": "v1.0.0"}
    project = _project(tmp_path, go, origin, settings, requires, OPEN_MAIN)
    go_sum = (project / "go.sum").read_text()
    env = user_env(tmp_path, **settings)
    with behind_guard(go, env, {"vcs.example": origin}) as recording_env:
        result = record(project, tmp_path / "snap", env=recording_env)
    assert result.origin_modules == (("vcs.example/open", "v1.1.0"),)
    snapshot = Snapshot.load(tmp_path / "snap")
    assert snapshot.go_env["GONOPROXY"] == ""
    upstream.close()
    origin.close()

    with serve_snapshot(snapshot) as replay:
        assert replay.env["GOPRIVATE"] == "vcs.example/open"
        app = go.project_from_dir(project)
        built = app.build(env=replay.env, routes=replay.routes).assert_ok()
        built.assert_no_escapes()
        assert built.go_sum == go_sum
        assert replay.origin is not None
        assert replay.origin.requests("upload_pack", repo="vcs.example/open")
        assert _asked(replay.proxy) == {"example.test/pub"}


@pytest.mark.parametrize("origins", [False, True], ids=["plain", "origins"])
def test_a_private_pseudo_version_stays_with_the_replays_proxy(
    tmp_path: Path,
    upstream: FakeGoProxy,
    db: ChecksumDB,
    origin: FakeOrigin,
    go: GoRunner,
    origins: bool,
) -> None:
    """A pseudo-version names a commit of the recorded repository; the replay's origin has no
    such commit, so that module is served by the proxy (with a warning) and the pattern narrows
    to the modules the origin can serve. ``record --origins`` keeps the real commits: then the
    replay's origin serves it too, by its real hash."""
    commit = origin.add_commit("corp.example/lib", files={"more.go": "package lib\n"})
    settings = {"GOPROXY": upstream.url, "GOSUMDB": db.gosumdb, "GOPRIVATE": "corp.example"}
    requires = {
        "corp.example/lib": commit[:12],
        "corp.example/auth/v2": "v2.0.0",
        "example.test/pub": "v1.0.0",
    }
    app = go.project(module="example.test/app", requires={}, files={"main.go": MAIN})
    routes = dict.fromkeys(origin.hosts, origin)
    for module, version in requires.items():
        app.run("get", f"{module}@{version}", env=settings, routes=routes).assert_ok()
    app.tidy(env=settings, routes=routes).assert_ok()
    project = tmp_path / "app"
    shutil.copytree(app.path, project)
    go_sum = (project / "go.sum").read_text()
    pseudo = next(v for (m, v) in parse_go_sum(go_sum) if m == "corp.example/lib")
    assert pseudo.endswith(commit[:12])

    env = user_env(tmp_path, **settings)
    with behind_guard(go, env, {"corp.example": origin}) as recording_env:
        result = record(project, tmp_path / "snap", env=recording_env, origins=origins)
    assert ("corp.example/lib", pseudo) in result.origin_modules
    warned = any("a pseudo-version" in w and "corp.example/lib" in w for w in result.warnings)
    assert warned is not origins
    upstream.close()
    origin.close()

    if origins:
        with serve_snapshot(Snapshot.load(tmp_path / "snap")) as replay:
            assert replay.env["GOPRIVATE"] == "corp.example"
            assert replay.origin_replay.proxied == ()
            app = go.project_from_dir(project)
            built = app.build(env=replay.env, routes=replay.routes).assert_ok()
            assert built.go_sum == go_sum
            assert replay.origin is not None
            assert replay.origin.requests("upload_pack", repo="corp.example/lib")
            assert _asked(replay.proxy) == {"example.test/pub"}
        return
    with serve_snapshot(Snapshot.load(tmp_path / "snap")) as replay:
        assert replay.env["GOPRIVATE"] == "corp.example/auth/v2"
        assert replay.origin_replay.proxied == ("corp.example/lib",)
        app = go.project_from_dir(project)
        built = app.build(env=replay.env, routes=replay.routes).assert_ok()
        assert built.go_sum == go_sum
        assert replay.origin is not None
        assert replay.origin.requests("upload_pack", repo="corp.example/auth")
        assert not replay.origin.requests(repo="corp.example/lib")
        assert _asked(replay.proxy) == {"example.test/pub", "corp.example/lib"}


def test_an_origin_in_a_proxys_info_is_not_a_direct_fetch(
    tmp_path: Path, upstream: FakeGoProxy, go: GoRunner
) -> None:
    """proxy.golang.org's .info files carry the Origin they were fetched from, and go keeps it
    in the cache as it is: a module with an Origin that go got from a proxy stays a proxy
    module. A file:// GOPROXY plays that proxy (go reads its .info as is)."""
    files = tmp_path / "fileproxy" / "example.test" / "pub" / "@v"
    files.mkdir(parents=True)
    for ext in ("mod", "zip"):
        answer = httpx.get(f"{upstream.url}/example.test/pub/@v/v1.0.0.{ext}")
        (files / f"v1.0.0.{ext}").write_bytes(answer.content)
    origin_info = {"VCS": "git", "URL": "https://vcs.example/pub", "Ref": "refs/tags/v1.0.0"}
    info = {"Version": "v1.0.0", "Time": "2024-01-01T00:00:00Z", "Origin": origin_info}
    (files / "v1.0.0.info").write_text(json.dumps(info))
    (files / "list").write_text("v1.0.0\n")
    settings = {"GOPROXY": upstream.url, "GOSUMDB": "off"}
    app = go.project(module="example.test/app", requires={"example.test/pub": "v1.0.0"})
    app.tidy(env=settings).assert_ok()
    project = tmp_path / "app"
    shutil.copytree(app.path, project)

    env = user_env(tmp_path, GOPROXY=(tmp_path / "fileproxy").as_uri(), GOSUMDB="off")
    result = record(project, tmp_path / "snap", env=env)
    recorded = json.loads(
        (tmp_path / "snap/cache/download/example.test/pub/@v/v1.0.0.info").read_text()
    )
    assert recorded["Origin"] == origin_info  # kept as the proxy gave it
    assert result.origin_modules == ()
    assert json.loads((tmp_path / "snap" / "snapshot.json").read_text())["origin_modules"] == []


def _format_1(snap: Path) -> None:
    """Make ``snap``'s manifest what record wrote before origins existed."""
    manifest = json.loads((snap / "snapshot.json").read_text())
    for key in ("go_env", "origin_modules"):
        del manifest[key]
    manifest["format"] = 1
    (snap / "snapshot.json").write_text(json.dumps(manifest))


def test_a_format_1_snapshot_replays_everything_from_the_proxy(
    tmp_path: Path, upstream: FakeGoProxy, go: GoRunner
) -> None:
    settings = {"GOPROXY": upstream.url, "GOSUMDB": "off"}
    app = go.project(module="example.test/app", requires={"example.test/pub": "v1.0.0"})
    app.tidy(env=settings).assert_ok()
    project = tmp_path / "app"
    shutil.copytree(app.path, project)
    record(project, tmp_path / "snap", env=user_env(tmp_path, **settings))
    _format_1(tmp_path / "snap")
    snapshot = Snapshot.load(tmp_path / "snap")
    assert snapshot.origin_modules == ()
    assert snapshot.go_env == {}
    upstream.close()
    with serve_snapshot(snapshot) as replay:
        assert replay.origin is None
        assert replay.routes == {}
        assert "GOPRIVATE" not in replay.env
        app = go.project_from_dir(project)
        app.build(env=replay.env).assert_ok().assert_no_escapes()
        assert _asked(replay.proxy) == {"example.test/pub"}


def test_a_broken_origin_modules_list_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "cache" / "download").mkdir(parents=True)
    (tmp_path / "snapshot.json").write_text(json.dumps({"origin_modules": [{"module": 3}]}))
    with pytest.raises(ModuleSourceError, match=r"origin_modules holds .*record again"):
        _ = Snapshot.load(tmp_path).origin_modules
    (tmp_path / "snapshot.json").write_text(json.dumps({"origin_modules": "corp.example/lib"}))
    with pytest.raises(ModuleSourceError, match="must be a list"):
        _ = Snapshot.load(tmp_path).origin_modules


def test_origin_of_store_keeps_only_the_modules_asked_for(
    tmp_path: Path, upstream: FakeGoProxy
) -> None:
    upstream.add_module("corp.example/lib", "v1.0.0")
    upstream.add_module("corp.example/lib", "v1.0.1-0.20240101000100-0123456789ab")
    with origin_of_store(
        upstream.store, workdir=tmp_path, modules=["corp.example/lib", "corp.example/none"]
    ) as mirror:
        assert mirror.hosts == ("corp.example",)
        assert mirror.versions("corp.example/lib") == ["v1.0.0"]  # no tag for a pseudo-version
        assert mirror.versions("example.test/pub") == []

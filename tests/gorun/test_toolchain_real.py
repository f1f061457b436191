"""Toolchain switching with the real go: FakeGoProxy.add_toolchain, GOTOOLCHAIN, GoResult, Failure.

go1.26.8 on linux/amd64 switches to a synthetic go1.99.0 served by the test's proxy and signed by
its checksum database. A switch is proved three ways: the proxy's log has the toolchain zip, the
checksum database was asked for it, and ``go version`` inside the switched run prints go1.99.0
(the local go would print its own version). Every go error text asserted here was measured from
these runs; pytest_goproxy/gorun/failure.py quotes them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_goproxy.gomod.toolchain import TOOLCHAIN_MODULE, toolchain_version
from pytest_goproxy.gorun import Failure, GoProject, GoResult, GoRunner
from pytest_goproxy.proxy import FakeGoProxy
from pytest_goproxy.sumdb import ChecksumDB

TOOLCHAIN = "go1.99.0"


@pytest.fixture
def served(go: GoRunner, goproxy: FakeGoProxy, gosumdb: ChecksumDB) -> str:
    """The golang.org/toolchain version of the synthetic go1.99.0 the test's proxy serves."""
    return goproxy.add_toolchain(TOOLCHAIN, go=go.binary).version


@pytest.fixture
def app(go: GoRunner) -> GoProject:
    """A project with no dependencies whose go.mod says ``toolchain go1.99.0``."""
    return go.project(toolchain=TOOLCHAIN)


def looked_up(gosumdb: ChecksumDB, version: str) -> bool:
    """Whether go asked the database for golang.org/toolchain@version."""
    lookups = gosumdb.requests("lookup", module=TOOLCHAIN_MODULE)
    return any(r.version == version for r in lookups)


def env(goproxy: FakeGoProxy, gosumdb: ChecksumDB, **more: str) -> dict[str, str]:
    return {"GOPROXY": goproxy.url, **gosumdb.env, **more}


def test_the_served_version_names_this_platform(go: GoRunner, served: str) -> None:
    assert served == toolchain_version(TOOLCHAIN, go.binary.goos, go.binary.goarch)
    assert served == f"v0.0.1-go1.99.0.{go.binary.goos}-{go.binary.goarch}"


def test_auto_switches_to_the_toolchain_line(
    app: GoProject, goproxy: FakeGoProxy, gosumdb: ChecksumDB, served: str, go: GoRunner
) -> None:
    assert "\ntoolchain go1.99.0\n" in (app.go_mod or "")
    result = app.run("version", env=env(goproxy, gosumdb), gotoolchain="auto").assert_ok()
    assert result.stdout == f"go version go1.99.0 {go.binary.goos}/{go.binary.goarch}\n"
    assert result.toolchain_download == TOOLCHAIN
    assert result.switched_to == TOOLCHAIN
    goproxy.assert_requested("zip", TOOLCHAIN_MODULE, served, count=1)
    assert looked_up(gosumdb, served)
    result.assert_no_escapes()
    # the command itself ran in the local go, with GOTOOLCHAIN as the test set it
    tidy = app.tidy(env=env(goproxy, gosumdb), gotoolchain="auto").assert_ok()
    assert tidy.switched_to == TOOLCHAIN
    goversion = app.run("env", "GOVERSION", "GOTOOLCHAIN", env=env(goproxy, gosumdb))
    assert goversion.stdout.split() == [go.version, "local"]


def test_local_never_switches(
    app: GoProject, goproxy: FakeGoProxy, gosumdb: ChecksumDB, served: str, go: GoRunner
) -> None:
    result = app.run("version", env=env(goproxy, gosumdb)).assert_ok()
    assert result.env["GOTOOLCHAIN"] == "local"
    assert result.stdout.split()[2] == go.version
    assert result.switched_to is None and result.toolchain_download is None
    assert "toolchaintrace" not in result.env.get("GODEBUG", "")
    goproxy.assert_not_requested(module=TOOLCHAIN_MODULE)


def test_a_minimum_in_gotoolchain_switches_without_a_toolchain_line(
    go: GoRunner, goproxy: FakeGoProxy, gosumdb: ChecksumDB, served: str
) -> None:
    plain = go.project()
    assert "toolchain" not in (plain.go_mod or "")
    result = plain.run("version", env=env(goproxy, gosumdb), gotoolchain="go1.99.0+auto")
    assert result.assert_ok().stdout.split()[2] == TOOLCHAIN
    assert result.switched_to == TOOLCHAIN
    # auto alone has no reason to switch: the go line is older than the local go
    same = plain.run("version", env=env(goproxy, gosumdb), gotoolchain="auto").assert_ok()
    assert same.switched_to is None
    assert "go: using local toolchain" in same.stderr


def test_a_cached_toolchain_switches_without_a_request(
    go: GoRunner, app: GoProject, goproxy: FakeGoProxy, gosumdb: ChecksumDB, served: str
) -> None:
    cache = go.module_cache()
    app.run("version", env=env(goproxy, gosumdb), gotoolchain="auto", modcache=cache).assert_ok()
    goproxy.request_log.clear()
    down = {"GOPROXY": "off", "GOSUMDB": gosumdb.gosumdb}
    result = app.run("version", env=down, gotoolchain="auto", modcache=cache).assert_ok()
    assert result.stdout.split()[2] == TOOLCHAIN
    assert result.toolchain_download is None  # nothing downloaded...
    assert result.switched_to == TOOLCHAIN  # ...and go still switched, from the cache
    assert goproxy.requests() == []


def test_path_looks_only_on_path(
    app: GoProject, goproxy: FakeGoProxy, gosumdb: ChecksumDB, served: str
) -> None:
    result = app.run("version", env=env(goproxy, gosumdb), gotoolchain="path")
    result.assert_failure(Failure.TOOLCHAIN)
    assert 'go: cannot find "go1.99.0" in PATH' in result.stderr
    assert result.classification is not None and result.classification.toolchain == TOOLCHAIN
    goproxy.assert_not_requested(module=TOOLCHAIN_MODULE)


def failed(result: GoResult, cause: Failure | None, line: str) -> None:
    """The run failed as TOOLCHAIN with ``cause``, naming go1.99.0, on go's line ``line``."""
    result.assert_failure(Failure.TOOLCHAIN)
    assert result.classification is not None
    assert result.classification.toolchain == TOOLCHAIN
    assert result.cause is cause
    assert result.classification.line == line, result.describe()
    assert result.toolchain_download == TOOLCHAIN and result.switched_to is None


@pytest.mark.parametrize("gone", [False, True], ids=["404", "410"])
def test_a_proxy_without_the_toolchain(
    app: GoProject, goproxy: FakeGoProxy, gosumdb: ChecksumDB, go: GoRunner, gone: bool
) -> None:
    if gone:
        goproxy.mark_gone(TOOLCHAIN_MODULE)
    result = app.tidy(env=env(goproxy, gosumdb), gotoolchain="auto")
    platform = f"{go.binary.goos}/{go.binary.goarch}"
    failed(
        result, Failure.NOT_FOUND, f"go: download go1.99.0 for {platform}: toolchain not available"
    )


def test_gosumdb_off_does_not_lift_verification(
    app: GoProject, goproxy: FakeGoProxy, gosumdb: ChecksumDB, served: str
) -> None:
    result = app.tidy(env=env(goproxy, gosumdb, GOSUMDB="off"), gotoolchain="auto")
    failed(
        result,
        Failure.SUMDB,
        f"go: download go1.99.0: golang.org/toolchain@{served}: verifying module: checksum "
        "database disabled by GOSUMDB=off",
    )
    gosumdb.assert_not_requested()


def test_gonosumdb_does_not_lift_verification_either(
    app: GoProject, goproxy: FakeGoProxy, gosumdb: ChecksumDB, served: str
) -> None:
    """GONOSUMDB=golang.org would skip the database for any other module: the toolchain is
    looked up all the same (modfetch/sumdb.go useSumDB), so it succeeds only because the
    database is up."""
    result = app.tidy(
        env=env(goproxy, gosumdb, GONOSUMDB="golang.org", GOFLAGS="-mod=mod"), gotoolchain="auto"
    ).assert_ok()
    assert result.switched_to == TOOLCHAIN
    assert looked_up(gosumdb, served)


def test_a_database_that_is_down_fails_the_switch(
    app: GoProject, goproxy: FakeGoProxy, gosumdb: ChecksumDB, served: str
) -> None:
    gosumdb.misbehave.fail("lookup", status=503)
    result = app.tidy(env=env(goproxy, gosumdb), gotoolchain="auto")
    result.assert_failure(Failure.TOOLCHAIN)
    assert result.classification is not None and result.classification.toolchain == TOOLCHAIN
    assert result.cause is Failure.HTTP_STATUS and result.status_code == 503
    assert f"verifying module: golang.org/toolchain@{served}: reading " in result.stderr


def test_a_go_line_newer_than_the_local_go_needs_a_real_toolchain(
    go: GoRunner, goproxy: FakeGoProxy, gosumdb: ChecksumDB, served: str
) -> None:
    """The documented limit of a synthetic toolchain: it runs the local go."""
    newer = go.project(go_version="1.99.0")
    result = newer.tidy(env=env(goproxy, gosumdb), gotoolchain="auto")
    running = go.binary.version.removeprefix("go")
    failed_line = f"go: go.mod requires go >= 1.99.0 (running go {running}; go.mod sets go 1.99.0)"
    result.assert_failure(Failure.TOOLCHAIN)
    assert result.classification is not None and result.classification.line == failed_line
    assert result.classification.toolchain == TOOLCHAIN
    assert result.toolchain_download == TOOLCHAIN  # go did switch, then the local go refused
    local = newer.tidy(env=env(goproxy, gosumdb))
    local.assert_failure(Failure.TOOLCHAIN)
    assert local.classification is not None and local.classification.line == (
        f"go: go.mod requires go >= 1.99.0 (running go {running}; GOTOOLCHAIN=local)"
    )


@pytest.mark.parametrize("bad", ["go1.99", "1.99.0", "auto+go1.99.0", "go1.99.0+local", ""])
def test_a_gotoolchain_go_would_refuse_is_refused_at_once(go: GoRunner, bad: str) -> None:
    with pytest.raises(ValueError, match="is not one go accepts"):
        go.run(["version"], gotoolchain=bad)


def test_toolchain_beside_a_go_mod_of_ones_own_is_refused(go: GoRunner) -> None:
    from pytest_goproxy.errors import GoProjectError

    with pytest.raises(GoProjectError, match=r"put the toolchain line in that go\.mod"):
        go.project(toolchain=TOOLCHAIN, files={"go.mod": "module m\n"})


def test_the_runner_default_and_what_wins(
    go: GoRunner, goproxy: FakeGoProxy, gosumdb: ChecksumDB, served: str, tmp_path: Path
) -> None:
    """GoRunner(gotoolchain=...) is every run's; a run's gotoolchain= beats it, and a
    GOTOOLCHAIN in env beats both (the env is what go reads)."""
    with GoRunner(go.binary, workdir=tmp_path, gotoolchain="auto") as auto:
        project = auto.project(toolchain=TOOLCHAIN)
        assert project.run("version", env=env(goproxy, gosumdb)).switched_to == TOOLCHAIN
        local = project.run("version", env=env(goproxy, gosumdb), gotoolchain="local")
        assert local.switched_to is None and local.env["GOTOOLCHAIN"] == "local"
        pinned = project.run(
            "version", env=env(goproxy, gosumdb, GOTOOLCHAIN="local"), gotoolchain="auto"
        )
        assert pinned.switched_to is None and pinned.env["GOTOOLCHAIN"] == "local"

"""record / replay: a real-shaped project recorded from a FAKE upstream, replayed offline.

The upstream is a FakeGoProxy with its own checksum database (never the internet); ``record``
gets an explicit environment pointing GOPROXY/GOSUMDB at it, as a user's shell would.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from pytest_goproxy import ChecksumDB, FakeGoProxy, GoRunner
from pytest_goproxy.errors import GoProjectError, ModuleSourceError
from pytest_goproxy.record import RecordError, Snapshot, parse_go_sum, record, serve_snapshot

MAIN = """package main

import (
	"fmt"

	"example.test/colour/v2"
	"example.test/greet"
)

func main() { fmt.Println(colour.Paint(greet.Hello("you"))) }
"""


def _upstream(proxy: FakeGoProxy) -> None:
    proxy.add_module(
        "example.test/words",
        "v0.9.0",
        files={"words.go": 'package words\n\nfunc Hi() string { return "hi" }\n'},
    )
    proxy.add_module(
        "example.test/words",
        "v1.0.0",
        files={"words.go": 'package words\n\nfunc Hi() string { return "hello" }\n'},
    )
    proxy.add_module(
        "example.test/greet",
        "v1.2.0",
        files={
            "greet.go": 'package greet\n\nimport "example.test/words"\n\n'
            'func Hello(n string) string { return words.Hi() + " " + n }\n'
        },
        requires={"example.test/words": "v1.0.0"},
    )
    # colour/v2 needs words v0.9.0: MVS picks v1.0.0, so go.sum keeps only v0.9.0's go.mod hash.
    proxy.add_module(
        "example.test/colour/v2",
        "v2.1.0",
        files={
            "colour.go": 'package colour\n\nimport _ "example.test/words"\n\n'
            "func Paint(s string) string { return s }\n"
        },
        requires={"example.test/words": "v0.9.0"},
        go_version="1.16",  # unpruned: go reads the go.mod of every version it requires
    )


def _user_env(tmp: Path, upstream: FakeGoProxy, db: ChecksumDB) -> dict[str, str]:
    """The environment of a user's shell whose GOPROXY is the (fake) upstream."""
    home = tmp / "home"
    home.mkdir()
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "GOPATH": str(tmp / "gopath"),
        "GOCACHE": str(tmp / "gocache"),
        "GOENV": "off",
        "GOTOOLCHAIN": "local",
        "GOTELEMETRY": "off",
        "GOPROXY": upstream.url,
        "GOSUMDB": db.gosumdb,
        "GOFLAGS": "-mod=mod",
    }


@pytest.fixture
def upstream() -> FakeGoProxy:
    proxy = FakeGoProxy()
    proxy.start()
    _upstream(proxy)
    yield proxy
    proxy.close()


@pytest.fixture
def project(tmp_path: Path, upstream: FakeGoProxy, go: GoRunner) -> Path:
    """A project with a go.sum made through the upstream (as it would be committed)."""
    app = go.project(
        module="example.test/app",
        requires={"example.test/greet": "v1.2.0", "example.test/colour/v2": "v2.1.0"},
        files={"main.go": MAIN},
    )
    app.tidy(env={"GOPROXY": upstream.url, "GOSUMDB": "off"}).assert_ok()
    dest = tmp_path / "app"
    shutil.copytree(app.path, dest)
    return dest


def test_record_then_replay_offline_with_default_sumdb(
    tmp_path: Path, upstream: FakeGoProxy, project: Path, go: GoRunner
) -> None:
    go_sum = (project / "go.sum").read_text()
    assert "example.test/words v0.9.0/go.mod" in go_sum
    assert "example.test/words v0.9.0 h1:" not in go_sum  # the go.mod-only entry
    with ChecksumDB() as db:
        db.attach(upstream)
        result = record(project, tmp_path / "snap", env=_user_env(tmp_path, upstream, db))
    snap = tmp_path / "snap"
    assert (snap / "go.sum").read_text() == go_sum
    assert (
        snap / "cache" / "download" / "example.test" / "colour" / "v2" / "@v" / "v2.1.0.zip"
    ).is_file()
    assert not (snap / "cache" / "download" / "sumdb").exists()
    assert set(result.versions) == {
        ("example.test/words", "v0.9.0"),
        ("example.test/words", "v1.0.0"),
        ("example.test/greet", "v1.2.0"),
        ("example.test/colour/v2", "v2.1.0"),
    }
    manifest = json.loads((snap / "snapshot.json").read_text())
    assert manifest["module"] == "example.test/app"
    assert (project / "go.sum").read_text() == go_sum  # the user's project is never touched
    upstream.close()  # offline from here on

    with serve_snapshot(Snapshot.load(snap)) as replay:
        assert "GONOSUMDB" not in replay.env
        app = go.project_from_dir(project)
        app.download("all", env=replay.env).assert_ok().assert_no_escapes()
        built = app.build(env=replay.env).assert_ok()
        assert built.go_sum == go_sum
        tidy = app.tidy(env=replay.env).assert_ok()
        assert tidy.go_sum == go_sum
        replay.sumdb.assert_not_requested()  # go.sum had every hash
        # A cold cache and no go.sum: every hash comes from our database, verified by go.
        (app.path / "go.sum").unlink()
        fresh = app.tidy(env=replay.env).assert_ok()
        assert parse_go_sum(fresh.go_sum or "").keys() <= parse_go_sum(go_sum).keys()
        assert set((fresh.go_sum or "").splitlines()) <= set(go_sum.splitlines())
        replay.sumdb.assert_requested("lookup")


def test_snapshot_disagreeing_with_go_sum_is_refused(
    tmp_path: Path, upstream: FakeGoProxy, project: Path
) -> None:
    with ChecksumDB() as db:
        db.attach(upstream)
        record(project, tmp_path / "snap", env=_user_env(tmp_path, upstream, db), tidy=False)
    go_sum = tmp_path / "snap" / "go.sum"
    lines = go_sum.read_text().splitlines()
    lines[0] = lines[0].rsplit(" ", 1)[0] + " h1:" + "A" * 43 + "="
    go_sum.write_text("\n".join(lines) + "\n")
    with pytest.raises(ModuleSourceError, match=r"do not match the go\.sum"):
        serve_snapshot(Snapshot.load(tmp_path / "snap"))


def test_record_errors_say_what_to_do(tmp_path: Path, upstream: FakeGoProxy, project: Path) -> None:
    with pytest.raises(GoProjectError, match=r"has no go\.mod"):
        record(tmp_path, tmp_path / "out")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x").write_text("x")
    with pytest.raises(RecordError, match="not empty"):
        record(project, tmp_path / "busy")
    with ChecksumDB() as db:
        env = _user_env(tmp_path, upstream, db)
    env["GOSUMDB"] = "off"
    upstream.close()
    with pytest.raises(RecordError, match="go mod download all"):
        record(project, tmp_path / "out", env=env, timeout=60)
    with pytest.raises(ModuleSourceError, match="not a snapshot"):
        Snapshot.load(tmp_path)


def test_cli_record_uses_the_callers_environment(
    tmp_path: Path,
    upstream: FakeGoProxy,
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from pytest_goproxy.cli import main

    with ChecksumDB() as db:
        db.attach(upstream)
        for key, value in _user_env(tmp_path, upstream, db).items():
            monkeypatch.setenv(key, value)
        assert main(["record", str(project), "--out", str(tmp_path / "snap")]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == str(tmp_path / "snap")
    assert "recorded 4 module versions of example.test/app" in err

"""A user's own project (issue 22): where its snapshot is kept and how it is keyed, the private
pattern taken from the user's go env, and the note a private configuration gets without one.

Recording itself (real go against a fake upstream) is tested in
tests/record/test_matrix_records.py.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pytest_goproxy.configs import CONFIGS
from pytest_goproxy.errors import UsageError
from pytest_goproxy.matrix import MatrixProject
from pytest_goproxy.matrix.own import (
    CACHE_ENV,
    cache_dir,
    check_private_pattern,
    private_default,
    private_from_go_env,
    snapshot_dir,
)
from pytest_goproxy.outage.procedures import no_private_note
from pytest_goproxy.report.cells import MatrixInfo

GO_MOD = "module github.com/Corp/App\n\ngo 1.21\n"


def _project(tmp_path: Path, go_sum: str = "") -> Path:
    root = tmp_path / "app"
    root.mkdir(exist_ok=True)
    (root / "go.mod").write_text(GO_MOD)
    (root / "go.sum").write_text(go_sum)
    return root


def test_the_cache_follows_pytest_goproxy_cache_then_xdg_then_home(tmp_path: Path) -> None:
    assert cache_dir({CACHE_ENV: str(tmp_path / "c"), "XDG_CACHE_HOME": "/x"}) == tmp_path / "c"
    assert cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "pytest-goproxy"
    assert cache_dir({}) == Path.home() / ".cache" / "pytest-goproxy"


def test_a_snapshot_is_named_by_module_and_keyed_by_go_mod_and_go_sum(tmp_path: Path) -> None:
    env = {CACHE_ENV: str(tmp_path / "cache")}
    root = _project(tmp_path, "a v1.0.0 h1:x=\n")
    first = snapshot_dir(root, env=env)
    assert first.parent == tmp_path / "cache" / "snapshots"
    # the module path case-escaped as in a module cache, one directory: / as _
    assert first.name.startswith("github.com_!corp_!app-")
    assert len(first.name.rsplit("-", 1)[1]) == 16
    assert snapshot_dir(root, env=env) == first  # the same bytes, the same snapshot
    assert snapshot_dir(root, origins=True, env=env).name == first.name + "+origins"
    (root / "go.sum").write_text("a v1.0.1 h1:y=\n")
    assert snapshot_dir(root, env=env) != first  # a changed go.sum records again
    (root / "go.sum").write_text("a v1.0.0 h1:x=\n")
    (root / "go.mod").write_text(GO_MOD + "\nrequire a v1.0.0\n")
    assert snapshot_dir(root, env=env) != first  # so does a changed go.mod


def test_no_record_without_module_files_names_pytest_goproxy_record(tmp_path: Path) -> None:
    root = _project(tmp_path)
    with pytest.raises(UsageError, match=r"`pytest-goproxy record .* --out SNAPSHOT_DIR`"):
        MatrixProject.user(root, record=False, env={CACHE_ENV: str(tmp_path / "cache")})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"record": False, "refresh": True}, "--refresh asks for a recording and --no-record"),
        ({"modules": "x", "origins": True}, "--origins records the project's modules, and"),
    ],
)
def test_contradicting_record_options_are_usage_errors(
    tmp_path: Path, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        MatrixProject.user(_project(tmp_path), **kwargs)  # type: ignore[arg-type]


def test_a_project_with_module_files_uses_them_and_records_nothing(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "testdata" / "mod").mkdir(parents=True)
    env = {CACHE_ENV: str(tmp_path / "cache"), "GOPRIVATE": "corp.example", "GOENV": "off"}
    project = MatrixProject.user(root, record=False, env=env)
    assert project.modules == root / "testdata" / "mod"
    assert not (tmp_path / "cache").exists()
    assert project.private == "corp.example"
    assert project.private_caption() == "private modules: corp.example (GOPRIVATE in your go env)"
    with pytest.raises(UsageError, match="serves its modules from"):
        MatrixProject.user(root, refresh=True, env=env)


def test_the_private_pattern_is_goprivate_else_gonoproxy_else_gonosumdb() -> None:
    where = "in your go env"
    assert private_from_go_env({"GOPRIVATE": "a.example", "GONOPROXY": "b"}, where).pattern == (
        "a.example"
    )
    found = private_from_go_env({"GOPRIVATE": "", "GONOSUMDB": "c.example"}, where)
    assert (found.pattern, found.source) == ("c.example", "GONOSUMDB in your go env")
    none = private_from_go_env({}, where)
    assert none.pattern == ""
    assert none.describe() == (
        "no private pattern (GOPRIVATE, GONOPROXY and GONOSUMDB are empty in your go env)"
    )


def test_a_snapshots_recorded_go_env_gives_the_pattern(tmp_path: Path) -> None:
    snap = tmp_path / "snap"
    (snap / "cache" / "download").mkdir(parents=True)
    go_env = {"GOPRIVATE": "", "GONOPROXY": "corp.example/team", "GONOSUMDB": ""}
    (snap / "snapshot.json").write_text(json.dumps({"format": 2, "go_env": go_env}))
    found = private_default(snap, env={"GOPRIVATE": "other.example"})
    assert found.describe() == (
        "private modules: corp.example/team (GONOPROXY in the snapshot's recorded go env)"
    )


@pytest.mark.usefixtures("need_go")
def test_without_a_recorded_go_env_go_env_says(tmp_path: Path) -> None:
    """go env applies its own rules: GONOPROXY defaults to GOPRIVATE, so GOPRIVATE wins."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "GOENV": "off",
        "GOTOOLCHAIN": "local",
        "GONOSUMDB": "sum.example",
        "GOPRIVATE": "corp.example,*.corp.example",
    }
    found = private_default(tmp_path, env=env)
    assert (found.pattern, found.source) == (
        "corp.example,*.corp.example",
        "GOPRIVATE in your go env",
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("https://corp.example", "not a URL"),
        ("corp.example/lib@v1.0.0", "without @version"),
        ("corp .example", "no spaces"),
        ("corp.example/[ab", "brackets closed"),
        ("corp.example//lib", "no empty element"),
    ],
)
def test_a_bad_private_pattern_is_a_usage_error(text: str, problem: str) -> None:
    with pytest.raises(UsageError, match=problem):
        check_private_pattern(text)


def test_a_good_private_pattern_is_kept_trimmed() -> None:
    assert check_private_pattern(" corp.example, *.corp.example/team ,") == (
        "corp.example,*.corp.example/team"
    )
    assert check_private_pattern("") == ""


#: Each configuration built on {private}, and the one it is without a pattern.
TWINS = {
    "goprivate": ("GOPRIVATE", "single"),
    "gonoproxy": ("GONOPROXY", "single"),
    "gonosumdb": ("GONOSUMDB", "single"),
    "goinsecure": ("GOINSECURE", "single"),
    "goprivate_direct": ("GOPRIVATE", "comma_direct"),
    "gonosumdb_direct": ("GONOSUMDB", "comma_direct"),
    "goprivate_pipe_direct": ("GOPRIVATE", "pipe_direct"),
}
VALUES = {
    "primary": "http://127.0.0.1:1",
    "backup": "http://127.0.0.1:2",
    "sumdb_key": "sum.example+0+key",
    "corporate_ca": "/ca.pem",
    "private": "",
}


@pytest.mark.parametrize("name", sorted(TWINS))
def test_without_a_pattern_a_private_configuration_says_its_public_twin(name: str) -> None:
    variable, twin = TWINS[name]
    note = no_private_note(CONFIGS[name].render, VALUES)
    assert note == f"no private pattern: {variable} is empty, so this is {twin}"


def test_every_configuration_on_private_has_a_twin() -> None:
    """A new configuration using {private} gets its twin said here, or this test names it."""
    assert {n for n, c in CONFIGS.items() if "private" in c.placeholders} == set(TWINS)


def test_a_configuration_without_private_gets_no_note() -> None:
    assert no_private_note(CONFIGS["pipe_direct"].render, VALUES) is None
    with_pattern = {**VALUES, "private": "corp.example"}
    assert no_private_note(CONFIGS["goprivate"].render, with_pattern) is None


def test_the_caption_says_the_pattern_and_where_it_came_from() -> None:
    info = MatrixInfo(
        "app", "go mod tidy", "go1.26", "2026-01-02", "no private pattern (GOPRIVATE, ...)"
    )
    assert info.caption() == (
        "go mod tidy in app, fault on the primary proxy (backup and checksum database healthy); "
        "no private pattern (GOPRIVATE, ...); go1.26, 2026-01-02"
    )
    assert MatrixProject.of(None).private_caption() == (
        "private modules: corp.example (the bundled example's private module)"
    )

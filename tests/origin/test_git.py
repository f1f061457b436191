"""The origin's repositories, read by the real git over HTTPS: tags, files, commits."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from origin_helpers import Git

from pytest_goproxy.errors import InvalidModuleError, ModuleSourceError, UsageError
from pytest_goproxy.gomod.gomodfile import render_go_mod
from pytest_goproxy.origin import FakeOrigin


def git_version() -> tuple[int, ...]:
    out = subprocess.run(["git", "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"(\d+)\.(\d+)", out)
    assert match is not None
    return tuple(int(n) for n in match.groups())


def clone(git: Git, url: str, into: Path, *options: str) -> Path:
    git(*options, "clone", "-q", url, str(into))
    return into


def tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` (``.git`` left out): relative path -> text."""
    return {
        p.relative_to(root).as_posix(): p.read_text()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def test_ls_remote_lists_the_tags_of_root_subdirectory_and_v2_modules(
    origin: FakeOrigin, git: Git
) -> None:
    v1 = origin.add_module("corp.example/lib", "v1.0.0")
    sub = origin.add_module("corp.example/lib/sub", "v0.1.0")
    v2 = origin.add_module("corp.example/lib/v2", "v2.0.0")
    v3 = origin.add_module("corp.example/lib/v3", "v3.0.0", major_subdir=True)
    refs = git.ls_remote(f"{origin.url}/lib")
    assert refs == {
        "HEAD": v3.commit,
        "refs/heads/main": v3.commit,
        "refs/tags/v1.0.0": v1.commit,
        "refs/tags/sub/v0.1.0": sub.commit,
        "refs/tags/v2.0.0": v2.commit,
        "refs/tags/v3.0.0": v3.commit,
    }
    assert (sub.tag, sub.directory, sub.repo) == ("sub/v0.1.0", "sub", "corp.example/lib")
    assert (v3.tag, v3.directory) == ("v3.0.0", "v3")


def test_clone_gets_each_version_laid_out_as_go_expects(origin: FakeOrigin, git: Git) -> None:
    origin.add_module("corp.example/lib", "v1.0.0", {"lib.go": "package lib\n"})
    origin.add_module("corp.example/lib/sub", "v0.1.0", {"sub.go": "package sub\n"})
    origin.add_module("corp.example/lib/v2", "v2.0.0", {"lib.go": "package lib // v2\n"})
    origin.add_module(
        "corp.example/lib/v3", "v3.0.0", {"lib.go": "package lib // v3\n"}, major_subdir=True
    )
    work = clone(git, f"{origin.url}/lib", git.home / "lib")
    git("checkout", "-q", "v1.0.0", cwd=work)
    assert tree(work) == {
        "go.mod": render_go_mod("corp.example/lib").decode(),
        "lib.go": "package lib\n",
    }
    git("checkout", "-q", "sub/v0.1.0", cwd=work)
    assert tree(work)["sub/go.mod"] == render_go_mod("corp.example/lib/sub").decode()
    assert tree(work)["lib.go"] == "package lib\n"  # the root module is still there
    git("checkout", "-q", "v2.0.0", cwd=work)
    assert tree(work) == {
        "go.mod": render_go_mod("corp.example/lib/v2").decode(),
        "lib.go": "package lib // v2\n",
        "sub/go.mod": render_go_mod("corp.example/lib/sub").decode(),  # nested: kept
        "sub/sub.go": "package sub\n",
    }
    git("checkout", "-q", "v3.0.0", cwd=work)
    assert tree(work)["v3/go.mod"] == render_go_mod("corp.example/lib/v3").decode()
    assert tree(work)["go.mod"] == render_go_mod("corp.example/lib/v2").decode()


def test_a_new_version_replaces_the_module_files_and_keeps_nested_modules(
    origin: FakeOrigin, git: Git
) -> None:
    origin.add_module("corp.example/lib", "v1.0.0", {"old.go": "package lib\n"})
    origin.add_module("corp.example/lib/sub", "v0.1.0")
    origin.add_module("corp.example/lib", "v1.1.0", {"new.go": "package lib\n"})
    files = origin.repos.files("corp.example", "lib")
    assert sorted(files) == ["go.mod", "new.go", "sub/go.mod", "sub/sub.go"]


def test_add_commit_is_on_main_without_a_tag(origin: FakeOrigin, git: Git) -> None:
    v1 = origin.add_module("corp.example/lib", "v1.0.0", {"a.go": "package lib\n"})
    commit = origin.add_commit(
        "corp.example/lib",
        {"b.go": "package lib\n", "a.go": None},
        requires={"example.com/dep": "v1.0.0"},
    )
    assert re.fullmatch("[0-9a-f]{40}", commit)
    refs = git.ls_remote(f"{origin.url}/lib")
    assert refs["refs/heads/main"] == commit != v1.commit
    assert refs["refs/tags/v1.0.0"] == v1.commit
    assert len([r for r in refs if r.startswith("refs/tags/")]) == 1
    files = origin.repos.files("corp.example", "lib")
    assert sorted(files) == ["b.go", "go.mod"]
    assert files["go.mod"][1] == render_go_mod(
        "corp.example/lib", requires={"example.com/dep": "v1.0.0"}
    )
    empty = origin.add_commit("corp.example/lib")
    assert empty != commit
    assert origin.repos.files("corp.example", "lib") == files


def test_commits_are_reproducible(origin: FakeOrigin) -> None:
    def build(served: FakeOrigin) -> list[str]:
        return [
            served.add_module("corp.example/lib", "v1.0.0").commit,
            served.add_commit("corp.example/lib", {"x.go": "package lib\n"}),
            served.add_module("corp.example/other", "v0.1.0").commit,
        ]

    with FakeOrigin() as second:
        assert build(origin) == build(second)
    # one minute per commit of a repository, from 2024-01-01 00:00 UTC
    assert origin.version("corp.example/other", "v0.1.0").time.isoformat() == (
        "2024-01-01T00:00:00+00:00"
    )


@pytest.mark.skipif(git_version() < (2, 37), reason="http.curloptResolve needs git 2.37")
def test_each_host_name_has_its_certificate_and_its_repositories(
    origin: FakeOrigin, git: Git
) -> None:
    corp = origin.add_module("corp.example/lib", "v1.0.0")
    other = origin.add_module("git.corp.example/lib", "v1.5.0", {"x.go": "package lib\n"})
    for host, commit, tag in (
        ("corp.example", corp, "v1.0.0"),
        ("git.corp.example", other, "v1.5.0"),
    ):
        resolve, base = git.by_name(origin, host)
        out = git("-c", resolve, "ls-remote", f"{base}/lib")
        assert f"{commit.commit}\trefs/tags/{tag}" in out.splitlines()
    assert {r.host for r in origin.requests("info_refs")} == {"corp.example", "git.corp.example"}


def test_a_repository_url_may_end_in_dot_git(origin: FakeOrigin, git: Git) -> None:
    v1 = origin.add_module("corp.example/lib", "v1.0.0")
    assert git.ls_remote(f"{origin.url}/lib.git")["refs/tags/v1.0.0"] == v1.commit
    assert origin.requests("info_refs", repo="lib")


def test_push_is_refused(origin: FakeOrigin, git: Git) -> None:
    origin.add_module("corp.example/lib", "v1.0.0")
    work = clone(git, f"{origin.url}/lib", git.home / "lib")
    git("-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit", "-q", "--allow-empty",
        "-m", "x", cwd=work)  # fmt: skip
    out = git("push", "origin", "HEAD:main", cwd=work, check=False)
    assert "403" in out
    pushes = origin.requests("info_refs", repo="lib")
    assert pushes[-1].service == "git-receive-pack" and pushes[-1].status == 403


def test_add_dir_commits_files_as_they_are(origin: FakeOrigin, tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / ".git").mkdir(parents=True)
    (src / ".git" / "config").write_text("not committed\n")
    (src / "run.sh").write_text("#!/bin/sh\n")
    (src / "run.sh").chmod(0o755)
    (src / "lib.go").write_text("package lib\n")
    os.symlink("lib.go", src / "link.go")
    origin.add_dir(src, "corp.example/lib", "v1.0.0")
    files = origin.repos.files("corp.example", "lib")
    assert files == {
        "lib.go": ("100644", b"package lib\n"),
        "link.go": ("120000", b"lib.go"),
        "run.sh": ("100755", b"#!/bin/sh\n"),
    }


def test_add_txtar_tags_every_archive_in_version_order(origin: FakeOrigin, tmp_path: Path) -> None:
    for version in ("v1.1.0", "v1.0.0"):
        (tmp_path / f"corp.example_lib_{version}.txt").write_text(
            f"-- .mod --\nmodule corp.example/lib\n-- .info --\n{{}}\n"
            f"-- go.mod --\nmodule corp.example/lib\n-- lib.go --\npackage lib // {version}\n"
        )
    added = origin.add_txtar(tmp_path)
    assert [a.version for a in added] == ["v1.0.0", "v1.1.0"]
    assert origin.versions("corp.example/lib") == ["v1.0.0", "v1.1.0"]
    assert origin.repos.files("corp.example", "lib", "v1.0.0") == {
        "go.mod": ("100644", b"module corp.example/lib\n"),
        "lib.go": ("100644", b"package lib // v1.0.0\n"),
    }


def test_a_tag_does_not_move(origin: FakeOrigin) -> None:
    origin.add_module("corp.example/lib", "v1.0.0")
    head = origin.repos.head("corp.example", "lib")
    with pytest.raises(UsageError, match=r"tag v1\.0\.0 of corp\.example/lib already names"):
        origin.add_module("corp.example/lib", "v1.0.0", {"other.go": "package lib\n"})
    assert origin.repos.head("corp.example", "lib") == head  # no commit was made


@pytest.mark.parametrize(
    ("call", "error", "says"),
    [
        (lambda o: o.add_module("other.example/lib", "v1.0.0"), UsageError, "not other.example"),
        (lambda o: o.add_module("corp.example/lib", "v1.0.0", {"../x.go": ""}), ModuleSourceError,
         "cannot be committed"),
        (lambda o: o.add_module("corp.example/lib", "v1.0.0", {"x.go": 5}), ModuleSourceError,
         "is a int"),
        (lambda o: o.add_module("corp.example/lib", "v2.0.0+incompatible", {"go.mod": "x"}),
         InvalidModuleError, "semantic import versioning is required"),
        (lambda o: o.add_module("corp.example/lib", "v1.0.0", go_mod="module x\n",
                                requires={"example.com/a": "v1.0.0"}), ModuleSourceError,
         "only shape a generated go.mod"),
        (lambda o: o.add_commit("corp.example/lib", {"x.go": None}), ModuleSourceError,
         "has no commit yet"),
        (lambda o: o.version("corp.example/lib", "v9.9.9"), UsageError, "never added"),
    ],
)  # fmt: skip
def test_mistakes_get_one_clear_error(
    origin: FakeOrigin, call: object, error: type[Exception], says: str
) -> None:
    assert callable(call)
    with pytest.raises(error, match=says):
        call(origin)


def test_hosts_are_checked() -> None:
    with pytest.raises(UsageError, match="a host is a lower-case DNS name"):
        FakeOrigin(hosts=("Corp",))
    with FakeOrigin(hosts="corp.example") as one:  # one name, not its letters
        assert one.hosts == ("corp.example",)

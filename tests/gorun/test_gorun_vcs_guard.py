"""Direct VCS fetches (GOPROXY=direct) never leave the machine, and their refusal is the guard's.

With GOPROXY=direct go runs git (and, by default, hg, svn, bzr, fossil) itself. git reaches https
through the guard's proxy, but ssh knows nothing of proxies: before the fix go's scheme fallback
(https, then git+ssh, then ssh) ran the machine's ``ssh`` straight to port 22 after a DNS lookup,
and go's default GOVCS let it run ``hg``. These tests put recording stand-ins for all of them first
on PATH: if one ever runs it only writes a marker file, so nothing here can reach the outside.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_goproxy.gorun import Failure, GoRunner, NetworkGuard

#: Commands that must never run in a guarded run: each would open connections of its own.
TOOLS = ("ssh", "hg", "svn", "bzr", "fossil")


@pytest.fixture
def tool_markers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``ssh``, ``hg``... first on PATH, each writing ``<markers>/<tool>`` if it is ever run."""
    if sys.platform == "win32":  # pragma: no cover
        pytest.skip("shell-script stand-ins")
    bin_dir, markers = tmp_path / "bin", tmp_path / "markers"
    bin_dir.mkdir()
    markers.mkdir()
    for tool in TOOLS:
        script = bin_dir / tool
        script.write_text(f'#!/bin/sh\necho "$*" >> {markers / tool}\nexit 255\n')
        script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return markers


def test_no_vcs_transport_goes_around_the_guard(
    go: GoRunner, tool_markers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ``.git`` path makes go try https, git+ssh and ssh in turn (vcs.go, schemeless repos):
    https is refused by the guard's proxy, both ssh attempts by its ssh stub, and all three are
    in ``escapes``; GOVCS keeps hg/svn/bzr/fossil from running at all. A user's gitconfig that
    would turn https into ssh, and a GIT_SSH_COMMAND of the machine, do not reach the run."""
    home = tmp_path / "user-home"
    home.mkdir()
    (home / ".gitconfig").write_text(
        '[url "ssh://git@example.test/"]\n\tinsteadOf = https://example.test/\n'
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_SSH_COMMAND", str(tool_markers.parent / "bin" / "ssh"))
    project = go.project(
        requires={
            f"example.test/repo.{vcs}": "v1.0.0" for vcs in ("git", "hg", "svn", "bzr", "fossil")
        }
    )
    result = project.tidy(env={"GOPROXY": "direct"})
    assert sorted(p.name for p in tool_markers.iterdir()) == []
    assert sorted(str(e) for e in result.escapes) == [
        "CONNECT example.test:443",
        "SSH example.test:22",  # git+ssh://example.test/repo
        "SSH example.test:22",  # ssh://example.test/repo
    ]
    assert "example.test/repo.git: no secure protocol found for repository" in result.stderr
    for vcs in ("hg", "svn", "bzr", "fossil"):
        assert f"GOVCS disallows using {vcs} for public example.test/repo.{vcs}" in result.stderr
    assert (result.failure, result.host, result.refused_by_guard) == (
        Failure.UNKNOWN,
        "example.test",
        True,
    )
    with pytest.raises(AssertionError, match=r"SSH example\.test:22"):
        result.assert_no_escapes()


def test_with_v_the_ssh_refusal_is_classified(go: GoRunner, tool_markers: Path) -> None:
    """``-v`` shows what go's scheme pings printed: git's refused CONNECT and the ssh stub's
    refusal, which names the failure (REFUSED, the guard's)."""
    project = go.project(requires={"example.test/repo.git": "v1.0.0"})
    result = project.tidy("-v", env={"GOPROXY": "direct"})
    assert not list(tool_markers.iterdir())
    assert "CONNECT tunnel failed, response 403" in result.stderr
    assert "pytest-goproxy network guard: refused SSH example.test:22" in result.stderr
    assert (result.failure, result.host, result.refused_by_guard) == (
        Failure.REFUSED,
        "example.test",
        True,
    )


def test_goinsecure_makes_git_fail_closed_not_open(go: GoRunner, tool_markers: Path) -> None:
    """With GOINSECURE go also tries git:// (straight TCP to port 9418) and plain http://;
    GIT_ALLOW_PROTOCOL makes git refuse both before it connects anywhere."""
    project = go.project(requires={"example.test/repo.git": "v1.0.0"})
    result = project.tidy("-v", env={"GOPROXY": "direct", "GOINSECURE": "example.test"})
    assert not list(tool_markers.iterdir())
    assert "git ls-remote git://example.test/repo" in result.stderr
    assert "fatal: transport 'git' not allowed" in result.stderr
    assert "fatal: transport 'http' not allowed" in result.stderr
    assert "example.test/repo.git: no protocol found for repository" in result.stderr
    assert sorted(str(e) for e in result.escapes) == [
        "CONNECT example.test:443",
        "SSH example.test:22",
        "SSH example.test:22",
    ]


def test_a_direct_github_fetch_refused_by_the_guard_is_the_guards(
    go: GoRunner, tool_markers: Path
) -> None:
    """github.com paths go straight to ``git ls-remote https://github.com/...``, whose refusal
    git prints as ``CONNECT tunnel failed, response 403``: HTTP_STATUS 403 from the guard, which
    ``assert_failure`` will not pass for a server's 403."""
    project = go.project(requires={"github.com/pytest-goproxy/no-such-repo": "v1.0.0"})
    result = project.tidy(env={"GOPROXY": "direct"})
    assert not list(tool_markers.iterdir())
    assert [str(e) for e in result.escapes] == ["CONNECT github.com:443"]
    assert (result.failure, result.status_code, result.host, result.url) == (
        Failure.HTTP_STATUS,
        403,
        "github.com",
        "https://github.com/pytest-goproxy/no-such-repo/",
    )
    assert result.refused_by_guard
    with pytest.raises(AssertionError, match="came from the network guard"):
        result.assert_failure(Failure.HTTP_STATUS, status_code=403)


def test_guard_false_leaves_ssh_to_the_machine(go_binary: object, tmp_path: Path) -> None:
    """Without the guard no ssh stub is set: git would run the machine's ssh (the opt-out is
    the whole guard), while GOVCS and GIT_ALLOW_PROTOCOL stay, like GOPROXY=off."""
    with GoRunner(go_binary, workdir=tmp_path, guard=False) as runner:  # type: ignore[arg-type]
        env = runner.run(["env", "GOVCS"]).assert_ok().env
    assert "GIT_SSH_COMMAND" not in env and "GIT_SSH_VARIANT" not in env
    assert env["GIT_ALLOW_PROTOCOL"] == "https:ssh:git+ssh"
    assert env["GOVCS"] == "public:git,private:git"


# -- the ssh stub on its own ----------------------------------------------------------------


def _stub(guard: NetworkGuard, tmp_path: Path, *ssh_args: str) -> subprocess.CompletedProcess[str]:
    command = guard.ssh_command(tmp_path, "run-9")
    # git runs GIT_SSH_COMMAND as `sh -c '<command> "$@"'` with ssh's arguments after it
    return subprocess.run(
        ["sh", "-c", command + ' "$@"', "ssh", *ssh_args],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"]},
        timeout=30,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "target"),
    [
        (["-o", "SendEnv=GIT_PROTOCOL", "Example.TEST", "git-upload-pack '/x'"], "example.test:22"),
        (["-o", "SendEnv=GIT_PROTOCOL", "-p", "2222", "git@host.test", "cmd"], "host.test:2222"),
        (["-p2200", "-4", "-oFoo=bar", "user@[2001:db8::1]", "cmd"], "[2001:db8::1]:2200"),
    ],
)
def test_the_ssh_stub_records_where_ssh_was_asked_to_go(
    tmp_path: Path, args: list[str], target: str
) -> None:
    """The stub is a stand-alone script written at run time and run with ``python -I -S``
    (no site-packages, so it cannot lean on this package's source); it connects only to the
    guard, which records ``SSH host:port`` under the run's token."""
    with NetworkGuard() as guard:
        done = _stub(guard, tmp_path, *args)
        escapes = guard.escapes
    assert done.returncode == 255
    assert done.stderr.startswith(f"pytest-goproxy network guard: refused SSH {target};")
    assert [(str(e), e.token) for e in escapes] == [(f"SSH {target}", "run-9")]


def test_the_ssh_stub_fails_closed_without_a_guard(tmp_path: Path) -> None:
    """A stub whose guard is gone (its port closed) still connects nowhere else and fails."""
    with NetworkGuard() as guard:
        command = guard.ssh_command(tmp_path, "run-1")
    done = subprocess.run(
        ["sh", "-c", command + ' "$@"', "ssh", "host.test", "cmd"],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"]},
        timeout=30,
        check=False,
    )
    assert done.returncode == 255
    assert "refused SSH host.test:22" in done.stderr
    assert "the guard could not record it" in done.stderr

"""Hard timeouts kill the whole process group; no process outlives a run."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from pytest_goproxy.gorun import GoRunner
from pytest_goproxy.gorun.process import group_alive, run_process

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="process groups are POSIX")


def _gone(pid: int, within: float = 5.0) -> bool:
    """pid is dead (reaped, or a zombie waiting for init) within a bounded wait."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        except OSError:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return True
        time.sleep(0.05)
    return False


def _read_pid(path: Path) -> int:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        text = path.read_text().strip() if path.exists() else ""
        if text:
            return int(text)
        time.sleep(0.02)
    raise AssertionError(f"{path} was never written")


def test_timeout_kills_children_and_grandchildren(tmp_path: Path) -> None:
    script = f"echo $$ > {tmp_path}/child; sleep 60 & echo $! > {tmp_path}/grandchild; wait"
    outcome = run_process(["sh", "-c", script], cwd=tmp_path, env=dict(os.environ), timeout=0.5)
    assert outcome.hung and outcome.returncode != 0
    assert 0.5 <= outcome.duration < 10
    assert _gone(_read_pid(tmp_path / "child")) and _gone(_read_pid(tmp_path / "grandchild"))
    assert not group_alive(outcome.pid)


def test_sigterm_ignored_means_sigkill(tmp_path: Path) -> None:
    outcome = run_process(
        ["sh", "-c", "trap '' TERM; sleep 60"],
        cwd=tmp_path,
        env=dict(os.environ),
        timeout=0.3,
        kill_grace=0.3,
    )
    assert outcome.hung
    assert outcome.duration < 10
    assert not group_alive(outcome.pid)


def test_normal_exit_leaves_no_background_process(tmp_path: Path) -> None:
    outcome = run_process(
        ["sh", "-c", f"sleep 60 & echo $! > {tmp_path}/bg; echo done"],
        cwd=tmp_path,
        env=dict(os.environ),
        timeout=30,
    )
    assert (outcome.returncode, outcome.stdout, outcome.hung) == (0, "done\n", False)
    assert outcome.duration < 10  # the background sleep held stdout; it was killed, not awaited
    assert _gone(_read_pid(tmp_path / "bg"))
    assert not group_alive(outcome.pid)


def test_go_generate_hang_leaves_no_process(go: GoRunner) -> None:
    """The real go command with children of its own: go generate -> sh -> sleep."""
    project = go.project(
        files={
            "main.go": "package main\n\n//go:generate sh hang.sh\n\nfunc main() {}\n",
            "hang.sh": "echo $$ > child.pid\nsleep 60 &\necho $! > grandchild.pid\nwait\n",
        }
    )
    result = project.run("generate", timeout=3).assert_hung()
    assert _gone(_read_pid(project.path / "child.pid"))
    assert _gone(_read_pid(project.path / "grandchild.pid"))
    assert not group_alive(result.pgid)
    with pytest.raises(AssertionError, match=r"(?s)expected success.*killed after the 3s timeout"):
        result.assert_ok()

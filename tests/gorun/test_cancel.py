"""Cooperative cancellation (issue 23): a token set by whoever stops a run, checked by the waits.

Nothing here asserts a duration: each test waits on a marker or an event, and a cancel that did
not work would leave a 60 s process or sleep running, which the assertions then see."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

from pytest_goproxy.gorun import cancel
from pytest_goproxy.gorun.cancel import Cancel, Cancelled, cancelling
from pytest_goproxy.gorun.process import group_alive, run_process

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="process groups are POSIX")

#: a child that writes its pid (its group's id) and sleeps a minute, with a grandchild
SLEEPER = "echo $$ > {where}/pid.tmp && mv {where}/pid.tmp {where}/pid; sleep 60 & wait"


def _cancel_once_written(path: Path, token: Cancel) -> threading.Thread:
    """Cancel ``token`` from another thread once ``path`` exists (the process is running)."""

    def watch() -> None:
        deadline = time.monotonic() + 30
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        token.cancel()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_cancelled_passes_except_exception() -> None:
    """A cancel is not a failure to record: ``except Exception`` lets it through."""
    token = Cancel()
    token.cancel()
    caught: list[Exception] = []
    with pytest.raises(Cancelled):
        try:
            token.check()
        except Exception as exc:
            caught.append(exc)
    assert caught == []


def test_sleep_ends_at_the_cancel() -> None:
    token = Cancel()
    asleep = threading.Event()

    def cancel_when_asleep() -> None:
        asleep.wait(30)
        token.cancel()

    thread = threading.Thread(target=cancel_when_asleep, daemon=True)
    thread.start()
    asleep.set()
    with pytest.raises(Cancelled):
        token.sleep(60)
    thread.join()


def test_module_sleep_uses_the_current_token_and_is_plain_without_one() -> None:
    cancel.sleep(0)  # no token: a plain sleep
    token = Cancel()
    token.cancel()
    with cancelling(token), pytest.raises(Cancelled):
        cancel.sleep(60)
    assert cancel.current() is None


def test_on_cancel_calls_back_once_and_only_while_registered() -> None:
    token = Cancel()
    calls: list[str] = []
    with token.on_cancel(lambda: calls.append("left")):
        pass
    with token.on_cancel(lambda: calls.append("inside")):
        token.cancel()
        token.cancel()  # idempotent
    with token.on_cancel(lambda: calls.append("late")):  # already cancelled: called at once
        pass
    assert calls == ["inside", "late"]


def test_run_process_is_killed_at_a_cancel(tmp_path: Path) -> None:
    """The cancel kills the group (children and grandchildren), which wakes the waiting thread;
    Cancelled is raised once nothing of the run is left."""
    token = Cancel()
    watcher = _cancel_once_written(tmp_path / "pid", token)
    argv = ["sh", "-c", SLEEPER.format(where=tmp_path)]
    with pytest.raises(Cancelled):
        run_process(argv, cwd=tmp_path, env=dict(os.environ), timeout=60, cancel=token)
    watcher.join()
    assert not group_alive(int((tmp_path / "pid").read_text()))


def test_run_process_checks_the_current_token(tmp_path: Path) -> None:
    """What the scheduler relies on: the token current in the cell's thread, not passed."""
    token = Cancel()
    watcher = _cancel_once_written(tmp_path / "pid", token)
    argv = ["sh", "-c", SLEEPER.format(where=tmp_path)]
    with cancelling(token), pytest.raises(Cancelled):
        run_process(argv, cwd=tmp_path, env=dict(os.environ), timeout=60)
    watcher.join()
    assert not group_alive(int((tmp_path / "pid").read_text()))


def test_a_cancelled_run_starts_no_process(tmp_path: Path) -> None:
    token = Cancel()
    token.cancel()
    with pytest.raises(Cancelled):
        run_process(
            ["sh", "-c", f"touch {tmp_path}/ran"],
            cwd=tmp_path,
            env=dict(os.environ),
            timeout=60,
            cancel=token,
        )
    assert not (tmp_path / "ran").exists()

"""The scheduler that knows waiting from working (issue 17), with real processes.

No assertion here is about time: concurrency is observed with barriers and marker files, so a
test passes only if the cells really ran side by side (or really did not)."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

from pytest_goproxy.gorun.process import group_alive, run_process
from pytest_goproxy.outage.schedule import run_all, sleep, waiting

#: A process that marks itself started, then waits (no CPU) until ``n`` markers exist, or fails.
MEET = """
import os, sys, time
where, me, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
open(os.path.join(where, me), "w").close()
end = time.monotonic() + 20
while len(os.listdir(where)) < n:
    if time.monotonic() > end:
        sys.exit(1)
    time.sleep(0.05)
"""
#: A process that keeps a CPU busy for a while.
BUSY = "import time\nend = time.monotonic() + 1.5\nwhile time.monotonic() < end: pass\n"


class Concurrency:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0

    def __enter__(self) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def __exit__(self, *exc: object) -> None:
        with self.lock:
            self.now -= 1


def test_explicit_waits_lend_the_slot() -> None:
    """jobs=1, four cells that only wait: they must all wait at once to pass the barrier."""
    barrier = threading.Barrier(4, timeout=20)

    def cell(i: int) -> int:
        with waiting():
            barrier.wait()
        return i

    assert run_all(cell, [0, 1, 2, 3], jobs=1) == {0: 0, 1: 1, 2: 2, 3: 3}


def test_a_go_group_without_cpu_counts_as_waiting(tmp_path: Path) -> None:
    """jobs=1, three cells whose processes wait for each other: possible only if an idle
    process group lends its cell's slot."""

    def cell(i: int) -> int:
        argv = [sys.executable, "-c", MEET, str(tmp_path), f"cell{i}", "3"]
        return run_process(argv, cwd=None, env={}, timeout=30).returncode

    assert run_all(cell, [0, 1, 2], jobs=1, idle_after=0.3) == {0: 0, 1: 0, 2: 0}


def test_working_cells_keep_their_slot() -> None:
    """jobs=1, cells keeping a CPU busy: never two at once."""
    seen = Concurrency()

    def cell(i: int) -> int:
        with seen:
            return run_process(
                [sys.executable, "-c", BUSY], cwd=None, env={}, timeout=30
            ).returncode

    assert run_all(cell, [0, 1, 2], jobs=1, idle_after=0.5) == {0: 0, 1: 0, 2: 0}
    assert seen.most == 1


def test_cap_bounds_the_cells_running_at_once() -> None:
    seen = Concurrency()
    gate = threading.Event()

    def cell(i: int) -> int:
        with seen, waiting():
            gate.wait(timeout=1.0)  # nobody sets it: each cell waits its second out
        return i

    assert len(run_all(cell, list(range(6)), jobs=1, cap=2)) == 6
    assert seen.most == 2


def test_started_and_finished_see_every_cell_and_an_error_ends_the_run() -> None:
    started: list[int] = []
    finished: list[tuple[int, int]] = []
    run_all(
        lambda i: i * 2,
        [1, 2, 3],
        jobs=2,
        started=started.append,
        finished=lambda i, r: finished.append((i, r)),
    )
    assert sorted(started) == [1, 2, 3]
    assert sorted(finished) == [(1, 2), (2, 4), (3, 6)]

    def broken(i: int) -> int:
        raise ValueError(f"cell {i} broke")

    with pytest.raises(ValueError, match="broke"):
        run_all(broken, [1, 2], jobs=2)


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"jobs": 0}, "jobs"),
        ({"jobs": 1, "cap": 0}, "cap"),
        ({"jobs": 1, "idle_after": 0}, "idle_after"),
    ],
)
def test_bad_arguments(kwargs: dict[str, float], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        run_all(lambda i: i, [1], **kwargs)  # type: ignore[arg-type]


def test_a_stopped_run_cancels_its_cells_and_they_clean_up(tmp_path: Path) -> None:
    """Cell 0 fails once cell 1's process runs and cell 2 sleeps (60 s each): the run stops,
    cancelling both. Each ends by its own ``finally`` (where a cell stops its servers), go's
    group is killed, and the calling thread gets cell 0's error, as before issue 23; without a
    working cancel, neither cleanup would have run when run_all returns."""
    marker = tmp_path / "pid"
    asleep = threading.Event()
    ended: dict[int, str] = {}

    def cell(i: int) -> int:
        try:
            if i == 0:
                asleep.wait(30)
                deadline = time.monotonic() + 30
                while not marker.exists() and time.monotonic() < deadline:
                    time.sleep(0.01)
                raise ValueError("cell 0 broke")
            if i == 1:
                script = f"echo $$ > {tmp_path}/pid.tmp && mv {tmp_path}/pid.tmp {marker}; sleep 60"
                return run_process(
                    ["sh", "-c", script], cwd=None, env=dict(os.environ), timeout=60
                ).returncode
            asleep.set()
            sleep(60)
            return i
        except BaseException as exc:
            ended[i] = type(exc).__name__
            raise

    with pytest.raises(ValueError, match="broke"):
        run_all(cell, [0, 1, 2], jobs=3)
    assert ended == {0: "ValueError", 1: "Cancelled", 2: "Cancelled"}
    assert not group_alive(int(marker.read_text()))


def test_ctrl_c_in_the_calling_thread_is_raised_after_the_cells_end() -> None:
    """KeyboardInterrupt where results are written (Ctrl-C, or Terminated): the sleeping cell is
    cancelled, and the same KeyboardInterrupt goes on."""
    asleep = threading.Event()
    ended: list[str] = []
    interrupt = KeyboardInterrupt("ctrl-c")

    def cell(i: int) -> int:
        if i == 0:
            asleep.wait(30)
            return 0
        asleep.set()
        try:
            sleep(60)
        except BaseException as exc:
            ended.append(type(exc).__name__)
            raise
        return 1

    def finished(item: int, result: int) -> None:
        raise interrupt

    with pytest.raises(KeyboardInterrupt) as raised:
        run_all(cell, [0, 1], jobs=2, finished=finished)
    assert raised.value is interrupt
    assert ended == ["Cancelled"]

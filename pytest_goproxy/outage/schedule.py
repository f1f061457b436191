"""Running many outages side by side: a scheduler that knows waiting from working.

Most of an outage matrix's wall time is waiting, not work: a cell whose go hangs on a blackhole
holds no CPU for its whole deadline, nor does one stuck in a 30 s dial timeout, a retry's backoff
sleep or the relay's expiry wait. :func:`run_all` therefore bounds the cells that *work*, not the
cells that run:

* ``jobs`` cells may be working at once; a new cell starts only while fewer are working;
* a cell is *waiting* while it sits in an explicit wait (:func:`waiting`, which the procedures
  use around their sleeps) or while every go process group it runs has used no CPU for
  ``idle_after`` seconds (read from ``/proc``: the groups are those
  :func:`~pytest_goproxy.gorun.process.run_process` starts in the cell's thread); its job slot
  goes to the next cell;
* at most ``cap`` cells run at once, waiting ones included;
* nothing a cell waits on is paused or stretched: go keeps running under its own deadline, so
  a waiting cell ends exactly when it would have alone. A waiting cell that starts working
  again simply counts as working again (``jobs`` may then be exceeded for a moment; no cell
  is ever stopped to make room).

Where ``/proc`` does not exist, a cell running go counts as working, as before.

Results come back in the calling thread as cells finish (so they can be written at once). On
Ctrl-C, SIGTERM or SIGHUP (:class:`~pytest_goproxy.lifecycle.Terminated`) the cells not started
are dropped and the running ones cancelled, cooperatively: each run has a cancel token
(:class:`~pytest_goproxy.gorun.cancel.Cancel`), current in every cell's thread. Cancelling it
kills the go process groups the cells wait on at once instead of at their deadline (which wakes
them) and ends their explicit waits (:func:`sleep`); each cell then unwinds through its own
``finally`` blocks (servers stopped, temporary directories removed), and the original exception
goes on in the calling thread. Nothing is thrown into a thread from outside.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from pytest_goproxy.gorun import cancel
from pytest_goproxy.gorun.cancel import Cancel, Cancelled, cancelling
from pytest_goproxy.gorun.process import GroupWatch, cpu_seconds_by_group, watching_groups

__all__ = ["DEFAULT_CAP", "IDLE_AFTER", "run_all", "sleep", "waiting"]

_K = TypeVar("_K", bound=Hashable)
_R = TypeVar("_R")

#: How many cells may run at once, waiting ones included.
DEFAULT_CAP = 32
#: Seconds without CPU in a cell's go process groups before the cell counts as waiting.
IDLE_AFTER = 0.5
#: How often the scheduler looks at the cells (and at /proc).
_TICK = 0.1
#: How long cancelled cells get to end (their go groups are killed at once; servers stop).
_CANCEL_GRACE = 30.0


@dataclass
class _Activity:
    """What the scheduler knows of one running cell."""

    watch: GroupWatch = field(default_factory=GroupWatch)
    #: explicit waits the cell is in (``waiting()`` blocks; nested ones count)
    sleeping: int = 0
    #: CPU seconds of its go groups at the last look, and when they last moved
    cpu: float = -1.0
    active_at: float = field(default_factory=time.monotonic)
    idle: bool = False

    def is_waiting(self) -> bool:
        return self.sleeping > 0 or self.idle


_current = threading.local()


@contextlib.contextmanager
def waiting() -> Iterator[None]:
    """Mark the calling cell as waiting (not working) while inside: a sleep that needs no CPU.
    Outside :func:`run_all` it does nothing."""
    activity: _Activity | None = getattr(_current, "activity", None)
    if activity is None:
        yield
        return
    activity.sleeping += 1
    try:
        yield
    finally:
        activity.sleeping -= 1


def sleep(seconds: float) -> None:
    """A wait that needs no CPU (a retry's backoff, the relay's expiry): the cell counts as
    waiting meanwhile (:func:`waiting`), and a cancel of its run ends it at once, raising
    :class:`~pytest_goproxy.gorun.cancel.Cancelled`. Outside :func:`run_all`, a plain sleep."""
    with waiting():
        cancel.sleep(seconds)


@dataclass
class _Done(Generic[_K, _R]):
    item: _K
    result: _R | None = None
    error: BaseException | None = None


class _Scheduler(Generic[_K, _R]):
    def __init__(
        self,
        work: Callable[[_K], _R],
        items: Sequence[_K],
        jobs: int,
        cap: int,
        idle_after: float,
        started: Callable[[_K], object] | None,
    ) -> None:
        self.work = work
        self.pending: deque[_K] = deque(items)
        self.jobs = jobs
        self.cap = max(cap, jobs)
        self.idle_after = idle_after
        self.started = started
        self.done: queue.Queue[_Done[_K, _R]] = queue.Queue()
        self.lock = threading.Lock()
        self.running: dict[int, tuple[_K, _Activity, threading.Thread]] = {}
        self.threads: list[threading.Thread] = []
        #: this run's token: current in every cell's thread, cancelled when the run stops
        self.cancel = Cancel()

    # -- the cells' threads ----------------------------------------------------------------

    def _cell(self, item: _K, activity: _Activity) -> None:
        _current.activity = activity
        try:
            with cancelling(self.cancel), watching_groups(activity.watch):
                if self.started is not None:
                    self.started(item)
                result = self.work(item)
        except Cancelled:
            pass  # the run is stopping: the calling thread raises what stopped it
        except BaseException as exc:
            self.done.put(_Done(item, error=exc))
        else:
            self.done.put(_Done(item, result))
        finally:
            _current.activity = None
            with self.lock:
                self.running.pop(threading.get_ident(), None)

    def _start(self, item: _K) -> None:
        activity = _Activity()
        thread = threading.Thread(
            target=self._cell, args=(item, activity), name="goproxy-outage", daemon=True
        )
        with self.lock:
            thread.start()
            assert thread.ident is not None
            self.running[thread.ident] = (item, activity, thread)
        self.threads.append(thread)

    # -- looking at them -------------------------------------------------------------------

    def _look(self) -> None:
        """Update which running cells are waiting, from their explicit waits and the CPU time
        of their go process groups."""
        with self.lock:
            activities = [activity for _, activity, _ in self.running.values()]
        watched = [(a, a.watch.groups()) for a in activities]
        cpu = cpu_seconds_by_group() if any(groups for _, groups in watched) else None
        now = time.monotonic()
        for activity, groups in watched:
            if not groups or cpu is None:
                activity.idle, activity.cpu, activity.active_at = False, -1.0, now
                continue
            used = sum(cpu.get(g, 0.0) for g in groups)
            if used != activity.cpu:
                activity.cpu, activity.active_at = used, now
            activity.idle = now - activity.active_at >= self.idle_after

    def _working(self) -> int:
        with self.lock:
            return sum(1 for _, a, _ in self.running.values() if not a.is_waiting())

    def _admit(self) -> None:
        while self.pending and len(self.running) < self.cap and self._working() < self.jobs:
            self._start(self.pending.popleft())

    # -- the loop --------------------------------------------------------------------------

    def run(self, finished: Callable[[_K, _R], object] | None) -> dict[_K, _R]:
        results: dict[_K, _R] = {}
        remaining = len(self.pending)
        try:
            while remaining:
                self._admit()
                try:
                    done = self.done.get(timeout=_TICK)
                except queue.Empty:
                    self._look()
                    continue
                remaining -= 1
                if done.error is not None:
                    raise done.error
                results[done.item] = done.result  # type: ignore[assignment]
                if finished is not None:
                    finished(done.item, done.result)  # type: ignore[arg-type]
        except BaseException:  # Ctrl-C, Terminated, a cell or a callback that raised: stop all
            self.pending.clear()
            self.cancel.cancel()  # kills the cells' go groups, ends their sleeps
            deadline = time.monotonic() + _CANCEL_GRACE
            for thread in self.threads:
                thread.join(timeout=max(0.0, deadline - time.monotonic()))
            raise
        return results


def run_all(
    work: Callable[[_K], _R],
    items: Sequence[_K],
    *,
    jobs: int = 1,
    started: Callable[[_K], object] | None = None,
    finished: Callable[[_K, _R], object] | None = None,
    cap: int = DEFAULT_CAP,
    idle_after: float = IDLE_AFTER,
) -> dict[_K, _R]:
    """``work(item)`` for every item, at most ``jobs`` of them working at once and at most
    ``cap`` running at once (see the module docstring); returns item -> result.

    ``started(item)`` is called in the cell's thread as it starts, ``finished(item, result)`` in
    this thread as it ends (write results there: an interrupted run keeps what it reported). On
    KeyboardInterrupt (Ctrl-C, or :class:`~pytest_goproxy.lifecycle.Terminated`) the items not
    started are dropped, the running ones cancelled (their run's token, current in their
    threads: :mod:`~pytest_goproxy.gorun.cancel`), and the exception goes on once they have
    ended; an exception raised by ``work`` ends the run the same way.
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs!r}")
    if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
        raise ValueError(f"cap must be at least 1, got {cap!r}")
    if not idle_after > 0:
        raise ValueError(f"idle_after must be a positive number of seconds, got {idle_after!r}")
    return _Scheduler(work, items, jobs, cap, idle_after, started).run(finished)

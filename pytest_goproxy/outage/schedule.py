"""Running many outages side by side, and stopping them all at once.

The matrix CLI, :func:`~pytest_goproxy.matrix.runner.run_matrix` and anything else that runs a
list of cells go through :func:`run_all`: ``jobs`` worker threads, results handed back in the
calling thread as they finish (so they can be written at once), and on Ctrl-C, SIGTERM or SIGHUP
(:class:`~pytest_goproxy.lifecycle.Terminated`) the waiting cells dropped and the running ones
interrupted: their go process groups are killed at once instead of at their deadline.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed, wait
from typing import TypeVar

__all__ = ["run_all"]

_K = TypeVar("_K", bound=Hashable)
_R = TypeVar("_R")

#: How long interrupted cells get to end (their go groups are killed at once; servers stop).
_INTERRUPT_GRACE = 30.0


def _interrupt_threads(idents: Iterable[int]) -> None:
    """Raise KeyboardInterrupt in these worker threads, as Ctrl-C does in the main thread.

    A cell's go runs in its own session (so a hang can be killed as a group), out of reach of
    the terminal's SIGINT; the runner kills that group on KeyboardInterrupt
    (``gorun.process.run_process``), which is how the workers stop at once instead of waiting
    for their deadline. The exception arrives between two bytecodes of the worker, which polls.
    """
    import ctypes

    for ident in idents:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(ident), ctypes.py_object(KeyboardInterrupt)
        )


def run_all(
    work: Callable[[_K], _R],
    items: Sequence[_K],
    *,
    jobs: int = 1,
    started: Callable[[_K], object] | None = None,
    finished: Callable[[_K, _R], object] | None = None,
) -> dict[_K, _R]:
    """``work(item)`` for every item, ``jobs`` at a time; returns item -> result.

    ``started(item)`` is called in the worker as an item starts, ``finished(item, result)`` in
    this thread as it ends (write results there: an interrupted run keeps what it reported).
    ``jobs == 1`` runs in this thread. On KeyboardInterrupt (Ctrl-C, or
    :class:`~pytest_goproxy.lifecycle.Terminated`) the items not started are dropped, the
    running ones interrupted, and the exception goes on once they have ended.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs!r}")
    results: dict[_K, _R] = {}
    if jobs == 1:
        for item in items:
            if started is not None:
                started(item)
            results[item] = result = work(item)
            if finished is not None:
                finished(item, result)
        return results

    running: dict[int, _K] = {}
    lock = threading.Lock()

    def one(item: _K) -> _R:
        with lock:
            running[threading.get_ident()] = item
        try:
            if started is not None:
                started(item)
            return work(item)
        finally:
            with lock:
                running.pop(threading.get_ident(), None)

    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="goproxy-outage")
    futures: dict[Future[_R], _K] = {pool.submit(one, item): item for item in items}
    try:
        for future in as_completed(futures):
            item = futures[future]
            results[item] = result = future.result()
            if finished is not None:
                finished(item, result)
    except BaseException:  # Ctrl-C, Terminated, or a callback that raised: stop everything
        pool.shutdown(wait=False, cancel_futures=True)
        with lock:  # held, so no worker leaves `one` between the look and the interrupt
            _interrupt_threads(running)
        # Only the started ones: a future cancelled before a worker took it never counts as
        # done for wait() (it is not "notified" until a worker would have taken it).
        wait([f for f in futures if not f.cancelled()], timeout=_INTERRUPT_GRACE)
        raise
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return results

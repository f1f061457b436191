"""Cooperative cancellation: a token the scheduler sets, and every long wait of a cell checks.

A matrix stopped by Ctrl-C or SIGTERM must end its running cells at once, not at their go
deadline. It used to do so by raising ``KeyboardInterrupt`` inside each cell's thread
(CPython's asynchronous exception, through ctypes). It arrives between any two bytecodes: in a
``finally`` that was stopping a server, between a lock's ``acquire`` and its ``try``, in a
``with`` that was closing a temporary directory; and only while Python code runs, so every
blocking wait had to poll for it. Toxiproxy's toxics show the other way (every pipe loop
checks ``stub.Interrupt`` and returns; toxics/toxic.go): whoever stops a run *sets* a token,
and whoever waits long checks it and ends its own work, cleaning up as on any other exit.

* :class:`Cancel` is the token (a :class:`threading.Event`). :meth:`Cancel.cancel` sets it and
  calls what waiters registered with :meth:`Cancel.on_cancel`: ``run_process`` registers "kill
  my go process group", and the death of go's leader is what wakes the thread waiting on its
  pidfd. No wait has to poll.
* :meth:`Cancel.sleep` is a sleep that a cancel ends at once (a retry's backoff, the relay's
  expiry wait); it then raises :class:`Cancelled`.
* :class:`Cancelled` derives from ``BaseException``, as ``asyncio.CancelledError`` does: the
  ``except Exception`` that turns a failing step into an error cell must not turn a stopped
  run into a result. The scheduler drops it; the main thread raises the original
  ``KeyboardInterrupt`` (or ``Terminated``).

How the token reaches the waits: the scheduler makes one per run and sets it as the *current*
token of each cell's thread (:func:`cancelling`, a :class:`~contextvars.ContextVar`, so each
thread sees its own); a wait given no token explicitly (``run_process(..., cancel=None)``,
:func:`sleep`) uses :func:`current`. Passing it explicitly from the scheduler would thread one
parameter through every procedure, ``GoProject.run`` and ``GoRunner.run`` to reach the one
call that waits; the scheduler's :class:`~pytest_goproxy.gorun.process.GroupWatch` already
travels to ``run_process`` the same way (``watching_groups``), for the same reason: go runs
synchronously in the thread of the cell that asked for it. Outside a scheduled cell there is no
current token and every wait behaves as a plain one.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar

__all__ = ["Cancel", "Cancelled", "cancelling", "current", "sleep"]

_LOG = logging.getLogger("pytest_goproxy.cancel")


class Cancelled(BaseException):
    """The run this work belongs to was cancelled: unwind (cleaning up) and end.

    A ``BaseException``, so ``except Exception`` blocks that record a failure let it pass."""


class Cancel:
    """A cancel token: set once by whoever stops a run, checked by whoever waits long.

    >>> token = Cancel()
    >>> token.cancelled
    False
    >>> token.cancel(); token.cancelled
    True
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.RLock()  # a callback may read the token
        self._callbacks: dict[int, Callable[[], object]] = {}
        self._ids = itertools.count()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self) -> None:
        """Set the token and call every registered callback, once, in this thread (idempotent).

        A callback that fails is logged (at debug level) and does not keep the others from
        running: each is how one waiter is woken. They are called with the token's lock held,
        so once a waiter has left :meth:`on_cancel` its callback is not running and never will
        (``run_process`` kills a process group that way, and must not after reaping its leader,
        whose group id could then be another's); a callback must therefore be quick."""
        with self._lock:
            if self._event.is_set():
                return
            self._event.set()
            callbacks = list(self._callbacks.values())
            self._callbacks.clear()
            for callback in callbacks:
                try:
                    callback()
                except Exception:
                    _LOG.debug("a cancel callback failed", exc_info=True)

    def check(self) -> None:
        """Raise :class:`Cancelled` if the token is set (before starting something long)."""
        if self._event.is_set():
            raise Cancelled

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the token is set or ``timeout`` seconds pass; whether it is set."""
        return self._event.wait(timeout)

    def sleep(self, seconds: float) -> None:
        """Sleep ``seconds``, or raise :class:`Cancelled` as soon as the token is set."""
        if self._event.wait(max(0.0, seconds)):
            raise Cancelled

    @contextlib.contextmanager
    def on_cancel(self, callback: Callable[[], object]) -> Iterator[None]:
        """Within, a cancel calls ``callback`` (in the cancelling thread): how a waiter that
        blocks on something else (a process, a socket) is woken. Already cancelled: it is called
        at once, here."""
        with self._lock:
            key = None if self._event.is_set() else next(self._ids)
            if key is not None:
                self._callbacks[key] = callback
        if key is None:
            callback()
        try:
            yield
        finally:
            if key is not None:
                with self._lock:
                    self._callbacks.pop(key, None)

    def __repr__(self) -> str:
        return f"<Cancel {'cancelled' if self.cancelled else 'pending'}>"


_current: ContextVar[Cancel | None] = ContextVar("pytest_goproxy_cancel", default=None)


def current() -> Cancel | None:
    """The token of the work running in this thread (set by :func:`cancelling`), or None."""
    return _current.get()


@contextlib.contextmanager
def cancelling(token: Cancel) -> Iterator[Cancel]:
    """Within, ``token`` is this thread's current token: what ``run_process`` and :func:`sleep`
    check when given none explicitly."""
    reset = _current.set(token)
    try:
        yield token
    finally:
        _current.reset(reset)


def sleep(seconds: float, cancel: Cancel | None = None) -> None:
    """:func:`time.sleep`, ended at once (raising :class:`Cancelled`) by a cancel of ``cancel``,
    or of the current token when none is given; a plain sleep when there is neither."""
    token = cancel if cancel is not None else current()
    if token is None:
        time.sleep(max(0.0, seconds))
    else:
        token.sleep(seconds)

"""Ending what was started: one context-manager base and one parallel, error-proof close.

Every server, process and temp dir the plugin starts has a ``close()``; :class:`Closing` makes
it a context manager in one place, and :func:`close_all` stops many at once (a werkzeug server
takes up to a poll interval to stop, so a cell's servers are stopped side by side) while one
failing closer never keeps the others running.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TypeVar

__all__ = ["Closers", "Closing", "Starting", "close_all"]

_T = TypeVar("_T", bound="Closing")
_S = TypeVar("_S", bound="Starting")


class Closing:
    """``with obj: ...`` calls ``obj.close()`` on the way out, whatever happened inside.

    Subclasses define ``close()``; one that must start on entry overrides ``__enter__``."""

    def close(self) -> None:  # pragma: no cover - always overridden
        raise NotImplementedError

    def __enter__(self: _T) -> _T:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class Starting(Closing):
    """A thing with several parts to start: :meth:`start` runs ``_start()`` and, if that fails
    halfway, ``close()`` ends what had started before the error goes on. ``with`` starts it."""

    def _start(self) -> None:  # pragma: no cover - always overridden
        raise NotImplementedError

    def start(self: _S) -> _S:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __enter__(self: _S) -> _S:
        return self.start()


def close_all(closers: Iterable[Callable[[], object]], *, timeout: float = 30.0) -> None:
    """Call every closer in its own thread and wait for all; exceptions are swallowed (clean-up
    goes on whatever one of them did)."""

    def quiet(closer: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            with contextlib.suppress(Exception):
                closer()

        return run

    threads = [threading.Thread(target=quiet(c), daemon=True) for c in closers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)


class Closers(Closing):
    """Closers collected while things start, all called by :meth:`close` (newest first, side by
    side). A set-up that fails halfway still ends what it had started."""

    def __init__(self) -> None:
        self._closers: list[Callable[[], object]] = []
        self._lock = threading.Lock()

    def add(self, closer: Callable[[], object]) -> None:
        with self._lock:
            self._closers.append(closer)

    def close(self) -> None:
        with self._lock:
            closers, self._closers = list(reversed(self._closers)), []
        close_all(closers)

"""Ending what was started: one context-manager base and one parallel, error-proof close.

Every server, process and temp dir the plugin starts has a ``close()``; :class:`Closing` makes
it a context manager in one place, and :func:`close_all` stops many at once (a werkzeug server
takes up to a poll interval to stop, so a cell's servers are stopped side by side) while one
failing closer never keeps the others running.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import TypeVar

__all__ = [
    "Closers",
    "Closing",
    "Starting",
    "Terminated",
    "close_all",
    "interrupt_on_signals",
    "locked",
    "make_writable",
    "outlive_guard",
    "release",
    "remove_temp_dir",
    "remove_tree",
    "temp_dir",
]

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


# -- what outlives a killed parent ---------------------------------------------------------------
#
# ``close()`` and ``finally`` run on exceptions, Ctrl-C and (with :func:`interrupt_on_signals`)
# SIGTERM/SIGHUP, but not when the process is SIGKILLed or crashes. For that, one small watchdog
# process per Python process holds the read end of a pipe whose write end only we hold. It learns
# the process groups and temp dirs we start (``+g``/``+d``) and those we end (``-g``/``-d``); when
# the pipe closes, whatever the reason, it ends the groups still listed (TERM, then KILL) and
# removes the dirs. A watchdog, not ``PR_SET_PDEATHSIG``: that fires when the *thread* that
# started the child exits (the matrix starts toxiproxy from a worker thread), it needs a
# ``preexec_fn``, which is unsafe with threads, and it exists on Linux only.


def _watchdog_source() -> str:
    """The watchdog script (:mod:`pytest_goproxy.lifecycle.watchdog`, a real file that ruff and
    mypy check), read as package data so ``python -c`` runs it from any install (a wheel, a zip);
    read, not imported: this process does not need it, only the child does."""
    from importlib import resources

    return resources.files(__name__).joinpath("watchdog.py").read_text(encoding="utf-8")


class _Watchdog:
    """The watchdog process of this Python process (started at the first registration; a forked
    child starts its own)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid = 0
        self._proc: subprocess.Popen[bytes] | None = None

    def send(self, op: str, arg: int | str) -> None:
        if sys.platform == "win32":  # pragma: no cover - no process groups to end
            return
        line = (json.dumps([op, arg]) + "\n").encode()
        with self._lock:
            if self._proc is None or self._pid != os.getpid() or self._proc.poll() is not None:
                self._start()
            assert self._proc is not None and self._proc.stdin is not None
            with contextlib.suppress(OSError):
                self._proc.stdin.write(line)
                self._proc.stdin.flush()

    def _start(self) -> None:
        # Its own session: a SIGTERM sent to our process group must not reach it (it ignores
        # signals anyway), and it must not be in any group it ends.
        self._proc = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _watchdog_source()],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
        )
        self._pid = os.getpid()


_watchdog = _Watchdog()


def outlive_guard(
    *, group: int | None = None, directory: str | os.PathLike[str] | None = None
) -> None:
    """Have process group ``group`` ended and ``directory`` removed should this process die
    before it does so itself (SIGKILL, a crash). Call :func:`release` once it has."""
    if group is not None:
        _watchdog.send("+g", int(group))
    if directory is not None:
        _watchdog.send("+d", os.path.abspath(directory))


def release(*, group: int | None = None, directory: str | os.PathLike[str] | None = None) -> None:
    """Forget what :func:`outlive_guard` was told: the group has ended, the dir is removed."""
    if group is not None:
        _watchdog.send("-g", int(group))
    if directory is not None:
        _watchdog.send("-d", os.path.abspath(directory))


def temp_dir(prefix: str, parent: str | os.PathLike[str] | None = None) -> Path:
    """``tempfile.mkdtemp`` whose directory goes away even if this process is killed; remove it
    with :func:`remove_temp_dir`."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    outlive_guard(directory=path)
    return path


def remove_temp_dir(path: str | os.PathLike[str]) -> None:
    """Remove a :func:`temp_dir` (read-only module-cache files included) and forget it."""
    remove_tree(Path(path))
    release(directory=path)


def make_writable(root: Path) -> None:
    """``chmod -R u+w root`` without following symlinks."""
    if not root.exists() or root.is_symlink():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            path = os.path.join(dirpath, name)
            with contextlib.suppress(OSError):
                mode = os.lstat(path).st_mode
                if not stat.S_ISLNK(mode) and not mode & stat.S_IWUSR:
                    os.chmod(path, mode | stat.S_IWUSR)
    with contextlib.suppress(OSError):
        os.chmod(root, os.stat(root).st_mode | stat.S_IWUSR | stat.S_IXUSR)


def remove_tree(root: Path) -> None:
    """Remove ``root`` even where Go made it read-only."""
    if not os.path.lexists(root):
        return
    if root.is_symlink() or root.is_file():
        root.unlink()
        return
    make_writable(root)

    def _retry(func: object, path: str, _exc: object) -> None:
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(path), 0o700)
            os.chmod(path, 0o700)
        if callable(func):
            with contextlib.suppress(OSError):
                func(path)

    if sys.version_info >= (3, 12):
        shutil.rmtree(root, onexc=_retry)
    else:  # pragma: no cover - Python 3.10/3.11
        shutil.rmtree(root, onerror=_retry)


# -- one builder at a time -----------------------------------------------------------------------


@contextlib.contextmanager
def locked(path: str | os.PathLike[str]) -> Iterator[None]:
    """An exclusive lock on the file ``path`` (created if need be) while inside: processes that
    build one cached binary (toxiproxy, cmd/go's test binary) take turns, so none reads another's
    half-written one. Without ``fcntl`` (not POSIX) builds are not serialised."""
    with open(path, "a+") as file:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            yield
            return
        fcntl.flock(file.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(file.fileno(), fcntl.LOCK_UN)


# -- SIGTERM and SIGHUP end a run the way Ctrl-C does ---------------------------------------------


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived: raised where Ctrl-C's KeyboardInterrupt would be, so the same
    clean-up runs (servers stopped, processes ended, finished results kept)."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"received {signal.Signals(signum).name}")
        self.signum = signum


_TERMINATING = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def _raise_terminated(signum: int, _frame: object) -> None:
    raise Terminated(signum)


@contextlib.contextmanager
def interrupt_on_signals() -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP raise :class:`Terminated` in the main thread.

    Only signals still at their default action are taken over (a handler the user installed is
    left alone), and only from the main thread (elsewhere this does nothing). The previous
    handlers come back on the way out."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, object] = {}
    for sig in _TERMINATING:
        if signal.getsignal(sig) is signal.SIG_DFL:
            previous[sig] = signal.signal(sig, _raise_terminated)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(sig, handler)  # type: ignore[arg-type]

"""Run a command with a hard timeout and leave no process behind.

The command starts in a session (and so a process group) of its own. ``go`` starts children:
``git`` for direct fetches, the compiler and linker, the program of ``go run``, the commands of
``go generate``; killing only ``go`` would orphan them. So:

* on expiry the whole group gets ``SIGTERM``, then ``SIGKILL`` after a short grace period;
* after a normal exit, whatever is left in the group gets ``SIGKILL`` too;
* should this process die first (even by SIGKILL), the lifecycle watchdog ends the group;
* a cancel of the run's token (:mod:`~pytest_goproxy.gorun.cancel`: a matrix stopped by Ctrl-C
  or SIGTERM) kills the group at once, and :class:`~pytest_goproxy.gorun.cancel.Cancelled` is
  raised once it is gone. The kill is also what wakes the thread waiting for go: the pidfd it
  polls becomes readable when the leader dies, so the wait needs no polling interval.

The leader is polled with ``waitid(WNOWAIT)`` and reaped only after its group has been signalled: an
unreaped (zombie) leader keeps its pid, so the group id cannot be reused by an unrelated process
before we signal it. On Windows (no process groups) the process alone is killed.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pytest_goproxy.gorun.cancel import Cancel, Cancelled, current
from pytest_goproxy.lifecycle import outlive_guard, release

__all__ = [
    "GroupWatch",
    "ProcessOutcome",
    "cpu_seconds_by_group",
    "group_alive",
    "run_process",
    "watching_groups",
]

_POSIX = sys.platform != "win32"
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class GroupWatch:
    """The process groups :func:`run_process` has running for one caller, as they start and
    end (thread-safe): what a scheduler reads to tell a cell that works from one that waits."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._groups: set[int] = set()

    def add(self, pgid: int) -> None:
        with self._lock:
            self._groups.add(pgid)

    def discard(self, pgid: int) -> None:
        with self._lock:
            self._groups.discard(pgid)

    def groups(self) -> tuple[int, ...]:
        with self._lock:
            return tuple(self._groups)


_watch = threading.local()


@contextlib.contextmanager
def watching_groups(watch: GroupWatch) -> Iterator[None]:
    """Within, every process group :func:`run_process` starts in this thread is in ``watch``
    while it runs (go runs synchronously in the thread of the cell that asked for it)."""
    previous = getattr(_watch, "current", None)
    _watch.current = watch
    try:
        yield
    finally:
        _watch.current = previous


def _proc_stats() -> Iterator[list[bytes]] | None:
    """Linux: the fields after ``(comm)`` of every process's ``/proc/PID/stat`` (state, ppid,
    pgrp, ...); None where there is no /proc."""
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None

    def fields() -> Iterator[list[bytes]]:
        for entry in entries:
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    found = f.read().rsplit(b")", 1)[1].split()
            except (OSError, IndexError):
                continue  # gone meanwhile
            if len(found) > 14:
                yield found

    return fields()


def cpu_seconds_by_group() -> dict[int, float] | None:
    """Linux: the CPU time (user + system, reaped children included) of every process group
    with a live member, in seconds; None where there is no /proc."""
    stats = _proc_stats()
    if stats is None:
        return None
    totals: dict[int, float] = {}
    for fields in stats:
        pgid = int(fields[2])
        ticks = sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        totals[pgid] = totals.get(pgid, 0.0) + ticks / _TICKS
    return totals


@dataclass(frozen=True)
class ProcessOutcome:
    """What a finished (or killed) command left behind."""

    returncode: int
    stdout: str
    stderr: str
    duration: float
    hung: bool
    pid: int


def _proc_members(pgid: int) -> bool | None:
    """Linux: whether a live (not zombie) process has process group ``pgid``; None without /proc."""
    stats = _proc_stats()
    if stats is None:
        return None
    return any(int(fields[2]) == pgid and fields[0] != b"Z" for fields in stats)


def group_alive(pgid: int) -> bool:
    """Whether a live process is left in process group ``pgid`` (always False on Windows).

    Zombies do not count: a killed orphan stays a zombie until init reaps it, but it runs
    nothing. Without /proc, ``killpg(pgid, 0)`` answers (and counts zombies).
    """
    if not _POSIX:
        return False
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    members = _proc_members(pgid) if sys.platform.startswith("linux") else None
    return True if members is None else members


def _wait_group_gone(pgid: int, deadline: float) -> bool:
    while group_alive(pgid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


def _reader(stream: object, sink: list[bytes]) -> None:
    read = getattr(stream, "read", None)
    if read is None:
        return
    with contextlib.suppress(OSError, ValueError):
        while True:
            chunk = read(65536)
            if not chunk:
                break
            sink.append(chunk)


def _exited(proc: subprocess.Popen[bytes]) -> bool:
    """Whether the leader has exited, without reaping it (so its pid/pgid stay reserved)."""
    if not _POSIX:
        return proc.poll() is not None
    try:
        info = os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True  # already reaped
    return info is not None


def _wait_exited(proc: subprocess.Popen[bytes], deadline: float) -> bool:
    """Whether the leader exited before ``deadline`` (it is not reaped). On Linux a pidfd wakes
    us the moment it exits (a cancel kills it, which wakes us too); elsewhere we poll, at most
    50 ms apart."""
    pidfd = _pidfd(proc)
    if pidfd is not None:
        try:
            poller = select.poll()
            poller.register(pidfd, select.POLLIN)
            while not _exited(proc):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                poller.poll(max(1, int(remaining * 1000)))
            return True
        finally:
            os.close(pidfd)
    delay = 0.001
    while True:
        if _exited(proc):
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        time.sleep(min(delay, remaining))
        delay = min(delay * 2, 0.05)


def _pidfd(proc: subprocess.Popen[bytes]) -> int | None:
    """A pidfd for the leader (Linux 5.3+), or None where there is none."""
    opener = getattr(os, "pidfd_open", None)
    if opener is None:
        return None
    try:
        fd: int = opener(proc.pid)
    except OSError:
        return None
    return fd


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    if _POSIX:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
    else:  # pragma: no cover - Windows
        with contextlib.suppress(OSError):
            proc.kill()


def _wait_for(proc: subprocess.Popen[bytes], deadline: float, kill_grace: float) -> bool:
    """Wait for the leader until ``deadline``, then end the group (SIGTERM, SIGKILL after
    ``kill_grace``); whether it hung. A cancel's kill ends the wait early, as an exit."""
    if _wait_exited(proc, deadline):
        return False
    _signal_group(proc, signal.SIGTERM)
    if not _wait_exited(proc, time.monotonic() + kill_grace):
        _signal_group(proc, getattr(signal, "SIGKILL", signal.SIGTERM))
        _wait_exited(proc, time.monotonic() + 10.0)
    return True


def run_process(
    argv: Sequence[str],
    *,
    cwd: str | os.PathLike[str] | None,
    env: Mapping[str, str],
    timeout: float,
    kill_grace: float = 1.0,
    cancel: Cancel | None = None,
) -> ProcessOutcome:
    """Run ``argv`` to completion or until ``timeout`` seconds, then kill its process group.

    ``cancel`` (by default the current token of this thread, see
    :func:`~pytest_goproxy.gorun.cancel.current`) ends the run at once: the group is killed, and
    :class:`~pytest_goproxy.gorun.cancel.Cancelled` raised once nothing of it is left."""
    token = cancel if cancel is not None else current()
    if token is not None:
        token.check()  # a run being stopped starts no go
    start = time.monotonic()
    proc = subprocess.Popen(
        list(argv),
        cwd=None if cwd is None else Path(cwd),
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=_POSIX,
    )
    if _POSIX:
        outlive_guard(group=proc.pid)  # ended even if we are SIGKILLed before its deadline
    watch: GroupWatch | None = getattr(_watch, "current", None)
    if watch is not None:
        watch.add(proc.pid)
    out: list[bytes] = []
    err: list[bytes] = []
    readers = [
        threading.Thread(target=_reader, args=(proc.stdout, out), daemon=True),
        threading.Thread(target=_reader, args=(proc.stderr, err), daemon=True),
    ]
    for thread in readers:
        thread.start()
    hung = False
    kill_on_cancel = (
        token.on_cancel(lambda: _signal_group(proc, getattr(signal, "SIGKILL", signal.SIGTERM)))
        if token is not None
        else contextlib.nullcontext()
    )
    try:
        with kill_on_cancel:
            hung = _wait_for(proc, start + timeout, kill_grace)
        # Anything the leader left in its group (a go run program, a go generate command) is
        # killed in ``finally``, before the leader is reaped.
    finally:
        # Also on KeyboardInterrupt (Ctrl-C in the main thread): nothing of the run survives it.
        _signal_group(proc, getattr(signal, "SIGKILL", signal.SIGTERM))
        if watch is not None:
            watch.discard(proc.pid)
        if _POSIX:
            # SIGKILL is asynchronous: wait (bounded) until no member of the group still runs.
            _wait_group_gone(proc.pid, time.monotonic() + 5.0)
            release(group=proc.pid)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for thread in readers:
            thread.join(timeout=5.0)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
    if token is not None and token.cancelled:
        raise Cancelled
    duration = time.monotonic() - start
    return ProcessOutcome(
        returncode=proc.returncode,
        stdout=b"".join(out).decode("utf-8", "replace"),
        stderr=b"".join(err).decode("utf-8", "replace"),
        duration=duration,
        hung=hung,
        pid=proc.pid,
    )

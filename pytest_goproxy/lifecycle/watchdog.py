"""The watchdog that ends what a killed parent left running (see :mod:`pytest_goproxy.lifecycle`).

A stand-alone script, run as ``python -I -S -c <this file's text>`` by the process it guards:
the standard library only, no import of pytest_goproxy (it must start fast and work however the
package is installed). It reads JSON lines ``[op, arg]`` on stdin: ``+g``/``-g`` a process group
started/ended, ``+d``/``-d`` a temp dir made/removed. When stdin closes, whatever the reason (the
parent exited, crashed or was SIGKILLed), it ends the groups still listed (TERM, then KILL after
3 s each) and removes the dirs. It ignores the terminal's signals: a Ctrl-C that reaches the
parent's process group must not end the watchdog before the parent is gone.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import time
from collections.abc import Callable
from typing import Any


def listen() -> tuple[set[int], set[str]]:
    """The groups and dirs still listed when stdin closes."""
    groups: set[int] = set()
    dirs: set[str] = set()
    buf = b""
    while True:
        try:
            chunk = os.read(0, 65536)
        except InterruptedError:
            continue
        if not chunk:
            return groups, dirs
        buf += chunk
        *lines, buf = buf.split(b"\n")
        for line in lines:
            try:
                op, arg = json.loads(line)
            except ValueError:
                continue
            if op in ("+g", "-g"):
                (groups.add if op == "+g" else groups.discard)(int(arg))
            elif op in ("+d", "-d"):
                (dirs.add if op == "+d" else dirs.discard)(str(arg))


def alive(group: int) -> bool:
    """Whether ``group`` has a member that is not a zombie (a zombie answers ``killpg(g, 0)``
    until it is reaped, which may be never once its parent is gone)."""
    try:
        os.killpg(group, 0)
    except OSError:
        return False
    try:
        names = os.listdir("/proc")
    except OSError:
        return True
    for name in names:
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            if int(fields[2]) == group and fields[0] != b"Z":
                return True
        except (OSError, IndexError, ValueError):
            pass
    return False


def end(groups: set[int]) -> None:
    """TERM each group, give them 3 s, then KILL what is left and give it 3 s more."""
    for sig, wait in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 3.0)):
        for group in groups:
            with contextlib.suppress(OSError):
                os.killpg(group, sig)
        deadline = time.monotonic() + wait
        while any(alive(g) for g in groups) and time.monotonic() < deadline:
            time.sleep(0.05)


def writable(func: Callable[..., Any], path: str, _exc: object) -> None:
    """rmtree's error handler: a read-only dir (go's module cache) is made writable, then the
    removal is tried again; what still fails is left (nothing else can be done here)."""
    with contextlib.suppress(OSError):
        os.chmod(os.path.dirname(path), 0o700)
        os.chmod(path, 0o700)
        func(path)


def main() -> None:
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(sig, signal.SIG_IGN)
    groups, dirs = listen()
    end(groups)
    for d in dirs:
        shutil.rmtree(d, onerror=writable)


if __name__ == "__main__":
    main()

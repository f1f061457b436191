"""Ctrl-C on ``matrix`` and ``run``: one line, exit 130, what finished kept; and ``docs`` outside
a checkout: one line, no traceback."""

from __future__ import annotations

import contextlib
import json
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from cli_helpers import cli

from pytest_goproxy.scenarios import BUNDLED


def _start(*args: str) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest_goproxy.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # A test runner started in the background may ignore SIGINT, and children inherit that;
        # a user's shell does not.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return proc, lines


def _interrupt_when(proc: subprocess.Popen[str], lines: queue.Queue[str], starts: str) -> list[str]:
    """Wait for a line starting with ``starts``, send SIGINT, return every line printed."""
    seen: list[str] = []
    deadline = time.monotonic() + 90
    while not any(line.startswith(starts) for line in seen):
        assert time.monotonic() < deadline, "".join(seen)
        assert proc.poll() is None, "".join(seen)
        with contextlib.suppress(queue.Empty):
            seen.append(lines.get(timeout=1))
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=30)
    assert time.monotonic() - sent < 20  # the hung cell's go was killed, not waited for
    time.sleep(0.2)
    while not lines.empty():
        seen.append(lines.get())
    return seen


def test_ctrl_c_on_matrix_exits_130_and_writes_what_finished(tmp_path: Path) -> None:
    proc, lines = _start(
        "matrix",
        str(BUNDLED / "project"),
        "--modules",
        str(BUNDLED / "modules"),
        "--faults",
        "none,blackhole",
        "--configs",
        "single",
        "--jobs",
        "1",
        "--timeout",
        "300",
        "--out",
        str(tmp_path / "out"),
    )
    try:
        seen = _interrupt_when(proc, lines, "started blackhole x single")
    finally:
        if proc.poll() is None:
            proc.kill()
    out = "".join(seen)
    assert proc.returncode == 130, out
    assert "Traceback" not in out and "KeyboardInterrupt" not in out
    assert "pytest-goproxy: interrupted after 1 of 2 cells" in out
    assert "1 cell: 1 recovered, 0 failed, 0 hung, 0 unavailable (interrupted after 1 of 2" in out
    cells = json.loads((tmp_path / "out" / "matrix.json").read_text())
    cells = cells["cells"] if isinstance(cells, dict) else cells
    assert [(c["fault"], c["config"]) for c in cells] == [("none", "single")]


def test_ctrl_c_on_run_exits_130(tmp_path: Path) -> None:
    scenario = tmp_path / "proxy_blackholed.toml"
    scenario.write_text(
        (BUNDLED / "proxy_blackholed.toml").read_text().replace("timeout = 5", "timeout = 300")
    )
    proc, lines = _start("run", str(scenario), "--json", str(tmp_path / "r.json"))
    try:
        seen = _interrupt_when(proc, lines, "started proxy_blackholed")
    finally:
        if proc.poll() is None:
            proc.kill()
    out = "".join(seen)
    assert proc.returncode == 130, out
    assert "Traceback" not in out and "KeyboardInterrupt" not in out
    assert "0 scenarios: 0 as expected, 0 mismatches, 0 unavailable (interrupted)" in out
    assert json.loads((tmp_path / "r.json").read_text()) == []


def test_docs_outside_a_checkout_is_one_line(tmp_path: Path) -> None:
    result = cli("docs", cwd=tmp_path)
    assert result.returncode == 2  # a usage error: nothing to update there
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("pytest-goproxy: error: README.md: no such file")

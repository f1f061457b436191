"""Nothing outlives a run: SIGTERM, SIGHUP and even SIGKILL, sent to real runs (issue 13).

Each test starts a real run (pytest, ``pytest-goproxy matrix``, ``serve``) holding toxiproxy,
nginx and a hung ``go``, signals it, and then requires that within 10 s no process of that run
is alive and none of the temp dirs it made is left. A run's processes are recognised by a marker
directory put first on its ``PATH``, which every child inherits (toxiproxy and nginx inherit the
environment; the hermetic go environment keeps ``PATH``); its temp dirs by living under its own
``TMPDIR``.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_goproxy.outage.relay import find_nginx
from pytest_goproxy.scenarios import BUNDLED

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads /proc to find what a run left"
)

#: The temp dirs pytest-goproxy makes (pytest's own basetemp is pytest's to keep).
OURS = (
    "gorun-",
    "goproxy-store-",
    "goproxy-record-",
    "nginx-relay-",
    "pytest-goproxy-toxiproxy-",
)
#: How long a run may take to clean up after the signal.
GRACE = 10.0


class Run:
    """A process started with its own marker on PATH and its own TMPDIR."""

    def __init__(self, tmp_path: Path, argv: list[str], *, cwd: Path | None = None) -> None:
        self.marker = tmp_path / "marker-bin"
        self.marker.mkdir()
        self.tmp = tmp_path / "tmp"
        self.tmp.mkdir()
        env = dict(os.environ)
        env["PATH"] = f"{self.marker}{os.pathsep}{env.get('PATH', '')}"
        env["TMPDIR"] = str(self.tmp)
        env.pop("PYTEST_XDIST_WORKER", None)
        env.pop("PYTEST_ADDOPTS", None)
        self.proc = subprocess.Popen(
            argv,
            cwd=cwd or tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own group, as a shell job has
        )
        self.known: set[tuple[int, bytes]] = set()
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def output(self) -> str:
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return "".join(self.seen)

    def wait_for_line(self, text: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.seen):
            assert time.monotonic() < deadline, f"no {text!r} in:\n{self.output()}"
            assert self.proc.poll() is None, f"exited {self.proc.returncode}:\n{self.output()}"
            with contextlib.suppress(queue.Empty):
                self.seen.append(self.lines.get(timeout=0.5))

    def processes(self) -> list[str]:
        """The live (not zombie) processes of this run, as ``pid: command line``.

        A process is the run's when its environment holds the marker (nginx rewrites its own
        environment and command line, so for nginx: when the command line names the run's
        TMPDIR), or when its parent is; every one ever seen is remembered (pid and start
        time), so a worker orphaned by its master's death is still counted."""
        table: dict[int, tuple[int, bytes, str]] = {}  # pid -> (ppid, start time, command)
        marked: set[int] = set()
        needles = (str(self.marker).encode(), str(self.tmp).encode())
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) in (os.getpid(), self.proc.pid):
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
                if fields[0] == b"Z":
                    continue
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    cmdline = f.read()
                with open(f"/proc/{entry}/environ", "rb") as f:
                    environ = f.read()
            except (OSError, IndexError):
                continue
            pid = int(entry)
            command = cmdline.replace(b"\0", b" ").decode(errors="replace")
            table[pid] = (int(fields[1]), fields[19], command)
            if needles[0] in environ or (b"nginx" in cmdline and needles[1] in cmdline):
                marked.add(pid)
        changed = True
        while changed:  # descendants of marked processes
            grown = {pid for pid, (ppid, _, _) in table.items() if ppid in marked} - marked
            changed = bool(grown)
            marked |= grown
        self.known |= {(pid, table[pid][1]) for pid in marked}
        alive = {pid for pid, start in self.known if pid in table and table[pid][1] == start}
        return [f"{pid}: {table[pid][2]}" for pid in sorted(alive | marked)]

    def wait_for_processes(self, *names: str, timeout: float = 120) -> None:
        """Until a process whose command line holds each of ``names`` runs."""
        deadline = time.monotonic() + timeout
        while True:
            running = self.processes()
            if all(any(name in p for p in running) for name in names):
                return
            assert time.monotonic() < deadline, (
                f"{names} not all running: {running}\n{self.output()}"
            )
            assert self.proc.poll() is None, f"exited {self.proc.returncode}:\n{self.output()}"
            time.sleep(0.2)

    def temp_dirs(self) -> list[Path]:
        """Our temp dirs under the run's TMPDIR (os.walk: dirs vanish while it looks)."""
        found = []
        for top, dirs, _files in os.walk(self.tmp):
            found += [Path(top, name) for name in dirs if name.startswith(OURS)]
        return found

    def assert_nothing_left(self, since: float) -> None:
        """Within GRACE seconds of ``since``: no live process of the run, no temp dir of ours."""
        while True:
            left, dirs = self.processes(), self.temp_dirs()
            if not left and not dirs:
                return
            if time.monotonic() > since + GRACE:
                pytest.fail(
                    f"{GRACE:g} s after the signal: processes {left}, temp dirs {dirs}\n"
                    f"{self.output()}"
                )
            time.sleep(0.1)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)


@pytest.fixture
def nginx() -> Path:
    found = find_nginx()
    if found is None:
        from pytest_goproxy.ci import skip_or_fail

        skip_or_fail("nginx is not installed")
    assert found is not None
    return found


@pytest.fixture
def runs() -> Iterator[list[Run]]:
    started: list[Run] = []
    yield started
    for run in started:  # a failed test leaves nothing either
        run.kill()
        for line in run.processes():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(line.split(":")[0]), signal.SIGKILL)


HOLDING_TEST = """
from pytest_goproxy.outage.relay import NginxRelay


def test_holds_everything(goproxy, network, go):
    goproxy.add_module("example.test/lib", "v1.0.0", files={"lib.go": "package lib\\n"})
    primary = network.front(goproxy)
    primary.inject("blackhole")
    relay = NginxRelay(goproxy.url).start()  # never stopped by the test: a careless user
    print("relay", relay.url, flush=True)
    project = go.project(requires={"example.test/lib": "v1.0.0"})
    project.tidy(env={"GOPROXY": primary.url}, timeout=600)
"""


def _pytest_run(tmp_path: Path, *args: str) -> Run:
    (tmp_path / "test_holding.py").write_text(HOLDING_TEST)
    return Run(
        tmp_path,
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-s", *args, "test_holding.py"],
    )


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL])
def test_pytest_holding_toxiproxy_nginx_and_a_hung_go(
    tmp_path: Path, nginx: Path, runs: list[Run], sig: signal.Signals
) -> None:
    run = _pytest_run(tmp_path, "-n", "0")
    runs.append(run)
    run.wait_for_processes("toxiproxy", "nginx", "mod tidy")
    sent = time.monotonic()
    run.proc.send_signal(sig)
    run.assert_nothing_left(sent)
    run.proc.wait(GRACE)
    if sig != signal.SIGKILL:
        assert f"received {sig.name}" in run.output()  # pytest's interrupted session


def test_pytest_xdist_sigterm_to_the_process_group(
    tmp_path: Path, nginx: Path, runs: list[Run]
) -> None:
    (tmp_path / "test_second.py").write_text(HOLDING_TEST.replace("holds_everything", "holds_too"))
    run = _pytest_run(tmp_path, "-n", "2", "test_second.py")
    runs.append(run)
    deadline = time.monotonic() + 120
    while sum("toxiproxy" in p for p in run.processes()) < 2:  # one per worker
        assert time.monotonic() < deadline, run.output()
        time.sleep(0.2)
    run.wait_for_processes("mod tidy")
    sent = time.monotonic()
    os.killpg(run.proc.pid, signal.SIGTERM)
    run.assert_nothing_left(sent)


def test_matrix_sigterm_keeps_finished_cells_and_leaves_nothing(
    tmp_path: Path, nginx: Path, runs: list[Run]
) -> None:
    out = tmp_path / "out"
    run = Run(
        tmp_path,
        [
            sys.executable,
            "-m",
            "pytest_goproxy.cli",
            "matrix",
            str(BUNDLED / "project"),
            "--modules",
            str(BUNDLED / "modules"),
            "--faults",
            "none,blackhole",
            "--configs",
            "single,relay",
            "--jobs",
            "2",
            "--timeout",
            "600",
            "--out",
            str(out),
        ],
    )
    runs.append(run)
    run.wait_for_line("none x single: recovered")
    run.wait_for_processes("nginx", "toxiproxy", "mod tidy")
    sent = time.monotonic()
    run.proc.send_signal(signal.SIGTERM)
    run.assert_nothing_left(sent)
    assert run.proc.wait(GRACE) == 128 + signal.SIGTERM
    text = run.output()
    assert "Traceback" not in text
    assert "(interrupted after" in text and "of 4 cells)" in text
    finished = (out / "matrix.jsonl").read_text().splitlines()
    assert finished and '"none"' in finished[0]
    assert (out / "matrix.json").is_file()


def _refused(url: str) -> bool:
    host, port = url.removeprefix("http://").split("/")[0].rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return False
    except ConnectionRefusedError:
        return True


def test_serve_killed_outright_leaves_no_toxiproxy_on_the_exported_port(
    tmp_path: Path, runs: list[Run]
) -> None:
    run = Run(tmp_path, [sys.executable, "-m", "pytest_goproxy.cli", "serve"])
    runs.append(run)
    run.wait_for_line("# serving")
    goproxy = next(
        line.split("GOPROXY=", 1)[1].split()[0].strip("'\"")
        for line in run.seen
        if "GOPROXY=" in line
    )
    assert not _refused(goproxy)
    assert any("toxiproxy" in p for p in run.processes())
    sent = time.monotonic()
    run.proc.send_signal(signal.SIGKILL)
    run.assert_nothing_left(sent)
    assert _refused(goproxy)  # later builds in that shell see "connection refused", not resets

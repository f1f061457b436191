"""The sumdb and proxy end-to-end tests, again and again, while an outage matrix loads the machine.

Issue 23: three sumdb end-to-end tests failed on one xdist worker of a fresh-clone suite run while
another matrix ran on the same machine (go read ``EOF`` from ``/lookup/...``, then ``malformed HTTP
status code "/tile/8/0/000.p/2"``: the session checksum database's listener was gone). A flake
shows itself only under load, so this script makes the load and counts:

- the load: ``pytest-goproxy matrix --faults all --configs all --timeout 5`` in a process group of
  its own, started again whenever it ends, killed (the group) when the rounds are done;
- each round: one pytest run of the end-to-end tests under xdist (``-n 2``: session servers live
  for a worker's whole run, as in the failing run), read back from its JUnit XML.

The target is 0 failed tests over all rounds. Run on demand (about 10 minutes)::

    python benchmarks/stress_e2e.py                    # 20 rounds, matrix beside them
    python benchmarks/stress_e2e.py --rounds 3 --no-load

Results are printed and written to ``benchmarks/results/stress_e2e.json``: per round, the tests run,
the failures (test id and the first lines of the message) and the seconds taken.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TESTS = (
    "tests/sumdb/test_fakeproxy_e2e.py",
    "tests/sumdb/test_go_e2e.py",
    "tests/proxy/test_go_e2e.py",
)
LOAD = ("matrix", "--faults", "all", "--configs", "all", "--timeout", "5")


class Load:
    """The matrix beside the tests: restarted whenever it ends, until :meth:`stop`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.runs = 0
        self._stop = threading.Event()
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="stress-load", daemon=True)

    def start(self) -> Load:
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                if self._stop.is_set():
                    return
                self._proc = subprocess.Popen(
                    [sys.executable, "-m", "pytest_goproxy.cli", *LOAD],
                    cwd=self.root,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,  # its go processes are ended with it, as a group
                )
            self._proc.wait()
            self.runs += 1

    def stop(self) -> None:
        """End the matrix (SIGTERM to its group: it stops its cells the way a user's would)."""
        with self._lock:
            self._stop.set()
            proc = self._proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self._thread.join(60)


def _failures(junit: Path) -> tuple[int, list[dict[str, str]]]:
    """The number of tests run and each failed or errored one, from pytest's JUnit XML."""
    tree = ET.parse(junit)
    tests, failed = 0, []
    for case in tree.iter("testcase"):
        tests += 1
        for kind in ("failure", "error"):
            found = case.find(kind)
            if found is not None:
                message = (found.get("message") or found.text or "").strip()
                failed.append(
                    {
                        "test": f"{case.get('classname')}::{case.get('name')}",
                        "kind": kind,
                        "message": "\n".join(message.splitlines()[:6])[:2000],
                    }
                )
    return tests, failed


def _commit(root: Path) -> str | None:
    done = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or None


def run_round(root: Path, workers: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="stress-e2e-") as tmp:
        junit = Path(tmp) / "junit.xml"
        argv = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={junit}",
        ]
        if workers > 0:
            argv += ["-n", str(workers)]
        started = time.monotonic()
        done = subprocess.run(
            [*argv, *TESTS], cwd=root, stdin=subprocess.DEVNULL, capture_output=True, check=False
        )
        seconds = time.monotonic() - started
        if not junit.exists():  # pytest did not get as far as running tests
            tail = done.stdout.decode(errors="replace").splitlines()[-10:]
            return {
                "tests": 0,
                "failures": [{"test": "(collection)", "kind": "error", "message": "\n".join(tail)}],
                "seconds": round(seconds, 1),
                "exit": done.returncode,
            }
        tests, failures = _failures(junit)
    return {
        "tests": tests,
        "failures": failures,
        "seconds": round(seconds, 1),
        "exit": done.returncode,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="xdist workers (0: none)")
    parser.add_argument("--no-load", action="store_true", help="no matrix beside the tests")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to test")
    parser.add_argument("--commit", help="what --root holds, when it is not a git checkout")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks/results/stress_e2e.json")
    args = parser.parse_args(argv)
    load = None if args.no_load else Load(args.root).start()
    rounds: list[dict[str, Any]] = []
    started = time.monotonic()
    try:
        for n in range(args.rounds):
            result = run_round(args.root, args.workers)
            rounds.append(result)
            names = ", ".join(f["test"] for f in result["failures"]) or "-"
            print(
                f"round {n + 1}/{args.rounds}: {result['tests']} tests, "
                f"{len(result['failures'])} failed ({names}), {result['seconds']} s",
                flush=True,
            )
    finally:
        if load is not None:
            load.stop()
    failed = sum(len(r["failures"]) for r in rounds)
    summary = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "commit": args.commit or _commit(args.root),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "tests": list(TESTS),
        "workers": args.workers,
        "load": None if load is None else " ".join(LOAD),
        "matrix_runs": None if load is None else load.runs,
        "rounds": len(rounds),
        "tests_run": sum(r["tests"] for r in rounds),
        "failed": failed,
        "seconds": round(time.monotonic() - started, 1),
        "per_round": rounds,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(summary, indent=2) + "\n")
    print(
        f"{failed} failed test(s) in {summary['tests_run']} over {len(rounds)} rounds "
        f"({summary['seconds']} s); written to {args.output}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""``pytest-goproxy serve`` as a user runs it: a process printing export lines, faults switched
over its control endpoint while go runs through it, gone after SIGINT."""

from __future__ import annotations

import os
import queue
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

import httpx
import pytest

from pytest_goproxy import Failure, GoRunner, Toxiproxy
from pytest_goproxy.scenarios import BUNDLED


@dataclass
class Served:
    """A running ``pytest-goproxy serve``: its process, the exports it printed first, the
    control URL, and the lines it printed after ``# serving`` (read by a thread)."""

    proc: subprocess.Popen[str]
    env: dict[str, str]
    control: str
    header: list[str]
    later: queue.Queue[str] = field(default_factory=queue.Queue)

    def next_lines(self, until: str, timeout: float = 15) -> list[str]:
        """Lines printed from now until one matching the regular expression ``until`` (that one
        included)."""
        got: list[str] = []
        deadline = time.monotonic() + timeout
        while not got or not re.search(until, got[-1]):
            try:
                got.append(self.later.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                raise AssertionError(f"no line matching {until!r} in {got}") from None
        return got


def _serve(toxiproxy: Toxiproxy, *args: str) -> Iterator[Served]:
    assert toxiproxy.server is not None  # the session's binary, reused by the subprocess
    env = {**os.environ, "TOXIPROXY_BIN": str(toxiproxy.server.binary)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest_goproxy.cli", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        exports: dict[str, str] = {}
        control = ""
        header: list[str] = []
        assert proc.stdout is not None
        for line in proc.stdout:
            header.append(line.rstrip("\n"))
            if line.startswith("export "):
                key, _, value = line[len("export ") :].strip().partition("=")
                exports[key] = shlex.split(value)[0]
            elif line.startswith("# control:"):
                control = line.split("curl -X DELETE ")[1].strip().rsplit("/faults", 1)[0]
            elif line.startswith("# serving"):
                break
        assert set(exports) == {"GOPROXY", "GOSUMDB"}, proc.stderr.read() if proc.stderr else ""
        served = Served(proc, exports, control, header)

        def read(stdout: IO[str]) -> None:
            for line in stdout:
                served.later.put(line.rstrip("\n"))

        threading.Thread(target=read, args=(proc.stdout,), daemon=True).start()
        yield served
    finally:
        if proc.poll() is None:
            # SIGTERM takes serve's clean-up path (its toxiproxy is stopped too); SIGKILL would
            # leave that toxiproxy running, as issue 13 reports.
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)


@pytest.fixture
def served(toxiproxy: Toxiproxy) -> Iterator[Served]:
    yield from _serve(toxiproxy, "--fault", "latency:ms=10", "--summary-every", "0.5")


def test_serve_switch_faults_then_sigint(served: Served, go: GoRunner) -> None:
    proc, env, control = served.proc, served.env, served.control
    assert "# faults: #1 latency(ms=10) [network]" in served.header  # readable, not a repr
    assert httpx.get(f"{control}/faults").json()[0]["name"] == "latency"
    project = go.project_from_dir(BUNDLED / "project")
    project.tidy(env=env, timeout=30).assert_ok()
    summary = served.next_lines("requests: ")[-1]  # the window summarises what go asked
    assert re.fullmatch(r"# \d\d:\d\d:\d\d requests: \d+ .*zip \d+.*", summary), summary

    added = httpx.post(f"{control}/faults", json={"name": "refused"})
    assert added.status_code == 201 and added.json()["layer"] == "network"
    assert added.json()["env_changed"] is False
    assert served.next_lines("fault added")[-1].endswith("fault added: #2 refused [network]")
    project = go.project_from_dir(BUNDLED / "project")
    project.tidy(env=env, timeout=30).assert_failure(Failure.REFUSED)

    bad = httpx.post(f"{control}/faults", json={"name": "nope"})
    assert bad.status_code == 400 and "network faults: latency" in bad.json()["error"]
    assert httpx.delete(f"{control}/faults").json() == {
        "removed": 2,
        "env": env,
        "env_changed": False,
    }
    lines = served.next_lines("fault removed: #1")
    removed = [line[11:] for line in lines if "fault removed" in line]  # without "# HH:MM:SS "
    assert removed == [
        "fault removed: #2 refused [network]",
        "fault removed: #1 latency(ms=10) [network]",
    ]
    assert (
        httpx.post(f"{control}/faults", json={"name": "status", "params": {"code": 502}}).json()[
            "layer"
        ]
        == "http"
    )
    project = go.project_from_dir(BUNDLED / "project")
    project.tidy(env=env, timeout=30).assert_failure(Failure.HTTP_STATUS)
    assert httpx.get(f"{control}/env").json() == env

    proc.send_signal(signal.SIGINT)
    assert proc.wait(15) == 0
    assert proc.stderr is not None and "# stopped" in proc.stderr.read()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{control}/faults", timeout=2)
    with pytest.raises(httpx.ConnectError):
        httpx.get(env["GOPROXY"], timeout=2)


def test_serve_dns_fault_prints_the_new_export_line(toxiproxy: Toxiproxy, go: GoRunner) -> None:
    """The shell's old GOPROXY still reaches the healthy proxy: the fault only works for a
    shell that runs the new export line, which the window and the answer both give."""
    for served in _serve(toxiproxy, "-q"):
        answer = httpx.post(f"{served.control}/faults", json={"name": "dns"}).json()
        assert answer["env_changed"] is True
        assert "run there: export GOPROXY=" in answer["message"]
        new_goproxy = answer["env"]["GOPROXY"]
        assert ".invalid:" in new_goproxy and new_goproxy != served.env["GOPROXY"]
        printed = served.next_lines("^export ")
        assert printed[-1] == answer["exports"][0] == f"export GOPROXY={new_goproxy}"
        assert "GOPROXY changed" in printed[0]  # -q keeps what the shell must act on ...

        old = go.project_from_dir(BUNDLED / "project").tidy(env=served.env, timeout=30)
        old.assert_ok()  # ... because the old export silently keeps working
        new_env = {**served.env, "GOPROXY": new_goproxy}
        go.project_from_dir(BUNDLED / "project").tidy(env=new_env, timeout=30).assert_failure(
            Failure.DNS
        )
        time.sleep(1)
        assert served.later.empty()  # -q: no request summary, no fault log


def test_the_printed_curl_line_works_as_printed(served: Served) -> None:
    """The control hint is copied into shells: run it there, with the real curl."""
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    line = next(h for h in served.header if h.startswith("# control:"))
    post = line.removeprefix("# control:").split("; curl -X DELETE")[0]
    done = subprocess.run(
        ["sh", "-c", post + " -s -w ' %{http_code}'"], capture_output=True, text=True, check=False
    )
    assert done.stdout.endswith(" 201"), done
    with httpx.Client() as http:
        active = http.get(f"{served.control}/faults").json()
    assert "refused" in [fault["name"] for fault in active]

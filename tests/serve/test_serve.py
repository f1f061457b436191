"""``pytest-goproxy serve`` as a user runs it: a process printing export lines, faults switched
over its control endpoint while go runs through it, gone after SIGINT."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from pytest_goproxy import Failure, GoRunner, Toxiproxy
from pytest_goproxy.scenarios import BUNDLED


@pytest.fixture
def served(toxiproxy: Toxiproxy) -> Iterator[tuple[subprocess.Popen[str], dict[str, str], str]]:
    assert toxiproxy.server is not None  # the session's binary, reused by the subprocess
    env = {**os.environ, "TOXIPROXY_BIN": str(toxiproxy.server.binary)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest_goproxy.cli", "serve", "--fault", "latency:ms=10"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        exports: dict[str, str] = {}
        control = ""
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("export "):
                key, _, value = line[len("export ") :].strip().partition("=")
                exports[key] = shlex.split(value)[0]
            elif line.startswith("# control:"):
                control = line.split("curl -X DELETE ")[1].strip().rsplit("/faults", 1)[0]
            elif line.startswith("# serving"):
                break
        assert set(exports) == {"GOPROXY", "GOSUMDB"}, proc.stderr.read() if proc.stderr else ""
        yield proc, exports, control
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def test_serve_switch_faults_then_sigint(
    served: tuple[subprocess.Popen[str], dict[str, str], str], go: GoRunner
) -> None:
    proc, env, control = served
    assert httpx.get(f"{control}/faults").json()[0]["name"] == "latency"
    project = go.project_from_dir(BUNDLED / "project")
    project.tidy(env=env, timeout=30).assert_ok()

    added = httpx.post(f"{control}/faults", json={"name": "refused"})
    assert added.status_code == 201 and added.json()["layer"] == "network"
    project = go.project_from_dir(BUNDLED / "project")
    project.tidy(env=env, timeout=30).assert_failure(Failure.REFUSED)

    bad = httpx.post(f"{control}/faults", json={"name": "nope"})
    assert bad.status_code == 400 and "network faults: latency" in bad.json()["error"]
    assert httpx.delete(f"{control}/faults").json() == {"removed": 2}
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

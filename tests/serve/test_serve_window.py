"""What the serve window and the control answers tell a person at a shell: a fault that changes
GOPROXY (``dns``, ``dial_timeout``) says so and gives the new export line, fault changes are
logged, and requests are summarised. In-process, with the session's real toxiproxy."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx
import pytest

from pytest_goproxy import Toxiproxy
from pytest_goproxy.serve import OutageServer

pytestmark = pytest.mark.network_faults


@pytest.fixture
def lines() -> list[str]:
    return []


@pytest.fixture
def server(toxiproxy: Toxiproxy, lines: list[str]) -> Iterator[OutageServer]:
    with OutageServer(toxiproxy=toxiproxy, log=lines.append, summary_every=0) as server:
        yield server


def _timeless(lines: list[str]) -> list[str]:
    """The log without its ``HH:MM:SS`` stamps."""
    return [re.sub(r"^# \d\d:\d\d:\d\d ", "# ", line) for line in lines]


@pytest.mark.parametrize("name", ["dns", "dial_timeout"])
def test_a_fault_that_changes_goproxy_says_so(
    server: OutageServer, lines: list[str], name: str
) -> None:
    old = server.env["GOPROXY"]
    answer = server.add_fault(name)
    new = server.env["GOPROXY"]
    assert new != old
    if name == "dns":
        assert ".invalid:" in new
    assert answer["env"] == server.env
    assert answer["env_changed"] is True
    assert answer["exports"] == [f"export GOPROXY={new}"]
    assert isinstance(answer["message"], str)
    assert answer["message"] == (
        "GOPROXY changed: a shell still using the old value does not see this change; "
        f"run there: export GOPROXY={new}"
    )
    assert _timeless(lines) == [
        f"# fault added: #1 {name} [network]",
        "# GOPROXY changed: a shell still using the old value does not see this change; run there:",
        f"export GOPROXY={new}",
    ]

    lines.clear()
    removed = server.removal()
    assert removed["removed"] == 1 and removed["env_changed"] is True
    assert removed["exports"] == [f"export GOPROXY={old}"]
    assert removed["message"] == (
        "GOPROXY changed: a shell still using the old value does not see this change; "
        f"run there: export GOPROXY={old}"
    )
    assert _timeless(lines) == [
        f"# fault removed: #1 {name} [network]",
        "# GOPROXY changed: a shell still using the old value does not see this change; run there:",
        f"export GOPROXY={old}",
    ]


def test_other_faults_leave_the_env_and_are_logged_with_their_params(
    server: OutageServer, lines: list[str]
) -> None:
    answer = server.add_fault("latency", {"ms": 10})
    assert answer == {
        "id": "1",
        "name": "latency",
        "layer": "network",
        "params": {"ms": 10},
        "env": server.env,
        "env_changed": False,
    }
    server.add_fault("status", {"code": 502, "kind": "zip"})
    assert (
        server.describe_faults()
        == "#1 latency(ms=10) [network], #2 status(code=502,kind=zip) [http]"
    )
    assert server.removal("2") == {"removed": 1, "env": server.env, "env_changed": False}
    assert server.removal("7")["removed"] == 0
    assert _timeless(lines) == [
        "# fault added: #1 latency(ms=10) [network]",
        "# fault added: #2 status(code=502,kind=zip) [http]",
        "# fault removed: #2 status(code=502,kind=zip) [http]",
    ]
    server.removal()
    assert server.describe_faults() == "none"


def test_quiet_prints_only_what_the_shell_must_act_on(toxiproxy: Toxiproxy) -> None:
    lines: list[str] = []
    with OutageServer(toxiproxy=toxiproxy, log=lines.append, quiet=True) as server:
        server.add_fault("latency", {"ms": 1})
        server.add_fault("dns")
        assert [line.split(": ")[0] for line in _timeless(lines)] == [
            "# GOPROXY changed",
            f"export GOPROXY={server.env['GOPROXY']}",
        ]


def test_faults_given_at_the_start_are_in_the_first_export_lines(toxiproxy: Toxiproxy) -> None:
    lines: list[str] = []
    with OutageServer(toxiproxy=toxiproxy, faults=[("dns", {})], log=lines.append) as server:
        assert ".invalid:" in server.export_lines()[0]
        assert server.describe_faults() == "#1 dns [network]"
        assert lines == []  # nothing to re-export: the shell reads the lines printed after


def test_request_summary_counts_new_requests_by_kind(server: OutageServer) -> None:
    assert server.request_summary() is None
    server.add_fault("status", {"code": 502, "kind": "zip"})
    some = next(iter(server.proxy.store))  # a module of the bundled set
    base = f"{server.env['GOPROXY']}/{some.escaped_path}/@v"
    version = some.escaped_version
    with httpx.Client(timeout=10) as client:
        assert client.get(f"{base}/list").status_code == 200
        for _ in range(2):
            assert client.get(f"{base}/{version}.info").status_code == 200
        assert client.get(f"{base}/{version}.mod").status_code == 200
        assert client.get(f"{base}/{version}.zip").status_code == 502
        url = server.env["GOSUMDB"].split()[1]
        assert client.get(f"{url}/latest").status_code == 200  # the database, directly
    assert server.request_summary() == (
        "requests: 6 (1 faulted) list 1, info 2, mod 1, zip 1, sumdb 1"
    )
    assert server.request_summary() is None  # only what is new since the last one


def test_the_summary_is_logged_every_few_seconds_when_there_were_requests(
    toxiproxy: Toxiproxy,
) -> None:
    lines: list[str] = []
    with OutageServer(toxiproxy=toxiproxy, log=lines.append, summary_every=0.2) as server:
        time.sleep(0.5)
        assert lines == []  # no requests, no line
        some = next(iter(server.proxy.store)).escaped_path
        httpx.get(f"{server.env['GOPROXY']}/{some}/@v/list", timeout=10)
        deadline = time.monotonic() + 10
        while not lines and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
    assert _timeless(lines) == ["# requests: 1 list 1"]

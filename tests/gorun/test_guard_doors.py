"""A run's own door into the network guard: routes of one run, records exactly its own.

Runs of one ``GoRunner`` may go at the same time, each playing ``corp.example`` with a server of
its own (the matrix's cells). ``run(..., routes=...)`` gives such a run a listening socket of its
own in the guard: whatever arrives there is the run's (git's tokenless requests too) and goes by
the run's routes before the runner's. The door is closed when the run ends.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from pytest_httpserver import HTTPServer
from test_guard_routes import DIRECT, INFO_REFS, read_all, requests_of, vcs_host

from pytest_goproxy.gorun import GoRunner, NetworkGuard
from pytest_goproxy.gorun.result import GoResult

DOWNLOAD = ["mod", "download", "-json", "corp.example/lib@v1.0.0"]
OWN = [
    ("GET", "/lib?go-get=1", "corp.example"),
    ("GET", f"{INFO_REFS}?service=git-upload-pack", "corp.example"),
]


@pytest.fixture
def hosts() -> Iterator[list[HTTPServer]]:
    """Three fake corp.example hosts over HTTPS (the session CA's certificate)."""
    servers = [vcs_host("https://corp.example/lib") for _ in range(3)]
    yield servers
    for server in servers:
        server.stop()


def door_port(result: GoResult) -> int:
    port = urlsplit(result.env["HTTPS_PROXY"]).port
    assert port is not None
    return port


def guard_threads(port: int) -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(f"gorun-guard-{port}")]


def test_runs_at_the_same_time_each_reach_their_own_corp_example(
    go: GoRunner, hosts: list[HTTPServer]
) -> None:
    """Two runs of one runner at once, each routing corp.example to its own server: each server
    sees its own run's meta page request and git's info/refs, and nothing else; each result's
    routed lists its own requests only. The runner's own route for the name is out of play."""
    first, second, runners = hosts
    go.route("corp.example", runners)
    barrier = threading.Barrier(2)
    results: dict[int, GoResult] = {}

    def run(index: int, server: HTTPServer) -> None:
        barrier.wait()
        results[index] = go.run(DOWNLOAD, env=DIRECT, routes={"corp.example": server})

    threads = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert set(results) == {0, 1}
    assert requests_of(first) == OWN
    assert requests_of(second) == OWN
    assert runners.log == []
    for index, server in enumerate((first, second)):
        result = results[index]
        assert result.escapes == ()
        assert [(str(r), r.reached, r.address) for r in result.routed] == [
            ("CONNECT corp.example:443", True, (server.host, server.port)),  # go's ?go-get=1
            ("CONNECT corp.example:443", True, (server.host, server.port)),  # git ls-remote
        ]
    assert door_port(results[0]) != door_port(results[1])
    assert go.guard is not None
    assert go.guard.routes == {"corp.example": (runners.host, runners.port)}

    later = go.run(DOWNLOAD, env=DIRECT)  # the shared port: the runner's route again
    assert later.escapes == ()
    assert requests_of(runners) == OWN
    assert {r.address for r in later.routed} == {(runners.host, runners.port)}


def test_a_door_is_gone_after_its_run_and_refuses_what_is_not_routed(
    go: GoRunner, hosts: list[HTTPServer]
) -> None:
    """A host the run does not route is refused at the door and is that run's escape; after the
    run the door accepts nothing and none of its threads is left."""
    server = hosts[0]
    result = go.run(
        [*DOWNLOAD, "other.example/x@v1.0.0"], env=DIRECT, routes={"corp.example": server}
    )
    assert [str(e) for e in result.escapes] == ["CONNECT other.example:443"]
    assert result.escapes[0].token == "run-1"
    assert [str(r) for r in result.routed] == ["CONNECT corp.example:443"] * 2
    assert requests_of(server) == OWN
    port = door_port(result)
    assert go.guard is not None and port != go.guard.port
    assert guard_threads(port) == []
    assert go.guard._doors == set()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()


def test_a_door_names_its_run_without_credentials_and_closes_its_tunnels() -> None:
    """A request at a door carries no Proxy-Authorization (as git's), yet is the door's run's;
    closing the door shuts its open tunnels and joins their threads; the guard runs on."""
    echo = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def serve() -> None:
        try:
            while True:
                conn, _ = echo.accept()
                accepted.append(conn)
        except OSError:
            pass

    threading.Thread(target=serve, daemon=True).start()
    with NetworkGuard() as guard:
        door = guard.door("run-9", {"corp.example": echo.getsockname()})
        tunnel = socket.create_connection(("127.0.0.1", door.port), timeout=10)
        tunnel.sendall(b"CONNECT corp.example:443 HTTP/1.1\r\nHost: corp.example:443\r\n\r\n")
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += tunnel.recv(1)
        assert answer.startswith(b"HTTP/1.1 200")
        refused = socket.create_connection(("127.0.0.1", door.port), timeout=10)
        refused.sendall(b"CONNECT evil.example:443 HTTP/1.1\r\n\r\n")
        assert read_all(refused).startswith(b"HTTP/1.1 403")
        refused.close()
        assert door.routes == {"corp.example": echo.getsockname()}
        assert guard.routes == {}
        door.close()
        with tunnel:
            assert read_all(tunnel) == b""
        assert guard_threads(door.port) == []
        assert [(str(r), r.token) for r in guard.routed] == [("CONNECT corp.example:443", "run-9")]
        assert [(str(e), e.token) for e in guard.escapes] == [("CONNECT evil.example:443", "run-9")]
        assert guard.routed_for("run-1", 0, 1e12) == []  # tokened: no other run's window has it
    echo.close()
    for conn in accepted:
        conn.close()


def test_run_routes_are_checked_before_anything_runs(go: GoRunner, go_binary: object) -> None:
    with pytest.raises(ValueError, match="loopback"):
        go.run(DOWNLOAD, routes={"corp.example": ("10.0.0.1", 443)})
    with pytest.raises(TypeError, match="mapping"):
        go.run(DOWNLOAD, routes=[("corp.example", ("127.0.0.1", 1))])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a host"):
        go.run(DOWNLOAD, routes={"https://corp.example/": ("127.0.0.1", 1)})
    with (
        GoRunner(go_binary, guard=False) as bare,  # type: ignore[arg-type]
        pytest.raises(RuntimeError, match="guard=False"),
    ):
        bare.run(DOWNLOAD, routes={"corp.example": ("127.0.0.1", 1)})


def test_a_projects_runs_pass_routes_on(go: GoRunner, hosts: list[HTTPServer]) -> None:
    """GoProject.run and its tidy/download/build take ``routes`` as GoRunner.run does."""
    server = hosts[0]
    project = go.project()
    result = project.run(*DOWNLOAD, env=DIRECT, routes={"corp.example": server})
    assert requests_of(server) == OWN
    assert [str(r) for r in result.routed] == ["CONNECT corp.example:443"] * 2
    download = project.download(
        "corp.example/lib@v1.0.0", env=DIRECT, routes={"corp.example": None}
    )
    assert [(r.status, r.address) for r in download.routed] == [(502, None)]
    assert download.escapes == ()


def test_a_run_route_may_be_a_status_for_an_origin_that_is_down(go: GoRunner) -> None:
    """``routes={host: 503}``: the origin is down and the guard says so with 503, as a
    corporate proxy answers a name it cannot resolve; go reports that status."""
    result = go.run(DOWNLOAD, env=DIRECT, routes={"corp.example": 503})
    assert not result.ok
    assert [(r.status, r.address) for r in result.routed] == [(503, None)]
    assert "Service Unavailable" in result.stdout + result.stderr  # -json: the error is in stdout
    assert result.escapes == ()
    with pytest.raises(ValueError, match="status"):
        go.run(DOWNLOAD, env=DIRECT, routes={"corp.example": 200})

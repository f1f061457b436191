"""The network guard as a router: go and git reach a routed host by name, through the guard.

A fake VCS host or checksum database is named like a real one (``corp.example``); go finds it in
the module path, git in the ``go-import`` meta tag, and both must present that name in TLS.
``route()`` makes the guard the corporate proxy that can reach it. Everything here binds
127.0.0.1: the routed names exist for the guard alone, nothing is looked up in DNS, and every
host that is not routed is still refused and recorded.
"""

from __future__ import annotations

import base64
import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from pytest_httpserver import HTTPServer

from pytest_goproxy.gorun import Failure, GoRunner, NetworkGuard
from pytest_goproxy.gorun.guard import Routed, loopback_address
from pytest_goproxy.gorun.result import GoResult, json_errors
from pytest_goproxy.proxy import FakeGoProxy
from pytest_goproxy.serving.tls import session_ca
from pytest_goproxy.sumdb import ChecksumDB

#: A direct VCS fetch of the fake host's module, as a private module (no checksum database).
DIRECT = {"GOPROXY": "direct", "GOSUMDB": "off", "GOPRIVATE": "*.example,corp.example"}
GO_GET = "go-get=1"
INFO_REFS = "/lib/info/refs"


def meta_page(repo: str) -> str:
    """The ``?go-get=1`` page saying where the git repository of corp.example/lib is."""
    return (
        '<html><head><meta name="go-import" content="corp.example/lib git '
        f'{repo}"></head><body></body></html>'
    )


def vcs_host(repo: str, ssl: bool = True) -> HTTPServer:
    """A fake VCS host for corp.example (and git.corp.example): the meta page, 404 for the rest
    (so git's ``info/refs`` is answered ``repository not found``)."""
    context = session_ca().server_context("corp.example", "git.corp.example") if ssl else None
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context, threaded=True)
    server.no_handler_status_code = 404
    server.expect_request("/lib", query_string=GO_GET).respond_with_data(
        meta_page(repo), content_type="text/html"
    )
    server.start()
    return server


@pytest.fixture
def corp() -> Iterator[HTTPServer]:
    """corp.example over HTTPS with the session CA's certificate; git's repository on it too."""
    server = vcs_host("https://corp.example/lib")
    yield server
    server.stop()


@pytest.fixture
def closed_port() -> Iterator[tuple[str, int]]:
    """A loopback address where nothing accepts: bound (so no one else takes it), not listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()


def requests_of(server: HTTPServer) -> list[tuple[str, str, str | None]]:
    """(method, path?query, Host) of every request the server answered."""
    return [
        (req.method, req.full_path.rstrip("?"), req.headers.get("Host")) for req, _ in server.log
    ]


def error_of(result: GoResult) -> str:
    """What go reported for the module in ``go mod download -json`` (its ``Error``), decoded."""
    assert not result.ok
    return "\n".join(json_errors(result.stdout))


# -- go and git, by name ----------------------------------------------------------------------


def test_go_and_git_reach_a_routed_host_by_name(go: GoRunner, corp: HTTPServer) -> None:
    """go fetches the meta page and git then asks for ``info/refs``, both at corp.example over
    HTTPS through the guard's tunnel (TLS end to end, the session CA trusted by go through
    SSL_CERT_FILE and by git through GIT_SSL_CAINFO). Neither is an escape; both are routed.
    A host that is not routed is still refused and recorded."""
    go.route("corp.example", corp)  # before the first run: the guard is not running yet
    result = go.run(["mod", "download", "-json", "corp.example/lib@v1.0.0"], env=DIRECT)
    assert requests_of(corp) == [
        ("GET", "/lib?go-get=1", "corp.example"),
        ("GET", f"{INFO_REFS}?service=git-upload-pack", "corp.example"),
    ]
    assert "fatal: repository 'https://corp.example/lib/' not found" in error_of(result)
    assert result.escapes == ()
    assert go.guard is not None
    assert [(str(r), r.reached, r.address) for r in go.guard.routed] == [
        ("CONNECT corp.example:443", True, (corp.host, corp.port)),  # go's ?go-get=1
        ("CONNECT corp.example:443", True, (corp.host, corp.port)),  # git ls-remote
    ]
    assert go.guard.routed[0].token == "run-1"  # go names its run; git's curl sends no auth

    other = go.run(["mod", "download", "-json", "other.example/x@v1.0.0"], env=DIRECT)
    assert [str(e) for e in other.escapes] == ["CONNECT other.example:443"]
    assert 'Get "https://other.example/x?go-get=1": Forbidden' in error_of(other)
    assert (other.failure, other.status_code, other.refused_by_guard) == (
        Failure.HTTP_STATUS,
        403,
        True,
    )
    assert len(go.guard.routed) == 2  # nothing of the second run was routed


def test_a_route_set_after_the_first_run_and_removed_again(go: GoRunner, corp: HTTPServer) -> None:
    """Routes apply to every later run of the runner, whether the guard is running or not;
    ``unroute`` makes the host an escape again."""
    before = go.run(["mod", "download", "-json", "corp.example/lib@v1.0.0"], env=DIRECT)
    assert [str(e) for e in before.escapes] == ["CONNECT corp.example:443"]
    go.route("corp.example", corp.url_for("/"))  # a URL does as well as the server
    routed = go.run(["mod", "download", "-json", "corp.example/lib@v1.0.0"], env=DIRECT)
    assert routed.escapes == ()
    assert [p for _, p, _ in requests_of(corp)][:1] == ["/lib?go-get=1"]
    go.unroute("corp.example")
    after = go.run(["mod", "download", "-json", "corp.example/lib@v1.0.0"], env=DIRECT)
    assert [str(e) for e in after.escapes] == ["CONNECT corp.example:443"]
    assert after.refused_by_guard
    with pytest.raises(KeyError, match=r"corp\.example has no route \(routes: none\)"):
        go.unroute("corp.example")


def test_routes_do_not_leak_between_runners(
    go: GoRunner, corp: HTTPServer, go_binary: object, tmp_path: object
) -> None:
    """Each runner has its own guard, so its own routes: another runner still refuses the host,
    and a runner without a guard has no routes to set."""
    go.route("corp.example", corp)
    with GoRunner(go_binary, workdir=tmp_path) as other:  # type: ignore[arg-type]
        result = other.run(["mod", "download", "-json", "corp.example/lib@v1.0.0"], env=DIRECT)
        assert other.guard is not None and other.guard.routes == {}
    assert [str(e) for e in result.escapes] == ["CONNECT corp.example:443"]
    assert corp.log == []
    assert go.guard is not None and go.guard.routes == {"corp.example": (corp.host, corp.port)}
    with (
        GoRunner(go_binary, workdir=tmp_path, guard=False) as bare,  # type: ignore[arg-type]
        pytest.raises(RuntimeError, match="guard=False"),
    ):
        bare.route("corp.example", corp)


# -- an origin that is down -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "reason"),
    [(502, "Bad Gateway"), (503, "Service Unavailable"), (504, "Gateway Timeout")],
)
def test_a_down_origin_is_the_proxys_status_to_go(go: GoRunner, status: int, reason: str) -> None:
    """A route without a server plays an origin the corporate proxy cannot reach: go's meta
    fetch shows the reason phrase alone (net/http keeps nothing else of a refused CONNECT),
    classify calls it HTTP_STATUS with the code, and it is no escape, so no guard refusal."""
    go.route("corp.example", None, status=status)
    result = go.run(["mod", "download", "-json", "corp.example/lib@v1.0.0"], env=DIRECT)
    assert (
        'unrecognized import path "corp.example/lib": https fetch: '
        f'Get "https://corp.example/lib?go-get=1": {reason}'
    ) in error_of(result)
    assert (result.failure, result.status_code, result.host) == (
        Failure.HTTP_STATUS,
        status,
        "corp.example",
    )
    assert result.escapes == () and not result.refused_by_guard
    result.assert_failure(Failure.HTTP_STATUS, status_code=status)
    assert go.guard is not None
    assert go.guard.routed == [
        Routed("CONNECT", "corp.example:443", "corp.example", 443, None, status)
    ]


def test_a_refused_git_host_is_a_bad_gateway_to_git(
    go: GoRunner, closed_port: tuple[str, int]
) -> None:
    """The meta page sends git to git.corp.example, routed where nothing accepts: the guard
    cannot connect and answers 502, which git (curl) reports as ``CONNECT tunnel failed,
    response 502``; go passes that on. HTTP_STATUS 502 at git's URL, not the guard's refusal."""
    server = vcs_host("https://git.corp.example/lib")
    try:
        go.route("corp.example", server)
        go.route("git.corp.example", closed_port)
        result = go.run(["mod", "download", "-json", "corp.example/lib@v1.0.0"], env=DIRECT)
    finally:
        server.stop()
    assert "git ls-remote -q --end-of-options https://git.corp.example/lib in " in error_of(result)
    assert (
        "fatal: unable to access 'https://git.corp.example/lib/': CONNECT tunnel failed, "
        "response 502" in error_of(result)
    )
    assert (result.failure, result.status_code, result.url, result.refused_by_guard) == (
        Failure.HTTP_STATUS,
        502,
        "https://git.corp.example/lib/",
        False,
    )
    assert go.guard is not None
    assert [(str(r), r.status) for r in go.guard.routed] == [
        ("CONNECT corp.example:443", None),
        ("CONNECT git.corp.example:443", 502),
    ]


# -- plain HTTP (GOINSECURE) ------------------------------------------------------------------


def test_a_plain_http_origin_is_forwarded_by_name(go: GoRunner) -> None:
    """With GOINSECURE go falls back to ``http://`` when https fails, and git (allowed http here)
    fetches ``http://corp.example/lib``: both send absolute-form proxy requests, which the guard
    forwards in origin form with their Host header and without the run's proxy credentials.
    Only port 80 is routed, so the https attempt (port 443) finds the origin down: 502, routed,
    not an escape."""
    server = vcs_host("http://corp.example/lib", ssl=False)
    insecure = {"GOINSECURE": "corp.example", "GIT_ALLOW_PROTOCOL": "http:https"}
    try:
        go.route("corp.example:80", server)
        result = go.run(
            ["mod", "download", "-json", "corp.example/lib@v1.0.0"], env={**DIRECT, **insecure}
        )
        headers = [req.headers for req, _ in server.log]
    finally:
        server.stop()
    assert requests_of(server) == [
        ("GET", "/lib?go-get=1", "corp.example"),
        ("GET", f"{INFO_REFS}?service=git-upload-pack", "corp.example"),
    ]
    assert all(h.get("Connection") == "close" and "Proxy-Authorization" not in h for h in headers)
    assert "fatal: repository 'http://corp.example/lib/' not found" in error_of(result)
    assert result.escapes == ()
    assert go.guard is not None
    assert [(str(r), r.status) for r in go.guard.routed] == [
        ("CONNECT corp.example:443", 502),
        ("GET http://corp.example/lib?go-get=1", None),
        ("GET http://corp.example/lib/info/refs?service=git-upload-pack", None),
    ]

    go.route("corp.example:80", None)
    down = go.run(
        ["mod", "download", "-json", "corp.example/lib@v1.0.0"], env={**DIRECT, **insecure}
    )
    assert (
        "reading http://corp.example/lib?go-get=1: 502 Bad Gateway\n\tserver response: "
        "pytest-goproxy network guard: the origin corp.example:80 is down (its route has no "
        "server)"
    ) in error_of(down)
    assert (down.failure, down.status_code, down.refused_by_guard) == (
        Failure.HTTP_STATUS,
        502,
        False,
    )


# -- a module proxy and a checksum database by name --------------------------------------------


def test_a_proxy_and_checksum_database_by_name(go: GoRunner) -> None:
    """GOPROXY=https://proxy.corp.example and GOSUMDB with the key alone (so go asks
    ``https://sum.corp.example/lookup/...`` directly once the proxy says it does not serve the
    database): both routed, with certificates for their names; the module is downloaded and
    verified through tunnels that carry several requests each."""
    ca = session_ca()
    with (
        FakeGoProxy(tls=ca.server_context("proxy.corp.example")) as proxy,
        ChecksumDB("sum.corp.example", tls=ca.server_context("sum.corp.example")) as db,
    ):
        module = proxy.add_module("corp.example/big", "v1.0.0", {"big.go": big_source()})
        db.add_from(proxy.store)
        go.route("proxy.corp.example", proxy)
        go.route("sum.corp.example", db)
        project = go.project(requires={module.path: module.version})
        result = project.tidy(
            env={"GOPROXY": "https://proxy.corp.example", "GOSUMDB": db.key}
        ).assert_ok()
        lookups = [(r.kind, r.via, r.module) for r in db.request_log if r.kind == "lookup"]
    assert result.escapes == ()
    assert sorted(line for line in (project.go_sum or "").splitlines()) == sorted(
        module.go_sum_lines()
    )
    assert lookups == [("lookup", "direct", module.path)]
    assert go.guard is not None
    hosts = {r.target for r in go.guard.routed}
    assert hosts == {"proxy.corp.example:443", "sum.corp.example:443"}
    assert all(r.reached for r in go.guard.routed)


def big_source() -> str:
    """A Go file of about 2 MB, so the zip crosses the tunnel in many reads."""
    lines = "".join(f"// {'%064x' % (i * 2654435761)}\n" for i in range(30000))
    return f"package big\n\n{lines}const N = 1\n"


# -- the guard on its own -----------------------------------------------------------------------


class EchoServer:
    """A loopback TCP server that echoes until the client half-closes, then closes."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.address: tuple[str, int] = self.sock.getsockname()
        self.received = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = self.sock.accept()
                with conn:
                    while data := conn.recv(65536):
                        self.received += data
                        conn.sendall(data)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def echo() -> Iterator[EchoServer]:
    server = EchoServer()
    yield server
    server.close()


@dataclass
class Tunnel:
    sock: socket.socket
    answer: bytes


def connect(guard: NetworkGuard, target: str, first: bytes = b"", token: str = "run-3") -> Tunnel:
    """Ask the guard for ``CONNECT target`` (sending ``first`` right after the head)."""
    sock = socket.create_connection(("127.0.0.1", guard.port), timeout=10)
    auth = base64.b64encode(f"{token}:x".encode()).decode()
    sock.sendall(
        f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n"
        f"Proxy-Authorization: Basic {auth}\r\n\r\n".encode()
        + first
    )
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = sock.recv(1)
        if not chunk:
            break
        answer += chunk
    return Tunnel(sock, answer)


def read_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_a_tunnel_pumps_both_ways_until_either_side_closes(echo: EchoServer) -> None:
    """Bytes sent with the CONNECT head and after it reach the server, its answers come back,
    and a half-close travels on: the server sees the end, closes, and the client sees that."""
    payload = bytes(range(256)) * 4096  # 1 MiB
    with NetworkGuard() as guard:
        guard.route("echo.example", echo.address)
        tunnel = connect(guard, "echo.example:443", first=b"hello ")
        assert tunnel.answer == b"HTTP/1.1 200 Connection established\r\n\r\n"
        with tunnel.sock:
            sender = threading.Thread(target=tunnel.sock.sendall, args=(payload,))
            sender.start()
            received = b""
            while len(received) < len(payload) + 6:
                received += tunnel.sock.recv(65536)
            sender.join()
            tunnel.sock.shutdown(socket.SHUT_WR)
            assert read_all(tunnel.sock) == b""
        assert received == b"hello " + payload
        assert [(str(r), r.token, r.reached) for r in guard.routed] == [
            ("CONNECT echo.example:443", "run-3", True)
        ]
        assert guard.escapes == []


def test_close_ends_open_tunnels_and_their_threads(echo: EchoServer) -> None:
    """A tunnel lives as long as its peers keep it open; ``close()`` shuts it and waits for its
    thread, so nothing of the guard outlives it."""
    guard = NetworkGuard().start()
    port = guard.port
    guard.route("echo.example", echo.address)
    tunnels = [connect(guard, "echo.example:443") for _ in range(3)]
    idle = socket.create_connection(("127.0.0.1", port), timeout=10)
    idle.sendall(b"CONNECT echo.exa")  # half a head: its thread waits for the rest
    while len(guard_threads(port)) < 4:  # the idle connection was accepted too
        threading.Event().wait(0.01)
    guard.close()
    for tunnel in tunnels:
        with tunnel.sock:
            assert read_all(tunnel.sock) == b""
    with idle, contextlib.suppress(ConnectionResetError):  # reset if its bytes were unread
        assert read_all(idle) == b""
    assert guard_threads(port) == []
    assert [str(r) for r in guard.routed] == ["CONNECT echo.example:443"] * 3


def guard_threads(port: int) -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(f"gorun-guard-{port}")]


def test_a_port_route_wins_and_other_ports_of_a_routed_name_are_down(echo: EchoServer) -> None:
    """``name:port`` routes that port only and wins over the name's route; a port of a name
    that is routed on other ports only is an origin port where nothing listens (502), never an
    escape: the name is the fake's."""
    with NetworkGuard() as guard:
        guard.route("both.example", ("127.0.0.1", 9))  # nothing there: must not be used for 8443
        guard.route("both.example:8443", echo.address)
        guard.route("web.example:80", echo.address)
        tunnel = connect(guard, "both.example:8443", first=b"x")
        with tunnel.sock:
            assert tunnel.answer.startswith(b"HTTP/1.1 200 ")
            assert tunnel.sock.recv(1) == b"x"
        refused = connect(guard, "web.example:443")
        with refused.sock:
            body = read_all(refused.sock).decode()
        assert refused.answer.startswith(b"HTTP/1.1 502 Bad Gateway\r\n")
        assert body == (
            "pytest-goproxy network guard: the origin web.example:443 is down "
            "(web.example is routed, but not its port 443)\n"
        )
        assert [(str(r), r.status) for r in guard.routed] == [
            ("CONNECT both.example:8443", None),
            ("CONNECT web.example:443", 502),
        ]
        assert guard.routes == {
            "both.example": ("127.0.0.1", 9),
            "both.example:8443": echo.address,
            "web.example:80": echo.address,
        }
        assert guard.escapes == []
        refused_host = connect(guard, "elsewhere.example:443")
        refused_host.sock.close()
        assert refused_host.answer.startswith(b"HTTP/1.1 403 Forbidden\r\n")
        assert [str(e) for e in guard.escapes] == ["CONNECT elsewhere.example:443"]


def test_ssh_to_a_routed_host_is_still_refused(tmp_path: object) -> None:
    """Routes carry proxy requests (CONNECT, plain HTTP); ssh goes to the stub, which refuses
    every host: a fake origin serves git over HTTPS, not ssh."""
    with NetworkGuard() as guard:
        guard.route("corp.example", ("127.0.0.1", 9))
        sock = socket.create_connection(("127.0.0.1", guard.port), timeout=10)
        with sock:
            sock.sendall(b"SSH corp.example:22 HTTP/1.1\r\nHost: corp.example:22\r\n\r\n")
            assert read_all(sock).startswith(b"HTTP/1.1 403 Forbidden")
        assert [str(e) for e in guard.escapes] == ["SSH corp.example:22"]
        assert guard.routed == []


@pytest.mark.parametrize(
    ("host", "address", "error", "match"),
    [
        ("corp.example", ("203.0.113.7", 443), ValueError, "loopback server"),
        ("corp.example", "https://corp.example/", ValueError, "loopback server"),
        ("corp.example", 8443, TypeError, r"\(host, port\) tuple"),
        ("localhost", ("127.0.0.1", 80), ValueError, "NO_PROXY"),
        ("10.0.0.1.invalid", ("127.0.0.1", 80), ValueError, "never be used"),
        ("127.0.0.2", ("127.0.0.1", 80), ValueError, "without the network guard"),
        ("https://corp.example", ("127.0.0.1", 80), ValueError, "not a URL"),
        ("corp.example/lib", ("127.0.0.1", 80), ValueError, "not a host to route"),
        ("corp.example:0", ("127.0.0.1", 80), ValueError, "not a host to route"),
        (b"corp.example", ("127.0.0.1", 80), TypeError, "a str"),
    ],
)
def test_route_refuses_what_it_cannot_route(
    host: object, address: object, error: type[Exception], match: str
) -> None:
    guard = NetworkGuard()
    with pytest.raises(error, match=match):
        guard.route(host, address)  # type: ignore[arg-type]
    assert guard.routes == {}


@pytest.mark.parametrize("status", [200, 302, 399, 600, 599, True, "502"])
def test_route_status_is_a_proxy_error(status: object) -> None:
    with pytest.raises((TypeError, ValueError), match="status"):
        NetworkGuard().route("corp.example", None, status=status)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("server", "address"),
    [
        (("127.0.0.1", 8443), ("127.0.0.1", 8443)),
        (("localhost", 80), ("127.0.0.1", 80)),
        ("https://127.0.0.1:8443/path", ("127.0.0.1", 8443)),
        ("https://127.0.0.1", ("127.0.0.1", 443)),
        ("127.0.0.1:8080", ("127.0.0.1", 8080)),
        ("http://[::1]:81", ("::1", 81)),
    ],
)
def test_loopback_address_of_what_a_test_has(server: object, address: tuple[str, int]) -> None:
    assert loopback_address(server) == address


def test_loopback_address_prefers_where_a_server_listens() -> None:
    """``.host``/``.port`` win over ``.url``: a fake origin's URL may be its public name."""

    @dataclass
    class Origin:
        host: str = "127.0.0.1"
        port: int = 4443
        url: str = "https://corp.example"

    assert loopback_address(Origin()) == ("127.0.0.1", 4443)

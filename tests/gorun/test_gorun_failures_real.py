"""Every Failure produced for real: the go command against loopback servers these tests start.

Recorded with go1.26.8 on linux/amd64; the texts are in test_gorun_classify.py.
"""

from __future__ import annotations

import http.server
import socket
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from gorun_servers import (
    LIB,
    LIB_VERSION,
    RawServer,
    TreeServer,
    closed_port,
    hold_silently,
    reset_after_request,
    send,
)

from pytest_goproxy.gomod.store import ModuleStore
from pytest_goproxy.gorun import Failure, GoProject, GoRunner
from pytest_goproxy.gorun.process import group_alive

pytestmark = pytest.mark.network_faults

TreeStarter = Callable[..., TreeServer]
RawStarter = Callable[..., RawServer]


@pytest.fixture
def app(go: GoRunner) -> GoProject:
    """example.test/app importing example.test/lib v1.2.0."""
    return go.project(requires={LIB: LIB_VERSION})


def test_success_from_a_file_tree(app: GoProject, module_tree: Path) -> None:
    result = app.tidy(env={"GOPROXY": module_tree.as_uri()}).assert_ok()
    assert result.failure is None
    assert result.go_sum is not None and f"{LIB} {LIB_VERSION} h1:" in result.go_sum
    assert result.go_mod is not None and f"require {LIB} {LIB_VERSION}" in result.go_mod
    assert result.escapes == ()


def test_refused(app: GoProject) -> None:
    port = closed_port()
    result = app.tidy(env={"GOPROXY": f"http://127.0.0.1:{port}"}).assert_failure(Failure.REFUSED)
    assert result.host == "127.0.0.1"
    assert result.url is not None and result.url.startswith(f"http://127.0.0.1:{port}/{LIB}/@v/")


def test_dns(app: GoProject) -> None:
    result = app.tidy(env={"GOPROXY": "http://goproxy.pytest-goproxy.invalid"})
    result.assert_failure(Failure.DNS)
    assert result.host == "goproxy.pytest-goproxy.invalid"
    assert result.escapes == ()  # .invalid is in NO_PROXY: Go resolved it itself


def test_reset(app: GoProject, raw_server: RawStarter) -> None:
    server = raw_server(reset_after_request)
    app.tidy(env={"GOPROXY": server.url}).assert_failure(Failure.RESET)


def test_hang_is_killed_and_leaves_no_process(app: GoProject, raw_server: RawStarter) -> None:
    server = raw_server(hold_silently)
    start = time.monotonic()
    result = app.tidy(env={"GOPROXY": server.url}, timeout=1.5).assert_hung()
    assert 1.5 <= time.monotonic() - start < 15
    assert result.failure is None and not result.ok
    assert server.accepted >= 1
    assert not group_alive(result.pgid)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (404, Failure.NOT_FOUND),
        (410, Failure.NOT_FOUND),
        (500, Failure.HTTP_STATUS),
        (403, Failure.HTTP_STATUS),
        (429, Failure.HTTP_STATUS),
    ],
)
def test_http_status(
    app: GoProject, tree_server: TreeStarter, status: int, expected: Failure
) -> None:
    def answer(handler: http.server.BaseHTTPRequestHandler, body: bytes | None) -> bool:
        send(handler, status, b"pytest-goproxy says no\n", content_type="text/plain")
        return True

    server = tree_server(answer)
    result = app.tidy(env={"GOPROXY": server.url}).assert_failure(expected, status_code=status)
    assert result.url == f"{server.url}/{LIB}/@v/{LIB_VERSION}.zip"
    assert "server response: pytest-goproxy says no" in result.stderr


def test_truncated_zip(app: GoProject, tree_server: TreeStarter) -> None:
    def cut(handler: http.server.BaseHTTPRequestHandler, body: bytes | None) -> bool:
        if body is None or not handler.path.endswith(".zip"):
            return False
        send(handler, 200, body[: len(body) // 2], length=len(body))
        return True

    server = tree_server(cut)
    result = app.tidy(env={"GOPROXY": server.url}).assert_failure(Failure.TRUNCATED)
    assert result.url == f"{server.url}/{LIB}/@v/{LIB_VERSION}.zip"


def test_tls_to_a_plain_http_port(app: GoProject, tree_server: TreeStarter) -> None:
    server = tree_server(None)
    https = server.url.replace("http://", "https://")
    app.tidy(env={"GOPROXY": https}).assert_failure(Failure.TLS)


def test_tls_handshake_timeout_is_a_dial_timeout(app: GoProject, raw_server: RawStarter) -> None:
    """net/http gives up a TLS handshake after 10 s (DefaultTransport.TLSHandshakeTimeout)."""
    server = raw_server(hold_silently)
    https = server.url.replace("http://", "https://")
    result = app.tidy(env={"GOPROXY": https}, timeout=40).assert_failure(Failure.DIAL_TIMEOUT)
    assert "TLS handshake timeout" in result.stderr


@pytest.mark.slow  # 30 s: net/http's dial timeout (DefaultTransport's Dialer.Timeout)
def test_dial_timeout_against_a_full_accept_queue(app: GoProject) -> None:
    """A listener that never accepts, its queue filled: Linux drops further SYNs."""
    listener = socket.socket()
    fillers: list[socket.socket] = []
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        for _ in range(8):  # bounded: the queue holds backlog + 1 connections
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        time.sleep(0.5)
        result = app.tidy(env={"GOPROXY": f"http://127.0.0.1:{port}"}, timeout=90)
        result.assert_failure(Failure.DIAL_TIMEOUT)
    finally:
        for sock in fillers:
            sock.close()
        listener.close()


def test_checksum_mismatch(go: GoRunner, module_tree: Path) -> None:
    wrong = "h1:" + "A" * 43 + "="
    project = go.project(
        requires={LIB: LIB_VERSION},
        files={
            "main.go": f'package main\n\nimport _ "{LIB}"\n\nfunc main() {{}}\n',
            "go.sum": f"{LIB} {LIB_VERSION} {wrong}\n{LIB} {LIB_VERSION}/go.mod {wrong}\n",
        },
    )
    result = project.download(env={"GOPROXY": module_tree.as_uri()})
    result.assert_failure(Failure.CHECKSUM_MISMATCH)
    assert "SECURITY ERROR" in result.stderr


def test_sumdb_unreachable(app: GoProject, module_tree: Path) -> None:
    port = closed_port()
    env = {"GOPROXY": module_tree.as_uri(), "GOSUMDB": f"sum.golang.org http://127.0.0.1:{port}"}
    result = app.tidy(env=env).assert_failure(Failure.SUMDB)
    assert result.cause is Failure.REFUSED
    assert result.url == f"http://127.0.0.1:{port}/lookup/{LIB}@{LIB_VERSION}"


def test_sumdb_not_found(app: GoProject, module_tree: Path, tree_server: TreeStarter) -> None:
    server = tree_server(None)  # serves the module tree only: /lookup/... is a 404
    env = {"GOPROXY": module_tree.as_uri(), "GOSUMDB": f"sum.golang.org {server.url}"}
    result = app.tidy(env=env).assert_failure(Failure.SUMDB, status_code=404)
    assert result.cause is Failure.NOT_FOUND


def test_proxy_off_is_the_default(app: GoProject) -> None:
    result = app.tidy().assert_failure(Failure.PROXY_OFF)
    assert result.env["GOPROXY"] == "off"


def test_invalid_json(go: GoRunner, tree_server: TreeStarter) -> None:
    def bad_json(handler: http.server.BaseHTTPRequestHandler, body: bytes | None) -> bool:
        if handler.path.endswith((".info", "/@latest")):
            send(handler, 200, b"{not json", content_type="application/json")
            return True
        return False

    server = tree_server(bad_json)
    result = go.run(
        ["mod", "download", "-json", f"{LIB}@{LIB_VERSION}"], env={"GOPROXY": server.url}
    )
    result.assert_failure(Failure.INVALID_RESPONSE)
    assert result.url == server.url


def test_not_a_zip(app: GoProject, tree_server: TreeStarter) -> None:
    def not_zip(handler: http.server.BaseHTTPRequestHandler, body: bytes | None) -> bool:
        if handler.path.endswith(".zip"):
            send(handler, 200, b"this is not a zip archive")
            return True
        return False

    server = tree_server(not_zip)
    app.tidy(env={"GOPROXY": server.url}).assert_failure(Failure.INVALID_RESPONSE)


def test_damaged_deflate_data(go: GoRunner, tmp_path: Path) -> None:
    """Bytes flipped inside a member's deflated data: go fails inflating it (compress/flate)."""
    with ModuleStore(tmp_path / "store") as store:
        store.add_module(LIB, LIB_VERSION, {"lib.go": "package lib\n\n// " + "abc " * 5000})
        store.export_file_proxy(tmp_path / "proxy")
    archive = tmp_path / "proxy" / LIB / "@v" / f"{LIB_VERSION}.zip"
    with zipfile.ZipFile(archive) as zf:
        member = next(i for i in zf.infolist() if i.filename.endswith("/lib.go"))
    assert member.compress_type == zipfile.ZIP_DEFLATED
    data = bytearray(archive.read_bytes())
    start = member.header_offset + 30 + len(member.filename.encode()) + len(member.extra)
    data[start : start + 8] = bytes(b ^ 0xFF for b in data[start : start + 8])
    archive.write_bytes(bytes(data))
    project = go.project(requires={LIB: LIB_VERSION})
    result = project.download(env={"GOPROXY": (tmp_path / "proxy").as_uri()})
    result.assert_failure(Failure.INVALID_RESPONSE)
    assert "flate: corrupt input before offset" in result.stderr  # go: flate: corrupt input ...


def test_toolchain_newer_than_local(go: GoRunner) -> None:
    project = go.project(files={"main.go": "package main\n\nfunc main() {}\n"}, go_version="1.99")
    result = project.build().assert_failure(Failure.TOOLCHAIN)
    assert "GOTOOLCHAIN=local" in result.stderr
    assert result.escapes == ()


def test_toolchain_download_is_stopped_by_the_guard(go: GoRunner) -> None:
    """GOTOOLCHAIN=go1.99.1 makes go download a toolchain from GOPROXY: the guard refuses."""
    project = go.project(files={"main.go": "package main\n\nfunc main() {}\n"})
    result = project.run(
        "version", env={"GOTOOLCHAIN": "go1.99.1", "GOPROXY": "https://proxy.golang.org"}
    )
    result.assert_failure(Failure.TOOLCHAIN)
    assert [str(e) for e in result.escapes] == ["CONNECT proxy.golang.org:443"]

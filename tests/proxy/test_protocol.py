"""The GOPROXY protocol as FakeGoProxy speaks it, checked over real HTTP with httpx."""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
from collections.abc import Iterator

import httpx
import pytest

from pytest_goproxy.proxy import FakeGoProxy, RequestKind

PSEUDO = "v0.0.0-20230102150405-abcdefabcdef"


@pytest.fixture(scope="module")
def shared_proxy() -> Iterator[FakeGoProxy]:
    with FakeGoProxy() as p:
        yield p


@pytest.fixture
def proxy(shared_proxy: FakeGoProxy) -> FakeGoProxy:
    shared_proxy.clear()
    return shared_proxy


def get(proxy: FakeGoProxy, path: str) -> httpx.Response:
    return httpx.get(proxy.url + path, timeout=10)


def test_list_is_sorted_and_leaves_out_pseudo_versions(proxy: FakeGoProxy) -> None:
    for version in ("v1.10.0", "v1.2.0", "v1.2.0-rc.1", PSEUDO):
        proxy.add_module("example.test/lib", version)
    response = get(proxy, "/example.test/lib/@v/list")
    assert response.status_code == 200
    assert response.text == "v1.2.0-rc.1\nv1.2.0\nv1.10.0\n"


def test_info_mod_and_zip_are_the_stored_bytes(proxy: FakeGoProxy) -> None:
    when = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone.utc)
    mv = proxy.add_module("example.test/lib", "v1.2.0", {"lib.go": "package lib\n"}, time=when)
    info = get(proxy, "/example.test/lib/@v/v1.2.0.info")
    assert info.headers["content-type"].startswith("application/json")
    assert json.loads(info.content) == {"Version": "v1.2.0", "Time": "2024-05-06T07:08:09Z"}
    assert get(proxy, "/example.test/lib/@v/v1.2.0.mod").content == mv.mod
    zipped = get(proxy, "/example.test/lib/@v/v1.2.0.zip")
    assert zipped.content == mv.zip_path.read_bytes()
    assert int(zipped.headers["content-length"]) == mv.zip_size


@pytest.mark.parametrize(
    "path",
    [
        "/example.test/!upper/@v/list",
        "/example.test/%21upper/@v/list",
        "/example.test/%21upper/@v/v1.0.0-%21r%21c.info",
    ],
)
def test_case_escaped_paths_and_versions(proxy: FakeGoProxy, path: str) -> None:
    proxy.add_module("example.test/Upper", "v1.0.0-RC")
    response = get(proxy, path)
    assert response.status_code == 200, response.text
    assert "v1.0.0-RC" in response.text


def test_unescaped_upper_case_is_not_found(proxy: FakeGoProxy) -> None:
    proxy.add_module("example.test/Upper", "v1.0.0")
    assert get(proxy, "/example.test/Upper/@v/list").status_code == 404


def test_unknown_module_and_version_are_404_with_a_reason(proxy: FakeGoProxy) -> None:
    proxy.add_module("example.test/lib", "v1.0.0")
    missing = get(proxy, "/example.test/other/@v/list")
    assert missing.status_code == 404
    assert missing.reason_phrase == "Not Found"  # Go's http.StatusText, not werkzeug's NOT FOUND
    assert missing.text == "404 page not found\n"  # Go's http.NotFound, as cmd/go's proxy
    assert "example.test/other" in missing.headers["X-Goproxy-Reason"]
    assert get(proxy, "/example.test/lib/@v/v9.9.9.info").status_code == 404
    assert get(proxy, "/example.test/lib/@v/v9.9.9.zip").status_code == 404


def test_gone_answers_410(proxy: FakeGoProxy) -> None:
    proxy.add_module("example.test/lib", "v1.0.0")
    proxy.add_module("example.test/lib", "v1.1.0")
    proxy.mark_gone("example.test/lib", "v1.0.0")
    assert get(proxy, "/example.test/lib/@v/v1.0.0.zip").status_code == 410
    assert get(proxy, "/example.test/lib/@v/v1.1.0.zip").status_code == 200
    proxy.mark_gone("example.test/lib")
    assert get(proxy, "/example.test/lib/@v/list").status_code == 410


@pytest.mark.parametrize(
    ("versions", "latest"),
    [
        (["v1.0.0", "v1.1.0-rc.1", PSEUDO], "v1.0.0"),
        (["v1.1.0-rc.1", "v1.1.0-beta.1", PSEUDO], "v1.1.0-rc.1"),
        ([PSEUDO, "v0.0.0-20240102150405-123456789abc"], "v0.0.0-20240102150405-123456789abc"),
    ],
)
def test_latest_prefers_release_then_prerelease_then_pseudo(
    proxy: FakeGoProxy, versions: list[str], latest: str
) -> None:
    for version in versions:
        proxy.add_module("example.test/lib", version)
    response = get(proxy, "/example.test/lib/@latest")
    assert response.status_code == 200
    assert json.loads(response.content)["Version"] == latest


def test_commit_query_resolves_to_its_pseudo_version(proxy: FakeGoProxy) -> None:
    proxy.add_module("example.test/lib", PSEUDO)
    response = get(proxy, "/example.test/lib/@v/abcdefab.info")
    assert response.status_code == 200
    assert json.loads(response.content)["Version"] == PSEUDO
    # Only .info resolves queries; .zip needs the canonical version, as go sends it.
    assert get(proxy, "/example.test/lib/@v/abcdefab.zip").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/../../etc/passwd",
        "/example.test/lib/@v/../../../../etc/passwd.zip",
        "/example.test/lib/@v/%2e%2e%2f%2e%2e%2fsecret.mod",
        "/%ff%fe/@v/list",
        "/example.test/lib/@v/v1.0.0.exe",
        "/example.test/lib/@v/",
        "/example.test/lib/@latest/extra",
        "/example.test//lib/@v/list",
        "/-bad/@v/list",
    ],
)
def test_malformed_paths_are_404_never_500(proxy: FakeGoProxy, path: str) -> None:
    proxy.add_module("example.test/lib", "v1.0.0")
    response = get(proxy, path)
    assert response.status_code == 404, response.text
    assert proxy.handler_errors == []


def test_other_methods_are_refused(proxy: FakeGoProxy) -> None:
    proxy.add_module("example.test/lib", "v1.0.0")
    assert httpx.post(proxy.url + "/example.test/lib/@v/list", timeout=10).status_code == 405


def test_request_log_records_kind_module_version_status_and_bytes(proxy: FakeGoProxy) -> None:
    mv = proxy.add_module("example.test/lib", "v1.0.0")
    get(proxy, "/example.test/lib/@v/list")
    get(proxy, "/example.test/lib/@v/v1.0.0.zip")
    get(proxy, "/example.test/nope/@v/v1.0.0.mod")
    assert [(r.kind, r.module, r.version, r.status) for r in proxy.request_log] == [
        (RequestKind.LIST, "example.test/lib", None, 200),
        (RequestKind.ZIP, "example.test/lib", "v1.0.0", 200),
        (RequestKind.MOD, "example.test/nope", "v1.0.0", 404),
    ]
    assert proxy.request_log[1].bytes_sent == mv.zip_size
    assert proxy.request_log[1].duration > 0
    proxy.assert_requested("zip", "example.test/*", count=1)
    proxy.assert_not_requested("info")
    with pytest.raises(AssertionError, match="no request matched kind=latest"):
        proxy.assert_requested("latest")


def test_hand_made_handler_answers_first(proxy: FakeGoProxy) -> None:
    proxy.add_module("example.test/lib", "v1.0.0")
    proxy.expect_request("/example.test/lib/@v/list").respond_with_data("v7.0.0\n")
    assert get(proxy, "/example.test/lib/@v/list").text == "v7.0.0\n"
    assert get(proxy, "/example.test/lib/@v/v1.0.0.mod").status_code == 200


def test_large_zip_is_streamed_in_chunks(proxy: FakeGoProxy) -> None:
    import os

    blob = os.urandom(3 * 1024 * 1024)
    files = {"big.go": "package big\n", "data.bin": blob}
    mv = proxy.add_module("example.test/big", "v1.0.0", files)
    with httpx.stream("GET", proxy.url + "/example.test/big/@v/v1.0.0.zip", timeout=30) as r:
        size = sum(len(chunk) for chunk in r.iter_raw())
    assert size == mv.zip_size
    assert proxy.requests("zip")[0].bytes_sent == mv.zip_size


def read_response(sock: socket.socket) -> tuple[bytes, bytes]:
    """One HTTP/1.1 response with a Content-Length: (head, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed after {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))  # type: ignore[union-attr]
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "connection closed inside the body"
        body += chunk
    return head, body


def test_connections_are_kept_alive_like_a_real_proxy(proxy: FakeGoProxy) -> None:
    """go reuses connections; one connection serves many requests, each logged."""
    mv = proxy.add_module("example.test/lib", "v1.0.0")
    with socket.create_connection((proxy.host, proxy.port), timeout=10) as sock:
        for path in ("/example.test/lib/@v/list", "/example.test/lib/@v/v1.0.0.mod") * 3:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            head, body = read_response(sock)
            assert head.startswith(b"HTTP/1.1 200 OK")
            assert body == (b"v1.0.0\n" if path.endswith("list") else mv.mod)
    assert len(proxy.requests(module="example.test/lib")) == 6


def test_head_and_faulted_requests_take_the_full_path(proxy: FakeGoProxy) -> None:
    proxy.add_module("example.test/lib", "v1.0.0")
    head = httpx.head(proxy.url + "/example.test/lib/@v/list", timeout=10)
    assert head.status_code == 200 and head.content == b""
    proxy.inject("status", code=503, kind="list")
    assert get(proxy, "/example.test/lib/@v/list").status_code == 503
    assert get(proxy, "/example.test/lib/@v/v1.0.0.info").status_code == 200

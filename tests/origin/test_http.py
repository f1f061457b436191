"""The origin over HTTP: go-import meta tags, git's smart protocol through the CGI bridge (plain,
gzip and chunked bodies), the request log, and the clean-up of every process and directory."""

from __future__ import annotations

import gzip
import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pytest_goproxy.origin import FakeOrigin, OriginRequestKind
from pytest_goproxy.serving.tls import session_ca

META = re.compile(r'<meta name="go-import" content="([^"]*)">')


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(verify=session_ca().client_context(), timeout=30) as c:
        yield c


def meta(client: httpx.Client, origin: FakeOrigin, path: str, host: str) -> httpx.Response:
    return client.get(f"{origin.url}{path}", params={"go-get": "1"}, headers={"Host": host})


@pytest.mark.parametrize("path", ["/lib", "/lib/sub", "/lib/v2", "/lib/sub/deep/pkg"])
def test_the_meta_tag_names_the_repository_holding_the_import_path(
    origin: FakeOrigin, client: httpx.Client, path: str
) -> None:
    origin.add_module("corp.example/lib", "v1.0.0")
    answer = meta(client, origin, path, "corp.example")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert META.findall(answer.text) == ["corp.example/lib git https://corp.example/lib"]
    (asked,) = origin.requests("meta")
    assert (asked.host, asked.repo, asked.root, asked.path) == (
        "corp.example",
        "lib",
        "corp.example/lib",
        path,
    )


def test_each_host_answers_for_its_own_repositories(
    origin: FakeOrigin, client: httpx.Client
) -> None:
    origin.add_module("git.corp.example/tool", "v1.0.0")
    answer = meta(client, origin, "/tool", "git.corp.example:443")
    assert META.findall(answer.text) == ["git.corp.example/tool git https://git.corp.example/tool"]
    assert meta(client, origin, "/tool", "corp.example").status_code == 404
    # a Host naming none of the origin's hosts is for the first one
    assert meta(client, origin, "/tool", f"127.0.0.1:{origin.port}").status_code == 404


@pytest.mark.parametrize("path", ["/", "/nope", "/nope/lib"])
def test_no_repository_no_meta_tag(origin: FakeOrigin, client: httpx.Client, path: str) -> None:
    origin.add_module("corp.example/lib", "v1.0.0")
    answer = meta(client, origin, path, "corp.example")
    assert answer.status_code == 404
    assert "go-import" not in answer.text


@pytest.mark.parametrize(
    "path",
    ["/nope/info/refs", "/lib/%2e%2e/lib/info/refs", "/.hidden/info/refs", "/lib%00/info/refs"],
)
def test_paths_outside_the_repositories_are_404(
    origin: FakeOrigin, client: httpx.Client, path: str
) -> None:
    origin.add_module("corp.example/lib", "v1.0.0")
    url = httpx.URL(f"{origin.url}/").copy_with(
        raw_path=path.encode() + b"?service=git-upload-pack"
    )
    answer = client.get(url)
    assert answer.status_code == 404
    assert origin.git_processes == []
    assert origin.requests("other")


def pkt(line: str) -> bytes:
    data = line.encode()
    return b"%04x" % (len(data) + 4) + data


#: git protocol v2: list the refs (gitprotocol-v2 ``ls-refs``)
LS_REFS = pkt("command=ls-refs\n") + pkt("object-format=sha1\n") + b"0001" + b"0000"


def upload_pack(client: httpx.Client, origin: FakeOrigin, body: object, **headers: str) -> str:
    answer = client.post(
        f"{origin.url}/lib/git-upload-pack",
        content=body,  # type: ignore[arg-type]
        headers={
            "Content-Type": "application/x-git-upload-pack-request",
            "Git-Protocol": "version=2",
            **headers,
        },
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/x-git-upload-pack-result"
    return answer.content.decode()


def test_request_bodies_reach_git_plain_gzip_and_chunked(
    origin: FakeOrigin, client: httpx.Client
) -> None:
    v1 = origin.add_module("corp.example/lib", "v1.0.0")
    expected = f"{v1.commit} refs/tags/v1.0.0"
    assert expected in upload_pack(client, origin, LS_REFS)
    assert expected in upload_pack(client, origin, gzip.compress(LS_REFS), **{
        "Content-Encoding": "gzip"
    })  # fmt: skip
    assert expected in upload_pack(client, origin, iter([LS_REFS[:10], LS_REFS[10:]]))
    asked = origin.requests(OriginRequestKind.UPLOAD_PACK, repo="corp.example/lib")
    assert [r.git_protocol for r in asked] == ["version=2"] * 3
    assert all(r.status == 200 and r.bytes_sent > 0 for r in asked)


def test_the_status_of_git_http_backend_goes_through(
    origin: FakeOrigin, client: httpx.Client
) -> None:
    origin.add_module("corp.example/lib", "v1.0.0")
    answer = client.get(f"{origin.url}/lib/info/refs", params={"service": "git-nothing"})
    assert answer.status_code == 403
    assert origin.requests("info_refs")[-1].status == 403


def pgrp_running(proc: Path) -> int | None:
    """The process group of a running (not zombie) process in /proc."""
    try:
        state, _ppid, pgrp = (proc / "stat").read_bytes().rsplit(b")", 1)[1].split()[:3]
    except (OSError, ValueError):
        return None
    return None if state == b"Z" else int(pgrp)


def test_an_unread_answer_ends_with_the_origin(origin: FakeOrigin) -> None:
    """A fetch bigger than every buffer between git and a client that reads nothing (a 4 KiB
    receive window; the server's send buffer is at most 4 MiB): git is still writing when the
    origin closes, and the close ends it and its group."""
    assert int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()[2]) < 8 << 20
    v1 = origin.add_module("corp.example/lib", "v1.0.0", {"big.bin": os.urandom(12 << 20)})
    fetch = pkt("command=fetch\n") + b"0001" + pkt(f"want {v1.commit}\n") + pkt("done\n") + b"0000"
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.connect(("127.0.0.1", origin.port))
    with session_ca().client_context().wrap_socket(raw, server_hostname="corp.example") as tls:
        tls.sendall(
            b"POST /lib/git-upload-pack HTTP/1.1\r\nHost: corp.example\r\n"
            b"Content-Type: application/x-git-upload-pack-request\r\n"
            b"Git-Protocol: version=2\r\nContent-Length: %d\r\n\r\n%s" % (len(fetch), fetch)
        )
        head = b""
        while b"\r\n\r\n" not in head:
            head += tls.recv(1024)
        assert head.startswith(b"HTTP/1.1 200 ")
        running = origin.git_processes
        assert running
        root = origin.root
        origin.close()
    assert origin.git_processes == []
    for pid in running:  # no process of the group is left (a zombie awaiting init has ended)
        assert not [p for p in Path("/proc").glob("[0-9]*") if pgrp_running(p) == pid]
    assert not root.exists()


def test_close_removes_everything_and_is_idempotent() -> None:
    origin = FakeOrigin()
    origin.add_module("corp.example/lib", "v1.0.0")
    root = origin.root
    assert (root / "repos" / "corp.example" / "lib.git").is_dir()
    origin.close()
    origin.close()
    assert not root.exists()


def test_where_it_is(origin: FakeOrigin) -> None:
    assert origin.host == "127.0.0.1"
    assert origin.url == f"https://127.0.0.1:{origin.port}"
    assert origin.url_for() == "https://corp.example"
    assert origin.url_for("git.corp.example") == "https://git.corp.example"
    assert origin.repo_url("corp.example/lib/sub/v2") == "https://corp.example/lib"
    assert origin.hosts == ("corp.example", "git.corp.example")


def test_plain_http(client: httpx.Client) -> None:
    with FakeOrigin(tls=False) as plain:
        plain.add_module("corp.example/lib", "v1.0.0")
        assert plain.url.startswith("http://")
        answer = httpx.get(f"{plain.url}/lib", params={"go-get": "1"})
        assert META.findall(answer.text) == ["corp.example/lib git http://corp.example/lib"]

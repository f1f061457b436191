"""The HTTPS origin over HTTP/2 (issue 24): go's ``?go-get=1`` request and git's smart HTTP
(curl, which git runs under go) pick ``h2`` by ALPN, as they do with a real code host; git's
``upload-pack`` POSTs carry their request bodies over it. ``http2=False`` and git's own
``http.version`` bring HTTP/1.1 back. The origin's request log says what each client spoke."""

from __future__ import annotations

from pathlib import Path

from origin_helpers import Git

from pytest_goproxy.gorun import GoRunner
from pytest_goproxy.origin import FakeOrigin, OriginRequestKind

#: go fetches corp.example itself: not from a proxy, with no checksum database
DIRECT = {"GOPROXY": "direct", "GOPRIVATE": "corp.example", "GOSUMDB": "off"}
LIB = {"lib.go": "package lib\n\nfunc Answer() int { return 42 }\n"}


def _protocols(origin: FakeOrigin) -> dict[OriginRequestKind, set[str]]:
    found: dict[OriginRequestKind, set[str]] = {}
    for record in origin.request_log:
        found.setdefault(record.kind, set()).add(record.protocol)
    return found


def test_go_and_its_git_speak_http2_to_the_origin(go: GoRunner, origin: FakeOrigin) -> None:
    """Through the runs' network guard (a CONNECT tunnel: ALPN is go's and curl's own)."""
    for host in origin.hosts:
        go.route(host, origin)
    origin.add_module("corp.example/lib", "v1.0.0", LIB)
    go.run(["mod", "download", "-json", "corp.example/lib@v1.0.0"], env=DIRECT).assert_ok()
    assert _protocols(origin) == {
        OriginRequestKind.META: {"HTTP/2"},  # go's own client
        OriginRequestKind.INFO_REFS: {"HTTP/2"},  # git's curl
        OriginRequestKind.UPLOAD_PACK: {"HTTP/2"},  # a POST with its body
    }
    assert all(r.status == 200 for r in origin.request_log)


def test_git_clones_over_http2_and_over_http1_when_asked(
    origin: FakeOrigin, git: Git, tmp_path: Path
) -> None:
    origin.add_module("corp.example/lib", "v1.0.0", LIB)
    resolve, base = git.by_name(origin, "corp.example")
    git("-c", resolve, "clone", "-q", f"{base}/lib", str(tmp_path / "h2"))
    assert (tmp_path / "h2" / "lib.go").read_text() == LIB["lib.go"]
    assert {r.protocol for r in origin.request_log} == {"HTTP/2"}
    assert origin.requests("upload_pack")
    origin.request_log.clear()
    git(
        "-c",
        resolve,
        "-c",
        "http.version=HTTP/1.1",
        "clone",
        "-q",
        f"{base}/lib",
        str(tmp_path / "h1"),
    )
    assert (tmp_path / "h1" / "lib.go").read_text() == LIB["lib.go"]
    assert origin.requests("upload_pack")
    assert {r.protocol for r in origin.request_log} == {"HTTP/1.1"}


def test_an_origin_without_http2_is_spoken_to_in_http1(go: GoRunner, tmp_path: Path) -> None:
    with FakeOrigin(hosts=("corp.example",), http2=False, workdir=tmp_path) as origin:
        go.route("corp.example", origin)
        origin.add_module("corp.example/lib", "v1.0.0", LIB)
        go.run(["mod", "download", "-json", "corp.example/lib@v1.0.0"], env=DIRECT).assert_ok()
        kinds = _protocols(origin)
        assert set(kinds) >= {OriginRequestKind.META, OriginRequestKind.UPLOAD_PACK}
        assert set().union(*kinds.values()) == {"HTTP/1.1"}

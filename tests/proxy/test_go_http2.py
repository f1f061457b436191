"""The real go against the HTTPS fakes over HTTP/2 (issue 24): go picks ``h2`` by ALPN, as it
does with proxy.golang.org; ``http2=False`` on the fake and ``GODEBUG=http2client=0`` in go (the
workaround people post) each bring HTTP/1.1 back. Each request log says what was spoken, so
every claim here is go's own choice, seen from the server."""

from __future__ import annotations

from collections.abc import Callable

from pytest_goproxy import ChecksumDB, FakeGoProxy, GoRunner

LIB = "example.test/lib"
UTIL = "example.test/util"
#: the protocols of a log, as a set
HTTP2 = {"HTTP/2"}
HTTP1 = {"HTTP/1.1"}


def _serve_two(proxy: FakeGoProxy) -> dict[str, str]:
    proxy.add_module(LIB, "v1.0.0", files={"lib.go": "package lib\n"})
    proxy.add_module(UTIL, "v1.2.0", files={"util.go": "package util\n"})
    return {LIB: "v1.0.0", UTIL: "v1.2.0"}


def test_go_negotiates_http2_with_the_https_proxy(go: GoRunner, goproxy_tls: FakeGoProxy) -> None:
    requires = _serve_two(goproxy_tls)
    result = go.project(requires=requires).tidy(env={"GOPROXY": goproxy_tls.url})
    result.assert_ok()
    requests = goproxy_tls.requests()
    assert {r.kind for r in requests} >= {"mod", "zip"}
    assert {r.protocol for r in requests} == HTTP2


def test_go_downloads_a_large_zip_over_http2_and_its_hash_verifies(
    go: GoRunner, goproxy_tls: FakeGoProxy
) -> None:
    """A zip too big for the connection's thread (a worker sends it, under go's windows) beside
    small ones; the checksum database's hashes must match what go received."""
    requires = _serve_two(goproxy_tls)
    big = "".join(f"{n:08x}{n * 7919 % 65521:08x}\n" for n in range(60_000))  # ~1 MB
    goproxy_tls.add_module(
        "example.test/big", "v1.0.0", files={"big.go": "package big\n", "d": big}
    )
    requires["example.test/big"] = "v1.0.0"
    with ChecksumDB(tls=True) as db:
        db.add_from(goproxy_tls.store)
        result = go.project(requires=requires).tidy(env={"GOPROXY": goproxy_tls.url, **db.env})
        result.assert_ok()
    (zip_request,) = goproxy_tls.requests(kind="zip", module="example.test/big")
    assert zip_request.protocol == "HTTP/2"
    assert zip_request.bytes_sent > 256 * 1024


def test_without_http2_on_the_fake_go_speaks_http1(
    go: GoRunner, goproxy_factory: Callable[..., FakeGoProxy]
) -> None:
    proxy = goproxy_factory(tls=True, http2=False)
    requires = _serve_two(proxy)
    go.project(requires=requires).tidy(env={"GOPROXY": proxy.url}).assert_ok()
    assert proxy.requests(kind="zip")
    assert {r.protocol for r in proxy.requests()} == HTTP1


def test_godebug_http2client_0_makes_go_speak_http1_to_the_same_fake(
    go: GoRunner, goproxy_tls: FakeGoProxy
) -> None:
    """The same fake, offering h2: go's own switch turns its HTTP/2 client off."""
    requires = _serve_two(goproxy_tls)
    env = {"GOPROXY": goproxy_tls.url, "GODEBUG": "http2client=0"}
    go.project(requires=requires).tidy(env=env).assert_ok()
    assert goproxy_tls.requests(kind="zip")
    assert {r.protocol for r in goproxy_tls.requests()} == HTTP1


def test_the_checksum_database_over_tls_records_http2(
    go: GoRunner, goproxy_tls: FakeGoProxy
) -> None:
    """go asks the database directly (GOSUMDB with its URL): lookups and tiles over h2."""
    requires = _serve_two(goproxy_tls)
    with ChecksumDB(tls=True) as db:
        db.add_from(goproxy_tls.store)
        result = go.project(requires=requires).tidy(env={"GOPROXY": goproxy_tls.url, **db.env})
        result.assert_ok()
        kinds = {r.kind for r in db.request_log}
        assert "lookup" in kinds
        assert {r.protocol for r in db.request_log} == HTTP2


def test_the_checksum_database_without_http2_records_http1(
    go: GoRunner, goproxy_tls: FakeGoProxy
) -> None:
    requires = _serve_two(goproxy_tls)
    with ChecksumDB(tls=True, http2=False) as db:
        db.add_from(goproxy_tls.store)
        result = go.project(requires=requires).tidy(env={"GOPROXY": goproxy_tls.url, **db.env})
        result.assert_ok()
        assert any(r.kind == "lookup" for r in db.request_log)
        assert {r.protocol for r in db.request_log} == HTTP1


def test_the_checksum_database_through_the_proxy_records_the_proxys_protocol(
    go: GoRunner, goproxy_tls: FakeGoProxy
) -> None:
    """Proxied (``/sumdb/<name>/...`` on GOPROXY): what go spoke to the proxy."""
    requires = _serve_two(goproxy_tls)
    with ChecksumDB() as db:
        db.add_from(goproxy_tls.store)
        goproxy_tls.serve_sumdb(db)
        env = {"GOPROXY": goproxy_tls.url, **db.env_via_proxy}
        go.project(requires=requires).tidy(env=env).assert_ok()
        proxied = [r for r in db.request_log if r.via == "proxy"]
        assert any(r.kind == "lookup" for r in proxied)
        assert {r.protocol for r in proxied} == HTTP2


def test_an_http2_client_gets_the_bytes_an_http1_client_gets(goproxy_tls: FakeGoProxy) -> None:
    """httpx over h2 and over HTTP/1.1 against the same fake: every file, a 404, a HEAD, the
    same status, body and length (the fast path and the WSGI path both)."""
    import httpx

    from pytest_goproxy.serving.tls import session_ca

    _serve_two(goproxy_tls)
    paths = [f"/{LIB}/@v/list", *(f"/{LIB}/@v/v1.0.0.{kind}" for kind in ("info", "mod", "zip"))]
    paths.append(f"/{LIB}/@v/v9.9.9.zip")  # a 404
    context = session_ca().client_context()
    with (
        httpx.Client(http2=True, verify=context, base_url=goproxy_tls.url) as over_h2,
        httpx.Client(http2=False, verify=context, base_url=goproxy_tls.url) as over_h1,
    ):
        for path in paths:
            a, b = over_h2.get(path), over_h1.get(path)
            assert (a.http_version, b.http_version) == ("HTTP/2", "HTTP/1.1")
            assert (a.status_code, a.content) == (b.status_code, b.content), path
            assert a.headers.get("content-length") == b.headers.get("content-length")
        head = over_h2.head(f"/{LIB}/@v/v1.0.0.zip")
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == str(
            len(over_h1.get(f"/{LIB}/@v/v1.0.0.zip").content)
        )
    assert {r.protocol for r in goproxy_tls.requests()} == {"HTTP/2", "HTTP/1.1"}

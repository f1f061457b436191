"""The HTTP faults over HTTP/2, under the real go command: the HTTP/2 faults (``rst_stream``,
``goaway``, ``goaway_graceful``, ``refused_stream``, ``h2_protocol_error``, ``h2_stall``) and
``cut_body``, whose text changes with the protocol.

go talks HTTP/2 to an HTTPS proxy that offers ``h2`` by ALPN (``goproxy_tls`` does), as it does
to proxy.golang.org. Each run is ``go mod download`` in a fresh project with an empty module
cache, GOSUMDB=off. The go error texts in the comments were recorded with go1.26.8 (the proxy's
port replaced by PORT).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest

from pytest_goproxy.gorun import Failure, GoResult, GoRunner
from pytest_goproxy.proxy import FakeGoProxy

pytestmark = pytest.mark.network_faults

LIB = "example.test/lib"
#: Enough for a zip of a few hundred bytes: ``after_bytes`` below it cuts the body.
_BODY = "package lib\n\n" + "// filler to make the zip a few hundred bytes long\n" * 40

Download = Callable[..., GoResult]


@pytest.fixture
def h2proxy(goproxy_tls: FakeGoProxy) -> FakeGoProxy:
    goproxy_tls.add_module(LIB, "v1.0.0", files={"lib.go": _BODY})
    return goproxy_tls


@pytest.fixture
def mirror(goproxy_factory: Callable[..., FakeGoProxy], h2proxy: FakeGoProxy) -> FakeGoProxy:
    """A second HTTPS proxy serving the same modules: the entry after the faulty one."""
    return goproxy_factory(store=h2proxy.store, tls=True)


@pytest.fixture
def download(go: GoRunner, h2proxy: FakeGoProxy) -> Download:
    """``download(goproxy=..., env=...)``: ``go mod download`` of LIB in a new project."""

    def run(
        goproxy: str | None = None, env: Mapping[str, str] | None = None, **kw: object
    ) -> GoResult:
        project = go.project(requires={LIB: "v1.0.0"})
        full = {"GOPROXY": goproxy or h2proxy.url, "GOSUMDB": "off", **(env or {})}
        return project.download(env=full, **kw)  # type: ignore[arg-type]

    return run


def test_go_speaks_http2_to_an_https_proxy_and_http1_without_it(
    download: Download, h2proxy: FakeGoProxy
) -> None:
    download().assert_ok()
    assert {r.protocol for r in h2proxy.requests(module=LIB)} == {"HTTP/2"}
    h2proxy.request_log.clear()
    download(env={"GODEBUG": "http2client=0"}).assert_ok()  # the workaround people post
    assert {r.protocol for r in h2proxy.requests(module=LIB)} == {"HTTP/1.1"}


def test_http2_false_offers_http1_alone(
    go: GoRunner, goproxy_factory: Callable[..., FakeGoProxy]
) -> None:
    proxy = goproxy_factory(tls=True, http2=False)
    proxy.add_module(LIB, "v1.0.0", files={"lib.go": _BODY})
    env = {"GOPROXY": proxy.url, "GOSUMDB": "off"}
    go.project(requires={LIB: "v1.0.0"}).download(env=env).assert_ok()
    assert {r.protocol for r in proxy.requests(module=LIB)} == {"HTTP/1.1"}


@pytest.mark.parametrize(
    ("fault", "params", "failure", "h2_error", "words"),
    [
        # go: example.test/lib@v1.0.0: Get "https://127.0.0.1:PORT/example.test/lib/@v/
        #     v1.0.0.zip": stream error: stream ID 5; INTERNAL_ERROR; received from peer
        (
            "rst_stream",
            {},
            Failure.RESET,
            "INTERNAL_ERROR",
            '.zip": stream error: stream ID 5; INTERNAL_ERROR; received from peer',
        ),
        # go: ...: read "https://...v1.0.0.zip": stream error: stream ID 5; INTERNAL_ERROR;
        #     received from peer  (golang/go#51323's text: a reset in the middle of a zip)
        (
            "rst_stream",
            {"after_bytes": 64},
            Failure.TRUNCATED,
            "INTERNAL_ERROR",
            'read "https://',
        ),
        # go: ...: Get "https://...v1.0.0.zip": stream error: stream ID 5; ENHANCE_YOUR_CALM;
        #     received from peer
        ("rst_stream", {"error": 11}, Failure.RESET, "ENHANCE_YOUR_CALM", "ENHANCE_YOUR_CALM"),
        # go: ...: Get "https://...v1.0.0.zip": http2: server sent GOAWAY and closed the
        #     connection; LastStreamID=5, ErrCode=NO_ERROR, debug=""
        (
            "goaway",
            {},
            Failure.RESET,
            "NO_ERROR",
            "http2: server sent GOAWAY and closed the connection; LastStreamID=5, "
            'ErrCode=NO_ERROR, debug=""',
        ),
        # go: ...: read "https://...v1.0.0.zip": http2: server sent GOAWAY and closed the
        #     connection; LastStreamID=5, ErrCode=NO_ERROR, debug=""  (real nginx's, mid-body)
        (
            "goaway",
            {"after_bytes": 64},
            Failure.TRUNCATED,
            "NO_ERROR",
            'read "https://',
        ),
        # 2026/12/06 09:50:00 protocol error: received DATA before a HEADERS frame
        # go: ...: Get "https://...v1.0.0.zip": stream error: stream ID 5; PROTOCOL_ERROR
        (
            "h2_protocol_error",
            {},
            Failure.INVALID_RESPONSE,
            "PROTOCOL_ERROR",
            "protocol error: received DATA before a HEADERS frame",
        ),
        # go: ...: read "https://...v1.0.0.zip": stream error: stream ID 5; INTERNAL_ERROR;
        #     received from peer  (over HTTP/1.1: unexpected EOF)
        ("cut_body", {}, Failure.TRUNCATED, "INTERNAL_ERROR", "received from peer"),
    ],
)
def test_fault_on_the_zip_stops_a_comma_list_and_a_pipe_list_falls_back(
    download: Download,
    h2proxy: FakeGoProxy,
    mirror: FakeGoProxy,
    fault: str,
    params: dict[str, object],
    failure: Failure,
    h2_error: str,
    words: str,
) -> None:
    handle = h2proxy.inject(fault, kind="zip", **params)
    result = download(goproxy=f"{h2proxy.url},{mirror.url}")
    result.assert_failure(failure)
    assert result.h2_error == h2_error
    assert words in result.stderr
    assert handle.hits == 1
    mirror.assert_not_requested("zip")  # an error, not a 404: `,` stops (no retry either)
    zips = h2proxy.requests(kind="zip")
    assert [(r.protocol, r.faulted) for r in zips] == [("HTTP/2", True)]

    download(goproxy=f"{h2proxy.url}|{mirror.url}").assert_ok()
    mirror.assert_requested("zip", LIB, count=1)


@pytest.mark.parametrize(
    ("fault", "params"),
    [
        ("rst_stream", {"after_bytes": 64}),
        ("goaway", {}),
        ("goaway_graceful", {}),
        ("refused_stream", {}),
        ("h2_protocol_error", {}),
        ("h2_stall", {}),
    ],
)
def test_http1_only_makes_every_http2_fault_vanish(
    download: Download, h2proxy: FakeGoProxy, fault: str, params: dict[str, object]
) -> None:
    """``GODEBUG=http2client=0`` (the ``http1_only`` configuration): the same proxy, the same
    fault, and go never meets it, as the fault does not exist in HTTP/1.1."""
    handle = h2proxy.inject(fault, **params)
    download(env={"GODEBUG": "http2client=0"}).assert_ok()
    assert (handle.hits, handle.seen) == (0, 0)
    assert {r.protocol for r in h2proxy.requests(module=LIB)} == {"HTTP/1.1"}


def test_cut_body_stays_unexpected_eof_over_http1(download: Download, h2proxy: FakeGoProxy) -> None:
    h2proxy.inject("cut_body", kind="zip")
    result = download(env={"GODEBUG": "http2client=0"})
    result.assert_failure(Failure.TRUNCATED)
    assert '.zip": unexpected EOF' in result.stderr
    assert result.h2_error is None


def test_goaway_after_requests_on_a_connection(download: Download, h2proxy: FakeGoProxy) -> None:
    """``after=2``: the third request on a connection meets the GOAWAY (go sends .info, .mod
    and .zip down one connection)."""
    handle = h2proxy.inject("goaway", after=2)
    result = download()
    result.assert_failure(Failure.RESET)
    assert "LastStreamID=5, ErrCode=NO_ERROR" in result.stderr
    faulted = [r for r in h2proxy.requests(module=LIB) if r.faulted]
    assert [(r.kind.value, r.connection_request) for r in faulted] == [("zip", 3)]
    assert handle.hits == 1


def test_goaway_graceful_is_recovered_on_new_connections(
    download: Download, h2proxy: FakeGoProxy
) -> None:
    """A negative control: every request meets a graceful GOAWAY, is answered, and go opens a
    new connection for the next: each request was the first of its connection."""
    handle = h2proxy.inject("goaway_graceful")
    download().assert_ok()
    requests = h2proxy.requests(module=LIB)
    assert handle.hits == len(requests) >= 3
    assert {(r.protocol, r.connection_request) for r in requests} == {("HTTP/2", 1)}


def test_refused_stream_is_retried_by_go_itself(download: Download, h2proxy: FakeGoProxy) -> None:
    """A negative control: REFUSED_STREAM twice, and go's transport retries the request on its
    own, with no fallback and no error."""
    handle = h2proxy.inject("refused_stream", kind="zip", times=2)
    download().assert_ok()
    assert handle.hits == 2
    assert [r.faulted for r in h2proxy.requests(kind="zip")] == [True, True, False]


def test_refused_stream_for_ever_hangs_go(download: Download, h2proxy: FakeGoProxy) -> None:
    """Without ``times`` go retries a refused stream for ever (waiting longer each time): the
    run never ends on its own, and the pipe list never falls back."""
    handle = h2proxy.inject("refused_stream", kind="zip")
    result = download(timeout=8)
    result.assert_hung()
    assert handle.hits >= 2


def test_h2_stall_hangs_go(download: Download, h2proxy: FakeGoProxy, mirror: FakeGoProxy) -> None:
    """The stream stops mid-body while the connection lives on: go has no timeout for it."""
    handle = h2proxy.inject("h2_stall", kind="zip", after_bytes=64)
    result = download(goproxy=f"{h2proxy.url}|{mirror.url}", timeout=8)
    result.assert_hung()
    assert handle.hits == 1
    mirror.assert_not_requested("zip")  # no error, so nothing to fall back on


def test_an_http2_fault_on_a_proxy_that_never_speaks_it_is_refused(
    goproxy: FakeGoProxy, goproxy_factory: Callable[..., FakeGoProxy]
) -> None:
    from pytest_goproxy.errors import FaultError

    for proxy in (goproxy, goproxy_factory(tls=True, http2=False)):
        with pytest.raises(FaultError, match=r"never speaks HTTP/2.*FakeGoProxy\(tls=True\)"):
            proxy.inject("rst_stream")
        assert proxy.faults.active == []

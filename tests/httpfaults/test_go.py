"""Every HTTP fault under the real go command: its classified failure and go's own words.

Each run is ``go mod download`` (or ``go get``) in a fresh project with an empty module cache,
GOSUMDB=off, against the ``goproxy`` fixture serving example.test/lib v1.0.0 and v1.1.0. The go
error texts in the comments were recorded with go1.26.8 (the proxy's port replaced by PORT).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pytest_goproxy.gorun import Failure, GoResult, GoRunner
from pytest_goproxy.proxy import FakeGoProxy

from .conftest import LIB, OTHER, Download

pytestmark = pytest.mark.network_faults


@pytest.mark.parametrize(
    ("fault", "params", "failure", "status", "words"),
    [
        # go: example.test/lib@v1.0.0: reading http://127.0.0.1:PORT/example.test/lib/@v/
        #     v1.0.0.zip: 502 Bad Gateway
        #     server response: 502 Bad Gateway: injected by pytest-goproxy
        (
            "status",
            {"code": 502},
            Failure.HTTP_STATUS,
            502,
            "502 Bad Gateway\n\tserver response: 502 Bad Gateway: injected by pytest-goproxy",
        ),
        # ...v1.0.0.zip: 429 Too Many Requests / server response: 429 Too Many Requests: ...
        # (go ignores Retry-After: it does not retry)
        (
            "status",
            {"code": 429, "retry_after": 30},
            Failure.HTTP_STATUS,
            429,
            "429 Too Many Requests\n\tserver response: 429 Too Many Requests",
        ),
        # ...v1.0.0.zip: 404 Not Found / server response: 404 Not Found: injected by ...
        ("status", {"code": 404}, Failure.NOT_FOUND, 404, "zip: 404 Not Found"),
        # go: example.test/lib@v1.0.0: reading ...zip: 410 Gone
        ("status", {"code": 410}, Failure.NOT_FOUND, 410, "zip: 410 Gone"),
        # go: zip: not a valid zip file
        ("invalid_body", {}, Failure.INVALID_RESPONSE, None, "zip: not a valid zip file"),
        # go: zip: checksum error
        ("corrupt_zip", {}, Failure.INVALID_RESPONSE, None, "zip: checksum error"),
        # go: zip: not a valid zip file
        ("corrupt_zip", {"not_zip": 1}, Failure.INVALID_RESPONSE, None, "not a valid zip file"),
        # go: example.test/lib@v1.0.0: read "http://127.0.0.1:PORT/example.test/lib/@v/
        #     v1.0.0.zip": unexpected EOF
        ("cut_body", {}, Failure.TRUNCATED, None, '.zip": unexpected EOF'),
    ],
)
def test_fault_on_the_zip(
    download: Download,
    modules: FakeGoProxy,
    fault: str,
    params: dict[str, object],
    failure: Failure,
    status: int | None,
    words: str,
) -> None:
    handle = modules.inject(fault, kind="zip", **params)
    result = download()
    result.assert_failure(failure, status_code=status)
    assert words in result.stderr
    assert handle.hits == 1
    # A fault on the zip leaves the other endpoints working: go got the .mod and .info.
    log = [(r.kind.value, r.status, r.faulted) for r in modules.requests(module=LIB)]
    assert ("mod", 200, False) in log and ("info", 200, False) in log
    assert log[-1][0] == "zip" and log[-1][2]


@pytest.mark.parametrize(
    ("kind", "failure", "words"),
    [
        # go: example.test/lib@v1.0.0: invalid response from proxy "http://127.0.0.1:PORT":
        #     invalid character '<' looking for beginning of value
        (
            "info",
            Failure.INVALID_RESPONSE,
            "invalid response from proxy \"{url}\": invalid character '<' looking for "
            "beginning of value",
        ),
        # go: example.test/lib@v1.0.0: parsing go.mod: missing module line
        ("mod", Failure.INVALID_RESPONSE, "example.test/lib@v1.0.0: parsing go.mod: missing"),
        # go: example.test/lib@v1.0.0: read "http://127.0.0.1:PORT/example.test/lib/@v/
        #     v1.0.0.mod": unexpected EOF
        ("mod", Failure.TRUNCATED, '.mod": unexpected EOF'),
        # go: example.test/lib@v1.0.0: reading http://...info: 503 Service Unavailable
        ("info", Failure.HTTP_STATUS, "v1.0.0.info: 503 Service Unavailable"),
    ],
)
def test_faults_on_info_and_mod(
    download: Download, modules: FakeGoProxy, kind: str, failure: Failure, words: str
) -> None:
    name = {
        Failure.INVALID_RESPONSE: "invalid_body",
        Failure.TRUNCATED: "cut_body",
        Failure.HTTP_STATUS: "status",
    }[failure]
    params: dict[str, object] = {"code": 503} if name == "status" else {}
    modules.inject(name, kind=kind, **params)
    result = download().assert_failure(failure)
    assert words.format(url=modules.url) in result.stderr


def test_wrong_zip_is_a_checksum_mismatch_against_go_sum(
    download: Download, modules: FakeGoProxy
) -> None:
    modules.inject("wrong_zip")
    result = download(go_sum=True).assert_failure(Failure.CHECKSUM_MISMATCH)
    # verifying example.test/lib@v1.0.0: checksum mismatch
    #     downloaded: h1:+j9z...
    #     go.sum:     h1:zkUd...
    # SECURITY ERROR
    # This download does NOT match an earlier download recorded in go.sum.
    assert "verifying example.test/lib@v1.0.0: checksum mismatch" in result.stderr
    assert "SECURITY ERROR" in result.stderr


def test_wrong_zip_is_accepted_when_nothing_knows_the_hash(
    download: Download, modules: FakeGoProxy
) -> None:
    """GOSUMDB=off and no go.sum line: go has nothing to compare with, so the bits go in."""
    fault = modules.inject("wrong_zip")
    download().assert_ok()
    assert fault.hits == 1


def test_slow_first_byte_only_slows_go_down(download: Download, modules: FakeGoProxy) -> None:
    modules.inject("slow_first_byte", seconds=0.4, kind="zip")
    result = download().assert_ok()
    assert result.duration >= 0.4
    assert modules.requests(kind="zip")[0].faulted


def test_slow_body_only_slows_go_down(download: Download, modules: FakeGoProxy) -> None:
    size = modules.store.get(LIB, "v1.0.0").zip_size  # type: ignore[union-attr]
    modules.inject("slow_body", rate=size * 2, kind="zip")  # about half a second
    result = download().assert_ok()
    assert result.duration >= 0.45


def test_redirects_are_followed(download: Download, modules: FakeGoProxy) -> None:
    fault = modules.inject("redirect", n=3, code=301)
    download().assert_ok()
    assert fault.hits == 3  # .mod, .info and .zip, each through three hops
    assert len(modules.requests(module=LIB)) == 12


def test_more_than_ten_redirects_stop_go(download: Download, modules: FakeGoProxy) -> None:
    modules.inject("redirect", n=11, kind="mod")
    result = download()
    # go: example.test/lib@v1.0.0: Get "http://127.0.0.1:PORT/example.test/lib/@v/v1.0.0.mod
    #     ?pytest-goproxy-hop=redirect-N.10": stopped after 10 redirects
    # (classify() does not name this one yet: Failure.UNKNOWN with go1.26)
    assert not result.ok and "stopped after 10 redirects" in result.stderr
    assert len(modules.requests(kind="mod")) == 10  # the first request and nine hops


def test_redirect_to_a_second_proxy_is_followed_and_logged_on_both(
    download: Download,
    modules: FakeGoProxy,
    goproxy_factory: Callable[..., FakeGoProxy],
) -> None:
    mirror = goproxy_factory(store=modules.store)
    modules.inject("redirect", to=mirror.url)
    download().assert_ok()
    here = [(r.kind.value, r.status, r.faulted) for r in modules.requests(module=LIB)]
    there = [(r.kind.value, r.status, r.faulted) for r in mirror.requests(module=LIB)]
    assert sorted(here) == [("info", 302, True), ("mod", 302, True), ("zip", 302, True)]
    assert sorted(there) == [("info", 200, False), ("mod", 200, False), ("zip", 200, False)]


def test_a_redirect_loop_is_an_invalid_response(download: Download, modules: FakeGoProxy) -> None:
    """11 hops: go stops after 10 (net/http client.go); the server answered, but unusably."""
    fault = modules.inject("redirect", n=11, kind="zip")
    result = download().assert_failure(Failure.INVALID_RESPONSE)
    # go: example.test/lib@v1.0.0: Get "http://127.0.0.1:PORT/example.test/lib/@v/v1.0.0.zip
    #     ?pytest-goproxy-hop=redirect-1.10": stopped after 10 redirects
    assert "stopped after 10 redirects" in result.stderr
    assert result.url is not None and result.url.startswith(f"{modules.url}/{LIB}/@v/v1.0.0.zip")
    assert fault.hits == 1  # one faulted request; its hops are logged one by one
    hops = [r for r in modules.requests(kind="zip") if r.faulted]
    # ten requests, each answered 302; go refused to follow the tenth redirect (client.go: the
    # check sees 10 requests already made)
    assert len(hops) == 10 and all(r.status == 302 for r in hops)


def go_get_latest(go: GoRunner, proxy: FakeGoProxy) -> GoResult:
    project = go.project(requires={})
    return project.run(
        "get", f"{LIB}@latest", env={"GOPROXY": proxy.url, "GOSUMDB": "off"}
    ).assert_ok()


def test_a_stale_list_makes_go_get_latest_pick_the_older_version(
    go: GoRunner, modules: FakeGoProxy
) -> None:
    assert f"{LIB} v1.1.0" in (go_get_latest(go, modules).go_mod or "")
    before = len(modules.requests(kind="list"))
    fault = modules.inject("stale_list")
    result = go_get_latest(go, modules)
    # go: added example.test/lib v1.0.0
    assert f"{LIB} v1.0.0" in (result.go_mod or "") and "added example.test/lib v1.0.0" in (
        result.stderr
    )
    # go asks the list more than once (module path lookup, then the query): all were stale
    lists = modules.requests(kind="list")[before:]
    assert fault.hits == len(lists) >= 1 and all(r.faulted for r in lists)


def test_an_html_version_list_makes_go_ask_latest(go: GoRunner, modules: FakeGoProxy) -> None:
    """proxy.go skips list lines that are not versions, so an HTML list reads as empty."""
    modules.inject("invalid_body", kind="list")
    result = go_get_latest(go, modules)
    assert f"{LIB} v1.1.0" in (result.go_mod or "")
    modules.assert_requested("latest", LIB)


def test_fail_twice_then_succeed_needs_a_retrying_wrapper(
    download: Download, modules: FakeGoProxy
) -> None:
    fault = modules.inject("status", code=503, kind="zip", times=2)
    download().assert_failure(Failure.HTTP_STATUS, status_code=503)  # one go run gives up
    attempts = [download() for _ in range(1)]
    while not attempts[-1].ok and len(attempts) < 5:  # the retrying wrapper
        attempts.append(download())
    assert [r.ok for r in attempts] == [False, True]
    assert fault.hits == 2
    assert [r.faulted for r in modules.requests(kind="zip")] == [True, True, False]


def test_a_404_falls_back_through_a_comma_list(
    download: Download, modules: FakeGoProxy, goproxy_factory: Callable[..., FakeGoProxy]
) -> None:
    mirror = goproxy_factory(store=modules.store)
    modules.inject("status", code=404, kind="zip")
    download(goproxy=f"{modules.url},{mirror.url}").assert_ok()
    mirror.assert_requested("zip", LIB, count=1)


def test_a_502_stops_a_comma_list_but_not_a_pipe_list(
    download: Download, modules: FakeGoProxy, goproxy_factory: Callable[..., FakeGoProxy]
) -> None:
    mirror = goproxy_factory(store=modules.store)
    modules.inject("status", code=502, kind="zip")
    download(goproxy=f"{modules.url},{mirror.url}").assert_failure(Failure.HTTP_STATUS)
    mirror.assert_not_requested("zip")
    download(goproxy=f"{modules.url}|{mirror.url}").assert_ok()
    mirror.assert_requested("zip", LIB, count=1)


def test_probability_with_a_seed_gives_go_the_same_outcomes(
    download: Download, modules: FakeGoProxy
) -> None:
    def outcomes() -> list[bool]:
        with modules.inject("status", kind="zip", probability=0.5, seed=3):
            return [download().ok for _ in range(6)]

    first = outcomes()
    assert first == outcomes()
    assert True in first and False in first


def test_module_selector_faults_one_module_only(download: Download, modules: FakeGoProxy) -> None:
    modules.inject("status", code=500, module="example.test/oth*")
    result = download({LIB: "v1.0.0", OTHER: "v0.1.0"})
    result.assert_failure(Failure.HTTP_STATUS, status_code=500)
    assert OTHER in (result.url or "")
    assert not any(r.faulted for r in modules.requests(module=LIB))

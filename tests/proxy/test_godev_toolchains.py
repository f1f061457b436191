"""go's direct path for toolchains, with the real go: golang.org's ``mod`` go-import tag and
go.dev/dl/mod, played by GoDevToolchains through the network guard (issue 25).

The texts asserted were measured with go1.26.8; over HTTPS go speaks HTTP/2 to go.dev, so a body
cut short is a stream reset there.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pytest_goproxy.gomod.toolchain import TOOLCHAIN_MODULE
from pytest_goproxy.gorun import Failure, GoProject, GoResult, GoRunner
from pytest_goproxy.proxy import FakeGoProxy, GoDevToolchains
from pytest_goproxy.sumdb import ChecksumDB

TOOLCHAIN = "go1.99.0"


@pytest.fixture
def dl(go: GoRunner, goproxy: FakeGoProxy) -> Iterator[GoDevToolchains]:
    """golang.org and go.dev serving what the test's proxy serves (the synthetic go1.99.0)."""
    goproxy.add_toolchain(TOOLCHAIN, go=go.binary)
    with GoDevToolchains(goproxy.store) as server:
        yield server


@pytest.fixture
def app(go: GoRunner) -> GoProject:
    return go.project(toolchain=TOOLCHAIN)


def switch(
    app: GoProject, gosumdb: ChecksumDB, goproxy: str, routes: dict[str, object]
) -> GoResult:
    return app.tidy(env={"GOPROXY": goproxy, **gosumdb.env}, gotoolchain="auto", routes=routes)


def test_the_page_names_go_dev_as_a_mod_repository(dl: GoDevToolchains) -> None:
    assert dl.url == "https://go.dev/dl/mod"
    assert dl.meta_tag == (
        '<meta name="go-import" content="golang.org/toolchain mod https://go.dev/dl/mod">'
    )
    assert set(dl.routes) == {"golang.org", "go.dev"}


def test_direct_fetches_the_toolchain_from_go_dev(
    app: GoProject, gosumdb: ChecksumDB, dl: GoDevToolchains
) -> None:
    result = switch(app, gosumdb, "direct", dl.routes).assert_ok()
    assert result.switched_to == TOOLCHAIN
    assert [(r.path, r.status) for r in dl.requests()][:2] == [
        ("/toolchain", 200),
        (f"/{TOOLCHAIN_MODULE}/@v/{dl.store.versions(TOOLCHAIN_MODULE)[0]}.zip", 200),
    ]
    assert {r.host for r in result.routed} == {"golang.org", "go.dev"}
    result.assert_no_escapes()
    assert gosumdb.requests("lookup", module=TOOLCHAIN_MODULE)  # still checked


def test_comma_direct_falls_back_on_a_404_only(
    app: GoProject, gosumdb: ChecksumDB, goproxy: FakeGoProxy, dl: GoDevToolchains
) -> None:
    with goproxy.inject("status", code=404, kind="zip", module=TOOLCHAIN_MODULE):
        assert switch(app, gosumdb, f"{goproxy.url},direct", dl.routes).assert_ok().switched_to
    with goproxy.inject("status", code=504, kind="zip", module=TOOLCHAIN_MODULE):
        stopped = switch(app, gosumdb, f"{goproxy.url},direct", dl.routes)
        stopped.assert_failure(Failure.TOOLCHAIN)
        assert stopped.cause is Failure.HTTP_STATUS and stopped.status_code == 504
        assert switch(app, gosumdb, f"{goproxy.url}|direct", dl.routes).assert_ok().switched_to


@pytest.mark.parametrize(
    ("fault", "cause", "line"),
    [
        ("status", Failure.HTTP_STATUS, ".linux-amd64.zip: 503 Service Unavailable"),
        ("cut_body", Failure.TRUNCATED, "stream error: stream ID 1; INTERNAL_ERROR; received"),
    ],
)
def test_a_fault_on_go_dev(
    app: GoProject,
    gosumdb: ChecksumDB,
    dl: GoDevToolchains,
    go: GoRunner,
    fault: str,
    cause: Failure,
    line: str,
) -> None:
    params: dict[str, object] = {"code": 503} if fault == "status" else {}
    with dl.inject(fault, kind="zip", **params):
        result = switch(app, gosumdb, "direct", dl.routes)
    result.assert_failure(Failure.TOOLCHAIN)
    assert result.cause is cause
    platform = f"{go.binary.goos}-{go.binary.goarch}"
    assert line.replace("linux-amd64", platform) in result.stderr
    assert (result.url or "").startswith("https://go.dev/dl/mod/golang.org/toolchain/@v/")


def test_golang_org_down_reads_as_not_available(
    app: GoProject, gosumdb: ChecksumDB, dl: GoDevToolchains
) -> None:
    """The guard answers 502 to CONNECT golang.org:443, as a corporate proxy does for a host it
    cannot reach; go hides it behind 'toolchain not available'. go.dev down is said plainly."""
    hidden = switch(app, gosumdb, "direct", {"golang.org": None, "go.dev": dl})
    hidden.assert_failure(Failure.TOOLCHAIN)
    assert hidden.cause is Failure.NOT_FOUND
    assert hidden.stderr.splitlines()[-1].endswith(": toolchain not available")
    assert [(r.host, r.status) for r in hidden.routed] == [("golang.org", 502)]
    plain = switch(app, gosumdb, "direct", {"golang.org": dl, "go.dev": None})
    plain.assert_failure(Failure.TOOLCHAIN)
    assert plain.cause is Failure.HTTP_STATUS and plain.status_code == 502
    assert 'Get "https://go.dev/dl/mod/golang.org/toolchain/@v/' in plain.stderr


def test_a_proxy_under_a_prefix_answers_there_only() -> None:
    import urllib.error
    import urllib.request

    from pytest_goproxy.errors import UsageError

    with FakeGoProxy(prefix="/dl/mod") as proxy:
        proxy.add_module("example.test/lib", "v1.0.0")
        assert proxy.url.endswith("/dl/mod")
        with urllib.request.urlopen(f"{proxy.url}/example.test/lib/@v/list") as answer:
            assert answer.read() == b"v1.0.0\n"
        base = proxy.url.removesuffix("/dl/mod")
        with pytest.raises(urllib.error.HTTPError) as outside:
            urllib.request.urlopen(f"{base}/example.test/lib/@v/list")
        assert outside.value.code == 404
    for bad in ("dl/mod", "/dl/mod/", "/dl?x"):
        with pytest.raises(UsageError, match="the URL path the proxy answers under"):
            FakeGoProxy(prefix=bad)

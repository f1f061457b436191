"""A fake proxy served under a real host name in a test's go runs: go's errors name the host a
CI's GOPROXY line names (``goproxy_factory(name="proxy.golang.org", tls=True)``)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pytest_goproxy import Failure, FakeGoProxy, GoRunner
from pytest_goproxy.errors import UsageError


def test_go_reaches_a_proxy_by_the_name_it_is_served_under(
    goproxy_factory: Callable[..., FakeGoProxy], go: GoRunner
) -> None:
    proxy = goproxy_factory(name="proxy.golang.org", tls=True)
    assert proxy.url == "https://proxy.golang.org"
    proxy.add_module("example.test/lib", "v1.0.0", files={"lib.go": "package lib\n"})
    project = go.project(requires={"example.test/lib": "v1.0.0"})
    project.tidy(env={"GOPROXY": f"{proxy.url},direct"}).assert_ok()
    assert {r.protocol for r in proxy.requests(module="example.test/lib")} == {"HTTP/2"}
    assert [str(r) for r in go.guard.routed][:1] == ["CONNECT proxy.golang.org:443"]

    proxy.inject("status", code=502, kind="zip")
    result = go.project(requires={"example.test/lib": "v1.0.0"}).tidy(
        env={"GOPROXY": f"{proxy.url},direct"}
    )
    result.assert_failure(Failure.HTTP_STATUS, status_code=502)
    assert "reading https://proxy.golang.org/example.test/lib/@v/v1.0.0.zip: 502" in result.stderr


@pytest.mark.parametrize("name", ["", "proxy.golang.org:443", "https://proxy.golang.org"])
def test_a_name_must_be_a_bare_host(name: str) -> None:
    with pytest.raises(UsageError, match="bare host"):
        FakeGoProxy(name=name, tls=True)


def test_a_named_proxy_speaks_https() -> None:
    with pytest.raises(UsageError, match="tls=True"):
        FakeGoProxy(name="proxy.golang.org")

"""gosumdb with the project's own FakeGoProxy: records come from the very bytes it serves."""

from __future__ import annotations

import pytest

from pytest_goproxy.gorun import GoRunner
from pytest_goproxy.proxy import FakeGoProxy
from pytest_goproxy.sumdb import ChecksumDB

MAIN = 'package main\n\nimport "example.com/greet"\n\nfunc main() { println(greet.Hi()) }\n'


@pytest.mark.parametrize("via_proxy", [False, True], ids=["direct", "through-proxy"])
def test_tidy_against_gosumdb_fed_by_fake_proxy(
    go: GoRunner, goproxy: FakeGoProxy, gosumdb: ChecksumDB, via_proxy: bool
) -> None:
    goproxy.add_module(
        "example.com/greet",
        "v1.0.0",
        {"greet.go": 'package greet\n\nfunc Hi() string { return "hi" }\n'},
    )
    gosumdb.attach(goproxy)
    project = go.project(
        module="example.com/main", requires={"example.com/greet": "v1.0.0"}, files={"main.go": MAIN}
    )
    sumdb_env = gosumdb.env_via_proxy if via_proxy else gosumdb.env
    result = project.tidy(env={"GOPROXY": goproxy.url, **sumdb_env}).assert_ok()
    assert result.go_sum is not None
    go_sum = sorted(result.go_sum.splitlines())
    assert go_sum == sorted(gosumdb.go_sum_lines("example.com/greet", "v1.0.0"))
    assert go_sum == sorted(goproxy.go_sum_lines("example.com/greet", "v1.0.0"))
    gosumdb.assert_requested("lookup", via="proxy" if via_proxy else "direct")
    gosumdb.assert_not_requested(via="direct" if via_proxy else "proxy")
    assert result.escapes == ()

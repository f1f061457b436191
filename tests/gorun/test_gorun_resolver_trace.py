"""GODEBUG=netdns tracing, the first check troubleshooting guides make when a name does not
resolve: a test's GODEBUG reaches go, and the resolver's lines are in ``result.resolver_trace``.

Recorded with go1.26.8 on linux/amd64 (net/conf.go prints them): ``netdns=go+1`` gives
``go package net: using the Go DNS resolver``; ``netdns=go+2`` adds
``go package net: confVal.netCgo = false  netGo = true`` and one
``go package net: hostLookupOrder(<host>) = files,dns`` per host looked up.
"""

from __future__ import annotations

import pytest

from pytest_goproxy import FakeGoProxy, Network
from pytest_goproxy.gorun import Failure, GoResult, GoRunner

LIB, LIB_VERSION = "example.test/lib", "v1.2.0"


def _result(stderr: str) -> GoResult:
    return GoResult.create(
        args=("mod", "tidy"),
        command=("go", "mod", "tidy"),
        env={},
        cwd=None,
        returncode=1,
        stdout="",
        stderr=stderr,
        duration=0.1,
        hung=False,
        timeout=10.0,
    )


def test_resolver_trace_is_the_go_package_net_lines() -> None:
    result = _result(
        "go: downloading example.test/lib v1.2.0\n"
        "go package net: confVal.netCgo = false  netGo = true\n"
        "go package net: using the Go DNS resolver\n"
        # runtime print() is unbuffered: a line can land inside one of go's own
        "go: example.test/app imports\n\texample.test/lib: go package net: "
        "hostLookupOrder(goproxy-1.invalid) = files,dns\n"
        'reading "http://goproxy-1.invalid/example.test/lib/@v/list": dial tcp: lookup '
        "goproxy-1.invalid: no such host\n"
    )
    assert result.resolver_trace == (
        "go package net: confVal.netCgo = false  netGo = true",
        "go package net: using the Go DNS resolver",
        "go package net: hostLookupOrder(goproxy-1.invalid) = files,dns",
    )
    assert result.failure is Failure.DNS  # the trace does not change the classification


def test_resolver_trace_is_empty_without_godebug() -> None:
    assert _result("go: example.test/lib@v1.2.0: 502 Bad Gateway\n").resolver_trace == ()


def test_a_tests_godebug_reaches_go(go: GoRunner) -> None:
    """The machine's GODEBUG is dropped (test_nothing_of_the_machine_leaks); the test's is not."""
    assert go.go_env({"GODEBUG": "netdns=go+1"})["GODEBUG"] == "netdns=go+1"
    result = go.run(["env", "GODEBUG"], env={"GODEBUG": "netdns=go+1"}).assert_ok()
    assert result.env["GODEBUG"] == "netdns=go+1"
    assert result.relevant_env["GODEBUG"] == "netdns=go+1"  # shown in assertion messages


@pytest.mark.network_faults
def test_an_unresolvable_proxy_host_with_netdns_2(go: GoRunner) -> None:
    app = go.project(requires={LIB: LIB_VERSION})
    host = "goproxy.pytest-goproxy.invalid"
    result = app.tidy(env={"GOPROXY": f"http://{host}", "GODEBUG": "netdns=go+2"})
    result.assert_failure(Failure.DNS)
    assert "go package net: using the Go DNS resolver" in result.resolver_trace
    assert f"go package net: hostLookupOrder({host}) = files,dns" in result.resolver_trace
    assert result.escapes == ()  # .invalid is in NO_PROXY: Go's own resolver was asked


@pytest.mark.network_faults
def test_the_dns_fault_seen_through_the_resolver_trace(
    go: GoRunner, goproxy: FakeGoProxy, network: Network
) -> None:
    goproxy.add_module(LIB, LIB_VERSION)
    endpoint = network.front(goproxy)
    app = go.project(requires={LIB: LIB_VERSION})
    env = {"GOSUMDB": "off", "GODEBUG": "netdns=go+1"}
    with endpoint.fault("dns"):
        failed = app.tidy(env={**env, "GOPROXY": endpoint.url}).assert_failure(Failure.DNS)
    assert failed.resolver_trace == ("go package net: using the Go DNS resolver",)
    # without the fault the proxy is 127.0.0.1: nothing to look up, nothing traced
    app = go.project(requires={LIB: LIB_VERSION})
    ok = app.tidy(env={**env, "GOPROXY": endpoint.url}).assert_ok()
    assert ok.resolver_trace == ()

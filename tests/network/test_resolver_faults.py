"""Resolver faults as the real go meets them: go in a private mount namespace asks the fake
resolver for goproxy.cn and goproxy.io, served by HTTPS fakes under those names on port 443 of
loopback addresses of their own, and each fault is played on goproxy.cn with
``GOPROXY=https://goproxy.cn,https://goproxy.io`` and with ``|``.

The texts are go1.26.8's, measured here and written in the catalogue
(:data:`~pytest_goproxy.network.FAULTS`). The resolver runs with ``options timeout:1
attempts:1`` so a resolver that never answers costs one second, not go's default ten
(``timeout:5 attempts:2``; measured by benchmarks/bench_namespace.py). No timing is asserted.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pytest_goproxy.ci import skip_or_fail
from pytest_goproxy.errors import NamespaceUnavailable
from pytest_goproxy.gorun import (
    Failure,
    GoResult,
    GoRunner,
    TLSProblem,
    classify,
    namespace_unavailable,
)
from pytest_goproxy.gorun import namespace as ns
from pytest_goproxy.gorun.cancel import Cancel, Cancelled, cancelling
from pytest_goproxy.gorun.process import GroupWatch, group_alive, run_process, watching_groups
from pytest_goproxy.lifecycle import remove_tree
from pytest_goproxy.network import FakeResolver, ResolverFaultHandle
from pytest_goproxy.proxy import FakeGoProxy
from pytest_goproxy.serving.tls import session_ca
from pytest_goproxy.serving.udp import on_free_loopback

pytestmark = pytest.mark.network_faults

LIB, VERSION = "example.test/lib", "v1.2.0"
#: One second per lookup that gets no answer, once: the suite stays fast.
FAST = ("timeout:1", "attempts:1")


def serve(name: str) -> FakeGoProxy:
    """A fake proxy over HTTPS (HTTP/2 offered) under ``name``, on port 443 of a free loopback
    address, as ``https://goproxy.cn`` means."""
    context = session_ca().server_context(name, http2=True)

    def bind(host: str) -> FakeGoProxy:
        proxy = FakeGoProxy(host=host, port=443, tls=context)
        proxy.start()
        return proxy

    try:
        proxy = on_free_loopback(bind)
    except PermissionError as exc:
        skip_or_fail(f"port 443 on loopback needs root or CAP_NET_BIND_SERVICE: {exc}")
    proxy.add_module(LIB, VERSION, files={"lib.go": "package lib\n"})
    return proxy


@pytest.fixture(scope="module")
def proxies() -> Iterator[dict[str, FakeGoProxy]]:
    reason = namespace_unavailable()
    if reason is not None:
        skip_or_fail(f"go cannot meet a fake resolver here: {reason}")
    served = {name: serve(name) for name in ("goproxy.cn", "goproxy.io", "portal.example")}
    try:
        yield served
    finally:
        for proxy in served.values():
            proxy.close()


@pytest.fixture
def resolver(proxies: dict[str, FakeGoProxy]) -> Iterator[FakeResolver]:
    for proxy in proxies.values():
        proxy.request_log.clear()
    names = {name: proxies[name].host for name in ("goproxy.cn", "goproxy.io")}
    try:
        started = FakeResolver(names, options=FAST).start()
    except NamespaceUnavailable as exc:
        skip_or_fail(exc)
    with started:
        yield started


def tidy(go: GoRunner, resolver: FakeResolver, sep: str = ",", **env: str) -> GoResult:
    project = go.project(requires={LIB: VERSION})
    return project.tidy(
        env={"GOPROXY": f"https://goproxy.cn{sep}https://goproxy.io", "GOSUMDB": "off", **env},
        resolver=resolver,
        timeout=60,
    )


def test_go_asks_the_fake_resolver_and_dials_the_named_proxy(
    go: GoRunner, resolver: FakeResolver, proxies: dict[str, FakeGoProxy]
) -> None:
    result = tidy(go, resolver, GODEBUG="netdns=go+2").assert_ok()
    asked = {(q.type, q.transport, q.rcode) for q in resolver.asked("goproxy.cn")}
    assert asked == {("A", "udp", "NOERROR"), ("AAAA", "udp", "NOERROR")}
    assert resolver.asked("goproxy.io") == []  # the backup was never needed
    assert proxies["goproxy.cn"].request_log  # go reached it by name, over TLS, itself
    assert not proxies["goproxy.io"].request_log
    result.assert_no_escapes()  # nothing went to the guard
    # the resolver trace names the conversation the resolver logged
    assert "go package net: using the Go DNS resolver" in result.resolver_trace
    assert "go package net: hostLookupOrder(goproxy.cn) = files,dns" in result.resolver_trace


def test_use_vc_asks_over_tcp(go: GoRunner, proxies: dict[str, FakeGoProxy]) -> None:
    names = {"goproxy.cn": proxies["goproxy.cn"].host}
    with FakeResolver(names, options=(*FAST, "use-vc")) as resolver:
        tidy(go, resolver).assert_ok()
        assert {q.transport for q in resolver.asked("goproxy.cn")} == {"tcp"}


def test_without_the_resolver_the_name_goes_to_the_guard(go: GoRunner) -> None:
    """The control: goproxy.cn is not in NO_PROXY, so go hands it to the guard, which refuses
    it and records the escape: only the resolver option makes go look the name up."""
    result = go.project(requires={LIB: VERSION}).tidy(
        env={"GOPROXY": "https://goproxy.cn", "GOSUMDB": "off"}
    )
    assert not result.ok
    assert result.refused_by_guard
    assert {e.host for e in result.escapes} == {"goproxy.cn"}


def lookup(resolver: FakeResolver, then: str) -> str:
    return rf"dial tcp: lookup goproxy\.cn on {re.escape(resolver.address)}:53: {then}"


def read_timeout(resolver: FakeResolver, transport: str = "udp") -> str:
    address = re.escape(resolver.address)
    return lookup(resolver, rf"read {transport} 127\.0\.0\.1:\d+->{address}:53: i/o timeout")


#: go's text under ``,``, a pattern made from the resolver and the fault's handle
Text = Callable[[FakeResolver, ResolverFaultHandle], str]
#: fault -> its parameters, the failure and go's text under ``,``
CASES: dict[str, tuple[dict[str, Any], Failure, Text]] = {
    "dns_nxdomain": ({}, Failure.DNS, lambda r, h: lookup(r, "no such host")),
    "dns_servfail": ({}, Failure.DNS, lambda r, h: lookup(r, "server misbehaving")),
    "dns_refused": ({}, Failure.DNS, lambda r, h: lookup(r, "server misbehaving")),
    "dns_timeout": ({}, Failure.DNS, lambda r, h: read_timeout(r)),
    "dns_slow": ({"ms": 1500}, Failure.DNS, lambda r, h: read_timeout(r)),
    "dns_hijack": (
        {},
        Failure.REFUSED,
        lambda r, h: rf"dial tcp {re.escape(str(h.target))}:443: connect: connection refused",
    ),
    "dns_aaaa_only": (
        {},
        Failure.REFUSED,
        lambda r, h: r"dial tcp \[::1\]:443: connect: connection refused",
    ),
}


@pytest.mark.parametrize("fault", list(CASES))
def test_comma_stops_at_the_resolver_fault(
    go: GoRunner, resolver: FakeResolver, proxies: dict[str, FakeGoProxy], fault: str
) -> None:
    params, failure, text = CASES[fault]
    handle = resolver.inject("goproxy.cn", fault, **params)
    result = tidy(go, resolver, ",")
    result.assert_failure(failure)
    expected = text(resolver, handle)
    assert re.search(
        r'Get "https://goproxy\.cn/example\.test/lib/@v/v1\.2\.0\.(?:zip|mod|info)": ' + expected,
        result.stderr,
    ), result.stderr
    if failure is Failure.DNS:
        assert result.host == "goproxy.cn"
    assert {q.fault for q in resolver.asked("goproxy.cn")} == {fault}
    assert not proxies["goproxy.cn"].request_log  # go never reached the real one
    assert not proxies["goproxy.io"].request_log  # `,` does not fall back on this error
    assert resolver.asked("goproxy.io") == []
    print(f"{fault} ',': {result.duration:.2f} s: {result.stderr.strip().splitlines()[-1]}")


@pytest.mark.parametrize("fault", list(CASES))
def test_pipe_falls_back_from_the_resolver_fault(
    go: GoRunner, resolver: FakeResolver, proxies: dict[str, FakeGoProxy], fault: str
) -> None:
    params, _, _ = CASES[fault]
    resolver.inject("goproxy.cn", fault, **params)
    result = tidy(go, resolver, "|").assert_ok()
    assert proxies["goproxy.io"].request_log  # the backup served the module
    assert not proxies["goproxy.cn"].request_log
    assert resolver.asked("goproxy.io")
    assert {q.fault for q in resolver.asked("goproxy.cn")} == {fault}
    print(f"{fault} '|': {result.duration:.2f} s")


def test_a_slow_answer_within_the_timeout_only_slows_go(
    go: GoRunner, resolver: FakeResolver, proxies: dict[str, FakeGoProxy]
) -> None:
    resolver.inject("goproxy.cn", "dns_slow", ms=200)
    tidy(go, resolver, ",").assert_ok()
    assert {q.rcode for q in resolver.asked("goproxy.cn")} == {"NOERROR"}
    assert proxies["goproxy.cn"].request_log


def test_a_hijack_to_a_portal_meets_its_certificate(
    go: GoRunner, resolver: FakeResolver, proxies: dict[str, FakeGoProxy]
) -> None:
    portal = proxies["portal.example"]
    resolver.inject("goproxy.cn", "dns_hijack", to=portal.host)
    result = tidy(go, resolver, ",")
    result.assert_failure(Failure.TLS)
    assert result.tls_problem is TLSProblem.WRONG_HOST
    assert (
        "tls: failed to verify certificate: x509: certificate is valid for portal.example, "
        "not goproxy.cn"
    ) in result.stderr
    assert not portal.request_log  # the handshake failed: no request was sent
    tidy(go, resolver, "|").assert_ok()


def test_a_timeout_over_tcp(go: GoRunner, proxies: dict[str, FakeGoProxy]) -> None:
    names = {"goproxy.cn": proxies["goproxy.cn"].host}
    with FakeResolver(names, options=(*FAST, "use-vc")) as resolver:
        resolver.inject("goproxy.cn", "dns_timeout")
        result = tidy(go, resolver, ",")
        result.assert_failure(Failure.DNS)
        assert re.search(read_timeout(resolver, "tcp"), result.stderr), result.stderr


def test_a_run_that_hangs_on_the_resolver_is_ended_whole(
    go: GoRunner, proxies: dict[str, FakeGoProxy]
) -> None:
    """go's default lookup of a silent resolver (10 s) outlasts the run's deadline: the
    namespace's process group is killed, nothing is left running."""
    names = {"goproxy.cn": proxies["goproxy.cn"].host}
    with FakeResolver(names) as resolver:
        resolver.inject("goproxy.cn", "dns_timeout")
        result = go.project(requires={LIB: VERSION}).tidy(
            env={"GOPROXY": "https://goproxy.cn", "GOSUMDB": "off"},
            resolver=resolver,
            timeout=2,
        )
    assert result.hung
    assert not group_alive(result.pid)
    assert resolver.asked("goproxy.cn")


@pytest.mark.parametrize(
    ("loopback", "errno_text"),
    [
        # no IPv6 address at all (nothing is up): no source address for the SYN
        ("down", "cannot assign requested address"),
        # IPv6 on loopback, no route to the address (an IPv4-only host)
        ("up", "network is unreachable"),
    ],
)
def test_an_ipv6_only_name_on_a_host_without_an_ipv6_route(
    go: GoRunner,
    tmp_path: Path,
    proxies: dict[str, FakeGoProxy],
    loopback: str,
    errno_text: str,
) -> None:
    """What dns_aaaa_only stands for on a real host: go in a network namespace of its own (only
    its own loopback, so nothing can leave it), goproxy.cn only an IPv6 address in its hosts
    file. go fails at once, classified REFUSED; dns_aaaa_only keeps to loopback and meets
    ``[::1]:443: connect: connection refused`` instead."""
    if loopback == "up" and shutil.which("ip") is None:
        skip_or_fail("`ip` (iproute2) is needed to bring the namespace's loopback up")
    etc = ns.write_namespace_files(tmp_path / "etc", StubResolver())
    hosts = tmp_path / "etc" / "hosts-v6"
    hosts.write_text("127.0.0.1\tlocalhost\n2001:db8::1\tgoproxy.cn\n")
    files = ns.NamespaceFiles(etc.resolv_conf, hosts, etc.nsswitch)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path / "home"),
        "GOENV": "off",
        "GOPATH": str(tmp_path / "gopath"),
        "GOMODCACHE": str(tmp_path / "modcache"),
        "GOCACHE": str(go.build_cache),
        "GOFLAGS": "-modcacherw",
        "GOTOOLCHAIN": "local",
        "GOPROXY": "https://goproxy.cn",
        "GOSUMDB": "off",
        "GODEBUG": "netdns=go+2",
    }
    argv = [str(go.binary.path), "mod", "download", f"{LIB}@{VERSION}"]
    if loopback == "up":
        argv = ["sh", "-c", 'ip link set lo up && exec "$@"', "sh", *argv]
    outcome = run_process(
        ns.namespace_argv(argv, files, network=True), cwd=tmp_path, env=env, timeout=30
    )
    assert outcome.returncode == 1
    said = (
        f'go: {LIB}@{VERSION}: Get "https://goproxy.cn/{LIB}/@v/{VERSION}.info": '
        f"dial tcp [2001:db8::1]:443: connect: {errno_text}"
    )
    assert said in outcome.stderr, outcome.stderr
    assert "hostLookupOrder(goproxy.cn) = files,dns" in outcome.stderr  # from our hosts file
    assert classify(outcome.stderr).failure is Failure.REFUSED
    remove_tree(tmp_path / "modcache")


@dataclass
class StubResolver:
    """Only what the namespace's files need (nothing asks it: the hosts file answers)."""

    address: str = "127.0.0.1"
    names: tuple[str, ...] = ()
    options: tuple[str, ...] = ()


def test_a_cancel_ends_a_run_waiting_on_the_resolver(
    go: GoRunner, proxies: dict[str, FakeGoProxy]
) -> None:
    """Ctrl-C of a matrix (a cancelled token) while go waits for a silent resolver: the
    namespace's process group is killed at once and nothing of it is left."""
    names = {"goproxy.cn": proxies["goproxy.cn"].host}
    token, watch = Cancel(), GroupWatch()
    seen: list[int] = []

    def cancel_once_asked() -> None:
        deadline = time.monotonic() + 30
        while not silent.questions and time.monotonic() < deadline:
            time.sleep(0.01)
        seen.extend(watch.groups())
        token.cancel()

    silent = FakeResolver(names)  # go's defaults: 10 s before it gives up
    with silent:
        silent.inject("goproxy.cn", "dns_timeout")
        canceller = threading.Thread(target=cancel_once_asked, daemon=True)
        canceller.start()
        project = go.project(requires={LIB: VERSION})
        with watching_groups(watch), cancelling(token), pytest.raises(Cancelled):
            project.tidy(
                env={"GOPROXY": "https://goproxy.cn", "GOSUMDB": "off"},
                resolver=silent,
                timeout=60,
            )
        canceller.join(5)
        asked = [q.type for q in silent.questions]
    # go asks A and AAAA again after 5 s (attempts:2): a go that outlived the cancel would have
    assert sorted(set(asked)) == sorted(asked), asked
    assert len(seen) == 1  # go, in its namespace, was running when the cancel came
    assert not group_alive(seen[0])
    assert watch.groups() == ()

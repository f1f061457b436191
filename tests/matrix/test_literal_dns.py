"""Resolver faults on your own line's hosts (issue 27): a fake resolver answers go's own
resolver for the faulted name, in a private mount namespace, and go's real DNS errors follow
(``dial tcp: lookup goproxy.cn on 127.x.y.z:53: server misbehaving``: the address is the fake
resolver's, so go asked it). A ``,`` line stops at them; a ``|`` line falls back."""

from __future__ import annotations

import pytest

from pytest_goproxy import Toxiproxy, run_matrix
from pytest_goproxy.gorun import namespace

pytestmark = pytest.mark.network_faults

COMMA = "GOPROXY=https://goproxy.cn,https://goproxy.io,direct"
PIPE = "GOPROXY=https://goproxy.cn|https://goproxy.io"


def test_resolver_faults_on_a_named_host_stop_a_comma_line_and_not_a_pipe_line(
    toxiproxy: Toxiproxy,
) -> None:
    reason = namespace.namespace_unavailable()
    if reason is not None:  # this machine cannot; the next test shows what a user sees then
        pytest.fail(f"go cannot run with a fake resolver on this machine: {reason}")
    faults = ["dns_servfail", "dns_nxdomain", "dns_hijack", "dns_servfail@goproxy.io"]
    # private="": with the bundled example's private module withheld (410 Gone), a `,` line
    # moves on to goproxy.io for it, and a fault there would then count too
    cells = run_matrix(
        None, faults, [], envs=[COMMA, PIPE], toxiproxy=toxiproxy, timeout=30, private=""
    )
    got = {(c.fault, c.config): c for c in cells}
    servfail = got["dns_servfail", COMMA]
    assert (servfail.verdict, servfail.failure) == ("failed", "DNS")
    assert servfail.error is not None
    assert "dial tcp: lookup goproxy.cn on 127." in servfail.error
    assert servfail.error.endswith(":53: server misbehaving")
    nxdomain = got["dns_nxdomain", COMMA]
    assert (nxdomain.verdict, nxdomain.failure) == ("failed", "DNS")
    assert nxdomain.error is not None and nxdomain.error.endswith(":53: no such host")
    hijack = got["dns_hijack", COMMA]  # the name points elsewhere: nothing listens there
    assert (hijack.verdict, hijack.failure) == ("failed", "REFUSED")
    assert hijack.error is not None and ":443: connect: connection refused" in hijack.error
    # the second mirror is not asked while the first works
    assert got["dns_servfail@goproxy.io", COMMA].verdict == "recovered"
    for fault in faults:
        assert got[fault, PIPE].verdict == "recovered", got[fault, PIPE].error


def test_a_resolver_fault_on_a_host_without_a_name_is_unavailable_with_the_way_out(
    toxiproxy: Toxiproxy,
) -> None:
    [cell] = run_matrix(None, ["dns_servfail"], ["comma_direct"], toxiproxy=toxiproxy)
    assert cell.verdict == "unavailable"
    assert "a resolver fault is played on a host name" in (cell.error or "")
    assert "--faults dns_servfail@goproxy.cn" in (cell.error or "")


def test_where_go_cannot_meet_a_resolver_the_cell_is_unavailable_with_the_reason(
    toxiproxy: Toxiproxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        namespace, "namespace_unavailable", lambda: "unprivileged user namespaces are denied"
    )
    [cell] = run_matrix(None, ["dns_servfail"], [], envs=[COMMA], toxiproxy=toxiproxy)
    assert cell.verdict == "unavailable"
    assert "unprivileged user namespaces are denied" in (cell.error or "")

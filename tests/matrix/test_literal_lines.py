"""Your own GOPROXY line, literally (issue 27): the seed lines users post, each a column served
under its real host names, give the verdicts of their catalogue twins on the same faults, and
go's errors name the user's hosts.

Through the run's network guard, go meets a named host as through a forward proxy: a refused or
unresolvable host is the guard's 502 or 503 to ``CONNECT`` (``Get "https://goproxy.cn/...": Bad
Gateway``), classified HTTP_STATUS with the cause, where the twin's loopback URL reads
``connection refused``. The verdict, what a user asks about, is the same: that is the test.
"""

from __future__ import annotations

import pytest

from pytest_goproxy import Toxiproxy, run_matrix

pytestmark = pytest.mark.network_faults

#: The seed lines and the catalogue configuration each one is the shape of.
TWINS = {
    "GOPROXY=https://goproxy.cn,direct": "comma_direct",
    "GOPROXY=https://goproxy.cn,https://goproxy.io,direct": "blog_cn_io_direct",
    "GOPROXY=https://proxy.golang.org,direct GOPRIVATE=corp.example": "goprivate_direct",
}
FAULTS = ["none", "refused", "dns", "reset", "status", "cut_body", "rst_stream"]


def test_seed_lines_give_their_twins_verdicts(toxiproxy: Toxiproxy) -> None:
    cells = run_matrix(
        None,
        FAULTS,
        list(TWINS.values()),
        envs=list(TWINS),
        jobs=2,
        timeout=30,
        toxiproxy=toxiproxy,
        tls=True,  # the twins over HTTPS too, as every named host is
    )
    verdicts = {(c.fault, c.config): c.verdict for c in cells}
    differences = {
        (fault, line): (verdicts[fault, line], verdicts[fault, twin])
        for line, twin in TWINS.items()
        for fault in FAULTS
        if verdicts[fault, line] != verdicts[fault, twin]
    }
    assert not differences, differences
    assert {c.verdict for c in cells} >= {"recovered", "failed"}
    by_cell = {(c.fault, c.config): c for c in cells}
    refused = by_cell["refused", "GOPROXY=https://goproxy.cn,https://goproxy.io,direct"]
    assert refused.error is not None and 'Get "https://goproxy.cn/' in refused.error
    status = by_cell["status", "GOPROXY=https://proxy.golang.org,direct GOPRIVATE=corp.example"]
    assert status.error is not None and "reading https://proxy.golang.org/" in status.error


def test_a_fault_goes_on_the_host_it_names(toxiproxy: Toxiproxy) -> None:
    line = "GOPROXY=https://goproxy.cn,https://goproxy.io,direct"
    piped = "GOPROXY=https://goproxy.cn|https://goproxy.io"
    cells = run_matrix(
        None,
        ["refused@goproxy.io", "status@goproxy.cn", "refused@goproxy.cn"],
        [],
        envs=[line, piped],
        toxiproxy=toxiproxy,
        timeout=30,
        private="",
    )
    got = {(c.fault, c.config): (c.verdict, c.failure) for c in cells}
    # the second mirror is never asked while the first answers: its outage changes nothing
    assert got["refused@goproxy.io", line] == ("recovered", None)
    assert got["status@goproxy.cn", line] == ("failed", "HTTP_STATUS")
    assert got["status@goproxy.cn", piped] == ("recovered", None)  # `|` falls back on it
    assert got["refused@goproxy.cn", piped] == ("recovered", None)
    assert got["refused@goproxy.io", piped] == ("recovered", None)


def test_a_host_the_line_does_not_serve_is_unavailable_with_the_hosts_it_has(
    toxiproxy: Toxiproxy,
) -> None:
    [cell] = run_matrix(
        None,
        ["refused@goproxy.io"],
        [],
        envs=["GOPROXY=https://goproxy.cn,direct"],
        toxiproxy=toxiproxy,
        timeout=30,
    )
    assert cell.verdict == "unavailable"
    assert "goproxy.cn, sum.golang.org, origin" in (cell.error or "")

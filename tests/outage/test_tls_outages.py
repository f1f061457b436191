"""TLS outages through the engine, with real go and real toxiproxy: the intercepting firewall
and the configurations people reach for (issue 15)."""

from __future__ import annotations

import pytest

from pytest_goproxy import Toxiproxy
from pytest_goproxy.matrix.runner import MatrixProject, run_matrix
from pytest_goproxy.outage.endpoints import EndpointPlan
from pytest_goproxy.outage.engine import Outage, OutageEngine
from pytest_goproxy.outage.faults import bind_fault
from pytest_goproxy.scenarios import BUNDLED

EXAMPLE = MatrixProject.of(BUNDLED / "project", BUNDLED / "modules")


@pytest.fixture(scope="module")
def firewall_cells(toxiproxy: Toxiproxy) -> dict[str, tuple[str, str | None, str | None]]:
    cells = run_matrix(
        EXAMPLE,
        ["none", "intercepted"],
        ["single", "corporate_ca", "goinsecure", "pipe_backup"],
        jobs=2,
        timeout=30,
        toxiproxy=toxiproxy,
        tls=True,
    )
    return {f"{c.fault} x {c.config}": (c.verdict, c.failure, c.error) for c in cells}


def test_every_configuration_works_over_https_without_a_fault(
    firewall_cells: dict[str, tuple[str, str | None, str | None]],
) -> None:
    for name, (verdict, _failure, error) in firewall_cells.items():
        if name.startswith("none x"):
            assert verdict == "recovered", (name, error)


def test_an_intercepting_firewall_fails_go_with_unknown_authority(
    firewall_cells: dict[str, tuple[str, str | None, str | None]],
) -> None:
    verdict, failure, error = firewall_cells["intercepted x single"]
    assert (verdict, failure) == ("failed", "TLS")
    assert error is not None and "x509: certificate signed by unknown authority" in error


def test_trusting_the_firewalls_ca_gets_through_it(
    firewall_cells: dict[str, tuple[str, str | None, str | None]],
) -> None:
    assert firewall_cells["intercepted x corporate_ca"][0] == "recovered"


def test_goinsecure_does_not_apply_to_a_proxy(
    firewall_cells: dict[str, tuple[str, str | None, str | None]],
) -> None:
    verdict, failure, error = firewall_cells["intercepted x goinsecure"]
    assert (verdict, failure) == ("failed", "TLS"), error


def test_a_pipe_list_falls_back_past_a_tls_failure(
    firewall_cells: dict[str, tuple[str, str | None, str | None]],
) -> None:
    assert firewall_cells["intercepted x pipe_backup"][0] == "recovered"


@pytest.mark.parametrize("goinsecure", [False, True], ids=["plain", "goinsecure"])
def test_a_checksum_database_behind_the_firewall(toxiproxy: Toxiproxy, goinsecure: bool) -> None:
    """go asks the database directly (GOSUMDB="<key> <url>"), through the interceptor: the
    lookup fails with the TLS cause, and GOINSECURE does not turn the lookup off. (A project
    without go.sum: go asks the database only about modules go.sum does not vouch for.)"""
    env = {"GOPROXY": "{primary}", "GOSUMDB": "{sumdb}"}
    if goinsecure:
        env["GOINSECURE"] = "{private}"
    outage = Outage(
        "intercepted",
        "direct_sumdb",
        (
            EndpointPlan("primary", "proxy", (), tls=True),
            EndpointPlan("sumdb", "sumdb", (bind_fault("intercepted"),), tls=True),
        ),
        env,
        timeout=30,
    )
    with OutageEngine(toxiproxy=toxiproxy) as engine:
        outcome = engine.run(outage, EXAMPLE.modules)
    assert outcome.result is not None
    assert outcome.cell.verdict == "failed", outcome.cell
    assert "verifying" in outcome.result.stderr
    assert "x509: certificate signed by unknown authority" in outcome.result.stderr

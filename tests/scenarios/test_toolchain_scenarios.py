"""The bundled toolchain scenarios (issue 25), one per report users quote, with real go.

test_bundled.py runs them as it runs every bundled scenario (the verdict and failure class the
file expects); here each is also held to the line users quote, the toolchain named and the
cause, and to a control: the same scenario without its fault switches and recovers, so the
failure is the fault's and not the switch's.
"""

from __future__ import annotations

import dataclasses

import pytest

from pytest_goproxy import GoRunner
from pytest_goproxy.gorun import Failure
from pytest_goproxy.scenarios import BUNDLED, ScenarioRunner, load_scenario
from pytest_goproxy.scenarios.format import Expect

#: scenario -> (the cause under TOOLCHAIN, a piece of the line go printed)
QUOTED = {
    "toolchain_504_gateway_timeout": (Failure.HTTP_STATUS, ".zip: 504 Gateway Timeout"),
    "toolchain_gosumdb_off": (
        Failure.SUMDB,
        "verifying module: checksum database disabled by GOSUMDB=off",
    ),
    "toolchain_not_available": (Failure.NOT_FOUND, ": toolchain not available"),
    "toolchain_direct_unreachable": (Failure.NOT_FOUND, ": toolchain not available"),
}


@pytest.mark.parametrize("name", sorted(QUOTED))
def test_the_quoted_line(name: str, go: GoRunner) -> None:
    cause, quoted = QUOTED[name]
    with ScenarioRunner(runner=go) as runner:
        ran = runner.run(BUNDLED / f"{name}.toml")
    assert ran.passed, ran.describe()
    assert ran.result is not None and ran.result.classification is not None
    assert ran.result.classification.toolchain == "go1.99.0"
    assert ran.result.cause is cause, ran.result.describe()
    assert quoted in (ran.result.classification.line or ""), ran.result.describe()
    assert ran.result.toolchain_download == "go1.99.0"


def test_go_direct_tried_golang_org(go: GoRunner) -> None:
    """'toolchain not available' with GOPROXY=direct hides a refused connection: the run's
    escapes show go going for golang.org, which the network guard refused."""
    with ScenarioRunner(runner=go) as runner:
        ran = runner.run(BUNDLED / "toolchain_direct_unreachable.toml")
    assert ran.result is not None
    assert [(e.host, e.port) for e in ran.result.escapes] == [("golang.org", 443)]


@pytest.mark.parametrize("name", ["toolchain_504_gateway_timeout", "toolchain_not_available"])
def test_without_the_fault_the_switch_recovers(name: str, go: GoRunner) -> None:
    scenario = load_scenario(BUNDLED / f"{name}.toml")
    plans = {n: dataclasses.replace(p, faults=()) for n, p in scenario.endpoints.items()}
    control = dataclasses.replace(scenario, endpoints=plans, expect=Expect("recovered"))
    with ScenarioRunner(runner=go) as runner:
        ran = runner.run(control)
    assert ran.passed, ran.describe()
    assert ran.result is not None and ran.result.switched_to == "go1.99.0"


def test_comma_direct_takes_the_toolchain_from_go_dev(go: GoRunner) -> None:
    with ScenarioRunner(runner=go) as runner:
        ran = runner.run(BUNDLED / "toolchain_direct_from_go_dev.toml")
    assert ran.passed, ran.describe()
    assert ran.result is not None and ran.result.switched_to == "go1.99.0"
    assert {"golang.org", "go.dev"} <= {r.host for r in ran.result.routed}

"""Scenario files: a reported outage as a TOML file (:mod:`.format`), run with real go and real
toxiproxy (:mod:`.runner`), as tests (:mod:`.plugin`); the bundled library is ``outages/``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_goproxy.exports import lazy_exports

if TYPE_CHECKING:
    from pytest_goproxy.scenarios.format import BUNDLED as BUNDLED
    from pytest_goproxy.scenarios.format import VERDICTS as VERDICTS
    from pytest_goproxy.scenarios.format import EndpointSpec as EndpointSpec
    from pytest_goproxy.scenarios.format import Expect as Expect
    from pytest_goproxy.scenarios.format import FaultSpec as FaultSpec
    from pytest_goproxy.scenarios.format import Scenario as Scenario
    from pytest_goproxy.scenarios.format import bundled_scenarios as bundled_scenarios
    from pytest_goproxy.scenarios.format import find_scenarios as find_scenarios
    from pytest_goproxy.scenarios.format import load_scenario as load_scenario
    from pytest_goproxy.scenarios.format import parse_scenario as parse_scenario
    from pytest_goproxy.scenarios.runner import ScenarioResult as ScenarioResult
    from pytest_goproxy.scenarios.runner import ScenarioRunner as ScenarioRunner
    from pytest_goproxy.scenarios.runner import results_table as results_table
    from pytest_goproxy.scenarios.runner import run_files as run_files

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "format": (
            "BUNDLED",
            "VERDICTS",
            "EndpointSpec",
            "Expect",
            "FaultSpec",
            "Scenario",
            "bundled_scenarios",
            "find_scenarios",
            "load_scenario",
            "parse_scenario",
        ),
        "runner": ("ScenarioResult", "ScenarioRunner", "results_table", "run_files"),
    },
)

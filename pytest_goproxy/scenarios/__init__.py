"""Scenario files: a reported outage as a TOML file (:mod:`.format`), run with real go and real
toxiproxy (:mod:`.runner`), as tests (:mod:`.plugin`); the bundled library is ``outages/``."""

from pytest_goproxy.scenarios.format import (
    BUNDLED,
    VERDICTS,
    EndpointSpec,
    Expect,
    FaultSpec,
    Scenario,
    bundled_scenarios,
    find_scenarios,
    load_scenario,
    parse_scenario,
)
from pytest_goproxy.scenarios.runner import (
    ScenarioResult,
    ScenarioRunner,
    results_table,
    run_files,
)

__all__ = [
    "BUNDLED",
    "VERDICTS",
    "EndpointSpec",
    "Expect",
    "FaultSpec",
    "Scenario",
    "ScenarioResult",
    "ScenarioRunner",
    "bundled_scenarios",
    "find_scenarios",
    "load_scenario",
    "parse_scenario",
    "results_table",
    "run_files",
]

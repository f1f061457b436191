"""The probe: observe the user's proxies step by step (:mod:`.observe`), predict what go does,
and write a reproducing scenario file (:mod:`.scenario`)."""

from pytest_goproxy.gomod.goenv import ProxyEntry, parse_goproxy
from pytest_goproxy.probe.observe import (
    DEFAULT_MODULE,
    GO_ENV_KEYS,
    Observation,
    Prediction,
    ProbeReport,
    SumDBConfig,
    explanation,
    parse_gosumdb,
    predict,
    probe,
    probe_url,
    report_table,
)
from pytest_goproxy.probe.scenario import scenario_toml, write_scenario

__all__ = [
    "DEFAULT_MODULE",
    "GO_ENV_KEYS",
    "Observation",
    "Prediction",
    "ProbeReport",
    "ProxyEntry",
    "SumDBConfig",
    "explanation",
    "parse_goproxy",
    "parse_gosumdb",
    "predict",
    "probe",
    "probe_url",
    "report_table",
    "scenario_toml",
    "write_scenario",
]

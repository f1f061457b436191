"""The public names of :mod:`pytest_goproxy.probe`, each written once; the
``__init__.py`` beside this stub loads them lazily (see :mod:`pytest_goproxy.exports`)."""

from pytest_goproxy.gomod.goenv import ProxyEntry as ProxyEntry
from pytest_goproxy.gomod.goenv import parse_goproxy as parse_goproxy
from pytest_goproxy.probe.observe import DEFAULT_MODULE as DEFAULT_MODULE
from pytest_goproxy.probe.observe import GO_ENV_KEYS as GO_ENV_KEYS
from pytest_goproxy.probe.observe import Observation as Observation
from pytest_goproxy.probe.observe import Prediction as Prediction
from pytest_goproxy.probe.observe import ProbeReport as ProbeReport
from pytest_goproxy.probe.observe import SumDBConfig as SumDBConfig
from pytest_goproxy.probe.observe import explanation as explanation
from pytest_goproxy.probe.observe import parse_gosumdb as parse_gosumdb
from pytest_goproxy.probe.observe import predict as predict
from pytest_goproxy.probe.observe import probe as probe
from pytest_goproxy.probe.observe import probe_url as probe_url
from pytest_goproxy.probe.observe import report_table as report_table
from pytest_goproxy.probe.scenario import scenario_toml as scenario_toml
from pytest_goproxy.probe.scenario import write_scenario as write_scenario

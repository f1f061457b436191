"""The public names of :mod:`pytest_goproxy.scenarios`, each written once; the
``__init__.py`` beside this stub loads them lazily (see :mod:`pytest_goproxy.exports`)."""

from pytest_goproxy.scenarios.format import BUNDLED as BUNDLED
from pytest_goproxy.scenarios.format import VERDICTS as VERDICTS
from pytest_goproxy.scenarios.format import Expect as Expect
from pytest_goproxy.scenarios.format import Scenario as Scenario
from pytest_goproxy.scenarios.format import bundled_scenarios as bundled_scenarios
from pytest_goproxy.scenarios.format import find_scenarios as find_scenarios
from pytest_goproxy.scenarios.format import load_scenario as load_scenario
from pytest_goproxy.scenarios.format import parse_scenario as parse_scenario
from pytest_goproxy.scenarios.runner import ScenarioResult as ScenarioResult
from pytest_goproxy.scenarios.runner import ScenarioRunner as ScenarioRunner
from pytest_goproxy.scenarios.runner import results_table as results_table

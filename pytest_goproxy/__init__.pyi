"""The public API of pytest-goproxy, each name written once.

mypy and IDEs read this stub; :func:`pytest_goproxy.exports.stub_exports` loads the same names
lazily at run time; README's "Public API" table is generated from its groups. Everything else is
in a sub-package (``pytest_goproxy.report``, ``.outage``, ``.record``, ``.probe``, ...).
"""

# ruff: noqa: I001  (grouped by what a user meets, not sorted: the README table follows this order)

__version__: str

# -- the fixtures' classes --
from pytest_goproxy.proxy.server import FakeGoProxy as FakeGoProxy
from pytest_goproxy.sumdb.server import ChecksumDB as ChecksumDB
from pytest_goproxy.origin.server import FakeOrigin as FakeOrigin
from pytest_goproxy.gorun.runner import GoRunner as GoRunner
from pytest_goproxy.gorun.project import GoProject as GoProject
from pytest_goproxy.gorun.result import GoResult as GoResult
from pytest_goproxy.gorun.binary import GoBinary as GoBinary
from pytest_goproxy.network.session import Toxiproxy as Toxiproxy
from pytest_goproxy.network.endpoint import Network as Network
from pytest_goproxy.network.endpoint import Endpoint as Endpoint
from pytest_goproxy.outage.cell import Cell as Cell

# -- what went wrong in a go run --
from pytest_goproxy.gorun.failure import Failure as Failure

# -- the catalogue look-ups --
from pytest_goproxy.configs import get_config as get_config
from pytest_goproxy.network.faults import get_fault as get_fault
from pytest_goproxy.httpfaults.catalogue import get_http_fault as get_http_fault

# -- the matrix and scenario files --
from pytest_goproxy.matrix.runner import run_matrix as run_matrix
from pytest_goproxy.matrix.runner import MatrixProject as MatrixProject
from pytest_goproxy.scenarios.format import Scenario as Scenario

# -- the errors (pytest_goproxy.errors draws the hierarchy) --
from pytest_goproxy.errors import GoProxyError as GoProxyError
from pytest_goproxy.errors import ModuleError as ModuleError
from pytest_goproxy.errors import InvalidModuleError as InvalidModuleError
from pytest_goproxy.errors import ModuleSourceError as ModuleSourceError
from pytest_goproxy.errors import RecordError as RecordError
from pytest_goproxy.errors import ModuleZipError as ModuleZipError
from pytest_goproxy.errors import UsageError as UsageError
from pytest_goproxy.errors import FaultError as FaultError
from pytest_goproxy.errors import ConfigError as ConfigError
from pytest_goproxy.errors import ScenarioError as ScenarioError
from pytest_goproxy.errors import ReportFormatError as ReportFormatError
from pytest_goproxy.errors import ProbeError as ProbeError
from pytest_goproxy.errors import GoProjectError as GoProjectError
from pytest_goproxy.errors import ChecksumDBError as ChecksumDBError
from pytest_goproxy.errors import ToolUnavailable as ToolUnavailable
from pytest_goproxy.errors import GoNotFoundError as GoNotFoundError
from pytest_goproxy.errors import ToxiproxyError as ToxiproxyError
from pytest_goproxy.errors import RelayError as RelayError
from pytest_goproxy.errors import NamespaceUnavailable as NamespaceUnavailable
from pytest_goproxy.errors import ScenarioFailed as ScenarioFailed

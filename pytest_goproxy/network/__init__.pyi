"""The public names of :mod:`pytest_goproxy.network`, each written once; the
``__init__.py`` beside this stub loads them lazily (see :mod:`pytest_goproxy.exports`)."""

from pytest_goproxy.network.client import ProxyInfo as ProxyInfo
from pytest_goproxy.network.client import ToxicInfo as ToxicInfo
from pytest_goproxy.network.client import ToxiproxyClient as ToxiproxyClient
from pytest_goproxy.network.endpoint import Endpoint as Endpoint
from pytest_goproxy.network.endpoint import FaultHandle as FaultHandle
from pytest_goproxy.network.endpoint import Network as Network
from pytest_goproxy.network.faults import FAULTS as FAULTS
from pytest_goproxy.network.faults import Fault as Fault
from pytest_goproxy.network.faults import Param as Param
from pytest_goproxy.network.faults import fault_names as fault_names
from pytest_goproxy.network.faults import fault_table_markdown as fault_table_markdown
from pytest_goproxy.network.faults import get_fault as get_fault
from pytest_goproxy.network.resolver import FakeResolver as FakeResolver
from pytest_goproxy.network.resolver import Question as Question
from pytest_goproxy.network.resolver import ResolverFaultHandle as ResolverFaultHandle
from pytest_goproxy.network.server import TOXIPROXY_VERSION as TOXIPROXY_VERSION
from pytest_goproxy.network.server import ToxiproxyServer as ToxiproxyServer
from pytest_goproxy.network.server import build_toxiproxy as build_toxiproxy
from pytest_goproxy.network.server import find_toxiproxy as find_toxiproxy
from pytest_goproxy.network.server import resolve_toxiproxy as resolve_toxiproxy
from pytest_goproxy.network.session import Toxiproxy as Toxiproxy
from pytest_goproxy.network.session import connect_toxiproxy as connect_toxiproxy
from pytest_goproxy.network.session import start_toxiproxy as start_toxiproxy

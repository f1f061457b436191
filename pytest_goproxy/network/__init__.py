"""A real faulty network: toxiproxy in front of our servers, and the catalogue of faults.

``toxiproxy-python`` is imported by :mod:`pytest_goproxy.network.client` only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_goproxy.exports import lazy_exports

if TYPE_CHECKING:
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
    from pytest_goproxy.network.server import TOXIPROXY_VERSION as TOXIPROXY_VERSION
    from pytest_goproxy.network.server import ToxiproxyServer as ToxiproxyServer
    from pytest_goproxy.network.server import build_toxiproxy as build_toxiproxy
    from pytest_goproxy.network.server import find_toxiproxy as find_toxiproxy
    from pytest_goproxy.network.server import resolve_toxiproxy as resolve_toxiproxy
    from pytest_goproxy.network.session import Toxiproxy as Toxiproxy
    from pytest_goproxy.network.session import connect_toxiproxy as connect_toxiproxy
    from pytest_goproxy.network.session import start_toxiproxy as start_toxiproxy

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "client": ("ProxyInfo", "ToxicInfo", "ToxiproxyClient"),
        "endpoint": ("Endpoint", "FaultHandle", "Network"),
        "faults": ("FAULTS", "Fault", "Param", "fault_names", "fault_table_markdown", "get_fault"),
        "server": (
            "TOXIPROXY_VERSION",
            "ToxiproxyServer",
            "build_toxiproxy",
            "find_toxiproxy",
            "resolve_toxiproxy",
        ),
        "session": ("Toxiproxy", "connect_toxiproxy", "start_toxiproxy"),
    },
)

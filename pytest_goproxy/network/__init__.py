"""A real faulty network: toxiproxy in front of our servers, and the catalogue of faults.

``toxiproxy-python`` is imported by :mod:`pytest_goproxy.network.client` only.
"""

from __future__ import annotations

from pytest_goproxy.network.client import ProxyInfo, ToxicInfo, ToxiproxyClient
from pytest_goproxy.network.endpoint import Endpoint, FaultHandle, Network
from pytest_goproxy.network.faults import (
    FAULTS,
    Fault,
    Param,
    fault_names,
    fault_table_markdown,
    get_fault,
)
from pytest_goproxy.network.server import (
    TOXIPROXY_VERSION,
    ToxiproxyServer,
    build_toxiproxy,
    find_toxiproxy,
    resolve_toxiproxy,
)
from pytest_goproxy.network.session import Toxiproxy, connect_toxiproxy, start_toxiproxy

__all__ = [
    "FAULTS",
    "TOXIPROXY_VERSION",
    "Endpoint",
    "Fault",
    "FaultHandle",
    "Network",
    "Param",
    "ProxyInfo",
    "ToxicInfo",
    "Toxiproxy",
    "ToxiproxyClient",
    "ToxiproxyServer",
    "build_toxiproxy",
    "connect_toxiproxy",
    "fault_names",
    "fault_table_markdown",
    "find_toxiproxy",
    "get_fault",
    "resolve_toxiproxy",
    "start_toxiproxy",
]

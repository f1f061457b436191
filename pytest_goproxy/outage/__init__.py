"""THE outage engine: endpoints, bound faults, procedures and one cell.

Every front end runs outages through this package: the matrix (:mod:`pytest_goproxy.matrix`) is
a loop over :meth:`Outage.cell`, a scenario file (:mod:`pytest_goproxy.scenarios`) is one
:class:`Outage`, and ``serve`` holds :class:`Endpoints` open for a shell. The parts:

* :mod:`.faults`: one lookup over the network and HTTP catalogues, returning a
  :class:`BoundFault` validated once and injected as it is;
* :mod:`.endpoints`: fake proxies and checksum databases, each optionally behind toxiproxy,
  and the placeholder values a configuration renders;
* :mod:`.procedures`: plain, warm cache, retry and relay, with one set of deadline rules;
* :mod:`.engine`: :class:`OutageEngine` runs an :class:`Outage` and returns an :class:`Outcome`
  whose :class:`Cell` the reports read.

Names are imported lazily (PEP 562), so ``pytest_goproxy.outage.cell`` stays cheap for the
reports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_goproxy.outage.cell import Cell
    from pytest_goproxy.outage.endpoints import EndpointPlan, Endpoints, private_pattern
    from pytest_goproxy.outage.engine import (
        DEFAULT_COMMAND,
        Outage,
        OutageEngine,
        Outcome,
        config_endpoints,
    )
    from pytest_goproxy.outage.faults import (
        NO_FAULT,
        BoundFault,
        all_fault_names,
        bind_fault,
        check_fault_names,
    )
    from pytest_goproxy.outage.procedures import PROCEDURES, attempt_limit

_WHERE = {
    "Cell": "cell",
    "EndpointPlan": "endpoints",
    "Endpoints": "endpoints",
    "private_pattern": "endpoints",
    "DEFAULT_COMMAND": "engine",
    "Outage": "engine",
    "OutageEngine": "engine",
    "Outcome": "engine",
    "config_endpoints": "engine",
    "NO_FAULT": "faults",
    "BoundFault": "faults",
    "all_fault_names": "faults",
    "bind_fault": "faults",
    "check_fault_names": "faults",
    "PROCEDURES": "procedures",
    "attempt_limit": "procedures",
}
__all__ = [
    "DEFAULT_COMMAND",
    "NO_FAULT",
    "PROCEDURES",
    "BoundFault",
    "Cell",
    "EndpointPlan",
    "Endpoints",
    "Outage",
    "OutageEngine",
    "Outcome",
    "all_fault_names",
    "attempt_limit",
    "bind_fault",
    "check_fault_names",
    "config_endpoints",
    "private_pattern",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])

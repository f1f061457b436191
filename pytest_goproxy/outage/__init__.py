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

from typing import TYPE_CHECKING

from pytest_goproxy.exports import lazy_exports

if TYPE_CHECKING:
    from pytest_goproxy.outage.cell import Cell as Cell
    from pytest_goproxy.outage.endpoints import EndpointPlan as EndpointPlan
    from pytest_goproxy.outage.endpoints import Endpoints as Endpoints
    from pytest_goproxy.outage.endpoints import private_pattern as private_pattern
    from pytest_goproxy.outage.engine import DEFAULT_COMMAND as DEFAULT_COMMAND
    from pytest_goproxy.outage.engine import Outage as Outage
    from pytest_goproxy.outage.engine import OutageEngine as OutageEngine
    from pytest_goproxy.outage.engine import Outcome as Outcome
    from pytest_goproxy.outage.engine import config_endpoints as config_endpoints
    from pytest_goproxy.outage.faults import NO_FAULT as NO_FAULT
    from pytest_goproxy.outage.faults import BoundFault as BoundFault
    from pytest_goproxy.outage.faults import all_fault_names as all_fault_names
    from pytest_goproxy.outage.faults import bind_fault as bind_fault
    from pytest_goproxy.outage.faults import check_fault_names as check_fault_names
    from pytest_goproxy.outage.procedures import PROCEDURES as PROCEDURES
    from pytest_goproxy.outage.procedures import attempt_limit as attempt_limit

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "cell": ("Cell",),
        "endpoints": ("EndpointPlan", "Endpoints", "private_pattern"),
        "engine": ("DEFAULT_COMMAND", "Outage", "OutageEngine", "Outcome", "config_endpoints"),
        "faults": ("NO_FAULT", "BoundFault", "all_fault_names", "bind_fault", "check_fault_names"),
        "procedures": ("PROCEDURES", "attempt_limit"),
    },
)

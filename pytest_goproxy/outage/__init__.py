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

from pytest_goproxy.exports import stub_exports

__getattr__, __dir__, __all__ = stub_exports(__name__, __file__)

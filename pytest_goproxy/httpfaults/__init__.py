"""HTTP-level faults played by the fake proxy itself: statuses, bad bodies, cut or slow bodies,
redirects and stale version lists, on chosen requests.

toxiproxy (:mod:`pytest_goproxy.network`) works on TCP and cannot answer 502 to one zip, fail the
first two attempts and then succeed, or serve a stale ``@v/list``; those are the outages users see
from CDNs and proxies, so :class:`~pytest_goproxy.proxy.FakeGoProxy` plays them::

    with goproxy.inject("status", code=502, kind="zip", times=2) as fault:
        ...                         # the first two zip downloads get 502, then all is well
    assert fault.hits == 2

The catalogue (:mod:`.catalogue`) shares its vocabulary with the network faults: the same
:class:`~pytest_goproxy.network.faults.Param` entries, validation and generated README table.
"""

from __future__ import annotations

from pytest_goproxy.exports import stub_exports

__getattr__, __dir__, __all__ = stub_exports(__name__, __file__)

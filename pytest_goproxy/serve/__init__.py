"""``pytest-goproxy serve``: the fake proxy, checksum database and toxiproxy for a shell session.

A person reproducing an outage by hand wants the same servers the tests use, running until Ctrl-C,
with faults switched while go runs in another terminal. :class:`OutageServer` starts a
:class:`~pytest_goproxy.proxy.FakeGoProxy` serving a module set (txtar or a recorded snapshot;
default: the bundled one), a :class:`~pytest_goproxy.sumdb.ChecksumDB` attached to it, and a
toxiproxy endpoint in front of the proxy (so network faults work), plus a small control endpoint
on 127.0.0.1 (JSON):

===========================  ======================================================================
``GET /faults``              the active faults: ``[{"id", "name", "layer", "params"}]``
``POST /faults``             body ``{"name": "refused", "params": {...}}``: a network fault
                             (FAULTS) on the endpoint or an HTTP fault (HTTP_FAULTS) played by the
                             proxy; answers 201 with the fault and the env fields below, 400 with
                             the reason
``DELETE /faults``           remove every fault: ``{"removed": n}`` and the env fields
``DELETE /faults/<id>``      remove one fault (404 when there is no such id)
``GET /env``                 ``{"GOPROXY": ..., "GOSUMDB": ...}`` as go must see them now
===========================  ======================================================================

The control endpoint switches what a go command on this machine sees, so only this machine may
use it, browsers included: a web page could otherwise POST a fault to it (a ``text/plain`` form
post needs no CORS preflight) or reach it through a DNS name rebound to 127.0.0.1. So a request
needs a loopback ``Host`` (``localhost``, ``127.x.x.x``, ``[::1]``), may carry no ``Origin`` but
the endpoint's own (nor a cross-site ``Sec-Fetch-Site``), and a ``POST`` must say
``Content-Type: application/json`` (``curl --json '{"name": "refused"}' URL/faults``);
``OPTIONS`` answers with the methods and no CORS grant. Bodies are at most
:data:`MAX_CONTROL_BODY` bytes with a ``Content-Length``, and a whole request must arrive within
:data:`CONTROL_TIMEOUT` seconds (else a 408). Every refusal is a JSON ``{"error": "..."}``
saying what to change, with a 4xx status (but a 505 to a request line naming HTTP/2 or later, as
RFC 9110 says, and a 500 when toxiproxy fails).

The ``dns`` and ``dial_timeout`` faults work by changing the URL go is given (a host under
``.invalid``, a stuck listener's port: see :mod:`pytest_goproxy.network.endpoint`), so a shell
that exported the old GOPROXY keeps reaching the healthy proxy and the fault silently has no
effect. Every change therefore answers with ``"env"`` (the values now) and ``"env_changed"``;
when true, also ``"exports"`` (the ``export`` lines to run again) and a ``"message"`` saying so.
The ``log`` callback gets the same lines, with every fault added or removed and, every
``summary_every`` seconds when there were new requests, a one-line summary of them
(``quiet=True``: only the changed exports). ``serve`` runs for hours, so the proxy and the
database keep only their last :data:`SERVE_LOG_LIMIT` requests; the summary counts every one.

The package: :mod:`~.server` (the servers, :class:`OutageServer`) and :mod:`~.control` (the
control endpoint, on the connection layer :mod:`pytest_goproxy.serving.tcp`).
"""

from __future__ import annotations

from pytest_goproxy.serve.control import CONTROL_TIMEOUT, MAX_CONTROL_BODY
from pytest_goproxy.serve.server import SERVE_LOG_LIMIT, OutageServer, parse_fault_arg

__all__ = [
    "CONTROL_TIMEOUT",
    "MAX_CONTROL_BODY",
    "SERVE_LOG_LIMIT",
    "OutageServer",
    "parse_fault_arg",
]

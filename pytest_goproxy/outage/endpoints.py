"""The servers of one outage: fake proxies and checksum databases, each optionally behind a
toxiproxy endpoint, all serving one module store.

An :class:`EndpointPlan` says what to start (a name, a kind, its bound faults); :class:`Endpoints`
starts them and is the one place that knows how they are wired: every proxy serves every
checksum database (as proxy.golang.org serves sum.golang.org), a server with network faults (or
asked for by ``front``) is reached through toxiproxy, and the placeholder values a configuration
renders come from here. A new kind of endpoint is added in this module and nowhere else.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Literal

from pytest_goproxy.errors import FaultError
from pytest_goproxy.gomod.sources import ModuleSource
from pytest_goproxy.gomod.store import ModuleStore
from pytest_goproxy.httpfaults import HTTPFaultHandle
from pytest_goproxy.lifecycle import Closers, Starting
from pytest_goproxy.network import Endpoint, FaultHandle, Network, Toxiproxy
from pytest_goproxy.outage.faults import BoundFault
from pytest_goproxy.proxy import FakeGoProxy
from pytest_goproxy.serving.tls import corporate_bundle
from pytest_goproxy.sumdb import ChecksumDB

__all__ = ["EndpointKind", "EndpointPlan", "Endpoints", "needs_toxiproxy", "private_pattern"]

EndpointKind = Literal["proxy", "sumdb"]


@dataclass(frozen=True)
class EndpointPlan:
    """One server of an outage: ``kind`` proxy (a FakeGoProxy) or sumdb (a ChecksumDB), the
    faults put on it (network and TLS faults go to a toxiproxy endpoint in front of it), and
    whether it speaks HTTPS (a certificate of the session CA, which go trusts)."""

    name: str
    kind: EndpointKind = "proxy"
    faults: tuple[BoundFault, ...] = ()
    tls: bool = False

    @property
    def network_faults(self) -> tuple[BoundFault, ...]:
        return tuple(f for f in self.faults if f.layer == "network")


def private_pattern(store: ModuleStore) -> str:
    """A GOPRIVATE pattern covering every module in ``store``: their first path elements."""
    return ",".join(sorted({m.split("/", 1)[0] for m in store.modules()}))


def needs_toxiproxy(plans: Iterable[EndpointPlan]) -> bool:
    """Whether any planned fault is a network fault."""
    return any(p.network_faults for p in plans)


class Endpoints(Closers, Starting):
    """The running servers of ``plans`` (started by :meth:`start`, all stopped by ``close()``).

    ``toxiproxy`` is needed when a plan has network faults or ``front`` names an endpoint to
    put behind toxiproxy anyway (``serve`` does, so faults can be switched later)."""

    def __init__(
        self,
        plans: Iterable[EndpointPlan],
        store: ModuleStore,
        *,
        source: ModuleSource | None = None,
        toxiproxy: Toxiproxy | None = None,
        front: Collection[str] = (),
        prefix: str = "outage",
        host: str = "127.0.0.1",
    ) -> None:
        super().__init__()
        self.plans = {p.name: p for p in plans}
        self.store = store
        self.source = source
        self.host = host
        self._toxiproxy = toxiproxy
        self._front = set(front)
        self._prefix = prefix
        self.proxies: dict[str, FakeGoProxy] = {}
        self.sumdbs: dict[str, ChecksumDB] = {}
        self.fronts: dict[str, Endpoint] = {}
        self.net: Network | None = None

    # -- starting ----------------------------------------------------------------------------------

    def _start(self) -> None:
        """Start every server (``start()``: on failure, what was started is stopped again)."""
        for plan in self.plans.values():
            if plan.kind == "proxy":
                proxy = FakeGoProxy(self.store, host=self.host, tls=plan.tls)
                proxy.start()
                self.add(proxy.close)
                self.proxies[plan.name] = proxy
        for plan in self.plans.values():
            if plan.kind == "sumdb":
                self.sumdbs[plan.name] = self._start_sumdb(plan.name, tls=plan.tls)
        fronted = [
            name for name, plan in self.plans.items() if plan.network_faults or name in self._front
        ]
        if fronted:
            if self._toxiproxy is None:
                raise FaultError("network faults need toxiproxy, and none was given")
            self.net = self._toxiproxy.network(
                prefix=f"{self._prefix}-{os.getpid()}-{threading.get_ident()}"
            )
            self.add(self.net.close)
            for name in fronted:
                self.fronts[name] = self.net.front(self.server(name), name=name)

    def _start_sumdb(self, name: str, *, tls: bool = False) -> ChecksumDB:
        """A checksum database logging the modules every proxy serves (and those added later),
        reached through every proxy; a snapshot's go.sum hashes are logged first."""
        # "sumdb" -> sumdb.goproxy.test, the default
        db = ChecksumDB(f"{name}.goproxy.test", host=self.host, tls=tls)
        db.start()
        self.add(db.stop)
        if self.source is not None:
            for module, version, zip_hash, mod_hash in self.source.hash_records(self.store):
                db.add_record(module, version, zip_hash=zip_hash, mod_hash=mod_hash)
        for proxy in self.proxies.values():
            db.attach(proxy)
        return db

    # -- what go is given --------------------------------------------------------------------------

    def server(self, name: str) -> FakeGoProxy | ChecksumDB:
        if name in self.proxies:
            return self.proxies[name]
        return self.sumdbs[name]

    def url(self, name: str) -> str:
        """The URL go is given for endpoint ``name``: its toxiproxy front's when it has one
        (which a ``dns`` or ``dial_timeout`` fault changes), else the server's own."""
        front = self.fronts.get(name)
        return front.url if front is not None else self.server(name).url

    def values(self, private: str | None = None) -> dict[str, str]:
        """The placeholders a configuration or ``[env]`` template renders: ``{<proxy>}`` its
        URL, ``{<sumdb>}`` ``"<key> <url>"``, ``{<sumdb>_key}``, ``{<sumdb>_url}``, and
        ``{private}`` (the modules' first path elements unless given)."""
        values = {
            "private": private or private_pattern(self.store),
            "corporate_ca": str(corporate_bundle()),
        }
        for name in self.proxies:
            values[name] = self.url(name)
        for name, db in self.sumdbs.items():
            url = self.url(name)
            values[name] = f"{db.key} {url}"
            values[f"{name}_key"] = db.key
            values[f"{name}_url"] = url
        return values

    # -- faults ------------------------------------------------------------------------------------

    def inject(self, name: str, fault: BoundFault) -> FaultHandle | HTTPFaultHandle:
        """Put ``fault`` on endpoint ``name`` (HTTP faults are played by proxies only)."""
        proxy = self.proxies.get(name)
        if fault.layer == "http" and proxy is None:
            raise FaultError(
                f"HTTP fault {fault.name!r} is played by a proxy; {name!r} is a checksum database"
            )
        front = self.fronts.get(name)
        if fault.layer == "network" and front is None:
            raise FaultError(
                f"network fault {fault.name!r} needs {name!r} behind toxiproxy (plan it there)"
            )
        return fault.inject(proxy=proxy, front=front)

    def inject_planned(self) -> None:
        """Put every planned fault in place, in plan order."""
        for plan in self.plans.values():
            for fault in plan.faults:
                self.inject(plan.name, fault)

    # -- what happened -----------------------------------------------------------------------------

    def asked(self) -> list[str]:
        """One line per endpoint: how many requests it was asked (and how many were faulted)."""
        lines = []
        for name, proxy in self.proxies.items():
            log = proxy.request_log
            faulted = sum(1 for r in log if r.faulted)  # of those kept (a bounded log: the last)
            lines.append(
                f"{name} was asked {log.total} request(s)"
                + (f", {faulted} faulted" if faulted else "")
            )
        for name, db in self.sumdbs.items():
            lines.append(f"{name} (checksum database) was asked {len(db.requests())} request(s)")
        return lines

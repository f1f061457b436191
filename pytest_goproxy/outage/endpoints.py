"""The servers of one outage: fake proxies, checksum databases and the modules' origins, each
optionally behind a toxiproxy endpoint, all serving one module store.

An :class:`EndpointPlan` says what to start (a name, a kind, its bound faults); :class:`Endpoints`
starts them and is the one place that knows how they are wired:

* every proxy serves every checksum database (as proxy.golang.org serves sum.golang.org);
* an ``origin`` is a :class:`~pytest_goproxy.origin.FakeOrigin` holding every module of the
  store in git where go finds it (github.com repositories, golang.org pages naming
  go.googlesource.com, vanity hosts, gopkg.in: :mod:`pytest_goproxy.origin.mirror`), as every
  public module has its repository; go reaches it by those host names through the network
  guard, with the routes of :meth:`Endpoints.routes`. The repositories are built once (an
  :class:`~pytest_goproxy.origin.mirror.OriginMirror`, shared by every cell of a matrix run)
  and each outage's origin reads them. With an origin, the checksum database speaks HTTPS and
  is routed by its name too, so go's own rules can send it there directly (``https://sumdb.goproxy.test``,
  as they send it to sum.golang.org after a ``direct``);
* ``private`` modules (a GOPRIVATE-style pattern) are the project's own: the proxies and the
  checksum database answer ``410 Gone`` for them, as proxy.golang.org and sum.golang.org answer
  for a path they cannot fetch;
* a server with network faults (or asked for by ``front``) is reached through toxiproxy; at an
  origin, ``refused`` and ``dns`` are what a corporate proxy says: the guard answers the CONNECT
  with 502 (the connection failed) or 503 (the name did not resolve);
* the placeholder values a configuration renders come from here.

A new kind of endpoint is added in this module and nowhere else.
"""

from __future__ import annotations

import os
import ssl
import threading
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeVar
from urllib.parse import urlsplit

from pytest_goproxy.errors import FaultError
from pytest_goproxy.gomod.patterns import match_prefix_patterns
from pytest_goproxy.gomod.sources import ModuleSource
from pytest_goproxy.gomod.store import ModuleStore, ModuleVersion
from pytest_goproxy.httpfaults import HTTPFaultHandle
from pytest_goproxy.lifecycle import Closers, Starting
from pytest_goproxy.literal import SUM_GOLANG_ORG
from pytest_goproxy.network import Endpoint, FaultHandle, Network, Toxiproxy
from pytest_goproxy.outage.faults import BoundFault
from pytest_goproxy.proxy import FakeGoProxy
from pytest_goproxy.serving.tls import corporate_bundle, named_context
from pytest_goproxy.serving.udp import on_free_loopback
from pytest_goproxy.sumdb import ChecksumDB

if TYPE_CHECKING:
    from pytest_goproxy.network.resolver import FakeResolver, ResolverFaultHandle
    from pytest_goproxy.origin import FakeOrigin
    from pytest_goproxy.origin.mirror import OriginMirror

__all__ = [
    "DNS_FAILURE_STATUS",
    "EndpointKind",
    "EndpointPlan",
    "Endpoints",
    "PublicModules",
    "needs_toxiproxy",
    "private_pattern",
]

EndpointKind = Literal["proxy", "sumdb", "origin"]

#: What the guard answers a CONNECT to an origin whose name does not resolve (squid's
#: ERR_DNS_FAIL page is a 503); a refused connection is the guard's default, 502.
DNS_FAILURE_STATUS = 503


@dataclass(frozen=True)
class EndpointPlan:
    """One server of an outage: ``kind`` proxy (a FakeGoProxy), sumdb (a ChecksumDB) or origin
    (a FakeOrigin holding every module, always HTTPS), the faults put on it (network and TLS
    faults go to a toxiproxy endpoint in front of it), and whether it speaks HTTPS (a
    certificate of the session CA, which go trusts)."""

    name: str
    kind: EndpointKind = "proxy"
    faults: tuple[BoundFault, ...] = ()
    tls: bool = False
    #: a host name it is served under (a literal line's ``goproxy.cn``): HTTPS with a
    #: certificate for that name, reached by it through the run's network guard
    host: str | None = None

    @property
    def network_faults(self) -> tuple[BoundFault, ...]:
        """The faults toxiproxy plays in front of the server (resolver faults are not)."""
        return tuple(f for f in self.faults if f.layer == "network" and not f.by_resolver)

    @property
    def resolver_faults(self) -> tuple[BoundFault, ...]:
        """The faults a fake resolver plays on the endpoint's host name."""
        return tuple(f for f in self.faults if f.by_resolver)


def private_pattern(store: ModuleStore) -> str:
    """A GOPRIVATE pattern covering every module in ``store``: their first path elements."""
    return ",".join(sorted({m.split("/", 1)[0] for m in store.modules()}))


class PublicModules:
    """The modules of a store that are not ``private``: what a public proxy and a public
    checksum database know (a :class:`~pytest_goproxy.sumdb.server.GoSumSource`)."""

    def __init__(self, store: ModuleStore, private: str | None) -> None:
        self.store = store
        self.private = private or ""

    def is_private(self, module: str) -> bool:
        return bool(self.private) and match_prefix_patterns(self.private, module) is not None

    def modules(self) -> list[str]:
        return [m for m in self.store.modules() if not self.is_private(m)]

    def withheld(self) -> list[str]:
        """The store's private modules: what a public server answers 410 Gone for."""
        return [m for m in self.store.modules() if self.is_private(m)]

    def versions(self, path: str) -> list[str]:
        return [] if self.is_private(path) else self.store.versions(path)

    def get(self, path: str, version: str) -> ModuleVersion | None:
        return None if self.is_private(path) else self.store.get(path, version)


_Server = TypeVar("_Server", FakeGoProxy, ChecksumDB)


def needs_toxiproxy(plans: Iterable[EndpointPlan]) -> bool:
    """Whether any planned fault is a network fault."""
    return any(p.network_faults for p in plans)


class Endpoints(Closers, Starting):
    """The running servers of ``plans`` (started by :meth:`start`, all stopped by ``close()``).

    ``toxiproxy`` is needed when a plan has network faults or ``front`` names an endpoint to
    put behind toxiproxy anyway (``serve`` does, so faults can be switched later). ``private``
    is the pattern of the project's private modules (see the module docstring)."""

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
        private: str | None = None,
        mirror: OriginMirror | None = None,
    ) -> None:
        super().__init__()
        #: the shared repositories an origin reads (None: built for this outage, on need)
        self.mirror = mirror
        self.plans = {p.name: p for p in plans}
        self.store = store
        self.source = source
        self.host = host
        self._toxiproxy = toxiproxy
        self._front = set(front)
        self._prefix = prefix
        self.private = private
        self.public = PublicModules(store, private)
        self.proxies: dict[str, FakeGoProxy] = {}
        self.sumdbs: dict[str, ChecksumDB] = {}
        self.origins: dict[str, FakeOrigin] = {}
        self.fronts: dict[str, Endpoint] = {}
        self.net: Network | None = None
        #: the DNS go meets when a host's name is faulted (go then runs in a namespace)
        self.resolver: FakeResolver | None = None

    # -- starting ----------------------------------------------------------------------------------

    def _start(self) -> None:
        """Start every server (``start()``: on failure, what was started is stopped again)."""
        resolved = [p for p in self.plans.values() if p.resolver_faults]
        if resolved:
            self._start_resolver(resolved)
        for plan in self.plans.values():
            if plan.kind == "proxy":
                self.proxies[plan.name] = self._start_proxy(plan)
        for plan in self.plans.values():
            if plan.kind == "origin":
                self.origins[plan.name] = self._start_origin()
        for plan in self.plans.values():
            if plan.kind == "sumdb":
                self.sumdbs[plan.name] = self._start_sumdb(plan)
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

    def _start_resolver(self, plans: list[EndpointPlan]) -> None:
        """A fake resolver for the named endpoints whose name is faulted: go resolves those
        names itself (they go in its NO_PROXY) and dials them on port 443, so each is served on
        a loopback address of its own, port 443; FaultError for an endpoint without a name,
        :class:`~pytest_goproxy.errors.NamespaceUnavailable` when port 53 cannot be had."""
        from pytest_goproxy.gorun.namespace import check_namespace
        from pytest_goproxy.network.resolver import FakeResolver

        for plan in plans:
            if plan.host is None or plan.kind == "origin":
                names = ", ".join(f.name for f in plan.resolver_faults)
                raise FaultError(
                    f"{names} on {plan.name!r}: a resolver fault is played on a host name, and "
                    f"{plan.name!r} has none (go reaches it by address): put it on a host your "
                    "line serves, e.g. --env 'GOPROXY=https://goproxy.cn,direct' --faults "
                    f"{plan.resolver_faults[0].name}@goproxy.cn"
                )
        check_namespace()  # where go cannot meet a resolver, say so before starting anything
        resolver = FakeResolver()
        resolver.start()
        self.add(resolver.close)
        self.resolver = resolver

    def _listening(self, plan: EndpointPlan, start: Callable[[str, int], _Server]) -> _Server:
        """``start(address, port)``'s server for ``plan``: on port 443 of a loopback address of
        its own when a fake resolver answers its name (go dials that name itself), else on
        :attr:`host`, any port."""
        if self.resolver is not None and plan.host is not None and plan.resolver_faults:
            server = on_free_loopback(lambda address: start(address, 443))
            self.resolver.add(plan.host, server.host)
            return server
        return start(self.host, 0)

    def _start_proxy(self, plan: EndpointPlan) -> FakeGoProxy:
        """A proxy serving the public modules (410 Gone for the private ones)."""
        # a named endpoint speaks HTTPS under its name (and the loopback names)
        tls = named_context(plan.host) if plan.host else plan.tls

        def start(address: str, port: int) -> FakeGoProxy:
            proxy = FakeGoProxy(self.store, host=address, port=port, tls=tls)
            for module in self.public.withheld():
                proxy.mark_gone(module)
            proxy.start()
            return proxy

        proxy = self._listening(plan, start)
        self.add(proxy.close)
        return proxy

    def _start_origin(self) -> FakeOrigin:
        """Every module of the store in git, served under the host names go finds them by."""
        from pytest_goproxy.origin.mirror import OriginMirror, recorded  # git only here

        if self.mirror is None:
            roots, bundles = recorded(self.source.snapshot if self.source is not None else None)
            self.mirror = OriginMirror(self.store, roots=roots, bundles=bundles)
            self.add(self.mirror.close)
        origin = self.mirror.serve()
        self.add(origin.close)
        origin.start()
        return origin

    def unservable(self, text: str) -> list[str]:
        """The versions an origin here cannot serve (a pseudo-version whose real commit was
        not recorded) that go's output ``text`` says it could not find, as ``module@version``:
        a line naming one with git's ``unknown revision`` (modfetch/codehost), not any line
        that names it (a proxy's refusal names it too)."""
        missing = {f"{m}@{v}" for origin in self.origins.values() for (m, v) in origin.missing}
        named: set[str] = set()
        for line in text.splitlines():
            if "unknown revision" not in line:
                continue
            named.update(name for name in missing if f"{name}:" in line)
        return sorted(named)

    def _start_sumdb(self, plan: EndpointPlan) -> ChecksumDB:
        """A checksum database logging the public modules every proxy serves (and those added
        later), reached through every proxy; a snapshot's go.sum hashes are logged first. With
        an origin it speaks HTTPS under its own name (:meth:`routes` routes that name to it).
        Served under ``plan.host`` (a literal line's sum.golang.org or its alias
        sum.golang.google.cn), it is named sum.golang.org."""
        # "sumdb" -> sumdb.goproxy.test, the default
        db_name = f"{plan.name}.goproxy.test" if plan.host is None else SUM_GOLANG_ORG
        context: bool | ssl.SSLContext = plan.tls
        if plan.host is not None:
            context = named_context(plan.host)
        elif self.origins:
            context = named_context(db_name, http2=False)

        def start(address: str, port: int) -> ChecksumDB:
            return ChecksumDB(db_name, host=address, port=port, tls=context).start()

        db = self._listening(plan, start)
        self.add(db.stop)
        if self.source is not None:
            for module, version, zip_hash, mod_hash in self.source.hash_records(self.store):
                if not self.public.is_private(module):
                    db.add_record(module, version, zip_hash=zip_hash, mod_hash=mod_hash)
        db.add_from(self.public)
        for module in self.public.withheld():
            db.mark_gone(module)
        for proxy in self.proxies.values():
            proxy.serve_sumdb(db)
        return db

    # -- what go is given --------------------------------------------------------------------------

    def server(self, name: str) -> FakeGoProxy | ChecksumDB | FakeOrigin:
        if name in self.proxies:
            return self.proxies[name]
        if name in self.origins:
            return self.origins[name]
        return self.sumdbs[name]

    def routes(self) -> dict[str, object]:
        """The host names go reaches by name through the network guard, for its runs
        (``GoRunner.run(routes=...)``): every origin host to its origin (or to the toxiproxy
        endpoint in front of it, whose faults then apply; a ``dns`` fault there makes the guard
        answer 503, a ``refused`` one 502), and, with an origin, every checksum database's
        name to the database."""
        routes: dict[str, object] = {}
        for name, origin in self.origins.items():
            for host in origin.hosts:
                routes[host] = self._route_target(name)
        if self.origins:
            for db in self.sumdbs.values():
                routes[db.name] = db
        for name, plan in self.plans.items():
            if plan.host is not None:
                routes[plan.host] = self._route_target(name)
        return routes

    def _route_target(self, name: str) -> object:
        """Where the guard sends a name of endpoint ``name``: its server, or the toxiproxy
        endpoint in front of it (whose faults then apply: a ``dns`` fault makes the guard answer
        503, a ``refused`` one 502, as a corporate proxy does)."""
        front = self.fronts.get(name)
        if front is None:
            return self.server(name)
        host = urlsplit(front.url).hostname or ""
        return DNS_FAILURE_STATUS if host.endswith(".invalid") else front.url

    def url(self, name: str) -> str:
        """The URL go is given for endpoint ``name``: its toxiproxy front's when it has one
        (which a ``dns`` or ``dial_timeout`` fault changes), else the server's own."""
        plan = self.plans.get(name)
        if plan is not None and plan.host is not None:
            return f"https://{plan.host}"  # by name: the guard routes it (see routes())
        front = self.fronts.get(name)
        return front.url if front is not None else self.server(name).url

    def values(self, private: str | None = None) -> dict[str, str]:
        """The placeholders a configuration or ``[env]`` template renders: ``{<proxy>}`` its
        URL, ``{<sumdb>}`` ``"<key> <url>"``, ``{<sumdb>_key}``, ``{<sumdb>_url}``, and
        ``{private}`` (the modules' first path elements unless given)."""
        values = {
            "private": private or self.private or private_pattern(self.store),
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

    def inject(
        self, name: str, fault: BoundFault
    ) -> FaultHandle | HTTPFaultHandle | ResolverFaultHandle:
        """Put ``fault`` on endpoint ``name`` (HTTP faults are played by proxies only)."""
        proxy = self.proxies.get(name)
        if fault.by_resolver:
            plan = self.plans[name]
            if self.resolver is None or plan.host is None:
                raise FaultError(f"{fault.name!r} is played by a fake resolver on a host name")
            given = dict(fault.given)
            to = given.pop("to", None)
            return self.resolver.inject(
                plan.host, fault.name, to=None if to is None else str(to), **given
            )
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
        for name, origin in self.origins.items():
            packs = origin.requests("upload_pack")
            fetched = sorted({f"{r.host}/{r.repo}" for r in packs if r.repo})
            lines.append(
                f"{name} (origin) was asked {origin.request_log.total} request(s)"
                + (f", git fetched {', '.join(fetched)}" if fetched else "")
            )
        return lines

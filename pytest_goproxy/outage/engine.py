"""THE outage engine: endpoints, bound faults and a procedure around one real go run.

An :class:`Outage` is one cell described as data: the endpoints to start (with the faults on
each), how go is configured (a named :class:`~pytest_goproxy.configs.Configuration`, whose procedure
comes along, or an ``[env]`` template), the go command and its deadline. :class:`OutageEngine`
runs it and returns an :class:`Outcome`: the :class:`~pytest_goproxy.outage.cell.Cell` plus what
a person needs to explain it. The matrix is a loop over :meth:`Outage.cell`; a scenario file is
one outage; ``serve`` holds the same :class:`~pytest_goproxy.outage.endpoints.Endpoints` open.

A run is ``unavailable`` (never a pass) when this machine cannot make it: nginx missing for the
relay, toxiproxy missing for a network fault, a fault toxiproxy refuses. A run that breaks
(nginx present but refusing to start, a bug of ours) is an ``error`` cell with the exception in
``error``: one broken cell never ends a matrix of hundreds.
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_goproxy.configs import Configuration
from pytest_goproxy.errors import (
    ConfigError,
    FaultError,
    NamespaceUnavailable,
    RelayError,
    ToolUnavailable,
)
from pytest_goproxy.gomod.goenv import split_goproxy
from pytest_goproxy.gomod.gomodfile import with_toolchain_line
from pytest_goproxy.gomod.sources import ModuleSource, ModuleSourceLike
from pytest_goproxy.gomod.store import ModuleStore
from pytest_goproxy.gomod.toolchain import TOOLCHAIN_MODULE, toolchain_version
from pytest_goproxy.gorun import DEFAULT_TIMEOUT, GoBinary, GoProject, GoResult, GoRunner
from pytest_goproxy.gorun.cache import remove_tree
from pytest_goproxy.gorun.toolchain import add_synthetic_toolchain
from pytest_goproxy.gorun.verdict import error_line, verdict_of
from pytest_goproxy.lifecycle import Closing
from pytest_goproxy.network import Toxiproxy
from pytest_goproxy.network.session import LazyToxiproxy
from pytest_goproxy.outage.cell import (
    KEPT_LINES,
    KEPT_REQUESTS,
    Cell,
    CellDetails,
    EndpointSeen,
    FaultPlayed,
)
from pytest_goproxy.outage.endpoints import EndpointPlan, Endpoints, needs_toxiproxy
from pytest_goproxy.outage.faults import NO_FAULT, BoundFault, bind_fault
from pytest_goproxy.outage.procedures import PROCEDURES, RunContext
from pytest_goproxy.outage.relay import find_nginx

if TYPE_CHECKING:
    from pytest_goproxy.origin.mirror import OriginMirror

__all__ = [
    "DEFAULT_COMMAND",
    "Outage",
    "OutageEngine",
    "Outcome",
    "cell_details",
    "config_endpoints",
]

#: What each cell runs by default.
DEFAULT_COMMAND: tuple[str, ...] = ("mod", "tidy")


def config_endpoints(config: Configuration) -> dict[str, str]:
    """The endpoints a named configuration needs, name -> kind: ``primary``, ``backup`` when
    it uses one, a checksum database ``sumdb`` (reached through the proxies) when it does, and
    the modules' ``origin`` when go may fetch directly."""
    if config.served:  # a literal line: its hosts, then the origins if it goes direct
        named = {s.endpoint: s.kind for s in config.served}
        return {**named, **({"origin": "origin"} if config.uses_origin else {})}
    needed = {"primary": "proxy"}
    if config.uses_backup:
        needed["backup"] = "proxy"
    if config.uses_sumdb:
        needed["sumdb"] = "sumdb"
    if config.uses_origin:
        needed["origin"] = "origin"
    return needed


def _fault_target(config: Configuration, endpoints: Mapping[str, str], at: str | None) -> str:
    """The endpoint a cell's fault goes on: ``at`` (an endpoint or a host ``config`` serves),
    else the first GOPROXY entry of a literal line (``origin`` when it is ``direct``), else the
    primary; :class:`~pytest_goproxy.errors.ConfigError` naming what exists."""
    by_host = {s.host: s.endpoint for s in config.served}
    if at is None:
        if config.served:
            entries = split_goproxy(config.env.get("GOPROXY", ""))
            if entries and not entries[0].is_proxy and "origin" in endpoints:
                return "origin"
        return "primary"
    if at in by_host:
        return by_host[at]
    if at in endpoints:
        return at
    known = ", ".join([*by_host, *(e for e in endpoints if e not in by_host.values())])
    raise ConfigError(
        f"a fault @{at}: configuration {config.name!r} has no such host or endpoint; it has: "
        f"{known}"
    )


@dataclass(frozen=True)
class Outage:
    """One cell as data (see the module docstring). ``fault`` and ``config`` are the labels of
    the cell's row and column."""

    fault: str
    config: str
    endpoints: tuple[EndpointPlan, ...]
    setup: Configuration | Mapping[str, str]
    command: tuple[str, ...] = DEFAULT_COMMAND
    timeout: float = 60.0
    #: a toolchain every go run starts by switching to (``go1.99.0``): the primary and backup
    #: serve it as a synthetic toolchain, the project's go.mod gets that ``toolchain`` line and
    #: go runs with ``GOTOOLCHAIN=auto`` (Go's default) unless the configuration sets its own
    toolchain: str | None = None

    @classmethod
    def cell(
        cls,
        fault: str | BoundFault,
        config: Configuration,
        *,
        command: tuple[str, ...] = DEFAULT_COMMAND,
        timeout: float = 60.0,
        tls: bool = False,
        toolchain: str | None = None,
        at: str | None = None,
    ) -> Outage:
        """A matrix cell: the endpoints ``config`` needs (over HTTPS with ``tls``), ``fault``
        on the primary (``"none"`` for the baseline); a fault name is bound with its defaults.
        ``at`` puts the fault on another endpoint, by name or by a host the configuration
        serves (``goproxy.cn``; default: its first GOPROXY entry, the origin when that is
        ``direct``), and the row is labelled ``fault@host``. ``toolchain``: every run starts
        with a switch to it (see :attr:`toolchain`)."""
        bound = bind_fault(fault) if isinstance(fault, str) and fault != NO_FAULT else fault
        endpoints = config_endpoints(config)
        hosts = {s.endpoint: s.host for s in config.served}
        target = _fault_target(config, endpoints, at)
        plans = []
        for name, kind in endpoints.items():
            faults = (bound,) if name == target and isinstance(bound, BoundFault) else ()
            plans.append(
                EndpointPlan(name, kind, faults, tls or name in hosts, hosts.get(name))  # type: ignore[arg-type]
            )
        label = bound.name if isinstance(bound, BoundFault) else NO_FAULT
        if at is not None and label != NO_FAULT:
            label = f"{label}@{at}"
        return cls(label, config.name, tuple(plans), config, tuple(command), timeout, toolchain)

    @property
    def procedure(self) -> str:
        return self.setup.procedure if isinstance(self.setup, Configuration) else "plain"

    @property
    def needs(self) -> tuple[str, ...]:
        """External programs beyond go: ``toxiproxy`` for network faults, ``git`` for an
        origin, the configuration's."""
        tools: tuple[str, ...] = ("toxiproxy",) if needs_toxiproxy(self.endpoints) else ()
        if any(plan.kind == "origin" for plan in self.endpoints):
            tools += ("git",)
        return tools + (self.setup.needs if isinstance(self.setup, Configuration) else ())

    def render(self, values: Mapping[str, str]) -> dict[str, str]:
        """go's environment: the configuration rendered, or the ``[env]`` template filled."""
        if isinstance(self.setup, Configuration):
            return self.setup.render(values)
        return {key: template.format_map(values) for key, template in self.setup.items()}


def _fault_played(endpoint: str, fault: BoundFault) -> FaultPlayed:
    """The fault's parameters as bound (defaults filled in): a network fault's toxic
    attributes, an HTTP fault's own parameters and its selectors."""
    params: dict[str, object] = dict(fault.given)
    if fault.network is not None:
        params.update(fault.network)
    if fault.http is not None:
        params.update(fault.http.params)
    return FaultPlayed(endpoint, fault.name, fault.layer, params)


def _seen(endpoints: Endpoints, urls: Mapping[str, str]) -> list[EndpointSeen]:
    """Each endpoint's requests, in plan order, as ``METHOD PATH STATUS`` lines."""
    seen = []
    for name, plan in endpoints.plans.items():
        url = urls.get(name, "")
        if name in endpoints.proxies:
            log = endpoints.proxies[name].request_log
            records = log.snapshot()
            lines = [
                f"{r.method} {r.path} {r.status or '-'}" + (" (faulted)" if r.faulted else "")
                for r in records[:KEPT_REQUESTS]
            ]
            faulted = sum(1 for r in records if r.faulted)
            seen.append(EndpointSeen(name, plan.kind, url, log.total, faulted, tuple(lines)))
        elif name in endpoints.sumdbs:
            asked = endpoints.sumdbs[name].requests()
            lines = [f"GET {r.path} {r.status} (via {r.via})" for r in asked[:KEPT_REQUESTS]]
            seen.append(EndpointSeen(name, plan.kind, url, len(asked), 0, tuple(lines)))
        elif name in endpoints.origins:
            olog = endpoints.origins[name].request_log
            got = olog.snapshot()
            lines = [
                f"{r.method} {r.host}{r.path}{'?' + r.query if r.query else ''} {r.status or '-'}"
                for r in got[:KEPT_REQUESTS]
            ]
            seen.append(EndpointSeen(name, plan.kind, url, olog.total, 0, tuple(lines)))
    return seen


def cell_details(
    outage: Outage,
    endpoints: Endpoints,
    urls: Mapping[str, str],
    env: Mapping[str, str],
    result: GoResult | None,
) -> CellDetails:
    """What explains a finished cell (see :class:`~pytest_goproxy.outage.cell.CellDetails`),
    read from the endpoints before they close."""
    stderr = [] if result is None else result.stderr.splitlines()
    kept = [line for line in stderr if line.strip() and not line.startswith("go: downloading ")]
    return CellDetails(
        command=outage.command,
        env=dict(env),
        faults=tuple(
            _fault_played(plan.name, fault) for plan in outage.endpoints for fault in plan.faults
        ),
        endpoints=tuple(_seen(endpoints, urls)),
        stderr=tuple(kept[-KEPT_LINES:]),
    )


@dataclass(frozen=True)
class Outcome:
    """What one outage run did: the cell, go's result, the environment go ran with, the URL
    each endpoint was given as, and what each endpoint was asked."""

    cell: Cell
    result: GoResult | None = field(default=None, repr=False)
    env: Mapping[str, str] = field(default_factory=dict)
    urls: Mapping[str, str] = field(default_factory=dict)
    asked: tuple[str, ...] = ()
    #: the traceback of an ``error`` cell's exception (for a bug report)
    traceback: str | None = field(default=None, repr=False)


class OutageEngine(Closing):
    """Runs outages with real go (``runner``, or one made from ``go``) and a real toxiproxy
    (``toxiproxy``, or one started on first need from ``toxiproxy_bin`` / ``$TOXIPROXY_BIN`` /
    PATH / the build cache, stopped on close). Module stores are built once per source and
    shared read-only by the runs (a ``relay`` run gets its own, as it adds a version)."""

    def __init__(
        self,
        *,
        runner: GoRunner | None = None,
        go: GoBinary | str | os.PathLike[str] | None = None,
        timeout: float | None = None,
        toxiproxy: Toxiproxy | None = None,
        toxiproxy_bin: str | os.PathLike[str] | None = None,
        nginx: str | os.PathLike[str] | None = None,
        workdir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.workdir = Path(workdir) if workdir is not None else None
        self.nginx = nginx
        self._own_runner = runner is None
        if runner is None:
            runner = GoRunner(go, workdir=self.workdir, timeout=timeout or DEFAULT_TIMEOUT)
        self.runner = runner
        self._toxiproxy = LazyToxiproxy(toxiproxy, toxiproxy_bin)
        self._stores: dict[tuple[object, ...], ModuleStore] = {}
        self._mirrors: dict[tuple[object, ...], OriginMirror] = {}
        self._lock = threading.Lock()
        self._mirror_lock = threading.Lock()

    # -- shared things -----------------------------------------------------------------------------

    def use_toxiproxy(self, toxiproxy: Toxiproxy) -> None:
        """Use this running toxiproxy (not ours to stop) for network faults from now on."""
        self._toxiproxy.use(toxiproxy)

    def toxiproxy(self) -> Toxiproxy | None:
        """The toxiproxy (started on first use), or None; :attr:`toxiproxy_error` says why."""
        return self._toxiproxy.get()

    @property
    def toxiproxy_error(self) -> str:
        return self._toxiproxy.error or "toxiproxy is not available"

    def store(self, source: ModuleSourceLike | ModuleSource) -> ModuleStore:
        """The modules of ``source``, built once and shared read-only by the runs."""
        src = ModuleSource.of(source)
        key = (src.kind, src.path, src.function)
        with self._lock:
            if key not in self._stores:
                self._stores[key] = src.store(self.workdir)
            return self._stores[key]

    def mirror(self, source: ModuleSourceLike | ModuleSource) -> OriginMirror:
        """The origin repositories of ``source``'s modules, built once (git runs only here) and
        read by every run's origin."""
        from pytest_goproxy.origin.mirror import OriginMirror, recorded

        src = ModuleSource.of(source)
        key = (src.kind, src.path, src.function)
        store = self.store(src)
        with self._mirror_lock:
            if key not in self._mirrors:
                roots, bundles = recorded(src.snapshot)
                # toolchains come from golang.org and go.dev (_toolchain_routes), not from git
                modules = [m for m in store.modules() if m != TOOLCHAIN_MODULE]
                self._mirrors[key] = OriginMirror(
                    store, roots=roots, bundles=bundles, workdir=self.workdir, modules=modules
                )
            return self._mirrors[key]

    # -- one run -----------------------------------------------------------------------------------

    def run(
        self,
        outage: Outage,
        modules: ModuleSourceLike | ModuleSource,
        *,
        project: str | os.PathLike[str] | None = None,
        private: str | None = None,
    ) -> Outcome:
        """Run ``outage`` on a copy of ``project`` (None: a project requiring the newest version
        of every module) with ``modules`` served; ``private`` is the pattern of the project's
        private modules, which only their origin serves (the proxies answer 410, the database
        does not know them), and the ``{private}`` value (default: no private modules, and
        ``{private}`` the modules' first path elements)."""
        source = ModuleSource.of(modules)
        if "nginx" in outage.needs and find_nginx(self.nginx) is None:
            return self._unavailable(
                outage, "nginx is not installed (install it: apt-get install -y nginx)"
            )
        if "git" in outage.needs:
            from pytest_goproxy.origin import repos  # the origin's own check: git, http-backend

            try:
                repos.find_git()
            except ToolUnavailable as exc:
                return self._unavailable(outage, f"git is not installed; an origin needs it: {exc}")
        toxiproxy = self.toxiproxy() if "toxiproxy" in outage.needs else None
        if "toxiproxy" in outage.needs and toxiproxy is None:
            return self._unavailable(outage, self.toxiproxy_error)
        endpoints: Endpoints | None = None
        ctx: RunContext | None = None
        go_project: GoProject | None = None
        started = time.monotonic()
        try:
            mirror = None
            if outage.procedure == "relay":
                store = source.store(self.workdir)
            else:
                store = self.store(source)
                if "git" in outage.needs:
                    mirror = self.mirror(source)
            endpoints = Endpoints(
                outage.endpoints,
                store,
                source=source,
                toxiproxy=toxiproxy,
                private=private,
                mirror=mirror,
            )
            if outage.procedure == "relay":
                endpoints.add(store.close)
            if outage.toolchain is not None:
                self._serve_toolchain(store, outage.toolchain)
            endpoints.start()
            toolchain_routes = self._toolchain_routes(outage, store, endpoints)
            go_project = self._project(project, store, outage.toolchain)
            ctx = RunContext(
                endpoints,
                go_project,
                self.runner,
                outage.command,
                outage.timeout,
                outage.render,
                private=private,
                retry=outage.setup.retry if isinstance(outage.setup, Configuration) else None,
                nginx=str(self.nginx) if self.nginx is not None else None,
                workdir=str(self.workdir) if self.workdir is not None else None,
                gotoolchain=None if outage.toolchain is None else "auto",
                extra_routes=toolchain_routes,
            )
            ran = PROCEDURES[outage.procedure](ctx)
            verdict, failure = verdict_of(ran.result)
            error = error_line(ran.result)
            if error is not None and ran.error_prefix:
                error = ran.error_prefix + error
            urls = {plan.name: endpoints.url(plan.name) for plan in outage.endpoints}
            env = dict(ran.env)
            if outage.toolchain is not None:  # set by the runner, not the configuration: say so
                env["GOTOOLCHAIN"] = ran.result.env.get("GOTOOLCHAIN", "auto")
            cell = Cell(
                outage.fault,
                outage.config,
                verdict,
                failure,
                ran.seconds,
                error,
                tuple(ctx.notes),
                cell_details(outage, endpoints, urls, env, ran.result),
            )
            if verdict == "failed" and ran.result is not None:
                cell = self._unrecorded(cell, endpoints, ran.result)
            return Outcome(cell, ran.result, env, urls, tuple(endpoints.asked()))
        except FaultError as exc:
            return self._unavailable(outage, f"the fault cannot be made here: {exc}")
        except NamespaceUnavailable as exc:  # a resolver fault, where go cannot meet one
            return self._unavailable(outage, str(exc))
        except RelayError as exc:  # nginx exists (checked above) but would not run
            return self._error(outage, started, f"relay could not start: {exc}", exc)
        except Exception as exc:
            return self._error(outage, started, f"{type(exc).__name__}: {exc}", exc)
        finally:
            if endpoints is not None:
                endpoints.close()
            if ctx is not None:
                ctx.close()
            if go_project is not None:
                remove_tree(go_project.path)

    def _serve_toolchain(self, store: ModuleStore, toolchain: str) -> None:
        """The synthetic ``toolchain`` in ``store``, built once per store (stores are shared by
        the cells; the relay's own is new each time)."""
        binary = self.runner.binary
        with self._lock:
            if store.get(
                TOOLCHAIN_MODULE, toolchain_version(toolchain, binary.goos, binary.goarch)
            ):
                return
            add_synthetic_toolchain(store, toolchain, binary)

    def _toolchain_routes(
        self, outage: Outage, store: ModuleStore, endpoints: Endpoints
    ) -> dict[str, object]:
        """For a cell that switches toolchains and may fetch directly (it has an origin): go's
        direct path for toolchains, golang.org's page and go.dev/dl/mod serving the store's
        toolchains (:class:`~pytest_goproxy.proxy.GoDevToolchains`, closed with the
        endpoints), as names for the guard; else nothing, and golang.org is refused."""
        if outage.toolchain is None or not any(p.kind == "origin" for p in outage.endpoints):
            return {}
        from pytest_goproxy.proxy import GoDevToolchains

        godev = GoDevToolchains(store, workdir=self.workdir)
        endpoints.add(godev.close)
        godev.start()
        return godev.routes

    def _project(
        self, project: str | os.PathLike[str] | None, store: ModuleStore, toolchain: str | None
    ) -> GoProject:
        if project is not None:
            copied = self.runner.project_from_dir(project)
            if toolchain is not None and copied.go_mod is not None:
                copied.write("go.mod", with_toolchain_line(copied.go_mod, toolchain))
            return copied
        requires = {}
        for module in store.modules():
            latest = store.latest(module)
            if latest is not None and module != TOOLCHAIN_MODULE:
                requires[module] = latest.version
        return self.runner.project(requires=requires, toolchain=toolchain)

    @staticmethod
    def _unrecorded(cell: Cell, endpoints: Endpoints, result: GoResult) -> Cell:
        """A failed cell whose go needed, from an origin, a version the origin cannot have (a
        pseudo-version whose real commit was not recorded) is *unavailable*: what go would do
        against the real origin is not measured here, and a made-up failure would say it was.
        Decided from go's error, after the run, so a cell that never needed the origin keeps
        its verdict."""
        named = endpoints.unservable(f"{result.stderr}\n{result.stdout}")
        if not named:
            return cell
        why = (
            f"go needed {', '.join(named)} from the origin"
            ", and the real commit of a pseudo-version cannot be rebuilt: record the project "
            "with `pytest-goproxy record --origins` (or `matrix --origins`) to serve the real "
            f"commits. go said: {cell.error or '(nothing)'}"
        )
        return Cell(
            cell.fault,
            cell.config,
            "unavailable",
            None,
            cell.seconds,
            why,
            cell.notes,
            cell.details,
        )

    @staticmethod
    def _unavailable(outage: Outage, why: str) -> Outcome:
        return Outcome(Cell(outage.fault, outage.config, "unavailable", None, 0.0, why))

    @staticmethod
    def _error(outage: Outage, started: float, what: str, exc: BaseException) -> Outcome:
        cell = Cell(outage.fault, outage.config, "error", None, time.monotonic() - started, what)
        return Outcome(cell, traceback="".join(traceback.format_exception(exc)))

    # -- lifetime ----------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop what this engine started: its toxiproxy, its module stores, its go runner."""
        with self._lock:
            stores, self._stores = list(self._stores.values()), {}
        with self._mirror_lock:
            mirrors, self._mirrors = list(self._mirrors.values()), {}
        for mirror in mirrors:
            mirror.close()
        try:
            self._toxiproxy.close()
        finally:
            try:
                for store in stores:
                    store.close()
            finally:
                if self._own_runner:
                    self.runner.close()

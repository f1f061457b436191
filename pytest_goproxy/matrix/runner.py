"""The fault x configuration matrix: every cell a real go run under a real fault.

For each cell the engine starts fresh fake proxies serving the project's modules (a primary, a
backup when the configuration uses one, and a checksum database attached to both when it uses
one), puts the fault in place (a network fault on a toxiproxy endpoint in front of the primary, an
HTTP fault played by the primary itself), runs the configuration's procedure around the go command
(``go mod tidy`` by default, cold module cache unless the configuration warms one) with a deadline,
and turns the outcome into a :class:`Cell`:

* ``recovered``: go exited 0 (``seconds`` is how long it took);
* ``failed``: go exited non-zero; ``failure`` is the :class:`~pytest_goproxy.gorun.Failure` name
  and ``error`` the line go printed that matters;
* ``hung``: go was killed at the deadline (go has no request timeout of its own);
* ``unavailable``: the cell could not be run here (no nginx, no toxiproxy, a fault this machine
  cannot make); ``error`` says why. Never counted as a pass.

The same cells run as pytest tests through :mod:`pytest_goproxy.matrix.plugin`, with this code.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Union

from pytest_goproxy.configs import CONFIGS, Config, get_config
from pytest_goproxy.errors import (
    ConfigError,
    FaultError,
    GoProjectError,
    ModuleSourceError,
)
from pytest_goproxy.gomod.escape import escape_path
from pytest_goproxy.gomod.semver import is_pseudo_version, sort_versions
from pytest_goproxy.gomod.store import ModuleStore
from pytest_goproxy.gorun import GoBinary, GoProject, GoResult, GoRunner
from pytest_goproxy.gorun.cache import ModuleCache, remove_tree
from pytest_goproxy.gorun.outcome import Verdict, error_line, verdict_of
from pytest_goproxy.httpfaults import HTTP_FAULTS, get_http_fault
from pytest_goproxy.network import FAULTS, Network, Toxiproxy, get_fault
from pytest_goproxy.network.session import LazyToxiproxy
from pytest_goproxy.outage.cell import Cell
from pytest_goproxy.outage.relay import NginxRelay, RelayError, find_nginx
from pytest_goproxy.proxy import FakeGoProxy
from pytest_goproxy.sumdb import ChecksumDB

__all__ = [
    "DEFAULT_COMMAND",
    "DEFAULT_EXAMPLE",
    "NO_FAULT",
    "Cell",
    "MatrixProject",
    "MatrixRunner",
    "ModuleSource",
    "Verdict",
    "all_fault_names",
    "check_names",
    "error_line",
    "run_matrix",
]

#: The fault-free baseline's name.
NO_FAULT = "none"
#: What each cell runs by default.
DEFAULT_COMMAND: tuple[str, ...] = ("mod", "tidy")
#: The bundled example project (a Go module with its dependencies as txtar files).
DEFAULT_EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "app"
#: Where a project keeps its dependencies' module files when no ``modules`` is given, in order.
MODULE_DIRS: tuple[str, ...] = ("testdata/mod", "modules", ".goproxy/modules")

#: A txtar file or directory, a module cache (``$GOMODCACHE`` or its ``cache/download``), or a
#: function that adds modules to a store.
ModuleSource = Union[str, "os.PathLike[str]", Callable[[ModuleStore], object]]


def all_fault_names() -> list[str]:
    """``none``, then every network fault, then every HTTP fault (catalogue order)."""
    return [NO_FAULT, *FAULTS, *HTTP_FAULTS]


def check_names(faults: Sequence[str], configs: Sequence[str]) -> None:
    """FaultError / ConfigError naming every unknown name and listing the valid ones."""
    if isinstance(faults, str) or isinstance(configs, str):
        raise TypeError("faults and configs are sequences of names, e.g. ['refused']")
    bad = [f for f in faults if f != NO_FAULT and f not in FAULTS and f not in HTTP_FAULTS]
    if bad:
        raise FaultError(
            f"unknown fault {', '.join(map(repr, bad))}; valid faults: "
            f"{', '.join(all_fault_names())}"
        )
    unknown = [c for c in configs if c not in CONFIGS]
    if unknown:
        raise ConfigError(
            f"unknown configuration {', '.join(map(repr, unknown))}; valid configurations: "
            f"{', '.join(CONFIGS)}"
        )


# -- the project under test ----------------------------------------------------------------------


@dataclass(frozen=True)
class MatrixProject:
    """A Go project (copied for every cell, never changed) and where its dependencies come from."""

    path: Path
    modules: ModuleSource

    @classmethod
    def of(
        cls, path: str | os.PathLike[str] | None = None, modules: ModuleSource | None = None
    ) -> MatrixProject:
        """``path`` (default: the bundled example) with ``modules``, by default the first of
        ``testdata/mod``, ``modules``, ``.goproxy/modules`` inside it."""
        root = Path(path) if path is not None else DEFAULT_EXAMPLE
        if not (root / "go.mod").is_file():
            hint = (
                " (the bundled example is missing from this installation)" if path is None else ""
            )
            raise GoProjectError(f"{root} is not a Go module: it has no go.mod{hint}")
        if modules is None:
            for name in MODULE_DIRS:
                if (root / name).is_dir():
                    modules = root / name
                    break
            else:
                raise ModuleSourceError(
                    f"{root}: no module files found in {', '.join(MODULE_DIRS)}; pass modules= "
                    "(a txtar file or directory, or a module cache)"
                )
        return cls(root.resolve(), modules)

    def fill(self, store: ModuleStore) -> None:
        """Add the project's dependencies to ``store``."""
        source = self.modules
        if callable(source):
            source(store)
            return
        path = Path(source)
        if path.is_dir() and ((path / "cache" / "download").is_dir() or any(path.rglob("@v"))):
            store.add_module_cache(path)
        else:
            store.add_txtar(path)
        if not len(store):
            raise ModuleSourceError(f"{path}: no modules found")


def private_pattern(store: ModuleStore) -> str:
    """A GOPRIVATE pattern covering every module in ``store``: their first path elements."""
    return ",".join(sorted({m.split("/", 1)[0] for m in store.modules()}))


def _verdict(
    fault: str, config: str, result: GoResult, seconds: float, notes: Sequence[str] = ()
) -> Cell:
    verdict, failure = verdict_of(result)
    return Cell(fault, config, verdict, failure, seconds, error_line(result), tuple(notes))


def _unavailable(fault: str, config: str, why: str) -> Cell:
    return Cell(fault, config, "unavailable", None, 0.0, why)


# -- the engine ------------------------------------------------------------------------------------


class _Servers:
    """The fresh servers of one cell; ``close()`` stops them all, in parallel (a werkzeug stop
    waits up to half a second)."""

    def __init__(self) -> None:
        self.closers: list[Callable[[], None]] = []

    def add(self, closer: Callable[[], None]) -> None:
        self.closers.append(closer)

    def close(self) -> None:
        threads = [threading.Thread(target=_quiet(c)) for c in reversed(self.closers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)


def _quiet(closer: Callable[[], None]) -> Callable[[], None]:
    def run() -> None:
        with contextlib.suppress(Exception):  # cleanup goes on whatever one server did
            closer()

    return run


class MatrixRunner:
    """Runs single cells for one project; :func:`run_matrix` and the ``matrix_cell`` fixture use it.

    ``runner`` is the :class:`GoRunner` (made from ``go`` when not given, closed with this object
    then). ``toxiproxy`` is a running :class:`Toxiproxy` or ``None`` to start one on demand from
    ``toxiproxy_bin`` / ``$TOXIPROXY_BIN`` / PATH / the build cache (stopped on close); when none
    can be had, network-fault cells are ``unavailable``. ``timeout`` is each cell's deadline (per
    go run; the retry wrapper fits all its attempts in it). ``fault_params`` overrides catalogue
    defaults per fault (e.g. ``{"down_for": {"seconds": 3}}``). ``private`` is the ``{private}``
    pattern (default: the first path elements of the project's modules).
    """

    def __init__(
        self,
        project: MatrixProject,
        *,
        runner: GoRunner | None = None,
        go: GoBinary | str | os.PathLike[str] | None = None,
        toxiproxy: Toxiproxy | None = None,
        toxiproxy_bin: str | os.PathLike[str] | None = None,
        command: Sequence[str] = DEFAULT_COMMAND,
        timeout: float = 60.0,
        fault_params: Mapping[str, Mapping[str, object]] | None = None,
        private: str | None = None,
        nginx: str | os.PathLike[str] | None = None,
        workdir: str | os.PathLike[str] | None = None,
    ) -> None:
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout!r}")
        if isinstance(command, str):
            raise TypeError("command is a sequence of go arguments, e.g. ['mod', 'tidy']")
        self.project = project
        self.command = tuple(command)
        self.timeout = float(timeout)
        self.fault_params = {k: dict(v) for k, v in (fault_params or {}).items()}
        self.nginx = nginx
        self.workdir = Path(workdir) if workdir is not None else None
        self._own_runner = runner is None
        self.runner = (
            runner if runner is not None else GoRunner(go, workdir=self.workdir, timeout=timeout)
        )
        self._toxiproxy = LazyToxiproxy(toxiproxy, toxiproxy_bin)
        self._lock = threading.Lock()
        self._store: ModuleStore | None = None
        self._private = private

    # -- shared, lazily made things ------------------------------------------------------------

    def store(self) -> ModuleStore:
        """The project's modules, built once and shared read-only by the cells' proxies."""
        with self._lock:
            if self._store is None:
                store = ModuleStore(self.workdir)
                try:
                    self.project.fill(store)
                except BaseException:
                    store.close()
                    raise
                self._store = store
            return self._store

    def private(self) -> str:
        return self._private or private_pattern(self.store())

    def use_toxiproxy(self, toxiproxy: Toxiproxy) -> None:
        """Use this (running, not ours to stop) toxiproxy for network faults from now on."""
        self._toxiproxy.use(toxiproxy)

    def toxiproxy(self) -> Toxiproxy | None:
        """The toxiproxy for network faults (started on first use), or None (the reason is in
        the cell)."""
        return self._toxiproxy.get()

    # -- one cell --------------------------------------------------------------------------------

    def run_cell(self, fault: str, config: str | Config) -> Cell:
        """Run one cell and return its verdict; unknown names raise FaultError / ConfigError."""
        cfg = config if isinstance(config, Config) else get_config(config)
        check_names([fault], [])
        if "nginx" in cfg.needs and find_nginx(self.nginx) is None:
            return _unavailable(
                fault, cfg.name, "nginx is not installed (install it: apt-get install -y nginx)"
            )
        network_fault = fault in FAULTS
        toxi = self.toxiproxy() if network_fault else None
        if network_fault and toxi is None:
            return _unavailable(fault, cfg.name, self._toxiproxy.error or "no toxiproxy")
        servers = _Servers()
        project: GoProject | None = None
        caches: list[ModuleCache] = []
        try:
            store = self.store() if cfg.procedure != "relay" else self._own_store(servers)
            primary = self._proxy(store, servers)
            backup = self._proxy(store, servers) if cfg.uses_backup else None
            sumdb: ChecksumDB | None = None
            if cfg.uses_sumdb:
                sumdb = ChecksumDB().start()
                servers.add(sumdb.stop)
                for proxy in (primary, backup):
                    if proxy is not None:
                        sumdb.attach(proxy)
            net: Network | None = None
            if toxi is not None:
                net = toxi.network(prefix=f"matrix-{os.getpid()}-{threading.get_ident()}")
                servers.add(net.close)
            project = self.runner.project_from_dir(self.project.path)
            cell = _CellRun(self, fault, cfg, project, primary, backup, sumdb, net, caches, servers)
            return cell.run()
        except RelayError as exc:
            return _unavailable(fault, cfg.name, f"nginx relay could not run: {exc}")
        finally:
            servers.close()
            for cache in caches:
                cache.remove()
            if project is not None:
                remove_tree(project.path)

    def _proxy(self, store: ModuleStore, servers: _Servers) -> FakeGoProxy:
        proxy = FakeGoProxy(store)
        proxy.start()
        servers.add(proxy.close)
        return proxy

    def _own_store(self, servers: _Servers) -> ModuleStore:
        """A store of the cell's own (the relay cell adds a version to its primary)."""
        store = ModuleStore(self.workdir)
        servers.add(store.close)
        self.project.fill(store)
        return store

    # -- lifetime --------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop what this object started: its toxiproxy, its runner, its module store."""
        with self._lock:
            store, self._store = self._store, None
        try:
            self._toxiproxy.close()
        finally:
            try:
                if store is not None:
                    store.close()
            finally:
                if self._own_runner:
                    self.runner.close()

    def __enter__(self) -> MatrixRunner:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class _CellRun:
    """The procedure of one cell, with everything it needs at hand."""

    def __init__(
        self,
        matrix: MatrixRunner,
        fault: str,
        config: Config,
        project: GoProject,
        primary: FakeGoProxy,
        backup: FakeGoProxy | None,
        sumdb: ChecksumDB | None,
        net: Network | None,
        caches: list[ModuleCache],
        servers: _Servers,
    ) -> None:
        self.m = matrix
        self.fault = fault
        self.config = config
        self.project = project
        self.primary = primary
        self.backup = backup
        self.sumdb = sumdb
        self.net = net
        self.caches = caches
        self.servers = servers
        self.endpoint = net.front(primary, name="primary") if net is not None else None
        self.notes: list[str] = []

    # -- pieces ----------------------------------------------------------------------------------

    def primary_url(self) -> str:
        return self.endpoint.url if self.endpoint is not None else self.primary.url

    def values(self, relay: NginxRelay | None = None) -> dict[str, str]:
        values = {"primary": self.primary_url(), "private": self.m.private()}
        if self.backup is not None:
            values["backup"] = self.backup.url
        if self.sumdb is not None:
            values["sumdb_key"] = self.sumdb.key
        if relay is not None:
            values["relay"] = relay.url
        return values

    def inject(self) -> None:
        """Put the fault in place (FaultError: this machine cannot make it)."""
        if self.fault == NO_FAULT:
            return
        params = self.m.fault_params.get(self.fault, {})
        if self.fault in FAULTS:
            get_fault(self.fault)
            assert self.endpoint is not None
            self.endpoint.inject(self.fault, **params)
        else:
            get_http_fault(self.fault)
            self.primary.inject(self.fault, **params)

    def cache(self) -> ModuleCache:
        cache = self.m.runner.module_cache()
        self.caches.append(cache)
        return cache

    def go(
        self, env: Mapping[str, str], timeout: float, modcache: ModuleCache | None = None
    ) -> GoResult:
        return self.project.run(*self.m.command, env=env, timeout=timeout, modcache=modcache)

    def warm(self, env: Mapping[str, str], modcache: ModuleCache | None) -> GoResult:
        """The fault-free run that fills a cache (module cache or relay)."""
        return self.go(env, self.m.timeout, modcache)

    # -- procedures --------------------------------------------------------------------------------

    def run(self) -> Cell:
        try:
            if self.config.procedure == "warm_cache":
                return self.run_warm()
            if self.config.procedure == "relay":
                return self.run_relay()
            self.inject()
            env = self.config.render(self.values())
            if self.config.procedure == "retry":
                return self.run_retry(env)
            result = self.go(env, self.m.timeout)
            return _verdict(self.fault, self.config.name, result, result.duration)
        except FaultError as exc:
            return _unavailable(
                self.fault, self.config.name, f"the fault cannot be made here: {exc}"
            )

    def warm_env(self) -> dict[str, str]:
        env = {"GOPROXY": self.primary_url(), "GOSUMDB": "off"}
        if self.sumdb is not None:
            env["GOSUMDB"] = self.sumdb.key
        return env

    def run_warm(self) -> Cell:
        cache = self.cache()
        warm = self.warm(self.warm_env(), cache)
        if not warm.ok:
            return self._warm_failed(warm)
        self.inject()
        result = self.go(self.config.render(self.values()), self.m.timeout, cache)
        return _verdict(self.fault, self.config.name, result, result.duration)

    def _warm_failed(self, warm: GoResult) -> Cell:
        cell = _verdict(self.fault, self.config.name, warm, warm.duration)
        return Cell(
            cell.fault,
            cell.config,
            cell.verdict,
            cell.failure,
            cell.seconds,
            f"fault-free warm-up failed: {cell.error}",
        )

    def run_retry(self, env: Mapping[str, str]) -> Cell:
        policy = self.config.retry
        assert policy is not None
        cache = self.cache()
        started = time.monotonic()
        deadline = started + self.m.timeout
        result: GoResult | None = None
        attempts = 0
        for attempt in range(policy.attempts):
            delay = policy.delay_before(attempt)
            if attempt and time.monotonic() + delay >= deadline:
                break
            time.sleep(delay)
            remaining = deadline - time.monotonic()
            later = sum(policy.delay_before(n) for n in range(attempt + 1, policy.attempts))
            share = (remaining - later) / (policy.attempts - attempt)
            limit = max(0.5, min(policy.attempt_timeout, share, remaining))
            result = self.go(env, limit, cache)
            attempts += 1
            if result.ok:
                break
        assert result is not None
        seconds = time.monotonic() - started
        self.notes.append(f"{attempts} attempt(s)")
        cell = _verdict(self.fault, self.config.name, result, seconds, self.notes)
        if cell.verdict != "recovered":
            error = f"after {attempts} attempt(s): {cell.error}"
            cell = Cell(
                cell.fault, cell.config, cell.verdict, cell.failure, seconds, error, cell.notes
            )
        return cell

    def run_relay(self) -> Cell:
        relay = NginxRelay(self.primary_url(), nginx=self.m.nginx, workdir=self.m.workdir)
        self.servers.add(relay.stop)
        relay.start()
        values = self.values(relay)
        env = self.config.render(values)
        warm = self.warm(env, self.cache())
        if not warm.ok:
            return self._warm_failed(warm)
        probe = self._probe_module()
        newer: str | None = None
        if probe is not None:
            relay.get(f"/{escape_path(probe)}/@v/list")  # what `go list -m -versions` would ask
            newer = self._add_newer_version(probe)
        warmed = time.monotonic()
        self.inject()
        relay.set_upstream(self.primary_url())
        # Let the cached @v/list expire, so nginx must ask the (faulted) primary again; nginx
        # keeps time in whole seconds, so an entry valid 1 s may live almost 2.
        time.sleep(max(0.0, warmed + relay.list_valid + 1.1 - time.monotonic()))
        result = self.go(env, self.m.timeout, self.cache())
        if probe is not None and newer is not None:
            self.notes.append(self._stale_note(relay, probe, newer))
        return _verdict(self.fault, self.config.name, result, result.duration, self.notes)

    def _probe_module(self) -> str | None:
        store = self.primary.store
        for module in sorted(store.modules()):
            tagged = [v for v in store.versions(module) if not is_pseudo_version(v)]
            if tagged and not any("+incompatible" in v or "-" in v for v in tagged):
                return module
        return None

    def _add_newer_version(self, module: str) -> str | None:
        store = self.primary.store
        newest = sort_versions([v for v in store.versions(module) if not is_pseudo_version(v)])[-1]
        match = re.fullmatch(r"v(\d+)\.(\d+)\.(\d+)", newest)
        if match is None:
            return None
        major, minor, patch = (int(x) for x in match.groups())
        newer = f"v{major}.{minor}.{patch + 1}"
        store.add_module(module, newer, files={"relay_probe.txt": "added after the warm-up\n"})
        return newer

    def _stale_note(self, relay: NginxRelay, module: str, newer: str) -> str:
        status, body = relay.get(f"/{escape_path(module)}/@v/list")
        if status != 200:
            return f"relay @v/list of {module}: not served (HTTP {status or 'no answer'})"
        listed = body.decode(errors="replace").split()
        if newer in listed:
            return f"relay @v/list of {module}: fresh (lists {newer})"
        return f"relay @v/list of {module}: stale (lacks {newer}, which the primary lists)"


# -- the whole matrix ------------------------------------------------------------------------------


def run_matrix(
    project: str | os.PathLike[str] | MatrixProject | None,
    faults: Sequence[str],
    configs: Sequence[str],
    *,
    jobs: int = 1,
    timeout: float = 60.0,
    progress: Callable[[Cell], None] | None = None,
    modules: ModuleSource | None = None,
    command: Sequence[str] = DEFAULT_COMMAND,
    go: GoBinary | str | os.PathLike[str] | None = None,
    runner: GoRunner | None = None,
    toxiproxy: Toxiproxy | None = None,
    toxiproxy_bin: str | os.PathLike[str] | None = None,
    fault_params: Mapping[str, Mapping[str, object]] | None = None,
    private: str | None = None,
    nginx: str | os.PathLike[str] | None = None,
    workdir: str | os.PathLike[str] | None = None,
) -> list[Cell]:
    """Run every (fault, config) cell for ``project``; cells in fault-major, then config order.

    ``project`` is a Go project directory (default: the bundled example) whose dependencies come
    from ``modules`` (see :class:`MatrixProject`). ``jobs`` > 1 runs cells in threads, each with
    its own servers and endpoints (one toxiproxy shared). ``progress`` is called with each cell as
    it finishes, from the calling thread. Unknown names raise FaultError / ConfigError before
    anything runs. See :class:`MatrixRunner` for the other arguments.
    """
    check_names(faults, configs)
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs!r}")
    spec = project if isinstance(project, MatrixProject) else MatrixProject.of(project, modules)
    pairs = [(f, c) for f in faults for c in configs]
    with MatrixRunner(
        spec,
        runner=runner,
        go=go,
        toxiproxy=toxiproxy,
        toxiproxy_bin=toxiproxy_bin,
        command=command,
        timeout=timeout,
        fault_params=fault_params,
        private=private,
        nginx=nginx,
        workdir=workdir,
    ) as matrix:
        matrix.store()  # build the zips once, before any cell starts its clock
        results: dict[tuple[str, str], Cell] = {}
        if jobs == 1:
            for pair in pairs:
                cell = matrix.run_cell(*pair)
                results[pair] = cell
                if progress is not None:
                    progress(cell)
        else:
            with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="goproxy-matrix") as pool:
                futures = {pool.submit(matrix.run_cell, *pair): pair for pair in pairs}
                try:
                    for future in as_completed(futures):
                        cell = future.result()
                        results[futures[future]] = cell
                        if progress is not None:
                            progress(cell)
                except BaseException:
                    for pending in futures:
                        pending.cancel()
                    raise
        return [results[pair] for pair in pairs]


@contextlib.contextmanager
def matrix_runner(
    project: str | os.PathLike[str] | MatrixProject | None = None, **kwargs: object
) -> Iterator[MatrixRunner]:
    """``with matrix_runner(path, modules=...) as m: m.run_cell("refused", "pipe_backup")``."""
    modules = kwargs.pop("modules", None)
    spec = (
        project if isinstance(project, MatrixProject) else MatrixProject.of(project, modules)  # type: ignore[arg-type]
    )
    with MatrixRunner(spec, **kwargs) as m:  # type: ignore[arg-type]
        yield m

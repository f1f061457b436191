"""Scenario files: a reported outage as a TOML file, reproduced with real go and real toxiproxy.

A scenario names **endpoints** (fake module proxies and checksum databases, all serving the same
modules), puts **faults** on them (network faults from
:data:`~pytest_goproxy.network.FAULTS`, played by toxiproxy in front of the endpoint, time windows
included; HTTP faults from :data:`~pytest_goproxy.httpfaults.HTTP_FAULTS`, played by a proxy
itself), says how go is **configured** (a named configuration from
:data:`~pytest_goproxy.configs.CONFIGS`, or an ``[env]`` table with ``{endpoint}`` placeholders),
which **modules** are served (a txtar file or directory, or a snapshot made by
``pytest-goproxy record``), the **project** and **go command**, a **timeout**, and the
**expected outcome**. The format (every field optional except ``expect.verdict``)::

    description = "CI broke when the CDN in front of our proxy answered 502 for zips"
    modules = "modules"            # txtar dir/file or snapshot dir, relative to this file
    project = "project"            # Go module dir, relative to this file
    command = "mod tidy"           # go arguments, a string or a list (default "mod tidy")
    timeout = 20                   # seconds before go is killed and the run counts as hung
    config = "single"              # a named configuration ... or an [env] table, not both

    [env]                          # placeholders: {<proxy endpoint>} its URL as go sees it,
    GOPROXY = "{primary}|{backup}" # {<sumdb endpoint>} "<key> <url>", {<sumdb>_key}, {<sumdb>_url},
    GOSUMDB = "{sumdb}"            # {private} the modules' first path elements

    [endpoints.primary]            # kind = "proxy" (default) or "sumdb"
    network = [{ fault = "down_for", seconds = 3 }]
    http = [{ fault = "status", code = 502, kind = "zip", times = 2 }]

    [expect]
    verdict = "failed"             # recovered | failed | hung
    failure = "HTTP_STATUS"        # a Failure name (optional)
    go_mod_contains = ["example.test/greet v1.1.0"]   # optional

A named configuration gets the endpoints it needs made for it, without faults: ``primary``,
``backup`` when it uses one, and a checksum database ``sumdb`` reached through the proxies.
Without ``modules`` and ``project``, the bundled module set and project of
:data:`BUNDLED` are used. With ``modules`` but no ``project``, a project is generated that
requires the newest version of every module and imports its root package.

:class:`ScenarioRunner` runs one scenario and returns a :class:`ScenarioResult`: the verdict
(matrix vocabulary: recovered, failed, hung, unavailable), the classified failure, go's error
line, and *why*: each fault's documented effect under the separator that follows its endpoint
in GOPROXY, and what each endpoint was asked.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import string
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from pytest_goproxy.configs import CONFIGS, Config
from pytest_goproxy.errors import FaultError, ScenarioError
from pytest_goproxy.gomod.store import ModuleStore
from pytest_goproxy.gorun import Failure, GoBinary, GoProject, GoResult, GoRunner
from pytest_goproxy.gorun.cache import ModuleCache
from pytest_goproxy.httpfaults import HTTP_FAULTS, HTTPFaultSpec
from pytest_goproxy.matrix import Cell, error_line
from pytest_goproxy.network import FAULTS, Endpoint, Network, Toxiproxy, get_fault
from pytest_goproxy.network.session import LazyToxiproxy
from pytest_goproxy.proxy import FakeGoProxy
from pytest_goproxy.record import Snapshot, is_snapshot
from pytest_goproxy.sumdb import ChecksumDB

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

__all__ = [
    "BUNDLED",
    "VERDICTS",
    "EndpointSpec",
    "Expect",
    "FaultSpec",
    "Scenario",
    "ScenarioResult",
    "ScenarioRunner",
    "bundled_scenarios",
    "find_scenarios",
    "load_scenario",
]

#: The bundled library of outages, its module set (``modules/``) and project (``project/``).
BUNDLED = Path(__file__).resolve().parent / "outages"
#: Verdicts a scenario may expect (``unavailable`` is never expected: it is never a pass).
VERDICTS = ("recovered", "failed", "hung")
DEFAULT_TIMEOUT = 30.0
_TOP = (
    "name",
    "description",
    "modules",
    "project",
    "command",
    "timeout",
    "config",
    "env",
    "endpoints",
    "expect",
)
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
EndpointKind = Literal["proxy", "sumdb"]
Verdict = Literal["recovered", "failed", "hung", "unavailable"]


# -- the format ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FaultSpec:
    """One fault on one endpoint: ``layer`` network (toxiproxy) or http (the proxy plays it)."""

    layer: Literal["network", "http"]
    name: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def label(self) -> str:
        args = ",".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.name}({args})" if args else self.name


@dataclass(frozen=True)
class EndpointSpec:
    name: str
    kind: EndpointKind = "proxy"
    faults: tuple[FaultSpec, ...] = ()

    @property
    def network_faults(self) -> tuple[FaultSpec, ...]:
        return tuple(f for f in self.faults if f.layer == "network")


@dataclass(frozen=True)
class Expect:
    verdict: str
    failure: str | None = None
    go_mod_contains: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scenario:
    """A validated scenario file (see the module docstring for the format)."""

    name: str
    path: Path | None
    description: str
    endpoints: Mapping[str, EndpointSpec]
    config: Config | None
    env: Mapping[str, str] | None
    modules: Path
    project: Path | None
    command: tuple[str, ...]
    timeout: float
    expect: Expect

    @property
    def needs_toxiproxy(self) -> bool:
        return any(ep.network_faults for ep in self.endpoints.values())

    def faults_label(self) -> str:
        parts = [f"{ep.name}:{f.label()}" for ep in self.endpoints.values() for f in ep.faults]
        return " ".join(parts) or "none"

    def config_label(self) -> str:
        if self.config is not None:
            return self.config.name
        return " ".join(f"{k}={v}" for k, v in (self.env or {}).items())

    def expected_label(self) -> str:
        e = self.expect
        return e.verdict + (f" ({e.failure})" if e.failure else "")


class _Checker:
    """Validation with messages that name the file, the field and what is allowed."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, fld: str, problem: str) -> ScenarioError:
        return ScenarioError(f"{self.where}: {fld}: {problem}")

    def table(self, value: object, fld: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(fld, f"must be a table, got {value!r}")
        return value

    def keys(self, data: Mapping[str, Any], fld: str, allowed: Sequence[str]) -> None:
        unknown = sorted(set(data) - set(allowed))
        if unknown:
            where = f"{fld}." if fld else ""
            raise self.fail(
                f"{where}{unknown[0]}", f"unknown field; allowed fields: {', '.join(allowed)}"
            )

    def text(self, value: object, fld: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(fld, f"must be a non-empty string, got {value!r}")
        return value


def _fault(c: _Checker, layer: Literal["network", "http"], raw: object, fld: str) -> FaultSpec:
    catalogue = FAULTS if layer == "network" else HTTP_FAULTS
    allowed = ", ".join(catalogue)
    if isinstance(raw, str):
        raw = {"fault": raw}
    entry = dict(c.table(raw, fld))
    name = entry.pop("fault", None)
    if name is None:
        raise c.fail(f"{fld}.fault", f"missing; allowed {layer} faults: {allowed}")
    if name not in catalogue:
        other = "http" if layer == "network" else "network"
        hint = (
            f" ({name!r} is an {other} fault: put it under `{other}`)"
            if (name in (HTTP_FAULTS if layer == "network" else FAULTS))
            else ""
        )
        raise c.fail(f"{fld}.fault", f"unknown {layer} fault {name!r}{hint}; allowed: {allowed}")
    try:
        if layer == "network":
            get_fault(name).bind(entry)
        else:
            HTTPFaultSpec.from_params(name, entry)
    except FaultError as exc:
        raise c.fail(fld, str(exc)) from None
    return FaultSpec(layer, name, entry)


def _endpoint(c: _Checker, name: str, raw: object) -> EndpointSpec:
    fld = f"endpoints.{name}"
    if not _NAME.match(name):
        raise c.fail(fld, "endpoint names are letters, digits and _ (they become placeholders)")
    data = c.table(raw, fld)
    c.keys(data, fld, ("kind", "network", "http"))
    kind = data.get("kind", "proxy")
    if kind not in ("proxy", "sumdb"):
        raise c.fail(f"{fld}.kind", f"got {kind!r}; allowed: proxy, sumdb")
    faults: list[FaultSpec] = []
    for layer in ("network", "http"):
        entries = data.get(layer, [])
        if not isinstance(entries, list):
            entries = [entries]
        if layer == "http" and entries and kind == "sumdb":
            raise c.fail(
                f"{fld}.http",
                "HTTP faults are played by proxies; a sumdb endpoint takes network faults only",
            )
        for i, entry in enumerate(entries):
            faults.append(_fault(c, layer, entry, f"{fld}.{layer}[{i}]"))
    return EndpointSpec(name, kind, tuple(faults))


def _placeholders(c: _Checker, env: Mapping[str, str], allowed: Sequence[str]) -> None:
    for key, template in env.items():
        try:
            parsed = list(string.Formatter().parse(template))
        except ValueError as exc:
            raise c.fail(f"env.{key}", f"{template!r}: {exc}") from None
        for _, name, spec, conv in parsed:
            if name is not None and (name not in allowed or spec or conv):
                raise c.fail(
                    f"env.{key}",
                    f"unknown placeholder {{{name}}}; allowed: "
                    + ", ".join(f"{{{a}}}" for a in allowed),
                )


def parse_scenario(data: Mapping[str, Any], *, path: Path | None = None) -> Scenario:
    """A :class:`Scenario` from parsed TOML; :class:`ScenarioError` names field and values."""
    where = str(path) if path is not None else "<scenario>"
    c = _Checker(where)
    base = path.parent if path is not None else Path.cwd()
    c.keys(data, "", _TOP)
    name = data.get("name", path.stem if path is not None else "scenario")
    c.text(name, "name")
    description = str(data.get("description", ""))
    # modules and project
    modules = BUNDLED / "modules"
    project: Path | None = BUNDLED / "project"
    if "modules" in data:
        modules = (base / c.text(data["modules"], "modules")).resolve()
        if not modules.exists():
            raise c.fail(
                "modules",
                f"{modules} does not exist (a txtar file or directory, or a "
                "snapshot directory from `pytest-goproxy record`)",
            )
        project = None
    if "project" in data:
        project = (base / c.text(data["project"], "project")).resolve()
        if not (project / "go.mod").is_file():
            raise c.fail("project", f"{project} is not a Go module (no go.mod)")
    # command and timeout
    command_raw = data.get("command", "mod tidy")
    if isinstance(command_raw, str):
        command = tuple(shlex.split(command_raw))
    elif isinstance(command_raw, list) and all(isinstance(a, str) for a in command_raw):
        command = tuple(command_raw)
    else:
        raise c.fail("command", f"must be a string or a list of strings, got {command_raw!r}")
    if not command:
        raise c.fail("command", 'is empty; e.g. "mod tidy" or "build ./..."')
    if command[0] == "go":
        command = command[1:]
    timeout = data.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise c.fail("timeout", f"must be a positive number of seconds, got {timeout!r}")
    # endpoints
    raw_eps = c.table(data.get("endpoints", {}), "endpoints")
    endpoints = {n: _endpoint(c, n, raw) for n, raw in raw_eps.items()}
    # configuration
    config: Config | None = None
    env: dict[str, str] | None = None
    if "config" in data and "env" in data:
        raise c.fail("config", "give either `config` (a named configuration) or `[env]`, not both")
    if "config" in data:
        cname = data["config"]
        if cname not in CONFIGS:
            raise c.fail(
                "config", f"unknown configuration {cname!r}; allowed: {', '.join(CONFIGS)}"
            )
        config = CONFIGS[cname]
        if config.procedure == "relay":
            raise c.fail(
                "config",
                "`relay` needs nginx and its own procedure: use "
                "`pytest-goproxy matrix --configs relay`; allowed here: "
                + ", ".join(n for n, cf in CONFIGS.items() if cf.procedure != "relay"),
            )
        needed = {"primary": "proxy"}
        if config.uses_backup:
            needed["backup"] = "proxy"
        if config.uses_sumdb:
            needed["sumdb"] = "sumdb"
        for ep_name, kind in needed.items():
            ep = endpoints.setdefault(ep_name, EndpointSpec(ep_name, kind))  # type: ignore[arg-type]
            if ep.kind != kind:
                raise c.fail(
                    f"endpoints.{ep_name}.kind",
                    f"configuration {cname!r} needs {ep_name!r} to be a {kind}",
                )
        extra = sorted(set(endpoints) - set(needed))
        if extra:
            raise c.fail(
                f"endpoints.{extra[0]}",
                f"configuration {cname!r} does not use it; "
                f"its endpoints: {', '.join(needed)} (or write an [env] table)",
            )
    else:
        raw_env = c.table(data.get("env", {}), "env")
        env = {}
        for key, value in raw_env.items():
            env[key] = c.text(value, f"env.{key}") if not isinstance(value, str) else value
        allowed = ["private"]
        for ep in endpoints.values():
            allowed += [ep.name] + (
                [f"{ep.name}_key", f"{ep.name}_url"] if ep.kind == "sumdb" else []
            )
        _placeholders(c, env, allowed)
        if "GOPROXY" not in env:
            raise c.fail(
                "env.GOPROXY",
                "missing (go would run with GOPROXY=off); e.g. "
                'GOPROXY = "{primary}", or use `config = ...`',
            )
    # expectation
    exp = c.table(data.get("expect"), "expect") if "expect" in data else None
    if exp is None:
        raise c.fail(
            "expect",
            f'missing; e.g. [expect] verdict = "failed" (allowed verdicts: {", ".join(VERDICTS)})',
        )
    c.keys(exp, "expect", ("verdict", "failure", "go_mod_contains"))
    verdict = exp.get("verdict")
    if verdict not in VERDICTS:
        raise c.fail("expect.verdict", f"got {verdict!r}; allowed: {', '.join(VERDICTS)}")
    failure = exp.get("failure")
    if failure is not None:
        names = [f.name for f in Failure]
        if not isinstance(failure, str) or failure.upper() not in names:
            raise c.fail("expect.failure", f"got {failure!r}; allowed: {', '.join(names)}")
        if verdict != "failed":
            raise c.fail("expect.failure", "only a `failed` verdict has a failure")
        failure = failure.upper()
    contains = exp.get("go_mod_contains", [])
    if isinstance(contains, str):
        contains = [contains]
    if not isinstance(contains, list) or not all(isinstance(x, str) for x in contains):
        raise c.fail("expect.go_mod_contains", f"must be a list of strings, got {contains!r}")
    return Scenario(
        name=name,
        path=path,
        description=description,
        endpoints=endpoints,
        config=config,
        env=env,
        modules=modules,
        project=project,
        command=command,
        timeout=float(timeout),
        expect=Expect(verdict, failure, tuple(contains)),
    )


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate one scenario file."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"{p}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{p}: not valid TOML: {exc}") from None
    return parse_scenario(data, path=p)


def find_scenarios(path: str | os.PathLike[str]) -> list[Path]:
    """The scenario files at ``path``: the file itself, or every ``*.toml`` below a directory."""
    p = Path(path)
    if p.is_file():
        return [p]
    if p.is_dir():
        return sorted(f for f in p.rglob("*.toml") if f.is_file())
    raise ScenarioError(f"{p}: no such scenario file or directory")


def bundled_scenarios() -> list[Path]:
    """The bundled library of outages users report (see ``pytest_goproxy/outages``)."""
    return find_scenarios(BUNDLED)


# -- running ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioResult:
    """What happened in one scenario run and why; ``passed`` when it matched the expectation."""

    scenario: Scenario
    verdict: Verdict
    failure: str | None
    seconds: float
    error: str | None
    why: tuple[str, ...] = ()
    mismatch: str | None = None
    result: GoResult | None = field(default=None, repr=False, compare=False)

    @property
    def passed(self) -> bool:
        return self.verdict != "unavailable" and self.mismatch is None

    def got_label(self) -> str:
        return self.verdict + (f" ({self.failure})" if self.failure else "")

    def to_cell(self) -> Cell:
        """The matrix cell of this run (fault column: the faults, config: the configuration)."""
        return Cell(
            self.scenario.faults_label(),
            self.scenario.config_label(),
            self.verdict,
            self.failure,
            self.seconds,
            self.error,
            self.why,
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "scenario": self.scenario.name,
            "file": str(self.scenario.path) if self.scenario.path else None,
            "expected": {
                "verdict": self.scenario.expect.verdict,
                "failure": self.scenario.expect.failure,
            },
            "verdict": self.verdict,
            "failure": self.failure,
            "seconds": round(self.seconds, 3),
            "error": self.error,
            "passed": self.passed,
            "mismatch": self.mismatch,
            "why": list(self.why),
        }

    def describe(self) -> str:
        """A person's account: expected, got, why, and go's stderr tail when it mismatched."""
        s = self.scenario
        lines = [f"scenario {s.name}" + (f" ({s.path})" if s.path else "")]
        if s.description:
            lines.append(f"  {s.description}")
        lines.append(
            f"  expected {s.expected_label()}, got {self.got_label()} after {self.seconds:.1f} s"
        )
        if self.mismatch:
            lines.append(f"  MISMATCH: {self.mismatch}")
        lines += [f"  - {w}" for w in self.why]
        if self.mismatch and self.result is not None:
            lines.append("  go said:")
            lines += [f"    {ln}" for ln in self.result.stderr.strip().splitlines()[-12:]]
        return "\n".join(lines)


class _Running:
    """The servers and endpoints of one scenario run; ``close()`` stops them all."""

    def __init__(self) -> None:
        self.closers: list[Any] = []
        self.proxies: dict[str, FakeGoProxy] = {}
        self.sumdbs: dict[str, ChecksumDB] = {}
        self.fronts: dict[str, Endpoint] = {}

    def close(self) -> None:
        threads = [threading.Thread(target=_quiet(c)) for c in reversed(self.closers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)


def _quiet(closer: Any) -> Any:
    def run() -> None:
        with contextlib.suppress(Exception):  # cleanup goes on whatever one server did
            closer()

    return run


class ScenarioRunner:
    """Runs scenarios with real go (``runner``, or one made from ``go``) and a real toxiproxy
    (``toxiproxy``, or one started on first need from ``toxiproxy_bin`` / ``$TOXIPROXY_BIN`` /
    PATH / the build cache; stopped on close). Without toxiproxy, scenarios with network faults
    are ``unavailable``."""

    def __init__(
        self,
        *,
        go: GoBinary | str | os.PathLike[str] | None = None,
        runner: GoRunner | None = None,
        toxiproxy: Toxiproxy | None = None,
        toxiproxy_bin: str | os.PathLike[str] | None = None,
        workdir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.workdir = Path(workdir) if workdir is not None else None
        self._own_runner = runner is None
        self.runner = runner if runner is not None else GoRunner(go, workdir=self.workdir)
        self._toxiproxy = LazyToxiproxy(toxiproxy, toxiproxy_bin)

    def toxiproxy(self) -> Toxiproxy | None:
        return self._toxiproxy.get()

    def close(self) -> None:
        try:
            self._toxiproxy.close()
        finally:
            if self._own_runner:
                self.runner.close()

    def __enter__(self) -> ScenarioRunner:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- one scenario ---------------------------------------------------------------------------

    def run(
        self,
        scenario: Scenario | str | os.PathLike[str],
        project: str | os.PathLike[str] | None = None,
    ) -> ScenarioResult:
        """Run ``scenario`` (``project`` overrides the scenario's) and say what happened."""
        s = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        toxi = self.toxiproxy() if s.needs_toxiproxy else None
        if s.needs_toxiproxy and toxi is None:
            return ScenarioResult(s, "unavailable", None, 0.0, self._toxiproxy.error)
        running = _Running()
        store = ModuleStore(self.workdir)
        running.closers.append(store.close)
        go_project: GoProject | None = None
        try:
            snapshot = Snapshot.load(s.modules) if is_snapshot(s.modules) else None
            if snapshot is not None:
                snapshot.fill(store)
            else:
                store.add_txtar(s.modules)
            self._start_servers(s, store, snapshot, running)
            if toxi is not None:
                net = toxi.network(prefix=f"scenario-{os.getpid()}-{threading.get_ident()}")
                running.closers.append(net.close)
                self._front(s, net, running)
            go_project = self._project(s, project, store)
            return self._procedure(s, go_project, store, running)
        except FaultError as exc:
            return ScenarioResult(s, "unavailable", None, 0.0, f"a fault cannot be made: {exc}")
        finally:
            running.close()

    def _start_servers(
        self, s: Scenario, store: ModuleStore, snapshot: Snapshot | None, running: _Running
    ) -> None:
        for ep in s.endpoints.values():
            if ep.kind == "proxy":
                proxy = FakeGoProxy(store)
                proxy.start()
                running.closers.append(proxy.close)
                running.proxies[ep.name] = proxy
        for ep in s.endpoints.values():
            if ep.kind == "sumdb":
                db_name = "sum.goproxy.test" if ep.name == "sumdb" else f"{ep.name}.goproxy.test"
                db = ChecksumDB(db_name).start()
                running.closers.append(db.stop)
                running.sumdbs[ep.name] = db
                if snapshot is not None:
                    snapshot.sign(db, store)
                    for proxy in running.proxies.values():
                        proxy.serve_sumdb(db)
                else:
                    for proxy in running.proxies.values():
                        db.attach(proxy)

    def _front(self, s: Scenario, net: Network, running: _Running) -> None:
        for ep in s.endpoints.values():
            if ep.network_faults:
                server: object = running.proxies.get(ep.name) or running.sumdbs[ep.name]
                running.fronts[ep.name] = net.front(server, name=ep.name)

    def _project(
        self, s: Scenario, project: str | os.PathLike[str] | None, store: ModuleStore
    ) -> GoProject:
        chosen = Path(project) if project is not None else s.project
        if chosen is not None:
            return self.runner.project_from_dir(chosen)
        requires = {}
        for module in store.modules():
            latest = store.latest(module)
            if latest is not None:
                requires[module] = latest.version
        return self.runner.project(requires=requires)

    # -- the procedure ----------------------------------------------------------------------------

    def _values(self, s: Scenario, store: ModuleStore, running: _Running) -> dict[str, str]:
        values = {"private": ",".join(sorted({m.split("/", 1)[0] for m in store.modules()}))}
        for name, proxy in running.proxies.items():
            front = running.fronts.get(name)
            values[name] = front.url if front is not None else proxy.url
        for name, db in running.sumdbs.items():
            front = running.fronts.get(name)
            url = front.url if front is not None else db.url
            values[name] = f"{db.key} {url}"
            values[f"{name}_key"] = db.key
            values[f"{name}_url"] = url
        return values

    def _env(self, s: Scenario, values: Mapping[str, str]) -> dict[str, str]:
        if s.config is not None:
            return s.config.render({**values, "sumdb_key": values.get("sumdb_key", "")})
        return {k: v.format_map(values) for k, v in (s.env or {}).items()}

    def _inject(self, s: Scenario, running: _Running) -> None:
        for ep in s.endpoints.values():
            for f in ep.faults:
                if f.layer == "network":
                    running.fronts[ep.name].inject(f.name, **f.params)
                else:
                    running.proxies[ep.name].inject(f.name, **f.params)

    def _procedure(
        self, s: Scenario, project: GoProject, store: ModuleStore, running: _Running
    ) -> ScenarioResult:
        cache: ModuleCache | None = None
        notes: list[str] = []
        procedure = s.config.procedure if s.config is not None else "plain"
        if procedure == "warm_cache":
            cache = self.runner.module_cache()
            warm = project.run(
                *s.command,
                env=self._env(
                    s,
                    {**self._values(s, store, running), "primary": running.proxies["primary"].url},
                ),
                timeout=s.timeout,
                modcache=cache,
            )
            notes.append("warm-up run without faults: " + ("ok" if warm.ok else "FAILED"))
        self._inject(s, running)
        env = self._env(s, self._values(s, store, running))
        started = time.monotonic()
        if procedure == "retry" and s.config is not None and s.config.retry is not None:
            result, attempts = self._retry(s, project, env, s.config)
            notes.append(f"{attempts} attempt(s) ({s.config.retry.describe()})")
        else:
            result = project.run(*s.command, env=env, timeout=s.timeout, modcache=cache)
        seconds = time.monotonic() - started
        if cache is not None:
            cache.remove()
        return self._judge(s, result, seconds, env, running, notes)

    def _retry(
        self, s: Scenario, project: GoProject, env: Mapping[str, str], config: Config
    ) -> tuple[GoResult, int]:
        policy = config.retry
        assert policy is not None
        cache = self.runner.module_cache()
        deadline = time.monotonic() + s.timeout
        result: GoResult | None = None
        attempts = 0
        try:
            for attempt in range(policy.attempts):
                delay = policy.delay_before(attempt)
                if attempt and time.monotonic() + delay >= deadline:
                    break
                time.sleep(delay)
                remaining = deadline - time.monotonic()
                limit = max(0.5, min(policy.attempt_timeout, remaining))
                result = project.run(*s.command, env=env, timeout=limit, modcache=cache)
                attempts += 1
                if result.ok:
                    break
        finally:
            cache.remove()
        assert result is not None
        return result, attempts

    # -- what happened and why ------------------------------------------------------------------

    def _judge(
        self,
        s: Scenario,
        result: GoResult,
        seconds: float,
        env: Mapping[str, str],
        running: _Running,
        notes: Sequence[str],
    ) -> ScenarioResult:
        verdict: Verdict
        failure: str | None = None
        if result.ok:
            verdict = "recovered"
        elif result.hung:
            verdict = "hung"
        else:
            verdict = "failed"
            failure = result.failure.name if result.failure is not None else "UNKNOWN"
        error = error_line(result)
        why = [*_explain(s, env, running), *notes, *_asked(running)]
        if error:
            why.append(f"go: {error}")
        mismatch = None
        e = s.expect
        if verdict != e.verdict:
            mismatch = f"expected {e.verdict}, got {verdict}"
        elif e.failure is not None and failure != e.failure:
            mismatch = f"expected failure {e.failure}, got {failure}"
        else:
            missing = [t for t in e.go_mod_contains if t not in (result.go_mod or "")]
            if missing:
                mismatch = f"go.mod lacks {missing[0]!r}"
        return ScenarioResult(s, verdict, failure, seconds, error, tuple(why), mismatch, result)


def _separator_after(goproxy: str, url: str) -> str | None:
    """``,`` or ``|`` after the GOPROXY entry ``url``; ``""`` if it is the last; None if absent."""
    for match in re.finditer(r"([^,|]+)([,|]?)", goproxy):
        if match.group(1).strip() == url:
            return match.group(2)
    return None


def _explain(s: Scenario, env: Mapping[str, str], running: _Running) -> Iterator[str]:
    """Each fault with what go is documented to do given its place in GOPROXY."""
    goproxy = env.get("GOPROXY", "off")
    yield f"GOPROXY={goproxy}" + (f" GOSUMDB={env['GOSUMDB']}" if "GOSUMDB" in env else "")
    for ep in s.endpoints.values():
        for f in ep.faults:
            entry = FAULTS[f.name] if f.layer == "network" else HTTP_FAULTS[f.name]
            text = f"{ep.name}: {f.layer} fault {f.label()}: {entry.summary}"
            if ep.kind == "sumdb":
                text += (
                    " go needs the checksum database for every module go.sum lacks and "
                    "never falls back from it."
                )
                yield text
                continue
            front = running.fronts.get(ep.name)
            url = front.url if front is not None else running.proxies[ep.name].url
            sep = _separator_after(goproxy, url)
            if sep == ",":
                text += f" Followed by `,`: {entry.comma}"
            elif sep == "|":
                text += f" Followed by `|`: {entry.pipe}"
            elif sep == "":
                text += " Last GOPROXY entry: nothing to fall back on."
            else:
                text += " Not in GOPROXY (go reaches it some other way, or not at all)."
            yield text


def _asked(running: _Running) -> Iterator[str]:
    for name, proxy in running.proxies.items():
        log = list(proxy.request_log)
        faulted = sum(1 for r in log if r.faulted)
        yield f"{name} was asked {len(log)} request(s)" + (
            f", {faulted} faulted" if faulted else ""
        )
    for name, db in running.sumdbs.items():
        yield f"{name} (checksum database) was asked {len(db.requests())} request(s)"


# -- the `pytest-goproxy run` command ------------------------------------------------------------


def run_files(
    paths: Sequence[str | os.PathLike[str]],
    project: str | os.PathLike[str] | None = None,
    *,
    runner: ScenarioRunner,
    progress: Any = None,
) -> list[ScenarioResult]:
    """Load every scenario at ``paths`` first (a bad file stops before anything runs), then run
    them one by one; ``progress(result)`` is called after each."""
    scenarios = [load_scenario(f) for p in paths for f in find_scenarios(p)]
    results = []
    for s in scenarios:
        result = runner.run(s, project)
        results.append(result)
        if progress is not None:
            progress(result)
    return results


def results_table(results: Sequence[ScenarioResult]) -> Any:
    """A rich table: scenario, faults, configuration, expected, got, seconds, why."""
    from rich.table import Table

    table = Table(title="outage scenarios", show_lines=True)
    for column in ("scenario", "faults", "config", "expected", "got", "s", "why"):
        table.add_column(column, overflow="fold")
    for r in results:
        style = "green" if r.passed else ("yellow" if r.verdict == "unavailable" else "red")
        why = list(r.why)
        if r.mismatch:
            why.insert(0, f"MISMATCH: {r.mismatch}")
        table.add_row(
            r.scenario.name,
            r.scenario.faults_label(),
            r.scenario.config_label(),
            r.scenario.expected_label(),
            f"[{style}]{r.got_label()}[/{style}]",
            f"{r.seconds:.1f}",
            "\n".join(why) if not r.passed or r.verdict != "unavailable" else (r.error or ""),
        )
    return table

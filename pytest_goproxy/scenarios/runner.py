"""Scenario files: a reported outage as a TOML file, reproduced with real go and real toxiproxy.

The format (every field, what each means, how it is validated) is in
:mod:`pytest_goproxy.scenarios.format`; its names are re-exported here.

:class:`ScenarioRunner` runs one scenario and returns a :class:`ScenarioResult`: the verdict
(matrix vocabulary: recovered, failed, hung, unavailable), the classified failure, go's error
line, and *why*: each fault's documented effect under the separator that follows its endpoint
in GOPROXY, and what each endpoint was asked.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from pytest_goproxy.configs import Config
from pytest_goproxy.errors import FaultError
from pytest_goproxy.gomod.store import ModuleStore
from pytest_goproxy.gorun import GoBinary, GoProject, GoResult, GoRunner
from pytest_goproxy.gorun.cache import ModuleCache
from pytest_goproxy.gorun.outcome import Verdict, error_line, verdict_of
from pytest_goproxy.httpfaults import HTTP_FAULTS
from pytest_goproxy.matrix.runner import _Servers, private_pattern
from pytest_goproxy.network import FAULTS, Endpoint, Network, Toxiproxy
from pytest_goproxy.network.session import LazyToxiproxy
from pytest_goproxy.outage.cell import Cell
from pytest_goproxy.proxy import FakeGoProxy
from pytest_goproxy.record import Snapshot, is_snapshot
from pytest_goproxy.scenarios.format import (
    BUNDLED,
    VERDICTS,
    EndpointSpec,
    Expect,
    FaultSpec,
    Scenario,
    bundled_scenarios,
    find_scenarios,
    load_scenario,
    parse_scenario,
)
from pytest_goproxy.sumdb import ChecksumDB

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
    "parse_scenario",
]

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


class _Running(_Servers):
    """The servers and endpoints of one scenario run; ``close()`` stops them all, in parallel."""

    def __init__(self) -> None:
        super().__init__()
        self.proxies: dict[str, FakeGoProxy] = {}
        self.sumdbs: dict[str, ChecksumDB] = {}
        self.fronts: dict[str, Endpoint] = {}


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
        values = {"private": private_pattern(store)}
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
        verdict, failure = verdict_of(result)
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

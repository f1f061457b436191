"""What is done around the go command in one outage, each procedure defined once.

A configuration names its procedure (:data:`pytest_goproxy.configs.Procedure`); the matrix,
scenario files and the pytest matrix cells all run it from here, with the same deadline rules:

* ``plain``: the faults are put in place, then go runs once with the cell's deadline;
* ``warm_cache``: go runs once fault-free with the primary, filling a module cache (a restored
  CI cache) and go.sum; a failed warm-up is the cell's result (``failed``, "fault-free warm-up
  failed: ..."); otherwise the faults go in and go runs again with that cache;
* ``retry``: the faults go in, then a wrapper runs go up to ``attempts`` times with a backoff;
  all attempts and sleeps fit in the cell's deadline, each attempt getting its share
  (:func:`attempt_limit`);
* ``relay``: a real nginx caching relay in front of the primary is warmed fault-free, the
  primary gets a newer version of one dependency and the faults, and go runs through the relay
  once its cached version list has expired;
* ``toolchain_cached``: ``go version`` runs once fault-free with the primary, which puts the
  toolchain the project switches to in a module cache (a CI cache restored with the toolchain
  but not the modules); then the faults go in and the command runs with that cache. Without a
  switch the warm-up leaves the cache empty, and the cell is ``plain``.

Adding a procedure means a function here, its name in :data:`PROCEDURES` and in
:data:`~pytest_goproxy.configs.Procedure`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from pytest_goproxy.configs import CONFIGS, RetryPolicy
from pytest_goproxy.gomod.escape import escape_path
from pytest_goproxy.gomod.semver import is_pseudo_version, sort_versions
from pytest_goproxy.gomod.store import ModuleStore
from pytest_goproxy.gorun import GoProject, GoResult, GoRunner, ModuleCache
from pytest_goproxy.outage import schedule
from pytest_goproxy.outage.endpoints import Endpoints
from pytest_goproxy.outage.relay import NginxRelay

__all__ = ["PROCEDURES", "Ran", "RunContext", "attempt_limit", "no_private_note"]

#: The shortest time an attempt is given, however little of the deadline is left.
MIN_ATTEMPT = 0.5


@dataclass
class RunContext:
    """What a procedure works with: the running endpoints, the project, go, the deadline."""

    endpoints: Endpoints
    project: GoProject
    runner: GoRunner
    command: tuple[str, ...]
    timeout: float
    #: placeholder values -> go's environment (a configuration or an ``[env]`` template)
    render: Callable[[Mapping[str, str]], dict[str, str]]
    private: str | None = None
    retry: RetryPolicy | None = None
    nginx: str | None = None
    workdir: str | None = None
    caches: list[ModuleCache] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: GOTOOLCHAIN of every run (None: the runner's); ``auto`` when the cell starts with a
    #: toolchain switch. A configuration's own GOTOOLCHAIN wins (gotoolchain_local).
    gotoolchain: str | None = None
    #: names the guard routes besides the endpoints' (go's direct path for toolchains)
    extra_routes: Mapping[str, object] = field(default_factory=dict)

    def env(self, **extra: str) -> dict[str, str]:
        """go's environment from the endpoints' values now (a ``dns`` fault changes a URL, so
        this is computed after the faults are in).

        ``private == ""`` says the project has no private pattern (a user whose go env sets
        none): ``{private}`` renders empty, not the endpoints' stand-in covering every module,
        so a configuration built on it measures what the user has. That it then equals a
        configuration without it is said in the cell's notes (:func:`no_private_note`), here,
        where every front end's run passes."""
        values = {**self.endpoints.values(self.private), **extra}
        if self.private != "":
            return self.render(values)
        values["private"] = ""
        env = self.render(values)
        note = no_private_note(self.render, values)
        if note is not None and note not in self.notes:
            self.notes.append(note)
        return env

    def warm_env(self) -> dict[str, str]:
        """The fault-free environment that fills a cache: the primary, and the checksum
        database through it when there is one. (A project with private modules cannot fill it
        so: the cell fails at the warm-up, as the CI job that should have filled it would.)"""
        db = self.endpoints.sumdbs.get("sumdb")
        return {"GOPROXY": self.endpoints.url("primary"), "GOSUMDB": db.key if db else "off"}

    def go(
        self, env: Mapping[str, str], timeout: float, modcache: ModuleCache | None = None
    ) -> GoResult:
        """The command once, with the endpoints' routes (origins and databases by name)."""
        return self.run(self.command, env, timeout, modcache)

    def run(
        self,
        command: tuple[str, ...],
        env: Mapping[str, str],
        timeout: float,
        modcache: ModuleCache | None = None,
    ) -> GoResult:
        """Any go command in the project, as :meth:`go` runs the cell's."""
        routes = {**self.endpoints.routes(), **self.extra_routes}
        return self.project.run(
            *command,
            env=env,
            timeout=timeout,
            modcache=modcache,
            routes=routes or None,
            gotoolchain=self.gotoolchain,
            resolver=self.endpoints.resolver,
        )

    def cache(self) -> ModuleCache:
        """A new module cache, removed when the run ends."""
        cache = self.runner.module_cache()
        self.caches.append(cache)
        return cache

    def close(self) -> None:
        for cache in self.caches:
            cache.remove()


def no_private_note(
    render: Callable[[Mapping[str, str]], dict[str, str]], values: Mapping[str, str]
) -> str | None:
    """``no private pattern: GOPRIVATE is empty, so this is comma_direct`` for a setup whose
    ``{private}`` variables rendered empty; None when it uses no ``{private}``.

    The variables are found by rendering once more with a stand-in pattern; the twin is the
    first catalogue configuration without ``{private}`` that renders to the same environment
    once the empty variables are left out (go reads an empty GOPRIVATE as unset)."""
    stand_in = render({**values, "private": "private.invalid"})
    env = render(values)
    emptied = [key for key, value in env.items() if value == "" and stand_in.get(key) != ""]
    if not emptied:
        return None
    names = " and ".join(emptied)
    said = f"no private pattern: {names} {'is' if len(emptied) == 1 else 'are'} empty"
    effective = {key: value for key, value in env.items() if key not in emptied}
    for config in CONFIGS.values():
        if "private" in config.placeholders or config.placeholders - set(values):
            continue
        if config.render(values) == effective:
            return f"{said}, so this is {config.name}"
    return said


@dataclass(frozen=True)
class Ran:
    """A procedure's result: the go run that decides the verdict, how long the procedure took,
    the environment of that run, and what to put before go's error line."""

    result: GoResult
    seconds: float
    env: Mapping[str, str]
    error_prefix: str = ""


Procedure = Callable[[RunContext], Ran]


def plain(ctx: RunContext) -> Ran:
    ctx.endpoints.inject_planned()
    env = ctx.env()
    result = ctx.go(env, ctx.timeout)
    return Ran(result, result.duration, env)


def warm_cache(ctx: RunContext) -> Ran:
    cache = ctx.cache()
    warm_env = ctx.warm_env()
    warm = ctx.go(warm_env, ctx.timeout, cache)
    if not warm.ok:
        return Ran(warm, warm.duration, warm_env, "fault-free warm-up failed: ")
    ctx.endpoints.inject_planned()
    env = ctx.env()
    result = ctx.go(env, ctx.timeout, cache)
    return Ran(result, result.duration, env)


def toolchain_cached(ctx: RunContext) -> Ran:
    cache = ctx.cache()
    warm_env = ctx.warm_env()
    warm = ctx.run(("version",), warm_env, ctx.timeout, cache)
    if not warm.ok:
        return Ran(warm, warm.duration, warm_env, "fault-free toolchain download failed: ")
    if warm.switched_to is None:
        ctx.notes.append("no toolchain switch: the cache stayed empty, so this is plain")
    ctx.endpoints.inject_planned()
    env = ctx.env()
    result = ctx.go(env, ctx.timeout, cache)
    return Ran(result, result.duration, env)


def attempt_limit(policy: RetryPolicy, attempt: int, remaining: float) -> float:
    """The time attempt ``attempt`` (from 0) may take when ``remaining`` seconds of the deadline
    are left: its share of what remains after the backoff sleeps still to come, capped by the
    policy's ``attempt_timeout`` and by ``remaining``, and never below half a second."""
    later = sum(policy.delay_before(n) for n in range(attempt + 1, policy.attempts))
    share = (remaining - later) / (policy.attempts - attempt)
    return max(MIN_ATTEMPT, min(policy.attempt_timeout, share, remaining))


def retry(ctx: RunContext) -> Ran:
    policy = ctx.retry or RetryPolicy()
    ctx.endpoints.inject_planned()
    env = ctx.env()
    cache = ctx.cache()
    started = time.monotonic()
    deadline = started + ctx.timeout
    result: GoResult | None = None
    attempts = 0
    for attempt in range(policy.attempts):
        delay = policy.delay_before(attempt)
        if attempt and time.monotonic() + delay >= deadline:
            break  # the next attempt could not start before the deadline
        # a backoff needs no CPU (the scheduler lends the slot meanwhile) and ends at a cancel
        schedule.sleep(delay)
        limit = attempt_limit(policy, attempt, deadline - time.monotonic())
        result = ctx.go(env, limit, cache)
        attempts += 1
        if result.ok:
            break
    assert result is not None
    ctx.notes.append(f"{attempts} attempt(s) ({policy.describe()})")
    prefix = "" if result.ok else f"after {attempts} attempt(s): "
    return Ran(result, time.monotonic() - started, env, prefix)


def relay(ctx: RunContext) -> Ran:
    primary = ctx.endpoints.proxies["primary"]
    # over HTTPS (matrix --tls) the relay faces go over HTTPS too, and so speaks HTTP/2 to it
    tls = ctx.endpoints.plans["primary"].tls
    nginx = NginxRelay(ctx.endpoints.url("primary"), nginx=ctx.nginx, workdir=ctx.workdir, tls=tls)
    ctx.endpoints.add(nginx.stop)
    nginx.start()
    env = ctx.env(relay=nginx.url)
    warm = ctx.go(env, ctx.timeout, ctx.cache())
    if not warm.ok:
        return Ran(warm, warm.duration, env, "fault-free warm-up failed: ")
    probe = _probe_module(primary.store)
    newer: str | None = None
    if probe is not None:
        nginx.get(f"/{escape_path(probe)}/@v/list")  # what `go list -m -versions` would ask
        newer = _add_newer_version(primary.store, probe)
    warmed = time.monotonic()
    ctx.endpoints.inject_planned()
    nginx.set_upstream(ctx.endpoints.url("primary"))
    # Let the cached @v/list expire, so nginx must ask the (faulted) primary again; nginx keeps
    # time in whole seconds, so an entry valid 1 s may live almost 2.
    schedule.sleep(warmed + nginx.list_valid + 1.1 - time.monotonic())
    result = ctx.go(env, ctx.timeout, ctx.cache())
    if probe is not None and newer is not None:
        ctx.notes.append(_stale_note(nginx, probe, newer))
    return Ran(result, result.duration, env)


def _probe_module(store: ModuleStore) -> str | None:
    """A dependency with plain tagged versions, whose version list the relay caches."""
    for module in sorted(store.modules()):
        tagged = [v for v in store.versions(module) if not is_pseudo_version(v)]
        if tagged and not any("+incompatible" in v or "-" in v for v in tagged):
            return module
    return None


def _add_newer_version(store: ModuleStore, module: str) -> str | None:
    newest = sort_versions([v for v in store.versions(module) if not is_pseudo_version(v)])[-1]
    match = re.fullmatch(r"v(\d+)\.(\d+)\.(\d+)", newest)
    if match is None:
        return None
    major, minor, patch = (int(x) for x in match.groups())
    newer = f"v{major}.{minor}.{patch + 1}"
    store.add_module(module, newer, files={"relay_probe.txt": "added after the warm-up\n"})
    return newer


def _stale_note(nginx: NginxRelay, module: str, newer: str) -> str:
    """Whether the relay's @v/list (read after go ran) lists the version added upstream. The
    read may itself meet the fault (a cut body): that is an observation, not a crash."""
    try:
        status, body = nginx.get(f"/{escape_path(module)}/@v/list")
    except Exception as exc:
        return f"relay @v/list of {module}: could not be read ({type(exc).__name__}: {exc})"
    if status != 200:
        return f"relay @v/list of {module}: not served (HTTP {status or 'no answer'})"
    listed = body.decode(errors="replace").split()
    if newer in listed:
        return f"relay @v/list of {module}: fresh (lists {newer})"
    return f"relay @v/list of {module}: stale (lacks {newer}, which the primary lists)"


#: Every procedure by the name a configuration gives it.
PROCEDURES: dict[str, Procedure] = {
    "plain": plain,
    "warm_cache": warm_cache,
    "retry": retry,
    "relay": relay,
    "toolchain_cached": toolchain_cached,
}

"""Scenario files: the format of a reported outage as a TOML file, and its validation.

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
    allow_outside = false          # true lets modules/project be outside this file's directory
    private = "corp.example"       # the project's private modules: only their origin has them
    command = "mod tidy"           # go arguments, a string or a list (default "mod tidy")
    timeout = 20                   # seconds before go is killed and the run counts as hung
    toolchain = "go1.99.0"         # go switches to this toolchain first (GOTOOLCHAIN=auto)
    config = "single"              # a named configuration ... or an [env] table, not both
    # line = "GOPROXY=https://goproxy.cn,direct GONOSUMDB=corp.example"   ... or your own
    #                              # line, its hosts served by name: [endpoints."goproxy.cn"]

    [env]                          # placeholders: {<proxy endpoint>} its URL as go sees it,
    GOPROXY = "{primary}|{backup}" # {<sumdb endpoint>} "<key> <url>", {<sumdb>_key}, {<sumdb>_url},
    GOSUMDB = "{sumdb}"            # {private} the private modules (else the modules' first path
                                   # elements), {corporate_ca} a CA bundle trusting the
                                   # intercepting firewall too

    [endpoints.primary]            # kind = "proxy" (default), "sumdb" or "origin"
    tls = true                     # serve https:// (the session test CA, which go trusts)
    network = [{ fault = "down_for", seconds = 3 }]
    http = [{ fault = "status", code = 502, kind = "zip", times = 2 }]

    [expect]
    verdict = "failed"             # recovered | failed | hung
    failure = "HTTP_STATUS"        # a Failure name (optional)
    go_mod_contains = ["example.test/greet v1.1.0"]   # optional

A named configuration gets the endpoints it needs made for it, without faults: ``primary``,
``backup`` when it uses one, a checksum database ``sumdb`` reached through the proxies, and
``origin`` when go may fetch directly. An ``origin`` endpoint holds every module in git and is
reached by the modules' host names (no placeholder); it takes network faults (``refused`` and
``dns`` there are the corporate proxy's 502 and 503), not HTTP faults, and always speaks HTTPS.
``private`` names the project's private modules (a GOPRIVATE-style pattern): the proxies and the
checksum database answer 410 Gone for them, as proxy.golang.org and sum.golang.org do.
``toolchain`` makes the run start with a toolchain switch, as a go.mod newer than the CI's go
does: the proxies serve it as a synthetic toolchain (``golang.org/toolchain``, which an HTTP
fault selects with ``module = "golang.org/toolchain"``), the project's go.mod gets that
``toolchain`` line, and go runs with ``GOTOOLCHAIN=auto`` unless the configuration or ``[env]``
sets GOTOOLCHAIN (:attr:`Outage.toolchain <pytest_goproxy.outage.Outage.toolchain>`).
Without ``modules`` and ``project``, the bundled module set and project of
:data:`BUNDLED` are used. With ``modules`` but no ``project``, a project is generated that
requires the newest version of every module and imports its root package.

``line`` is your own line of Go settings, literally (:mod:`pytest_goproxy.literal`): every
``https://`` host of its GOPROXY is a proxy served under that name and ``direct`` the origins;
its endpoints are named by host (``[endpoints."goproxy.cn"]``, ``[endpoints."sum.golang.org"]``,
``[endpoints.origin]``) and always speak HTTPS.

The path-valued keys (``modules``, ``project``) are relative to the scenario file's directory and
must stay inside it (after ``..`` and symbolic links are resolved) unless the file says
``allow_outside = true``. A scenario file travels (attached to an issue, copied between
repositories), and its ``modules`` are read and served to go: a path that climbs out of the
file's directory, or an absolute one, reads files nobody handed over with it, so the file has to
say so where a reader sees it. ``modules`` must also hold modules: a directory without a single
``<module>_<version>.txt`` archive is refused when the file is read, not served as an empty
proxy that a scenario expecting ``recovered`` would pass against.

A scenario file is still code, like a Makefile: ``command`` and ``[env]`` reach go unfiltered,
and go runs programs by design (``-toolexec``, ``go generate``, ``go test``, ``CC``,
``GOFLAGS``, a project's ``toolchain`` line). Run only scenario files you would run as a script.

The runner that plays a scenario with real go and real toxiproxy is :mod:`pytest_goproxy.scenarios`.
"""

from __future__ import annotations

import os
import re
import shlex
import string
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_goproxy.configs import CONFIGS, Configuration
from pytest_goproxy.errors import ConfigError, FaultError, ModuleSourceError, ScenarioError
from pytest_goproxy.gomod.sources import ModuleSource
from pytest_goproxy.gomod.toolchain import check_toolchain_name
from pytest_goproxy.gorun import Failure
from pytest_goproxy.gorun.runner import check_timeout
from pytest_goproxy.httpfaults import HTTP_FAULTS
from pytest_goproxy.literal import literal_configuration
from pytest_goproxy.network import FAULTS
from pytest_goproxy.outage.endpoints import EndpointPlan
from pytest_goproxy.outage.engine import Outage, config_endpoints
from pytest_goproxy.outage.faults import BoundFault, Layer, bind_fault

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]


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
    "allow_outside",
    "private",
    "command",
    "timeout",
    "toolchain",
    "config",
    "env",
    "line",
    "endpoints",
    "expect",
)
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
#: Where a scenario given as data, not read from a file, says its errors are.
_NO_FILE = "<scenario>"


# -- the format ------------------------------------------------------------------------------------


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
    endpoints: Mapping[str, EndpointPlan]
    config: Configuration | None
    env: Mapping[str, str] | None
    modules: Path
    project: Path | None
    command: tuple[str, ...]
    timeout: float
    expect: Expect
    #: the project's private modules (a GOPRIVATE-style pattern), or None
    private: str | None = None
    #: the toolchain go switches to first (``go1.99.0``), or None
    toolchain: str | None = None

    def field_error(self, fld: str, problem: str) -> ScenarioError:
        """The error for a problem with field ``fld`` of this file found after it was read
        (modules that fail to load), worded like every error found while reading it."""
        return _Checker(str(self.path) if self.path is not None else _NO_FILE).fail(fld, problem)

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

    def outage(self) -> Outage:
        """This scenario as one outage of the engine."""
        setup = self.config if self.config is not None else dict(self.env or {})
        return Outage(
            self.faults_label(),
            self.config_label(),
            tuple(self.endpoints.values()),
            setup,
            self.command,
            self.timeout,
            self.toolchain,
        )


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

    def path(self, value: object, fld: str, base: Path, *, allow_outside: bool) -> Path:
        """A path-valued field: relative to ``base`` (the file's directory), resolved, and
        inside ``base`` unless the file allows otherwise (see the module docstring for why).
        Every path-valued field goes through here, so they all keep the same rule."""
        given = self.text(value, fld)
        resolved = (base / given).resolve()
        home = base.resolve()
        if not allow_outside and not resolved.is_relative_to(home):
            raise self.fail(
                fld,
                f"{given!r} is {resolved}, outside this file's directory {home}; "
                "a scenario reads only paths below its own directory unless it says "
                "`allow_outside = true` (add that line if this path is meant)",
            )
        return resolved


def _fault(c: _Checker, layer: Layer, raw: object, fld: str) -> BoundFault:
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
        return bind_fault(name, entry, layer=layer)
    except FaultError as exc:
        raise c.fail(fld, str(exc)) from None


def _line(c: _Checker, data: Mapping[str, object]) -> Configuration | None:
    """The configuration of ``line = "GOPROXY=https://goproxy.cn,direct ..."`` (your own Go
    settings, served by their host names: :mod:`pytest_goproxy.literal`), or None."""
    if "line" not in data:
        return None
    if "config" in data or "env" in data:
        raise c.fail("line", "give one of `line`, `config` and `[env]`")
    text = c.text(data["line"], "line")
    try:
        return literal_configuration(text)
    except ConfigError as exc:
        raise c.fail("line", str(exc)) from None


def _by_endpoint(
    c: _Checker, line: Configuration, raw_eps: Mapping[str, object]
) -> dict[str, object]:
    """A line's endpoint tables, keyed by the hosts the line serves (``[endpoints."goproxy.cn"]``)
    or ``origin``, renamed to the endpoints they are and given their kind."""
    needed = config_endpoints(line)
    by_host = {s.host: s.endpoint for s in line.served}
    renamed: dict[str, object] = {}
    for key, raw in raw_eps.items():
        name = by_host.get(key, key if key == "origin" else None)
        if name is None or name not in needed:
            served = ", ".join([*by_host, *(["origin"] if "origin" in needed else [])])
            raise c.fail(f"endpoints.{key}", f"the line does not serve it; it serves: {served}")
        table = dict(c.table(raw, f"endpoints.{key}"))
        table.setdefault("kind", needed[name])
        renamed[name] = table
    return renamed


def _endpoint(c: _Checker, name: str, raw: object) -> EndpointPlan:
    fld = f"endpoints.{name}"
    if not _NAME.match(name):
        raise c.fail(fld, "endpoint names are letters, digits and _ (they become placeholders)")
    data = c.table(raw, fld)
    c.keys(data, fld, ("kind", "network", "http", "tls"))
    kind = data.get("kind", "proxy")
    if kind not in ("proxy", "sumdb", "origin"):
        raise c.fail(f"{fld}.kind", f"got {kind!r}; allowed: proxy, sumdb, origin")
    tls = data.get("tls", kind == "origin")
    if not isinstance(tls, bool):
        raise c.fail(f"{fld}.tls", f"got {tls!r}; allowed: true, false")
    if kind == "origin" and not tls:
        raise c.fail(f"{fld}.tls", "an origin always speaks HTTPS (go reaches it by name)")
    faults: list[BoundFault] = []
    for layer in ("network", "http"):
        entries = data.get(layer, [])
        if not isinstance(entries, list):
            entries = [entries]
        if layer == "http" and entries and kind != "proxy":
            raise c.fail(
                f"{fld}.http",
                f"HTTP faults are played by proxies; {'an' if kind == 'origin' else 'a'} {kind} "
                "endpoint takes network faults only",
            )
        for i, entry in enumerate(entries):
            faults.append(_fault(c, layer, entry, f"{fld}.{layer}[{i}]"))
    return EndpointPlan(name, kind, tuple(faults), tls)


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
    where = str(path) if path is not None else _NO_FILE
    c = _Checker(where)
    base = path.parent if path is not None else Path.cwd()
    c.keys(data, "", _TOP)
    name = data.get("name", path.stem if path is not None else "scenario")
    c.text(name, "name")
    description = str(data.get("description", ""))
    # modules and project
    allow_outside = data.get("allow_outside", False)
    if not isinstance(allow_outside, bool):
        raise c.fail("allow_outside", f"must be true or false, got {allow_outside!r}")
    private = data.get("private")
    if private is not None and (not isinstance(private, str) or not private.strip()):
        raise c.fail(
            "private", f"must be a GOPRIVATE-style pattern such as 'corp.example', got {private!r}"
        )
    modules = BUNDLED / "modules"
    project: Path | None = BUNDLED / "project"
    if "modules" in data:
        modules = c.path(data["modules"], "modules", base, allow_outside=allow_outside)
        try:
            ModuleSource.of(modules)  # exists, and holds modules of a kind it can serve
        except ModuleSourceError as exc:
            raise c.fail("modules", str(exc)) from None
        project = None
    if "project" in data:
        project = c.path(data["project"], "project", base, allow_outside=allow_outside)
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
    try:
        timeout = check_timeout(timeout)
    except (TypeError, ValueError):
        raise c.fail(
            "timeout", f"must be a finite, positive number of seconds, got {timeout!r}"
        ) from None
    toolchain = data.get("toolchain")
    if toolchain is not None:
        try:
            toolchain = check_toolchain_name(toolchain)
        except ValueError as exc:
            raise c.fail("toolchain", str(exc)) from None
    # endpoints
    raw_eps = c.table(data.get("endpoints", {}), "endpoints")
    line = _line(c, data)
    if line is not None:
        raw_eps = _by_endpoint(c, line, raw_eps)
    endpoints = {n: _endpoint(c, n, raw) for n, raw in raw_eps.items()}
    # configuration
    config: Configuration | None = None
    env: dict[str, str] | None = None
    if "config" in data and "env" in data:
        raise c.fail("config", "give either `config` (a named configuration) or `[env]`, not both")
    if line is not None:
        config = line
        hosts = {s.endpoint: s.host for s in line.served}
        for ep_name, kind in config_endpoints(line).items():
            ep = endpoints.get(ep_name, EndpointPlan(ep_name, kind))  # type: ignore[arg-type]
            endpoints[ep_name] = EndpointPlan(ep_name, ep.kind, ep.faults, True, hosts.get(ep_name))
    elif "config" in data:
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
        needed = config_endpoints(config)
        for ep_name, kind in needed.items():
            ep = endpoints.setdefault(ep_name, EndpointPlan(ep_name, kind))  # type: ignore[arg-type]
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
        allowed = ["private", "corporate_ca"]
        for ep in endpoints.values():
            if ep.kind == "origin":
                continue  # reached by the modules' host names, not by a URL in the environment
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
        private=private,
        toolchain=toolchain,
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

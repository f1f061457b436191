"""Scenario files: a reported outage as a TOML file, reproduced with real go and real toxiproxy.

The format (every field, what each means, how it is validated) is in
:mod:`pytest_goproxy.scenarios.format`. A scenario is one outage of the engine
(:mod:`pytest_goproxy.outage`), so it runs exactly as a matrix cell does.

:class:`ScenarioRunner` runs one scenario and returns a :class:`ScenarioResult`: the verdict
(matrix vocabulary: recovered, failed, hung, unavailable), the classified failure, go's error
line, and *why*: each fault's documented effect under the separator that follows its endpoint
in GOPROXY, and what each endpoint was asked.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pytest_goproxy.errors import ModuleError, ScenarioError
from pytest_goproxy.gomod.goenv import split_goproxy
from pytest_goproxy.gorun import GoBinary, GoResult, GoRunner
from pytest_goproxy.gorun.verdict import Verdict
from pytest_goproxy.httpfaults import HTTP_FAULTS
from pytest_goproxy.lifecycle import Closing
from pytest_goproxy.network import FAULTS, Toxiproxy
from pytest_goproxy.outage.cell import CellDetails
from pytest_goproxy.outage.engine import OutageEngine, Outcome
from pytest_goproxy.scenarios.format import Scenario, find_scenarios, load_scenario

__all__ = [
    "ScenarioResult",
    "ScenarioRunner",
    "load_scenarios",
    "result_lines",
    "results_table",
    "shorten_keys",
    "summary_line",
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
    #: the environment, faults, requests and go's stderr lines (``run --html`` shows them)
    details: CellDetails | None = field(default=None, repr=False, compare=False)

    @property
    def passed(self) -> bool:
        return self.verdict != "unavailable" and self.mismatch is None

    def got_label(self) -> str:
        return self.verdict + (f" ({self.failure})" if self.failure else "")

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


class ScenarioRunner(Closing):
    """Runs scenarios with real go (``runner``, or one made from ``go``) and a real toxiproxy
    (``toxiproxy``, or one started on first need from ``toxiproxy_bin`` / ``$TOXIPROXY_BIN`` /
    PATH / the build cache; stopped on close), through the outage engine. Without toxiproxy,
    scenarios with network faults are ``unavailable``. Module sets are built once per runner."""

    def __init__(
        self,
        *,
        go: GoBinary | str | os.PathLike[str] | None = None,
        runner: GoRunner | None = None,
        toxiproxy: Toxiproxy | None = None,
        toxiproxy_bin: str | os.PathLike[str] | None = None,
        workdir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.engine = OutageEngine(
            runner=runner, go=go, toxiproxy=toxiproxy, toxiproxy_bin=toxiproxy_bin, workdir=workdir
        )
        self.runner = self.engine.runner

    def toxiproxy(self) -> Toxiproxy | None:
        return self.engine.toxiproxy()

    def use_toxiproxy(self, toxiproxy: Toxiproxy) -> None:
        """Use this running toxiproxy (not ours to stop) for network faults from now on."""
        self.engine.use_toxiproxy(toxiproxy)

    def close(self) -> None:
        self.engine.close()

    def run(
        self,
        scenario: Scenario | str | os.PathLike[str],
        project: str | os.PathLike[str] | None = None,
    ) -> ScenarioResult:
        """Run ``scenario`` (``project`` overrides the scenario's) and say what happened."""
        s = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self._load_modules(s)
        chosen = project if project is not None else s.project
        outcome = self.engine.run(s.outage(), s.modules, project=chosen, private=s.private)
        cell = outcome.cell
        if cell.verdict == "unavailable":
            return ScenarioResult(s, "unavailable", None, 0.0, cell.error)
        why = [*_explain(s, outcome), *cell.notes, *outcome.asked]
        if cell.error:
            why.append(f"{'error' if cell.verdict == 'error' else 'go'}: {cell.error}")
        return ScenarioResult(
            s,
            cell.verdict,
            cell.failure,
            cell.seconds,
            cell.error,
            tuple(why),
            _mismatch(s, cell.verdict, cell.failure, outcome.result),
            outcome.result,
            cell.details,
        )

    def _load_modules(self, s: Scenario) -> None:
        """Build the scenario's module set now; the engine keeps it for the run.

        Reading the file checked that ``modules`` holds module archives; whether each one can
        be served (an archive without files, a path too long for the disk) shows only when the
        modules are built. Built here, such an error names the scenario file and its
        ``modules`` key, as every other problem with the file does, instead of surfacing from
        inside the engine with only the archive's name."""
        __tracebackhide__ = True
        try:
            self.engine.store(s.modules)
        except ModuleError as exc:
            raise s.field_error("modules", str(exc)) from None


def _mismatch(
    s: Scenario, verdict: str, failure: str | None, result: GoResult | None
) -> str | None:
    """How the run differs from the file's ``[expect]``, or None."""
    e = s.expect
    if verdict != e.verdict:
        return f"expected {e.verdict}, got {verdict}"
    if e.failure is not None and failure != e.failure:
        return f"expected failure {e.failure}, got {failure}"
    go_mod = result.go_mod if result is not None else None
    missing = [t for t in e.go_mod_contains if t not in (go_mod or "")]
    if missing:
        return f"go.mod lacks {missing[0]!r}"
    return None


def _separator_after(goproxy: str, url: str) -> str | None:
    """``,`` or ``|`` after the GOPROXY entry ``url``; ``""`` if it is the last; None if go never
    reads it (absent, or after ``direct``/``off``)."""
    return next((e.sep for e in split_goproxy(goproxy) if e.url == url), None)


def _explain(s: Scenario, outcome: Outcome) -> Iterator[str]:
    """Each fault with what go is documented to do given its place in GOPROXY."""
    env = outcome.env
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
            if ep.kind == "origin":
                text += (
                    " go reaches the origin by the modules' host names through the network guard "
                    "(for GOPRIVATE/GONOPROXY modules, and after `direct`); at an origin, refused "
                    "and dns are the corporate proxy's 502 and 503 answers to CONNECT."
                )
                yield text
                continue
            sep = _separator_after(goproxy, outcome.urls.get(ep.name, ""))
            if sep == ",":
                text += f" Followed by `,`: {entry.comma}"
            elif sep == "|":
                text += f" Followed by `|`: {entry.pipe}"
            elif sep == "":
                text += " Last GOPROXY entry: nothing to fall back on."
            else:
                text += " Not in GOPROXY (go reaches it some other way, or not at all)."
            yield text


# -- the `pytest-goproxy run` command ------------------------------------------------------------

#: A verifier key (``<name>+<hash>+<base64 public key>``, golang.org/x/mod/sumdb/note): shown as
#: ``<name>+<hash>…`` where a person reads it; JSON keeps it whole.
_VERIFIER_KEY = re.compile(r"([^\s=]+\+[0-9a-f]{8})\+[A-Za-z0-9+/]{16,}={0,2}")


def shorten_keys(text: str) -> str:
    """``text`` with every checksum-database key cut to its name and hash (``x+5d3a1b2c…``)."""
    return _VERIFIER_KEY.sub("\\1\u2026", text)


def load_scenarios(
    paths: Sequence[str | os.PathLike[str]],
) -> tuple[list[Scenario], list[ScenarioError]]:
    """Every scenario at ``paths`` (files, or every ``*.toml`` below a directory), and an error for
    EVERY path or file that cannot be used, each naming the file and the field."""
    scenarios: list[Scenario] = []
    errors: list[ScenarioError] = []
    for p in paths:
        try:
            files = find_scenarios(p)
        except ScenarioError as exc:
            errors.append(exc)
            continue
        if not files:
            errors.append(ScenarioError(f"{p}: no scenario files (*.toml) in this directory"))
        for f in files:
            try:
                scenarios.append(load_scenario(f))
            except ScenarioError as exc:
                errors.append(exc)
    return scenarios, errors


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def result_lines(result: ScenarioResult, *, verbose: bool = False) -> list[str]:
    """A finished scenario as plain lines for logs: one line saying expected and got; for a
    mismatch one more, the line that matters (go's error, or what the expectation lacked).
    ``verbose`` adds the why (keys shortened) and, for a mismatch, go's stderr tail."""
    s = result.scenario
    if result.verdict == "unavailable":
        lines = [
            f"UNAVAILABLE {s.name}: expected {s.expected_label()}, not run: "
            f"{shorten_keys(_first_line(result.error or 'no reason given'))}"
        ]
    else:
        status = "PASS" if result.passed else "MISMATCH"
        lines = [
            f"{status} {s.name}: expected {s.expected_label()}, got {result.got_label()} "
            f"in {result.seconds:.1f} s"
        ]
        if result.mismatch:
            if result.error and not result.mismatch.startswith("go.mod"):
                lines.append(f"  go: {shorten_keys(_first_line(result.error))}")
            else:
                lines.append(f"  {result.mismatch}")
    if verbose:
        lines += [f"  - {shorten_keys(w)}" for w in result.why]
        if result.mismatch and result.result is not None:
            lines.append("  go said:")
            lines += [f"    {ln}" for ln in result.result.stderr.strip().splitlines()[-12:]]
    return lines


def summary_line(results: Sequence[ScenarioResult], *, interrupted: bool = False) -> str:
    """``14 scenarios: 13 as expected, 1 mismatch, 0 unavailable``."""
    unavailable = sum(r.verdict == "unavailable" for r in results)
    passed = sum(r.passed for r in results)
    mismatches = len(results) - passed - unavailable
    n = len(results)
    text = (
        f"{n} scenario{'' if n == 1 else 's'}: {passed} as expected, "
        f"{mismatches} mismatch{'' if mismatches == 1 else 'es'}, {unavailable} unavailable"
    )
    return text + (" (interrupted)" if interrupted else "")


def results_table(results: Sequence[ScenarioResult], *, why_width: int = 40) -> Any:
    """A rich table: scenario, faults, configuration, expected, got, seconds, why.

    Every column but *why* keeps its text on one line; *why* (keys shortened) folds, and is at
    least ``why_width`` wide, so the table's minimum width says whether a console can show it
    (``rich.measure.Measurement.get``)."""
    from rich.table import Table

    table = Table(title="outage scenarios", show_lines=True)
    for column in ("scenario", "faults", "config", "expected", "got", "s"):
        table.add_column(column, no_wrap=True)
    table.add_column("why", overflow="fold", min_width=why_width)
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
            shorten_keys(
                "\n".join(why) if not r.passed or r.verdict != "unavailable" else (r.error or "")
            ),
        )
    return table

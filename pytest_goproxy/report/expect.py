"""The resilience gate: this run's cells against a checked-in ``matrix.json``, so CI says when
the build's resilience gets worse (``pytest-goproxy matrix --expect FILE``).

The expected file is a matrix's JSON (:func:`~pytest_goproxy.report.jsonfile.to_json`, written
by ``--update-expect``). Each cell is compared by its verdict and failure class, never its time.
A cell known to be racy (a connection cut mid-transfer can be a reset or a truncation, as the
kernel's timing decides) may list the outcomes it accepts::

    {"fault": "reset", "config": "single", "verdict": "failed", "failure": "RESET",
     "accept": ["failed RESET", "failed TRUNCATED"], ...}

A change is a **regression** when the cell got worse: verdicts rank ``recovered`` > ``failed``
(go said why, at once) > ``hung`` (it cost the whole deadline) > ``unavailable`` and ``error``
(nothing was measured). A better verdict is an **improvement**; the same verdict with another
failure class is a **change**. Cells expected but not run, or run but not expected, are listed
too. Only a regression fails the gate; ``--update-expect`` takes the run as the new
expectation, keeping each cell's ``accept``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pytest_goproxy.errors import ReportFormatError, UsageError
from pytest_goproxy.outage.cell import Cell
from pytest_goproxy.report.cells import BY

__all__ = ["Change", "Expected", "compare", "diff_lines", "load_expected", "outcome", "update"]

ChangeKind = Literal["regression", "improvement", "changed", "new", "not run"]

#: How good a verdict is for a build: higher is better (see the module docstring).
RANK = {"recovered": 3, "failed": 2, "hung": 1, "unavailable": 0, "error": 0}


def outcome(verdict: str, failure: str | None) -> str:
    """``recovered``, ``failed REFUSED``: what the gate compares (no time: it varies)."""
    return f"{verdict} {failure}" if verdict == "failed" and failure else verdict


@dataclass(frozen=True)
class Expected:
    """One expected cell: its outcome and the others it accepts (a racy cell)."""

    fault: str
    config: str
    verdict: str
    failure: str | None
    accept: tuple[str, ...] = ()

    @property
    def outcomes(self) -> set[str]:
        return {outcome(self.verdict, self.failure), *self.accept}


@dataclass(frozen=True)
class Change:
    """A cell whose outcome is not what the file expects."""

    fault: str
    config: str
    expected: str | None
    got: str | None
    kind: ChangeKind

    def line(self) -> str:
        """``refused \u00d7 pipe_direct: recovered -> failed REFUSED (regression)``."""
        return (
            f"{self.fault}{BY}{self.config}: {self.expected or '(not expected)'} -> "
            f"{self.got or '(not run)'} ({self.kind})"
        )


def load_expected(path: str | Path) -> dict[tuple[str, str], Expected]:
    """The cells of an expected ``matrix.json``, by (fault, config). A missing file is a
    UsageError saying how to make one; a malformed one a ReportFormatError naming the cell."""
    file = Path(path)
    if not file.is_file():
        raise UsageError(
            f"--expect {file}: no such file; write it from a run with --update-expect "
            "(and check it in)"
        )
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ReportFormatError(f"{file}: not JSON: {exc}") from None
    if not isinstance(data, list):
        raise ReportFormatError(f"{file}: a matrix JSON is a list of cell objects")
    found: dict[tuple[str, str], Expected] = {}
    for index, item in enumerate(data):
        if not isinstance(item, Mapping) or not all(
            isinstance(item.get(key), str) for key in ("fault", "config", "verdict")
        ):
            raise ReportFormatError(
                f"{file}: item {index} is not a cell with fault, config, verdict"
            )
        accept = item.get("accept", [])
        if not isinstance(accept, list) or not all(isinstance(a, str) for a in accept):
            raise ReportFormatError(
                f'{file}: item {index}: accept is a list of outcomes like "failed RESET"'
            )
        failure = item.get("failure")
        found[item["fault"], item["config"]] = Expected(
            item["fault"],
            item["config"],
            item["verdict"],
            failure if isinstance(failure, str) else None,
            tuple(accept),
        )
    return found


def compare(expected: Mapping[tuple[str, str], Expected], cells: Sequence[Cell]) -> list[Change]:
    """Every cell whose outcome differs from ``expected``, in the run's order, then the
    expected cells the run did not have."""
    changes: list[Change] = []
    seen = set()
    for cell in cells:
        pair = (cell.fault, cell.config)
        seen.add(pair)
        got = outcome(cell.verdict, cell.failure)
        want = expected.get(pair)
        if want is None:
            changes.append(Change(*pair, None, got, "new"))
            continue
        if got in want.outcomes:
            continue
        before, after = RANK.get(want.verdict, 0), RANK.get(cell.verdict, 0)
        kind: ChangeKind = (
            "regression" if after < before else "improvement" if after > before else "changed"
        )
        changes.append(Change(*pair, outcome(want.verdict, want.failure), got, kind))
    for pair, want in expected.items():
        if pair not in seen:
            changes.append(Change(*pair, outcome(want.verdict, want.failure), None, "not run"))
    return changes


def diff_lines(changes: Sequence[Change]) -> list[str]:
    """The changes as a small table for a CI log, regressions first, and a summary line."""
    order = ["regression", "changed", "improvement", "new", "not run"]
    ranked = sorted(changes, key=lambda c: order.index(c.kind))
    regressions = sum(c.kind == "regression" for c in changes)
    lines = [f"  {c.line()}" for c in ranked]
    summary = (
        f"expected matrix: {len(changes)} cell(s) changed, {regressions} regression(s)"
        if changes
        else "expected matrix: every cell as expected"
    )
    return [summary, *lines]


def update(path: str | Path, cells: Sequence[Cell]) -> None:
    """Write ``cells`` as the new expectation (verdicts only, no details), keeping the
    ``accept`` of every cell the old file had."""
    file = Path(path)
    old = load_expected(file) if file.is_file() else {}
    data = []
    for cell in cells:
        item = cell.to_dict()
        kept = old.get((cell.fault, cell.config))
        if kept is not None and kept.accept:
            item["accept"] = list(kept.accept)
        data.append(item)
    file.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

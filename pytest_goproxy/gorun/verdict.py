"""What a go run means for an outage: its verdict, its failure's name and the line that matters.

The matrix, the scenario runner, ``serve``'s users and the reports speak this vocabulary:

* ``recovered``: go exited 0;
* ``failed``: go exited non-zero (``failure`` is the :class:`~.failure.Failure` name);
* ``hung``: go was killed at its deadline (it has no request timeout of its own);
* ``unavailable``: the run could not be made here (a tool or fault missing); never a pass;
* ``error``: the run itself broke (a bug of ours, a tool that exists but would not start); the
  exception is the cell's ``error``. Never a pass, and never mistaken for go failing.
"""

from __future__ import annotations

import re
from typing import Literal

from pytest_goproxy.gorun.result import GoResult

__all__ = ["VERDICTS", "Verdict", "error_line", "verdict_of"]

Verdict = Literal["recovered", "failed", "hung", "unavailable", "error"]
#: Every verdict, best first.
VERDICTS: tuple[Verdict, ...] = ("recovered", "failed", "hung", "unavailable", "error")

_GO_LINE = re.compile(r"^\s*go: ")
#: Fragments of the lines where go states a cause (web/api.go, net, modfetch), most telling first.
_CAUSES: tuple[str, ...] = (
    "checksum mismatch",
    "verifying ",
    "module lookup disabled",
    "requires go >=",
    "unknown revision",
    "invalid response from proxy",
    "unexpected EOF",
    "connection refused",
    "connection reset",
    "no such host",
    "i/o timeout",
    "Forbidden",
    "reading http",
    'Get "',
    "zip: ",
    "not found",
)
#: go's context lines, which name no cause (``go: a@v1 requires``: the cause is on the next line),
#: and its toolchain trace (``go: upgrading toolchain to ...``, ``go: using ... toolchain ...``).
_CONTEXT = re.compile(
    r"( imports| requires|^go: (finding|downloading|extracting|upgrading toolchain|using) .*)$"
)


def error_line(result: GoResult) -> str | None:
    """The line of go's output that says what went wrong (None for a run that succeeded).

    The line naming the URL or host the classification found, else the first line with a cause
    go prints (checksum mismatch, refused, ...), else the last ``go:`` line that is not context
    (``go: example.test/app imports``), else the last non-empty line."""
    if result.ok:
        return None
    if result.hung:
        return f"killed after {result.timeout:.3g} s: go was still waiting (it has no timeout)"
    lines = [ln.strip() for ln in result.stderr.splitlines() if ln.strip()]
    if not lines:
        return f"exit status {result.returncode}, nothing on stderr"
    for needle in (result.url, result.host):
        if needle:
            for line in reversed(lines):
                if needle in line:
                    return line
    for cause in _CAUSES:
        for line in lines:
            if cause in line:
                return line
    for line in reversed(lines):
        if _GO_LINE.match(line) and not _CONTEXT.search(line):
            return line
    return lines[-1]


def verdict_of(result: GoResult) -> tuple[Verdict, str | None]:
    """The verdict of a go run and, for ``failed``, the name of its failure (``UNKNOWN`` when
    the output matched no known failure)."""
    if result.ok:
        return "recovered", None
    if result.hung:
        return "hung", None
    return "failed", result.failure.name if result.failure is not None else "UNKNOWN"

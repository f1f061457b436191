"""One cell of an outage run: what go did under some faults with one configuration.

A matrix cell, a scenario run and a ``matrix_cell`` test all end in a :class:`Cell`; the reports
(:mod:`pytest_goproxy.report`) read nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pytest_goproxy.gorun.verdict import Verdict

__all__ = ["Cell"]


@dataclass(frozen=True)
class Cell:
    """What go did under ``fault`` with configuration ``config``.

    ``failure`` is the :class:`~pytest_goproxy.gorun.Failure` name of a ``failed`` cell, ``error``
    the line go printed that matters (or why the cell is ``unavailable``), ``seconds`` how long the
    procedure took."""

    fault: str
    config: str
    verdict: Verdict
    failure: str | None
    seconds: float
    error: str | None
    #: extra observations (e.g. whether the relay's @v/list went stale); not in :meth:`to_dict`
    notes: tuple[str, ...] = field(default=(), compare=False)

    def to_dict(self) -> dict[str, object]:
        """The JSON object of one cell: fault, config, verdict, failure, seconds, error."""
        return {
            "fault": self.fault,
            "config": self.config,
            "verdict": self.verdict,
            "failure": self.failure,
            "seconds": round(self.seconds, 3),
            "error": self.error,
        }

"""One cell of an outage run: what go did under some faults with one configuration.

A matrix cell, a scenario run and a ``matrix_cell`` test all end in a :class:`Cell`; the reports
(:mod:`pytest_goproxy.report`) read nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pytest_goproxy.gorun.verdict import Verdict

__all__ = ["Cell", "CellDetails", "EndpointSeen", "FaultPlayed"]

#: How many of go's stderr lines, and of an endpoint's requests, a cell keeps: enough to read
#: what happened, bounded so a matrix of hundreds of cells stays a file a browser opens at once.
KEPT_LINES = 40
KEPT_REQUESTS = 60


@dataclass(frozen=True)
class FaultPlayed:
    """One fault of a cell: on which endpoint, from which catalogue, with which parameters
    (defaults filled in, so a report says what was played, not only what was typed)."""

    endpoint: str
    name: str
    layer: str
    params: Mapping[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "endpoint": self.endpoint,
            "name": self.name,
            "layer": self.layer,
            "params": dict(self.params),
        }


@dataclass(frozen=True)
class EndpointSeen:
    """What one endpoint (``primary``, ``backup``, ``sumdb``, ``origin``) was asked: how many
    requests, how many a fault played on, and the first :data:`KEPT_REQUESTS` of them as
    ``GET /example.test/a/@v/list 200`` lines. A network fault acts below HTTP, so requests it
    cut never reach this count: few requests under ``refused`` is the fault working."""

    name: str
    kind: str
    url: str
    total: int
    faulted: int = 0
    requests: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kind": self.kind,
            "url": self.url,
            "total": self.total,
            "faulted": self.faulted,
            "requests": list(self.requests),
        }


@dataclass(frozen=True)
class CellDetails:
    """What a person needs to explain a cell beyond its verdict (the HTML report shows it):
    go's arguments, the environment the configuration gave go (GOPROXY, GOSUMDB, GOPRIVATE...),
    the faults with their parameters, what each endpoint was asked, and go's stderr lines (the
    last :data:`KEPT_LINES`; ``go: downloading`` progress left out)."""

    command: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    faults: tuple[FaultPlayed, ...] = ()
    endpoints: tuple[EndpointSeen, ...] = ()
    stderr: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "command": list(self.command),
            "env": dict(self.env),
            "faults": [f.to_dict() for f in self.faults],
            "endpoints": [e.to_dict() for e in self.endpoints],
            "stderr": list(self.stderr),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> CellDetails:
        """The details back from :meth:`to_dict` (a saved report rendered again)."""

        def items(key: str) -> list[Mapping[str, object]]:
            value = data.get(key) or []
            return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []

        def texts(value: object) -> tuple[str, ...]:
            return tuple(str(v) for v in value) if isinstance(value, list) else ()

        env = data.get("env")
        return cls(
            command=texts(data.get("command")),
            env={str(k): str(v) for k, v in env.items()} if isinstance(env, Mapping) else {},
            faults=tuple(
                FaultPlayed(
                    str(f.get("endpoint", "")),
                    str(f.get("name", "")),
                    str(f.get("layer", "")),
                    dict(p) if isinstance(p := f.get("params"), Mapping) else {},
                )
                for f in items("faults")
            ),
            endpoints=tuple(
                EndpointSeen(
                    str(e.get("name", "")),
                    str(e.get("kind", "")),
                    str(e.get("url", "")),
                    int(str(e.get("total", 0))),
                    int(str(e.get("faulted", 0))),
                    texts(e.get("requests")),
                )
                for e in items("endpoints")
            ),
            stderr=texts(data.get("stderr")),
        )


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
    #: what explains the verdict (environment, faults, requests, go's stderr); None when the cell
    #: never ran (unavailable) or was read back from a report that did not keep it
    details: CellDetails | None = field(default=None, compare=False, repr=False)

    def to_dict(self, *, details: bool = False) -> dict[str, object]:
        """The JSON object of one cell: fault, config, verdict, failure, seconds, error; with
        ``details``, also ``notes`` and ``details`` (what the HTML report shows), when there
        are any. The six keys alone are the stable, small form a test compares."""
        data: dict[str, object] = {
            "fault": self.fault,
            "config": self.config,
            "verdict": self.verdict,
            "failure": self.failure,
            "seconds": round(self.seconds, 3),
            "error": self.error,
        }
        if details and self.notes:
            data["notes"] = list(self.notes)
        if details and self.details is not None:
            data["details"] = self.details.to_dict()
        return data

"""Catalogue entries: what the three catalogues (network faults, HTTP faults, configurations)
share.

Named ``entries``, not ``catalogue``: each catalogue is elsewhere (``network.faults``,
``httpfaults.catalogue``, ``configs``), and this module holds none of them.

Each catalogue is a dict of small documented entries (toxiproxy's ``toxics/*.go`` style). They
take parameters the same way, :class:`Param` (a number with a default and bounds) checked by
:func:`bind_params`, and each renders a README table with :func:`markdown_table`. Kept below
``network`` and ``httpfaults`` so neither imports the other for these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from pytest_goproxy.errors import FaultError

__all__ = [
    "Number",
    "Param",
    "ParamLike",
    "bind_params",
    "by_name",
    "lookup",
    "markdown_cell",
    "markdown_table",
]

Number = int | float
_V_co = TypeVar("_V_co", covariant=True)
_E = TypeVar("_E", bound="Named")


@dataclass(frozen=True)
class Param:
    """One fault parameter: a number with a default and bounds (inclusive)."""

    name: str
    default: Number
    unit: str
    doc: str
    minimum: Number = 0
    maximum: Number | None = None
    integer: bool = True

    def check(self, fault: str, value: object) -> Number:
        """``value`` converted and validated, or :class:`FaultError` saying what is allowed."""
        kind = "an integer" if self.integer else "a number"
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise FaultError(
                f"fault {fault!r}: parameter {self.name!r} must be {kind} ({self.unit}), "
                f"got {value!r}"
            )
        if self.integer and isinstance(value, float):
            if not value.is_integer():
                raise FaultError(
                    f"fault {fault!r}: parameter {self.name!r} must be {kind} ({self.unit}), "
                    f"got {value!r}"
                )
            value = int(value)
        too_big = self.maximum is not None and value > self.maximum
        if value != value or value < self.minimum or too_big:  # NaN never compares equal
            upper = "" if self.maximum is None else f" and <= {self.maximum}"
            raise FaultError(
                f"fault {fault!r}: parameter {self.name!r} must be >= {self.minimum}{upper} "
                f"({self.unit}), got {value!r}"
            )
        return value

    def describe(self) -> str:
        return f"`{self.name}` ({self.unit}, default {self.default})"


class ParamLike(Protocol[_V_co]):
    """A parameter declaration: :class:`Param` or a catalogue's own kind (e.g. a URL)."""

    @property
    def name(self) -> str: ...

    @property
    def default(self) -> _V_co: ...

    def check(self, fault: str, value: object) -> _V_co: ...


def bind_params(
    fault: str,
    declared: Sequence[ParamLike[_V_co]],
    given: Mapping[str, object],
    *,
    also: str = "",
) -> dict[str, _V_co]:
    """``given`` validated against ``declared``, defaults filled in; an unknown name is a
    :class:`FaultError` listing the valid ones (``also`` adds a clause, e.g. the selectors)."""
    known = {p.name: p for p in declared}
    unknown = sorted(set(given) - set(known))
    if unknown:
        valid = ", ".join(known) or "none"
        raise FaultError(
            f"fault {fault!r} has no parameter {', '.join(map(repr, unknown))}; "
            f"valid parameters: {valid}{also}"
        )
    return {
        name: p.check(fault, given[name]) if name in given else p.default
        for name, p in known.items()
    }


class Named(Protocol):
    """A catalogue entry: known by its name."""

    @property
    def name(self) -> str: ...


def by_name(*entries: _E) -> dict[str, _E]:
    """A catalogue: its entries by name, in the order written (README tables keep it)."""
    catalogue = {e.name: e for e in entries}
    if len(catalogue) != len(entries):
        raise ValueError(f"two catalogue entries share a name: {[e.name for e in entries]}")
    return catalogue


def lookup(
    catalogue: Mapping[str, _E], name: object, what: str, error: Callable[[str], Exception]
) -> _E:
    """The entry called ``name``, or ``error`` saying ``unknown <what> ...; valid <what>s:``
    and every name, so a typo is fixed from the message alone."""
    if not isinstance(name, str) or name not in catalogue:
        raise error(f"unknown {what} {name!r}; valid {what}s: {', '.join(catalogue)}")
    return catalogue[name]


def markdown_cell(text: str) -> str:
    """A Markdown table cell: pipes escaped (GFM honours ``\\|`` inside code spans too)."""
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A GFM table; ``header`` cells are written as given, body cells through
    :func:`markdown_cell`."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(markdown_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"

"""One lookup over both fault catalogues, and the bound fault that travels to injection.

A fault is named by the user (CLI, scenario file, ``serve``'s control endpoint, a matrix
marker) without saying which catalogue it is in. :func:`bind_fault` looks the name up in the
network catalogue (:data:`~pytest_goproxy.network.FAULTS`, played by toxiproxy in front of an
endpoint) and the HTTP catalogue (:data:`~pytest_goproxy.httpfaults.HTTP_FAULTS`, played by a
fake proxy itself), validates the parameters once, and returns a :class:`BoundFault` that is
injected as it is. An unknown name gets one message listing every valid one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pytest_goproxy.entries import Number
from pytest_goproxy.errors import FaultError
from pytest_goproxy.httpfaults import HTTP_FAULTS, HTTPFault, HTTPFaultHandle, HTTPFaultSpec
from pytest_goproxy.network import FAULTS, Endpoint, Fault, FaultHandle
from pytest_goproxy.proxy import FakeGoProxy

__all__ = [
    "NO_FAULT",
    "BoundFault",
    "Layer",
    "all_fault_names",
    "bind_fault",
    "check_fault_names",
    "layer_of",
]

Layer = Literal["network", "http"]
#: The fault-free baseline's name (a matrix row, ``serve`` with no fault).
NO_FAULT = "none"


def all_fault_names() -> list[str]:
    """``none``, then every network fault, then every HTTP fault (catalogue order)."""
    return [NO_FAULT, *FAULTS, *HTTP_FAULTS]


def _unknown(names: Sequence[str], *, allow_none: bool = False) -> FaultError:
    """The one message for an unknown fault name: every valid name, by catalogue."""
    baseline = f"; or {NO_FAULT} (no fault)" if allow_none else ""
    return FaultError(
        f"unknown fault {', '.join(map(repr, names))}; network faults: {', '.join(FAULTS)}; "
        f"HTTP faults: {', '.join(HTTP_FAULTS)}{baseline}"
    )


def layer_of(name: str) -> Layer:
    """``network`` or ``http``: which catalogue ``name`` is in (FaultError if neither)."""
    if name in FAULTS:
        return "network"
    if name in HTTP_FAULTS:
        return "http"
    raise _unknown([name])


def check_fault_names(names: Sequence[str], *, allow_none: bool = True) -> None:
    """FaultError naming every unknown name (``none`` is allowed unless ``allow_none`` is off)."""
    if isinstance(names, str):
        raise TypeError("faults are a sequence of names, e.g. ['refused']")
    known = {*FAULTS, *HTTP_FAULTS, *([NO_FAULT] if allow_none else [])}
    bad = [n for n in names if n not in known]
    if bad:
        raise _unknown(bad, allow_none=allow_none)


@dataclass(frozen=True)
class BoundFault:
    """A fault validated once: its catalogue entry, the parameters as given (for labels and
    files) and as bound (defaults filled in), ready to inject."""

    entry: Fault | HTTPFault
    given: Mapping[str, object] = field(default_factory=dict)
    network: Mapping[str, Number] | None = field(default=None, repr=False)
    http: HTTPFaultSpec | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def layer(self) -> Layer:
        return "network" if isinstance(self.entry, Fault) else "http"

    @property
    def by_resolver(self) -> bool:
        """A network-catalogue fault a fake resolver plays on a host name (``dns_servfail``),
        not toxiproxy in front of an endpoint."""
        return isinstance(self.entry, Fault) and self.entry.mechanism == "resolver"

    @property
    def params(self) -> Mapping[str, object]:
        """The parameters as written (what a scenario file or label shows)."""
        return self.given

    def label(self) -> str:
        """``name`` or ``name(k=v,...)`` with the parameters as given."""
        args = ",".join(f"{k}={v}" for k, v in self.given.items())
        return f"{self.name}({args})" if args else self.name

    def inject(
        self, *, proxy: FakeGoProxy | None, front: Endpoint | None
    ) -> FaultHandle | HTTPFaultHandle:
        """Put the fault in place: a network fault on ``front`` (the toxiproxy endpoint before
        the server), an HTTP fault played by ``proxy``."""
        if self.http is not None:
            if proxy is None:
                raise FaultError(f"HTTP fault {self.name!r} is played by a proxy")
            return proxy.faults.add(self.http)
        if front is None:
            raise FaultError(f"network fault {self.name!r} needs a toxiproxy endpoint in front")
        assert isinstance(self.entry, Fault) and self.network is not None
        return front.add(self.entry, self.network)


def bind_fault(
    name: str, params: Mapping[str, object] | None = None, *, layer: Layer | None = None
) -> BoundFault:
    """Look ``name`` up in both catalogues and validate ``params`` once.

    ``layer`` demands a catalogue (a scenario file says ``network = [...]`` or ``http = [...]``);
    a name from the other one is a FaultError saying where it belongs."""
    given = dict(params or {})
    found = layer_of(name) if isinstance(name, str) else None
    if found is None:
        raise _unknown([repr(name)])
    if layer is not None and found != layer:
        raise FaultError(
            f"{name!r} is an {found} fault, not an {layer} fault: put it under `{found}`"
        )
    if found == "network":
        fault = FAULTS[name]
        return BoundFault(fault, given, network=fault.bind(given))
    spec = HTTPFaultSpec.from_params(name, given)
    return BoundFault(spec.fault, given, http=spec)

"""The servers of ``pytest-goproxy serve``: :class:`OutageServer` (see the package's docstring,
:mod:`pytest_goproxy.serve`)."""

from __future__ import annotations

import contextlib
import itertools
import os
import shlex
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from pytest_goproxy.errors import FaultError, ToxiproxyError
from pytest_goproxy.gomod.sources import ModuleSource
from pytest_goproxy.gomod.toolchain import check_toolchain_name
from pytest_goproxy.gorun.toolchain import add_synthetic_toolchain
from pytest_goproxy.httpfaults import HTTPFaultHandle
from pytest_goproxy.lifecycle import Starting
from pytest_goproxy.network import Endpoint, FaultHandle, Toxiproxy
from pytest_goproxy.network.resolver import ResolverFaultHandle
from pytest_goproxy.network.session import LazyToxiproxy
from pytest_goproxy.outage.endpoints import EndpointPlan, Endpoints
from pytest_goproxy.outage.faults import BoundFault, bind_fault
from pytest_goproxy.proxy import FakeGoProxy
from pytest_goproxy.serve.control import ControlEndpoint
from pytest_goproxy.serving.requestlog import RequestKind
from pytest_goproxy.serving.tls import session_ca
from pytest_goproxy.sumdb import ChecksumDB

__all__ = ["SERVE_LOG_LIMIT", "OutageServer", "parse_fault_arg"]

#: Requests the proxy and the database keep in their logs under ``serve`` (the summary counts
#: every one): an entry holds its path (at most ``MAX_TARGET``, 8 KiB) two or three times over,
#: so this bounds each log to a few MB.
SERVE_LOG_LIMIT = 100


def parse_fault_arg(text: str) -> tuple[str, dict[str, object]]:
    """``status:code=502,kind=zip`` -> ``("status", {"code": 502, "kind": "zip"})``."""
    name, _, rest = text.partition(":")
    params: dict[str, object] = {}
    for part in filter(None, rest.split(",")):
        key, eq, value = part.partition("=")
        if not eq:
            raise FaultError(f"--fault {text!r}: parameters are key=value, got {part!r}")
        params[key.strip()] = _number(value.strip())
    return name.strip(), params


def _number(value: str) -> object:
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


class OutageServer(Starting):
    """Proxy + checksum database + toxiproxy endpoint + control endpoint; ``close()`` stops all.

    The servers are the outage engine's :class:`~pytest_goproxy.outage.endpoints.Endpoints`
    (a ``primary`` proxy, always behind toxiproxy, and a ``sumdb``), held open for a shell.
    ``faults`` (``(name, params)`` pairs) are in place from the start, before the export lines
    are read. ``log`` receives the lines the serve window shows after that (see the module
    docstring); ``quiet`` keeps only the ones a shell must act on."""

    def __init__(
        self,
        modules: str | os.PathLike[str] | None = None,
        *,
        toxiproxy: Toxiproxy | None = None,
        toxiproxy_bin: str | os.PathLike[str] | None = None,
        faults: Iterable[tuple[str, Mapping[str, object]]] = (),
        log: Callable[[str], None] | None = None,
        quiet: bool = False,
        summary_every: float = 5.0,
        tls: bool = False,
        toolchain: str | None = None,
    ) -> None:
        from pytest_goproxy.scenarios.format import BUNDLED

        #: serve HTTPS (and HTTP/2), with ``SSL_CERT_FILE`` in :attr:`env`
        self.tls = tls
        #: a synthetic toolchain the proxy serves too (``go1.99.0``), for a go.mod that switches
        self.toolchain = None if toolchain is None else check_toolchain_name(toolchain)
        self.modules = Path(modules) if modules is not None else BUNDLED / "modules"
        self._toxiproxy = LazyToxiproxy(toxiproxy, toxiproxy_bin)
        self.endpoints: Endpoints | None = None
        self.control: ControlEndpoint | None = None
        self._initial = [bind_fault(name, params) for name, params in faults]
        self._faults: dict[
            str, tuple[BoundFault, FaultHandle | HTTPFaultHandle | ResolverFaultHandle]
        ] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        #: one fault change at a time, so each answer's before/after env is its own
        self._changing = threading.Lock()
        self._log = log
        self.quiet = quiet
        self.summary_every = summary_every
        self._stop = threading.Event()
        self._seen: Counter[str] = Counter()  # the request counts already summarised

    def _start(self) -> None:
        source = ModuleSource.of(self.modules)
        toxiproxy = self._toxiproxy.get()
        if toxiproxy is None:
            raise ToxiproxyError(self._toxiproxy.error or "toxiproxy is not available")
        plans = [
            EndpointPlan("primary", "proxy", tls=self.tls),
            EndpointPlan("sumdb", "sumdb", tls=self.tls),
        ]
        store = source.store()
        if self.toolchain is not None:
            add_synthetic_toolchain(store, self.toolchain)
        self.endpoints = Endpoints(
            plans, store, source=source, toxiproxy=toxiproxy, front={"primary"}, prefix="serve"
        )
        self.endpoints.add(store.close)
        self.endpoints.start()
        self.proxy.request_log.limit = self.sumdb.request_log.limit = SERVE_LOG_LIMIT
        for fault in self._initial:
            self._inject(fault)
        self.control = ControlEndpoint(self).start()
        if self._log is not None and not self.quiet and self.summary_every > 0:
            threading.Thread(target=self._summarise, name="serve-summary", daemon=True).start()

    @property
    def proxy(self) -> FakeGoProxy:
        assert self.endpoints is not None, "call start() first"
        return self.endpoints.proxies["primary"]

    @property
    def sumdb(self) -> ChecksumDB:
        assert self.endpoints is not None, "call start() first"
        return self.endpoints.sumdbs["sumdb"]

    @property
    def endpoint(self) -> Endpoint:
        """The toxiproxy endpoint in front of the proxy (what GOPROXY points at)."""
        assert self.endpoints is not None, "call start() first"
        return self.endpoints.fronts["primary"]

    # -- what a shell needs ---------------------------------------------------------------------

    @property
    def control_url(self) -> str:
        return f"http://127.0.0.1:{self.control_port}"

    @property
    def control_port(self) -> int:
        assert self.control is not None, "call start() first"
        return self.control.port

    @property
    def env(self) -> dict[str, str]:
        assert self.endpoint is not None and self.sumdb is not None
        env = {"GOPROXY": self.endpoint.url, "GOSUMDB": self.sumdb.gosumdb}
        if self.tls:  # the test CA, and the system's roots so the shell's other HTTPS works
            env["SSL_CERT_FILE"] = str(session_ca().bundle(system_roots=True))
        return env

    def export_lines(self) -> list[str]:
        lines = [_export(k, v) for k, v in self.env.items()]
        lines.append("unset GONOSUMDB GOPRIVATE GONOPROXY GOFLAGS")
        if self.toolchain is not None:
            lines.append(
                f"# serving a synthetic {self.toolchain} (it runs this machine's go): a go.mod "
                f"with `toolchain {self.toolchain}` and GOTOOLCHAIN=auto switches to it"
            )
        return lines

    # -- faults -----------------------------------------------------------------------------------

    def add_fault(self, name: str, params: Mapping[str, object] | None = None) -> dict[str, object]:
        """Inject a network fault (toxiproxy, on the endpoint) or an HTTP fault (the proxy).

        Answers the fault (``id``, ``name``, ``layer``, ``params``) with the env fields: ``env``,
        ``env_changed`` and, when a URL changed, ``exports`` and ``message``."""
        assert self.endpoints is not None, "call start() first"
        fault = bind_fault(name, params)
        with self._changing:
            before = self.env
            ident = self._inject(fault)
            self._say(f"fault added: {_label(ident, fault)}")
            return {**_describe(ident, fault), **self._env_answer(before)}

    def _inject(self, fault: BoundFault) -> str:
        assert self.endpoints is not None
        handle = self.endpoints.inject("primary", fault)
        with self._lock:
            ident = str(next(self._ids))
            self._faults[ident] = (fault, handle)
        return ident

    def faults(self) -> list[dict[str, object]]:
        with self._lock:
            return [_describe(i, f) for i, (f, _) in self._faults.items()]

    def describe_faults(self) -> str:
        """``none``, or the active faults as ``#1 latency(ms=10) [network], ...``."""
        with self._lock:
            labels = [_label(i, f) for i, (f, _) in self._faults.items()]
        return ", ".join(labels) or "none"

    def remove_fault(self, ident: str | None = None) -> int:
        """Remove fault ``ident`` (every fault when None); how many were removed."""
        return self._removal(ident)[0]

    def removal(self, ident: str | None = None) -> dict[str, object]:
        """Remove fault ``ident`` (every fault when None): ``{"removed": n}`` and the env fields
        (what ``DELETE /faults`` answers)."""
        return self._removal(ident)[1]

    def _removal(self, ident: str | None) -> tuple[int, dict[str, object]]:
        with self._changing:
            before = self.env
            removed = self._remove(ident)
            for i, fault in removed:
                self._say(f"fault removed: {_label(i, fault)}")
            return len(removed), {"removed": len(removed), **self._env_answer(before)}

    def _remove(self, ident: str | None) -> list[tuple[str, BoundFault]]:
        with self._lock:
            chosen = list(self._faults) if ident is None else [ident]
            taken = [(i, self._faults.pop(i)) for i in chosen if i in self._faults]
        taken.reverse()  # newest first, as the endpoint clears its own
        for _, (_, handle) in taken:
            handle.remove()
        return [(i, fault) for i, (fault, _) in taken]

    def _env_answer(self, before: Mapping[str, str]) -> dict[str, object]:
        """The env fields of a change's answer; a changed value is also logged, quiet or not."""
        env = self.env
        changed = [k for k, v in env.items() if before.get(k) != v]
        answer: dict[str, object] = {"env": env, "env_changed": bool(changed)}
        if changed:
            exports = [_export(k, env[k]) for k in changed]
            what = (
                f"{' and '.join(changed)} changed: a shell still using the old value does not see"
            )
            answer.update(
                exports=exports,
                message=f"{what} this change; run there: {'; '.join(exports)}",
            )
            self._say(f"{what} this change; run there:", always=True)
            for line in exports:
                self._emit(line)
        return answer

    # -- the serve window -------------------------------------------------------------------------

    def _emit(self, line: str) -> None:
        if self._log is not None:
            with contextlib.suppress(Exception):  # a closed stdout must not break a fault change
                self._log(line)

    def _say(self, text: str, *, always: bool = False) -> None:
        if always or not self.quiet:
            self._emit(f"# {time.strftime('%H:%M:%S')} {text}")

    def request_summary(self) -> str | None:
        """One line on the requests since the last call (None when there were none):
        ``requests: 12 (3 faulted) list 2, info 3, mod 3, zip 4``.

        Requests toxiproxy refused, reset or held never reach the proxy and are not counted;
        ``sumdb`` counts the proxy's forwarded lookups and the database's direct ones. A request
        whose answer a fault is still deciding is counted in the summary after it is decided."""
        with self._lock:
            counts = self._request_counts()
            new = counts - self._seen
            self._seen = counts
        total = sum(new[k.value] for k in RequestKind)
        if not total:
            return None
        by_kind = ", ".join(f"{k.value} {new[k.value]}" for k in RequestKind if new[k.value])
        faulted = new["faulted"]
        return f"requests: {total}" + (f" ({faulted} faulted)" if faulted else "") + f" {by_kind}"

    def _request_counts(self) -> Counter[str]:
        """Every request so far by kind (``RequestKind`` values), and how many were
        ``faulted``: from the logs' counts, which outlive their :data:`SERVE_LOG_LIMIT` entries."""
        counts: Counter[str] = Counter()
        for answer, n in self.proxy.request_log.tally().items():
            if answer is not None:  # None: a fault is still deciding its answer
                kind, faulted = answer
                counts[kind.value] += n
                counts["faulted"] += n if faulted else 0
        for (_, via), n in self.sumdb.request_log.tally().items():
            if via == "direct":  # the proxy's forwarded lookups are counted by the proxy
                counts[RequestKind.SUMDB.value] += n
        return counts

    def _summarise(self) -> None:
        while not self._stop.wait(self.summary_every):
            with contextlib.suppress(Exception):
                line = self.request_summary()
                if line is not None:
                    self._say(line)

    # -- lifetime ---------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop everything this object started (each step attempted whatever the others did)."""
        steps = [
            self._stop.set,
            lambda: self._remove(None),
            lambda: self.control.close() if self.control is not None else None,
            lambda: self.endpoints.close() if self.endpoints is not None else None,
            self._toxiproxy.close,
        ]
        for step in steps:
            with contextlib.suppress(Exception):
                step()


def _export(name: str, value: str) -> str:
    return f"export {name}={shlex.quote(value)}"


def _label(ident: str, fault: BoundFault) -> str:
    """``#2 status(code=502,kind=zip) [http]``."""
    return f"#{ident} {fault.label()} [{fault.layer}]"


def _describe(ident: str, fault: BoundFault) -> dict[str, object]:
    return {"id": ident, "name": fault.name, "layer": fault.layer, "params": dict(fault.given)}

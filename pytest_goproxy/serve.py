"""``pytest-goproxy serve``: the fake proxy, checksum database and toxiproxy for a shell session.

A person reproducing an outage by hand wants the same servers the tests use, running until Ctrl-C,
with faults switched while go runs in another terminal. :class:`OutageServer` starts a
:class:`~pytest_goproxy.proxy.FakeGoProxy` serving a module set (txtar or a recorded snapshot;
default: the bundled one), a :class:`~pytest_goproxy.sumdb.ChecksumDB` attached to it, and a
toxiproxy endpoint in front of the proxy (so network faults work), plus a small control endpoint
on 127.0.0.1 (JSON):

===========================  ======================================================================
``GET /faults``              the active faults: ``[{"id", "name", "layer", "params"}]``
``POST /faults``             body ``{"name": "refused", "params": {...}}``: a network fault
                             (FAULTS) on the endpoint or an HTTP fault (HTTP_FAULTS) played by the
                             proxy; answers 201 with the fault and the env fields below, 400 with
                             the reason
``DELETE /faults``           remove every fault: ``{"removed": n}`` and the env fields
``DELETE /faults/<id>``      remove one fault (404 when there is no such id)
``GET /env``                 ``{"GOPROXY": ..., "GOSUMDB": ...}`` as go must see them now
===========================  ======================================================================

The ``dns`` and ``dial_timeout`` faults work by changing the URL go is given (a host under
``.invalid``, a stuck listener's port: see :mod:`pytest_goproxy.network.endpoint`), so a shell
that exported the old GOPROXY keeps reaching the healthy proxy and the fault silently has no
effect. Every change therefore answers with ``"env"`` (the values now) and ``"env_changed"``;
when true, also ``"exports"`` (the ``export`` lines to run again) and a ``"message"`` saying so.
The ``log`` callback gets the same lines, with every fault added or removed and, every
``summary_every`` seconds when there were new requests, a one-line summary of them
(``quiet=True``: only the changed exports).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shlex
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pytest_goproxy.errors import FaultError, GoProxyError, ToxiproxyError
from pytest_goproxy.gomod.sources import ModuleSource
from pytest_goproxy.httpfaults import HTTPFaultHandle
from pytest_goproxy.lifecycle import Starting
from pytest_goproxy.network import Endpoint, FaultHandle, Toxiproxy
from pytest_goproxy.network.session import LazyToxiproxy
from pytest_goproxy.outage.endpoints import EndpointPlan, Endpoints
from pytest_goproxy.outage.faults import BoundFault, bind_fault
from pytest_goproxy.proxy import FakeGoProxy
from pytest_goproxy.serving.requestlog import RequestKind
from pytest_goproxy.sumdb import ChecksumDB

__all__ = ["OutageServer", "parse_fault_arg"]


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
    ) -> None:
        from pytest_goproxy.scenarios.format import BUNDLED

        self.modules = Path(modules) if modules is not None else BUNDLED / "modules"
        self._toxiproxy = LazyToxiproxy(toxiproxy, toxiproxy_bin)
        self.endpoints: Endpoints | None = None
        self.control: ThreadingHTTPServer | None = None
        self._initial = [bind_fault(name, params) for name, params in faults]
        self._faults: dict[str, tuple[BoundFault, FaultHandle | HTTPFaultHandle]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        #: one fault change at a time, so each answer's before/after env is its own
        self._changing = threading.Lock()
        self._log = log
        self.quiet = quiet
        self.summary_every = summary_every
        self._stop = threading.Event()
        self._seen = (0, 0)  # (proxy requests, direct checksum database requests) summarised

    def _start(self) -> None:
        source = ModuleSource.of(self.modules)
        toxiproxy = self._toxiproxy.get()
        if toxiproxy is None:
            raise ToxiproxyError(self._toxiproxy.error or "toxiproxy is not available")
        plans = [EndpointPlan("primary", "proxy"), EndpointPlan("sumdb", "sumdb")]
        store = source.store()
        self.endpoints = Endpoints(
            plans, store, source=source, toxiproxy=toxiproxy, front={"primary"}, prefix="serve"
        )
        self.endpoints.add(store.close)
        self.endpoints.start()
        for fault in self._initial:
            self._inject(fault)
        self.control = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.control.daemon_threads = True
        threading.Thread(target=self.control.serve_forever, daemon=True).start()
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
        assert self.control is not None
        return f"http://127.0.0.1:{self.control.server_address[1]}"

    @property
    def env(self) -> dict[str, str]:
        assert self.endpoint is not None and self.sumdb is not None
        return {"GOPROXY": self.endpoint.url, "GOSUMDB": self.sumdb.gosumdb}

    def export_lines(self) -> list[str]:
        lines = [_export(k, v) for k, v in self.env.items()]
        lines.append("unset GONOSUMDB GOPRIVATE GONOPROXY GOFLAGS")
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
        ``sumdb`` counts the proxy's forwarded lookups and the database's direct ones."""
        log = list(self.proxy.request_log)
        direct = [r for r in self.sumdb.requests() if r.via == "direct"]
        with self._lock:
            seen_proxy, seen_db = self._seen
            new, new_db = log[seen_proxy:], direct[seen_db:]
            self._seen = (len(log), len(direct))
        if not new and not new_db:
            return None
        kinds = Counter(r.kind for r in new)
        kinds[RequestKind.SUMDB] += len(new_db)
        faulted = sum(1 for r in new if r.faulted)
        by_kind = ", ".join(f"{k.value} {kinds[k]}" for k in RequestKind if kinds[k])
        total = len(new) + len(new_db)
        return f"requests: {total}" + (f" ({faulted} faulted)" if faulted else "") + f" {by_kind}"

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
            lambda: self.control.shutdown() if self.control is not None else None,
            lambda: self.control.server_close() if self.control is not None else None,
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


def _handler(server: OutageServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _send(self, status: int, body: object) -> None:
            data = (json.dumps(body) + "\n").encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/faults":
                self._send(200, server.faults())
            elif self.path == "/env":
                self._send(200, server.env)
            else:
                self._send(404, {"error": "GET /faults or /env"})

        def do_POST(self) -> None:
            if self.path != "/faults":
                self._send(404, {"error": "POST /faults"})
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if not isinstance(body, dict) or not isinstance(body.get("name"), str):
                    raise FaultError('the body is {"name": "<fault>", "params": {...}}')
                params = body.get("params") or {}
                if not isinstance(params, dict):
                    raise FaultError("params must be an object")
                self._send(201, server.add_fault(body["name"], params))
            except (ValueError, FaultError) as exc:
                self._send(400, {"error": str(exc)})
            except GoProxyError as exc:  # toxiproxy went away...: say so, keep serving
                self._send(500, {"error": str(exc)})

        def do_DELETE(self) -> None:
            if self.path == "/faults":
                self._send(200, server.removal())
            elif self.path.startswith("/faults/"):
                answer = server.removal(self.path.rsplit("/", 1)[1])
                self._send(200 if answer["removed"] else 404, answer)
            else:
                self._send(404, {"error": "DELETE /faults or /faults/<id>"})

    return Handler

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
                             proxy; answers 201 with the fault, 400 with the reason
``DELETE /faults``           remove every fault
``DELETE /faults/<id>``      remove one fault
``GET /env``                 ``{"GOPROXY": ..., "GOSUMDB": ...}`` as go must see them now (the
                             ``dns`` and ``dial_timeout`` faults change the proxy's URL)
===========================  ======================================================================
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shlex
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pytest_goproxy.errors import FaultError, ToxiproxyError
from pytest_goproxy.gomod.sources import ModuleSource
from pytest_goproxy.httpfaults import HTTPFaultHandle
from pytest_goproxy.lifecycle import Starting
from pytest_goproxy.network import Endpoint, FaultHandle, Toxiproxy
from pytest_goproxy.network.session import LazyToxiproxy
from pytest_goproxy.outage.endpoints import EndpointPlan, Endpoints
from pytest_goproxy.outage.faults import BoundFault, bind_fault
from pytest_goproxy.proxy import FakeGoProxy
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
    (a ``primary`` proxy, always behind toxiproxy, and a ``sumdb``), held open for a shell."""

    def __init__(
        self,
        modules: str | os.PathLike[str] | None = None,
        *,
        toxiproxy: Toxiproxy | None = None,
        toxiproxy_bin: str | os.PathLike[str] | None = None,
    ) -> None:
        from pytest_goproxy.scenarios.format import BUNDLED

        self.modules = Path(modules) if modules is not None else BUNDLED / "modules"
        self._toxiproxy = LazyToxiproxy(toxiproxy, toxiproxy_bin)
        self.endpoints: Endpoints | None = None
        self.control: ThreadingHTTPServer | None = None
        self._faults: dict[str, tuple[BoundFault, FaultHandle | HTTPFaultHandle]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

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
        self.control = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.control.daemon_threads = True
        threading.Thread(target=self.control.serve_forever, daemon=True).start()

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
        lines = [f"export {k}={shlex.quote(v)}" for k, v in self.env.items()]
        lines.append("unset GONOSUMDB GOPRIVATE GONOPROXY GOFLAGS")
        return lines

    # -- faults -----------------------------------------------------------------------------------

    def add_fault(self, name: str, params: Mapping[str, object] | None = None) -> dict[str, object]:
        """Inject a network fault (toxiproxy, on the endpoint) or an HTTP fault (the proxy)."""
        assert self.endpoints is not None, "call start() first"
        fault = bind_fault(name, params)
        handle = self.endpoints.inject("primary", fault)
        with self._lock:
            ident = str(next(self._ids))
            self._faults[ident] = (fault, handle)
        return _describe(ident, fault)

    def faults(self) -> list[dict[str, object]]:
        with self._lock:
            return [_describe(i, f) for i, (f, _) in self._faults.items()]

    def remove_fault(self, ident: str | None = None) -> int:
        with self._lock:
            chosen = list(self._faults) if ident is None else [ident]
            handles = [self._faults.pop(i)[1] for i in chosen if i in self._faults]
        for handle in reversed(handles):
            handle.remove()
        return len(handles)

    # -- lifetime ---------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop everything this object started (each step attempted whatever the others did)."""
        steps = [
            lambda: self.remove_fault(),
            lambda: self.control.shutdown() if self.control is not None else None,
            lambda: self.control.server_close() if self.control is not None else None,
            lambda: self.endpoints.close() if self.endpoints is not None else None,
            self._toxiproxy.close,
        ]
        for step in steps:
            with contextlib.suppress(Exception):
                step()


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

        def do_DELETE(self) -> None:
            if self.path == "/faults":
                self._send(200, {"removed": server.remove_fault()})
            elif self.path.startswith("/faults/"):
                removed = server.remove_fault(self.path.rsplit("/", 1)[1])
                self._send(200 if removed else 404, {"removed": removed})
            else:
                self._send(404, {"error": "DELETE /faults or /faults/<id>"})

    return Handler

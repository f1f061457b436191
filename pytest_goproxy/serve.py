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
from types import TracebackType
from typing import Any

from pytest_goproxy.errors import FaultError
from pytest_goproxy.gomod.store import ModuleStore
from pytest_goproxy.httpfaults import HTTP_FAULTS, HTTPFaultHandle
from pytest_goproxy.network import FAULTS, Endpoint, FaultHandle, Network, Toxiproxy
from pytest_goproxy.proxy import FakeGoProxy
from pytest_goproxy.record import Snapshot, is_snapshot
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


class OutageServer:
    """Proxy + checksum database + toxiproxy endpoint + control endpoint; ``close()`` stops all."""

    def __init__(
        self,
        modules: str | os.PathLike[str] | None = None,
        *,
        toxiproxy: Toxiproxy | None = None,
        toxiproxy_bin: str | os.PathLike[str] | None = None,
    ) -> None:
        from pytest_goproxy.scenarios import BUNDLED

        self.modules = Path(modules) if modules is not None else BUNDLED / "modules"
        self._toxiproxy = toxiproxy
        self._toxiproxy_bin = toxiproxy_bin
        self._own_toxiproxy = False
        self.store = ModuleStore()
        self.proxy: FakeGoProxy | None = None
        self.sumdb: ChecksumDB | None = None
        self.net: Network | None = None
        self.endpoint: Endpoint | None = None
        self.control: ThreadingHTTPServer | None = None
        self._faults: dict[str, tuple[str, str, dict[str, object], FaultHandle | HTTPFaultHandle]]
        self._faults = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def start(self) -> OutageServer:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def _start(self) -> None:
        from pytest_goproxy.network.server import resolve_toxiproxy
        from pytest_goproxy.network.session import start_toxiproxy

        snapshot = Snapshot.load(self.modules) if is_snapshot(self.modules) else None
        if snapshot is not None:
            snapshot.fill(self.store)
        else:
            self.store.add_txtar(self.modules)
        self.proxy = FakeGoProxy(self.store)
        self.proxy.start()
        self.sumdb = ChecksumDB().start()
        if snapshot is not None:
            snapshot.sign(self.sumdb, self.store)
            self.proxy.serve_sumdb(self.sumdb)
        else:
            self.sumdb.attach(self.proxy)
        if self._toxiproxy is None:
            binary = resolve_toxiproxy(self._toxiproxy_bin or os.environ.get("TOXIPROXY_BIN"))
            self._toxiproxy = start_toxiproxy(binary)
            self._own_toxiproxy = True
        self.net = self._toxiproxy.network(prefix=f"serve-{os.getpid()}")
        self.endpoint = self.net.front(self.proxy, name="primary")
        self.control = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.control.daemon_threads = True
        threading.Thread(target=self.control.serve_forever, daemon=True).start()

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
        assert self.endpoint is not None and self.proxy is not None
        params = dict(params or {})
        handle: FaultHandle | HTTPFaultHandle
        if name in FAULTS:
            layer, handle = "network", self.endpoint.inject(name, **params)
        elif name in HTTP_FAULTS:
            layer, handle = "http", self.proxy.inject(name, **params)
        else:
            raise FaultError(
                f"unknown fault {name!r}; network faults: {', '.join(FAULTS)}; HTTP faults: "
                f"{', '.join(HTTP_FAULTS)}"
            )
        with self._lock:
            ident = str(next(self._ids))
            self._faults[ident] = (name, layer, params, handle)
        return {"id": ident, "name": name, "layer": layer, "params": params}

    def faults(self) -> list[dict[str, object]]:
        with self._lock:
            return [
                {"id": i, "name": n, "layer": la, "params": p}
                for i, (n, la, p, _) in self._faults.items()
            ]

    def remove_fault(self, ident: str | None = None) -> int:
        with self._lock:
            chosen = list(self._faults) if ident is None else [ident]
            handles = [self._faults.pop(i)[3] for i in chosen if i in self._faults]
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
            lambda: self.net.close() if self.net is not None else None,
            lambda: (
                self._toxiproxy.close()
                if self._own_toxiproxy and self._toxiproxy is not None
                else None
            ),
            lambda: self.sumdb.stop() if self.sumdb is not None else None,
            lambda: self.proxy.close() if self.proxy is not None else None,
            self.store.close,
        ]
        for step in steps:
            with contextlib.suppress(Exception):
                step()

    def __enter__(self) -> OutageServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


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

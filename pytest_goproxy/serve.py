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

The control endpoint switches what a go command on this machine sees, so only this machine may
use it, browsers included: a web page could otherwise POST a fault to it (a ``text/plain`` form
post needs no CORS preflight) or reach it through a DNS name rebound to 127.0.0.1. So a request
needs a loopback ``Host`` (``localhost``, ``127.x.x.x``, ``[::1]``), may carry no ``Origin`` but
the endpoint's own (nor a cross-site ``Sec-Fetch-Site``), and a ``POST`` must say
``Content-Type: application/json`` (``curl --json '{"name": "refused"}' URL/faults``);
``OPTIONS`` answers with the methods and no CORS grant. Bodies are at most
:data:`MAX_CONTROL_BODY` bytes with a ``Content-Length``, and a whole request must arrive within
:data:`CONTROL_TIMEOUT` seconds (else a 408). Every refusal is a JSON ``{"error": "..."}``
saying what to change, with a 4xx status (but a 505 to a request line naming HTTP/2 or later, as
RFC 9110 says, and a 500 when toxiproxy fails).

The ``dns`` and ``dial_timeout`` faults work by changing the URL go is given (a host under
``.invalid``, a stuck listener's port: see :mod:`pytest_goproxy.network.endpoint`), so a shell
that exported the old GOPROXY keeps reaching the healthy proxy and the fault silently has no
effect. Every change therefore answers with ``"env"`` (the values now) and ``"env_changed"``;
when true, also ``"exports"`` (the ``export`` lines to run again) and a ``"message"`` saying so.
The ``log`` callback gets the same lines, with every fault added or removed and, every
``summary_every`` seconds when there were new requests, a one-line summary of them
(``quiet=True``: only the changed exports). ``serve`` runs for hours, so the proxy and the
database keep only their last :data:`SERVE_LOG_LIMIT` requests; the summary counts every one.
"""

from __future__ import annotations

import contextlib
import ipaddress
import itertools
import json
import math
import os
import re
import shlex
import socket
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
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
from pytest_goproxy.serving.httpserver import SERVER_LOG, QuietThreadingHTTPServer
from pytest_goproxy.serving.requestlog import RequestKind
from pytest_goproxy.sumdb import ChecksumDB

__all__ = [
    "CONTROL_TIMEOUT",
    "MAX_CONTROL_BODY",
    "SERVE_LOG_LIMIT",
    "OutageServer",
    "parse_fault_arg",
]

#: The largest control request body: a fault is a name and a few numbers.
MAX_CONTROL_BODY = 64 * 1024
#: Seconds a control connection may take to send its request (a held connection then ends).
CONTROL_TIMEOUT = 10.0
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
    ) -> None:
        from pytest_goproxy.scenarios.format import BUNDLED

        self.modules = Path(modules) if modules is not None else BUNDLED / "modules"
        self._toxiproxy = LazyToxiproxy(toxiproxy, toxiproxy_bin)
        self.endpoints: Endpoints | None = None
        self.control: QuietThreadingHTTPServer | None = None
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
        self._seen: Counter[str] = Counter()  # the request counts already summarised

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
        self.proxy.request_log.limit = self.sumdb.request_log.limit = SERVE_LOG_LIMIT
        for fault in self._initial:
            self._inject(fault)
        self.control = QuietThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
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
        return f"http://127.0.0.1:{self.control_port}"

    @property
    def control_port(self) -> int:
        assert self.control is not None, "call start() first"
        return self.control.server_port

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


class _ErrorAnswer(Exception):
    """A control request answered ``status`` with ``{"error": message}`` (and ``headers``)."""

    def __init__(
        self, status: HTTPStatus, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.headers = dict(headers or {})


#: ``Host`` or an origin's authority: a name or a bracketed IPv6 address, and maybe a port.
_AUTHORITY = re.compile(
    r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9.-]+))(?::(?P<port>\d+))?"
)
_DIGITS = re.compile(r"[0-9]{1,18}")
#: The control routes: path (``None``: ``/faults/<id>``) and the methods each answers.
_ROUTES: dict[str | None, tuple[str, ...]] = {
    "/faults": ("GET", "POST", "DELETE"),
    "/env": ("GET",),
    None: ("DELETE",),
}
_USAGE = "GET /faults, GET /env, POST /faults, DELETE /faults, DELETE /faults/<id>"


def _as_error_answer(exc: Exception, request: str) -> _ErrorAnswer:
    """The answer to a control request that raised ``exc``: never a dropped connection."""
    if isinstance(exc, _ErrorAnswer):
        return exc
    if isinstance(exc, FaultError):  # an unknown fault, a bad parameter
        return _ErrorAnswer(HTTPStatus.BAD_REQUEST, str(exc))
    if isinstance(exc, GoProxyError):  # toxiproxy went away...: say so, keep serving
        return _ErrorAnswer(HTTPStatus.INTERNAL_SERVER_ERROR, str(exc))
    SERVER_LOG.debug("serve control: %s failed", request, exc_info=exc)  # a bug of ours
    return _ErrorAnswer(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error: {exc!r}")


def _loopback(authority: str) -> tuple[bool, int | None]:
    """Whether ``authority`` (``host[:port]``) names this machine, and its port.

    Only literal loopback names pass: ``localhost``, ``127.x.x.x`` and ``[::1]``. A page behind
    a DNS name rebound to 127.0.0.1 reaches the socket but sends its own name in ``Host``."""
    found = _AUTHORITY.fullmatch(authority)
    if found is None:
        return False, None
    port = int(found["port"]) if found["port"] else None
    if found["name"] is not None:
        name = found["name"]
        if name.lower() == "localhost":
            return True, port
        with contextlib.suppress(ValueError):
            return ipaddress.IPv4Address(name).is_loopback, port
        return False, port
    try:
        return ipaddress.IPv6Address(found["v6"]).is_loopback, port
    except ValueError:
        return False, port


def _only(headers: Message, name: str) -> str | None:
    """The one value of header ``name`` (None when absent); two differing values are a 400."""
    values = set(headers.get_all(name) or ())
    if len(values) > 1:
        raise _ErrorAnswer(HTTPStatus.BAD_REQUEST, f"{name} is given twice, differently")
    return values.pop() if values else None


def _finite(text: str) -> float:
    """``json.loads``' float parser without the infinities (``1e999``), which no fault takes."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text} is out of range")
    return value


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _fault_request(body: bytes) -> tuple[str, dict[str, object]]:
    """``{"name": "<fault>", "params": {...}}``, or a :class:`_ErrorAnswer` saying what is wrong."""
    shape = 'the body is {"name": "<fault>", "params": {...}}'
    try:
        parsed = json.loads(body, parse_float=_finite, parse_constant=_reject_constant)
    except RecursionError:
        raise _ErrorAnswer(
            HTTPStatus.BAD_REQUEST, f"the JSON is nested too deeply; {shape}"
        ) from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, too many digits...
        raise _ErrorAnswer(HTTPStatus.BAD_REQUEST, f"not JSON ({exc}); {shape}") from None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("name"), str):
        raise _ErrorAnswer(HTTPStatus.BAD_REQUEST, shape)
    unknown = sorted(set(parsed) - {"name", "params"})
    if unknown:
        raise _ErrorAnswer(HTTPStatus.BAD_REQUEST, f"unknown field(s) {unknown}; {shape}")
    params = parsed.get("params") or {}
    if not isinstance(params, dict):
        raise _ErrorAnswer(HTTPStatus.BAD_REQUEST, f"params must be an object; {shape}")
    return parsed["name"], params


def _handler(server: OutageServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        """One control request: checked (:meth:`_check`), routed, answered in JSON; whatever a
        client sends gets a status line and a JSON body, never a dropped connection."""

        timeout = CONTROL_TIMEOUT

        def log_message(self, format: str, *args: Any) -> None:
            SERVER_LOG.debug("serve control: " + format, *args)

        # -- the request must be in within CONTROL_TIMEOUT -----------------------------------

        def setup(self) -> None:
            """``timeout`` bounds each read; a client trickling a byte now and then (slowloris)
            would still hold a thread for hours, so the whole request gets a deadline too."""
            super().setup()
            self._late = False
            self._deadline = threading.Timer(CONTROL_TIMEOUT, self._too_late)
            self._deadline.daemon = True
            self._deadline.start()

        def finish(self) -> None:
            self._deadline.cancel()
            super().finish()

        def _too_late(self) -> None:
            """Stop reading: what came so far is refused with a 408 (writing still works)."""
            self._late = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RD)

        def _in_time(self) -> None:
            """The request is in: no deadline from here, or a 408 if it came too late."""
            self._deadline.cancel()
            if self._late:
                raise _ErrorAnswer(
                    HTTPStatus.REQUEST_TIMEOUT, f"the request took over {CONTROL_TIMEOUT} s"
                )

        # -- every request goes through here -----------------------------------------------

        def do_GET(self) -> None:
            self._handle()

        do_POST = do_DELETE = do_OPTIONS = do_GET

        def send_error(
            self, code: int, message: str | None = None, explain: str | None = None
        ) -> None:
            """http.server's own refusals (a request line or headers it cannot parse, a method
            with no ``do_`` method) in JSON like every other answer; an unknown method is a 405
            naming the allowed ones, not a 501."""
            self.log_error("code %d, message %s", code, message)
            if self._late:  # what arrived before the deadline, cut short by it
                status = HTTPStatus.REQUEST_TIMEOUT
                self._answer(status, {"error": f"the request took over {CONTROL_TIMEOUT} s"})
                return
            if code == HTTPStatus.NOT_IMPLEMENTED:
                self._answer(
                    HTTPStatus.METHOD_NOT_ALLOWED,
                    {"error": f"method {self.command} not allowed; {_USAGE}"},
                    {"Allow": "GET, POST, DELETE, OPTIONS"},
                )
                return
            status = HTTPStatus(code)
            self._answer(status, {"error": message or status.phrase})

        def _handle(self) -> None:
            try:
                status, answer, headers = self._route(self._check())
            except Exception as exc:
                error = _as_error_answer(exc, f"{self.command} {self.path}")
                status, answer, headers = error.status, {"error": str(error)}, error.headers
            self._answer(status, answer, headers)

        def _check(self) -> bytes:
            """The body, read only after its framing checks out, then the request's origin:
            a loopback ``Host``, no foreign ``Origin`` or ``Sec-Fetch-Site``."""
            if self.headers.get("Transfer-Encoding") is not None:
                raise _ErrorAnswer(
                    HTTPStatus.LENGTH_REQUIRED, "send the body with a Content-Length, not chunked"
                )
            length_text = _only(self.headers, "Content-Length") or "0"
            if not _DIGITS.fullmatch(length_text.strip()):
                raise _ErrorAnswer(HTTPStatus.BAD_REQUEST, f"bad Content-Length {length_text!r}")
            length = int(length_text)
            if length > MAX_CONTROL_BODY:
                self._linger = True
                raise _ErrorAnswer(
                    HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                    f"the body is {length} bytes; at most {MAX_CONTROL_BODY} are read",
                )
            try:
                body = self.rfile.read(length)
            except TimeoutError:
                raise _ErrorAnswer(
                    HTTPStatus.REQUEST_TIMEOUT, f"the body did not arrive in {CONTROL_TIMEOUT} s"
                ) from None
            self._in_time()
            if len(body) < length:
                raise _ErrorAnswer(
                    HTTPStatus.BAD_REQUEST, "the body is shorter than Content-Length"
                )
            host = _only(self.headers, "Host")
            if host is None or not _loopback(host)[0]:
                raise _ErrorAnswer(
                    HTTPStatus.BAD_REQUEST,
                    f"Host {host!r} is not this machine: use {server.control_url}",
                )
            origin = _only(self.headers, "Origin")
            if origin is not None and not self._own_origin(origin):
                raise _ErrorAnswer(HTTPStatus.FORBIDDEN, f"requests from {origin!r} are refused")
            site = self.headers.get("Sec-Fetch-Site")
            if site is not None and site not in ("same-origin", "none"):
                raise _ErrorAnswer(HTTPStatus.FORBIDDEN, f"{site} requests are refused")
            return body

        def _own_origin(self, origin: str) -> bool:
            """``origin`` is the endpoint's own: http, a loopback name, the control port."""
            scheme, sep, authority = origin.partition("://")
            if scheme != "http" or not sep:
                return False
            ok, port = _loopback(authority)
            return ok and port == server.control_port

        def _route(self, body: bytes) -> tuple[HTTPStatus, object, dict[str, str]]:
            path = urllib.parse.urlsplit(self.path).path
            ident = path[len("/faults/") :] if path.startswith("/faults/") else None
            key = None if ident and "/" not in ident else path
            allowed = _ROUTES.get(key)
            if allowed is None:
                raise _ErrorAnswer(HTTPStatus.NOT_FOUND, f"no {path!r} here; {_USAGE}")
            allow = {"Allow": ", ".join((*allowed, "OPTIONS"))}
            if self.command == "OPTIONS":  # the methods, and no Access-Control-Allow-* grant
                return HTTPStatus.NO_CONTENT, None, allow
            if self.command not in allowed:
                raise _ErrorAnswer(
                    HTTPStatus.METHOD_NOT_ALLOWED, f"{self.command} {path}: {_USAGE}", allow
                )
            if self.command == "GET":
                return HTTPStatus.OK, server.faults() if path == "/faults" else server.env, {}
            if self.command == "DELETE":
                answer = server.removal(ident)
                found = ident is None or answer["removed"]
                return HTTPStatus.OK if found else HTTPStatus.NOT_FOUND, answer, {}
            if self.headers.get_content_type() != "application/json":
                raise _ErrorAnswer(
                    HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                    "send Content-Type: application/json (curl: --json '{...}' or "
                    "-H 'Content-Type: application/json')",
                )
            name, params = _fault_request(body)
            return HTTPStatus.CREATED, server.add_fault(name, params), {}

        # -- the answer -----------------------------------------------------------------------

        _linger = False

        def _answer(
            self, status: HTTPStatus, body: object, headers: Mapping[str, str] | None = None
        ) -> None:
            """A JSON answer (none for 204 and HEAD), with a status line even to a request line
            that named no HTTP version, and the connection closed after it."""
            if self.request_version == "HTTP/0.9":  # not HTTP/1.x: answer as HTTP/1.0 anyway
                self.request_version = "HTTP/1.0"
            data = b"" if status == HTTPStatus.NO_CONTENT else (json.dumps(body) + "\n").encode()
            self.close_connection = True
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if data:
                self.send_header("Content-Type", "application/json")
                self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            if data and self.command != "HEAD":
                self.wfile.write(data)
            if self._linger:
                self._discard_unread()

        def _discard_unread(self) -> None:
            """After refusing a body too large to read: say we are done, then read what the
            client is still sending for a moment, so closing does not reset the connection
            before the client has read the answer (a reset can discard it)."""
            with contextlib.suppress(OSError):
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_WR)
                self.connection.settimeout(0.5)
                left = 4 * MAX_CONTROL_BODY
                while left > 0 and (chunk := self.connection.recv(min(left, 65536))):
                    left -= len(chunk)

    return Handler

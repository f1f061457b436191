"""FakeGoProxy: the GOPROXY protocol served from a :class:`ModuleStore`, on pytest-httpserver.

The go command speaks a small protocol to a module proxy (``go help goproxy``; the client side is
``cmd/go/internal/modfetch/proxy.go``)::

    GET <module>/@v/list              known versions, one a line, pseudo-versions left out
    GET <module>/@v/<version>.info    JSON {"Version": ..., "Time": ...}; <version> may be a query
    GET <module>/@v/<version>.mod     the go.mod file
    GET <module>/@v/<version>.zip     the module zip
    GET <module>/@latest              the .info of the version to use when the list is empty
    GET sumdb/<name>/supported        200 when the proxy also serves that checksum database

Module paths and versions travel case-escaped (``Foo`` becomes ``!foo``) and go percent-encodes
the ``!``. Anything go would not send gets a 404 (or 405 for a method other than GET/HEAD), never a
500: the store is keyed by (module, version), so no request can name a file outside it.

Each request is parsed once into a :class:`ProxyRequest` and then served; parsing and serving are
not mixed (the shape of go-internal's ``goproxytest``).
"""

from __future__ import annotations

import datetime as _dt
import os
import ssl
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

from werkzeug.wrappers import Request, Response

from pytest_goproxy.errors import InvalidModuleError, UsageError
from pytest_goproxy.gomod.escape import unescape_path, unescape_version
from pytest_goproxy.gomod.gomodfile import GoModOptions
from pytest_goproxy.gomod.semver import is_pseudo_version, pseudo_version_rev
from pytest_goproxy.gomod.store import ModuleStore, ModuleVersion, TxtarDefaults
from pytest_goproxy.gorun.binary import GoBinary
from pytest_goproxy.gorun.toolchain import add_synthetic_toolchain
from pytest_goproxy.httpfaults import HTTPFaultHandle, HTTPFaults
from pytest_goproxy.serving.answers import not_found, status_line, text_answer
from pytest_goproxy.serving.http2 import CONNECTION_REQUEST
from pytest_goproxy.serving.httpserver import QuickStopHTTPServer, tune_server
from pytest_goproxy.serving.requestlog import LoggedBody, ProxyRequest, RequestKind, RequestLog
from pytest_goproxy.serving.tls import server_context

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack from Python 3.11 (kwargs: 3.12)

__all__ = ["FakeGoProxy", "ProxyRequest", "RequestKind", "SumDBHandler"]

#: Big enough that a 200 MB zip goes out in few syscalls, small enough to never matter for memory.
_STREAM_CHUNK = 256 * 1024
#: Zips up to this size are read whole and sent with the headers' neighbour write: fewer syscalls.
_SMALL_BODY = 1024 * 1024


class SumDBHandler(Protocol):
    """What the proxy needs of a checksum database to serve ``<proxy>/sumdb/<name>/...``:
    :class:`pytest_goproxy.sumdb.ChecksumDB` fits it."""

    @property
    def name(self) -> str: ...

    def handle(self, path: str, *, protocol: str = ...) -> tuple[int, Mapping[str, str], bytes]: ...


def _answered_as(record: ProxyRequest) -> tuple[RequestKind, bool] | None:
    """What ``request_log.tally()`` counts a request by: ``(kind, faulted)`` once the proxy has
    chosen its answer, None while a fault still decides (a ``slow_first_byte`` sleeps there), so
    a summary taken meanwhile neither counts it twice nor as unfaulted."""
    return (record.kind, record.faulted) if record.status else None


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(_STREAM_CHUNK):
            yield chunk


class FakeGoProxy(QuickStopHTTPServer):
    """A module proxy for the go command, serving modules from a :class:`ModuleStore`.

    It is a pytest-httpserver ``HTTPServer`` (threaded: go downloads in parallel), so everything
    that class offers works too: a handler registered with ``expect_request`` answers before the
    Go protocol does, which lets a test override one URL by hand.

    Use it as a context manager outside pytest::

        with FakeGoProxy() as proxy:
            proxy.add_module("example.test/lib", "v1.2.0", files={"lib.go": "package lib\\n"})
            env = {"GOPROXY": proxy.url, "GOSUMDB": "off"}

    In pytest, use the ``goproxy`` and ``goproxy_factory`` fixtures.

    ``tls=True`` serves ``https://`` with a certificate of the session CA
    (:func:`~pytest_goproxy.serving.tls.session_ca`) for 127.0.0.1, ::1 and localhost, which
    every hermetic go run trusts; an ``ssl.SSLContext`` serves with that context instead.
    ``name="proxy.golang.org"`` serves it under that host name (a certificate for it; ``url``
    is ``https://proxy.golang.org``): a go run reaches it by name when its runner routes the
    name here (``go.route(name, proxy)``; ``goproxy_factory(name=...)`` does). Over
    HTTPS it offers ``h2`` and ``http/1.1`` by ALPN and serves HTTP/2 to a client that picks it,
    as real proxies do (go does); ``http2=False`` offers HTTP/1.1 alone. Each request record
    says which was spoken (:attr:`ProxyRequest.protocol`).
    """

    def __init__(
        self,
        store: ModuleStore | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        workdir: Path | None = None,
        tls: bool | ssl.SSLContext = False,
        http2: bool = True,
        name: str | None = None,
        prefix: str = "",
    ) -> None:
        __tracebackhide__ = True
        if prefix and (not prefix.startswith("/") or prefix.endswith("/") or "?" in prefix):
            raise UsageError(
                f"FakeGoProxy(prefix={prefix!r}): the URL path the proxy answers under, such as "
                "'/dl/mod' (a leading slash, no trailing one), or '' for the root"
            )
        #: the URL path the proxy answers under (go.dev serves toolchains under ``/dl/mod``);
        #: requests outside it are 404
        self.prefix = prefix
        if name is not None and (not name or "/" in name or ":" in name or tls is False):
            raise UsageError(
                f"FakeGoProxy(name={name!r}): a proxy served under a host name speaks HTTPS "
                "(tls=True) and the name is a bare host such as proxy.golang.org"
            )
        #: the host name go reaches this proxy by (through the network guard), or None
        self.name = name
        context = server_context(tls, http2=http2, names=() if name is None else (name,))
        super().__init__(host=host, port=port, threaded=True, ssl_context=context)
        self._owns_store = store is None
        self.store: ModuleStore = store if store is not None else ModuleStore(workdir)
        #: every request, oldest first (``request_log.limit`` keeps only the last N; see
        #: :class:`~pytest_goproxy.serving.requestlog.RequestLog`)
        self.request_log: RequestLog[ProxyRequest, tuple[RequestKind, bool] | None] = RequestLog(
            _answered_as
        )
        self._gone: set[tuple[str, str | None]] = set()
        self._sumdbs: dict[str, SumDBHandler] = {}
        #: HTTP faults played instead of the normal answer (see :meth:`inject`); the HTTP/2
        #: ones need a proxy that may speak it (a context of the user's own may: its ALPN decides)
        may_speak_http2 = isinstance(tls, ssl.SSLContext) or (bool(tls) and http2)
        self.faults = HTTPFaults(self._serve, self.store, http2=may_speak_http2)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        super().start()
        tune_server(self, fast_answer=self.fast_answer)

    def close(self) -> None:
        """Stop serving and remove the zips this proxy built (when it owns its store).

        Faults go first: a slow fault sleeping in a server thread wakes up and ends.
        """
        self.faults.clear()
        if self.is_running():
            self.stop()
        if self._owns_store:
            self.store.close()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def url(self) -> str:
        """The value to put in GOPROXY (no trailing slash): ``https://`` when serving TLS."""
        if self.name is not None:
            return f"https://{self.name}{self.prefix}"
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{self.format_host(self.host)}:{self.port}{self.prefix}"

    def clear(self) -> None:
        """Forget modules, request log, 410 marks, checksum databases, hand-made handlers and
        HTTP faults."""
        super().clear()
        self.faults.clear()
        self.store.clear()
        self.request_log.clear()
        self._gone.clear()
        self._sumdbs.clear()

    # -- module sources (all delegate to the store) -----------------------------------------

    def add_module(
        self,
        path: str,
        version: str,
        files: Mapping[str, str | bytes] | None = None,
        *,
        time: _dt.datetime | None = None,
        **options: Unpack[GoModOptions],
    ) -> ModuleVersion:
        """Serve a module made from Python data; go.mod is generated when not given
        (:class:`~pytest_goproxy.gomod.gomodfile.GoModOptions`, as
        :meth:`ModuleStore.add_module <pytest_goproxy.gomod.store.ModuleStore.add_module>`)."""
        __tracebackhide__ = True  # the user's call is the frame that matters
        return self.store.add_module(path, version, files, time=time, **options)

    def add_dir(
        self, directory: str | Path, path: str, version: str, *, time: _dt.datetime | None = None
    ) -> ModuleVersion:
        """Serve the module in ``directory`` as ``path@version`` (files excluded as go would)."""
        __tracebackhide__ = True  # the user's call is the frame that matters
        return self.store.add_dir(Path(directory), path, version, time=time)

    def add_txtar(
        self,
        file_or_dir: str | Path,
        *,
        defaults: TxtarDefaults = "cmdgo",
        strict: bool = True,
    ) -> list[ModuleVersion]:
        """Serve module archives: cmd/go's ``testdata/mod`` ``.txt`` files, go-internal's
        ``.txtar`` files and ``path_vers/`` directories, as :meth:`ModuleStore.add_txtar`
        describes (``defaults="goproxytest"`` fills in a missing ``.info``/``.mod`` as
        go-internal does; ``strict=False`` skips files that break the naming rule, which
        GOROOT's own ``src/cmd/go/testdata/mod`` needs: it holds one on purpose)."""
        __tracebackhide__ = True  # the user's call is the frame that matters
        return self.store.add_txtar(Path(file_or_dir), defaults=defaults, strict=strict)

    def add_module_cache(self, download_dir: str | Path) -> list[ModuleVersion]:
        """Serve every module of a ``$GOMODCACHE/cache/download`` tree, byte for byte."""
        __tracebackhide__ = True  # the user's call is the frame that matters
        return self.store.add_module_cache(Path(download_dir))

    def add_toolchain(
        self, name: str = "go1.99.0", *, go: GoBinary | str | os.PathLike[str] | None = None
    ) -> ModuleVersion:
        """Serve a synthetic Go toolchain ``name`` for the platform of the local go.

        go downloads a toolchain it switches to (a ``toolchain`` or ``go`` line newer than
        itself, with ``GOTOOLCHAIN=auto``...) as the module ``golang.org/toolchain`` at
        ``v0.0.1-<name>.<GOOS>-<GOARCH>`` through GOPROXY; this serves that module as cmd/go's
        own tests fake it: a small zip whose ``bin/go`` runs the local go (``go``: a path or
        :class:`~pytest_goproxy.gorun.GoBinary`, by default the one the ``go`` fixture finds).
        A checksum database attached to this proxy signs it like any module, and go always
        verifies a toolchain there. ``go version`` in the switched run prints ``name``; any
        other command is the local go's, so a project whose ``go`` line is newer than the local
        go needs a real toolchain (see :mod:`pytest_goproxy.gomod.toolchain`).
        """
        __tracebackhide__ = True  # the user's call is the frame that matters
        return add_synthetic_toolchain(self.store, name, go)

    def go_sum_lines(self, path: str, version: str) -> tuple[str, str]:
        """The two go.sum lines go writes for ``path@version``, from the bytes served."""
        return self.store.go_sum_lines(path, version)

    def mark_gone(self, path: str, version: str | None = None) -> None:
        """Answer 410 Gone for ``path`` (one version, or all of it), as proxy.golang.org does."""
        self._gone.add((path, version))

    def serve_sumdb(self, db: SumDBHandler) -> None:
        """Also serve checksum database ``db`` at ``<proxy>/sumdb/<db.name>/``.

        go asks ``<proxy>/sumdb/<name>/supported`` first and, on 200, fetches lookups and tiles
        through the proxy (``cmd/go/internal/modfetch/sumdb.go``).
        """
        self._sumdbs[db.name] = db

    # -- HTTP faults ------------------------------------------------------------------------

    def inject(self, name: str, **params: object) -> HTTPFaultHandle:
        """Answer chosen requests with HTTP fault ``name`` (``status``, ``cut_body``...).

        ``params`` mixes the fault's own parameters (``code=502``) with selectors: ``kind``
        (list, info, mod, zip, latest, sumdb; one or a list), ``module`` (a glob), ``version``,
        and by attempt ``times`` (at most N plays: fail N, then succeed), ``every`` (every Kth
        matching request) and ``probability`` with ``seed``. The handle's ``hits`` counts plays;
        ``remove()`` or leaving ``with`` ends the fault, and :meth:`clear` ends them all.
        Faulted requests have ``faulted=True`` in the request log. Unknown names or bad values
        raise :class:`~pytest_goproxy.errors.FaultError` listing the valid ones
        (:mod:`pytest_goproxy.httpfaults` has the catalogue).
        """
        return self.faults.inject(name, **params)

    # -- request log ------------------------------------------------------------------------

    def requests(
        self,
        kind: RequestKind | str | None = None,
        module: str | None = None,
        version: str | None = None,
    ) -> list[ProxyRequest]:
        """Requests received so far that match every given selector, oldest first (the last
        ``request_log.limit`` of them, when set)."""
        return [r for r in self.request_log.snapshot() if r.matches(kind, module, version)]

    def assert_requested(
        self,
        kind: RequestKind | str | None = None,
        module: str | None = None,
        version: str | None = None,
        *,
        count: int | None = None,
    ) -> None:
        """Fail unless such a request was made (exactly ``count`` times, when given)."""
        found = self.requests(kind, module, version)
        wanted = f"kind={kind} module={module} version={version}"
        if count is None and not found:
            raise AssertionError(f"no request matched {wanted}; log:\n{self._log_text()}")
        if count is not None and len(found) != count:
            raise AssertionError(
                f"{len(found)} requests matched {wanted}, expected {count}; log:\n"
                f"{self._log_text()}"
            )

    def assert_not_requested(
        self,
        kind: RequestKind | str | None = None,
        module: str | None = None,
        version: str | None = None,
    ) -> None:
        """Fail if any request matched."""
        self.assert_requested(kind, module, version, count=0)

    def _log_text(self) -> str:
        lines = [f"  {r.method} {r.path} -> {r.status}" for r in self.request_log.snapshot()]
        return "\n".join(lines) or "  (no requests)"

    # -- serving ----------------------------------------------------------------------------

    def application(self, request: Request) -> Response:
        """pytest-httpserver's entry point, without its ``log`` for Go protocol requests.

        That log keeps every (request, response) pair, small zips' bodies included, for the
        whole session; ``request_log`` records what matters instead.
        """
        if self._hand_made_first(request):
            return super().application(request)
        return self._answer_request(request)

    def dispatch(self, request: Request) -> Response:
        if self._hand_made_first(request):
            return super().dispatch(request)
        return self._answer_request(request)

    def _answer_request(self, request: Request) -> Response:
        """:meth:`_answer` for a WSGI request (its target as sent, before werkzeug decodes it)."""
        environ = request.environ
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.path
        protocol = str(environ.get("SERVER_PROTOCOL") or "HTTP/1.1")
        return self._answer(
            request.method, raw, request, protocol, int(environ.get(CONNECTION_REQUEST, 0))
        )

    def fast_answer(self, method: str, target: str, protocol: str = "HTTP/1.1") -> Response | None:
        """The answer to a plain ``GET target``, for the keep-alive fast path of
        :mod:`pytest_goproxy.serving.httpserver`; None when the request needs the full WSGI path
        (hand-made handlers or HTTP faults are active, or it is not a GET)."""
        if (
            method != "GET"
            or self.ordered_handlers
            or self.oneshot_handlers
            or self.handlers
            or getattr(self, "_readiness_check_pending", False)
            or self.faults.active
        ):
            return None
        return self._answer(method, target, None, protocol)

    def _hand_made_first(self, request: Request) -> bool:
        return bool(
            getattr(self, "_readiness_check_pending", False)
            or self.ordered_handlers
            or self.oneshot_handlers.match(request)
            or self.handlers.match(request)
        )

    def _answer(
        self,
        method: str,
        target: str,
        request: Request | None,
        protocol: str,
        connection_request: int = 0,
    ) -> Response:
        """Parse, log, let an active fault answer (``request`` given) or serve; the body is
        wrapped so the log learns the bytes sent and the duration."""
        record = self._parse(method, target)
        record.protocol = protocol
        record.connection_request = connection_request
        self.request_log.append(record)
        try:
            faulty = None if request is None else self.faults.answer(record, request)
            if faulty is None:
                response = self._serve(record)
            else:
                record.faulted = True
                response = faulty
        except Exception as exc:  # a bug of ours: answer, and make check() fail the test
            self.handler_errors.append(exc)
            response = text_answer(500, f"pytest-goproxy internal error: {exc!r}\n")
        record.status = response.status_code
        response.response = LoggedBody(record, response.iter_encoded())
        response.direct_passthrough = True
        return response

    def _parse(self, method: str, target: str) -> ProxyRequest:
        raw_path = urllib.parse.urlsplit(target).path
        if self.prefix:
            if not raw_path.startswith(self.prefix + "/"):
                return ProxyRequest(method, raw_path, RequestKind.OTHER, error="outside the prefix")
            raw_path = raw_path[len(self.prefix) :]
        try:
            path = urllib.parse.unquote(raw_path, errors="strict")
        except UnicodeDecodeError:
            return ProxyRequest(method, raw_path, RequestKind.OTHER, error="path is not UTF-8")
        record = ProxyRequest(method=method, path=path, kind=RequestKind.OTHER)
        if path.startswith("/sumdb/"):
            record.kind = RequestKind.SUMDB
            return record
        escaped_module, sep, endpoint = path[1:].partition("/@v/")
        if not sep:
            escaped_module, sep, _ = path[1:].rpartition("/@latest")
            if not sep or _:
                return record
            kind, escaped_version = RequestKind.LATEST, None
        elif endpoint == "list":
            kind, escaped_version = RequestKind.LIST, None
        else:
            escaped_version, dot, ext = endpoint.rpartition(".")
            if not dot or ext not in ("info", "mod", "zip"):
                return record
            kind = RequestKind(ext)
        try:
            record.module = unescape_path(escaped_module)
            if escaped_version is not None:
                record.version = unescape_version(escaped_version)
        except InvalidModuleError as exc:
            record.error = str(exc)
            return record
        record.kind = kind
        return record

    def _serve(self, req: ProxyRequest) -> Response:
        if req.method not in ("GET", "HEAD"):
            return text_answer(405, f"method {req.method} not allowed: a module proxy serves GET\n")
        if req.kind is RequestKind.SUMDB:
            return self._serve_sumdb(req.path, req.protocol)
        if req.kind is RequestKind.OTHER or req.module is None:
            return not_found(req.error or "not a module proxy request")
        if (req.module, None) in self._gone or (req.module, req.version) in self._gone:
            return text_answer(410, f"not found: {req.module} is gone\n")
        if req.kind is RequestKind.LIST:
            return self._serve_list(req.module)
        if req.kind is RequestKind.LATEST:
            latest = self.store.latest(req.module)
            if latest is None:
                return not_found(f"module {req.module}: no versions")
            if latest.info is None:
                return not_found(f"{req.module}@{latest.version}: its archive has no .info")
            return Response(latest.info, status=200, content_type="application/json")
        assert req.version is not None
        found = self._resolve(req.module, req.version, query_allowed=req.kind is RequestKind.INFO)
        if found is None:
            return not_found(f"{req.module}@{req.version}: unknown revision")
        if req.kind is RequestKind.INFO:
            if found.info is None:  # as cmd/go's test proxy: what the archive lacks is a 404
                return not_found(f"{found.path}@{found.version}: its archive has no .info")
            return Response(found.info, status=200, content_type="application/json")
        if req.kind is RequestKind.MOD:
            if found.mod is None:
                return not_found(f"{found.path}@{found.version}: its archive has no .mod")
            return Response(found.mod, status=200, content_type="text/plain; charset=utf-8")
        return self._serve_zip(found)

    def _serve_list(self, module: str) -> Response:
        if not self.store.versions(module):
            return not_found(f"module {module}: no versions")
        # A module with only pseudo-versions, or only versions module.Check refuses: 200 and
        # an empty list, as cmd/go's test proxy answers.
        body = "".join(f"{v}\n" for v in self.store.list_versions(module))
        return text_answer(200, body)

    def _resolve(self, module: str, version: str, *, query_allowed: bool) -> ModuleVersion | None:
        """The stored version, or for ``.info`` a commit-hash query matching one pseudo-version.

        go sends ``@v/<query>.info`` for ``go get m@<rev>`` and expects the proxy to answer with
        the canonical version (``modfetch/proxy.go``, ``Stat``).
        """
        found = self.store.get(module, version)
        if found is not None or not query_allowed:
            return found
        if len(version) < 7:  # too short to name one commit, as in cmd/go's codeRepo.Stat
            return None
        matches = [
            v
            for v in self.store.versions(module)
            if is_pseudo_version(v) and pseudo_version_rev(v).startswith(version)
        ]
        if len(matches) != 1:
            return None
        return self.store.get(module, matches[0])

    def _serve_zip(self, found: ModuleVersion) -> Response:
        if found.zip_path is None:  # a module cache entry go only ever needed the go.mod of
            return not_found(f"{found.path}@{found.version}: no zip in the source")
        headers = {"Content-Length": str(found.zip_size)}
        body: Iterable[bytes]
        if found.zip_size <= _SMALL_BODY:
            body = [found.zip_path.read_bytes()]
        else:
            body = _file_chunks(found.zip_path)
        return Response(body, status=200, headers=headers, content_type="application/zip")

    def _serve_sumdb(self, path: str, protocol: str) -> Response:
        """Forward ``/sumdb/<name>/<rest>`` to the database named ``<name>`` (which may itself
        contain slashes, e.g. ``example.com/sumdb``); it answers ``/supported`` too, so its
        misbehaviour (a 404 there) reaches go through the proxy as well."""
        for name, db in self._sumdbs.items():
            prefix = f"/sumdb/{name}/"
            if path.startswith(prefix):
                status, headers, body = db.handle("/" + path[len(prefix) :], protocol=protocol)
                return Response(body, status=status_line(status), headers=dict(headers))
        return not_found(f"this proxy serves no checksum database at {path}")

"""ChecksumDB: a Go checksum database the real go command trusts, with misbehaviour on demand.

The protocol is ``golang.org/x/mod/sumdb`` (server side ``server.go``, client side ``client.go``),
all relative to the database's base URL::

    GET /lookup/<module>@<version>   "<id>\\n<record text>\\n" then the signed tree head
    GET /latest                      the signed tree head
    GET /tile/<H>/<L>/<NNN>[.p/<W>]  hash tiles (L >= 0) and record tiles (L = "data")

Module paths and versions travel case-escaped (``!x`` for ``X``). A record is the two go.sum lines
of one module version, ``<m> <v> h1:...\\n<m> <v>/go.mod h1:...\\n``. The go command (its
``ClientOps`` are in ``cmd/go/internal/modfetch/sumdb.go``) checks the signature of the tree head
with the key in ``GOSUMDB``, that the new head extends the one it saw before (kept in
``$GOPATH/pkg/sumdb/<name>/latest``), and that the record's leaf hash is in the tree, by downloading
tiles. Through a module proxy the same paths live under ``<proxy>/sumdb/<name>/``, after
``<proxy>/sumdb/<name>/supported`` answered 200.
"""

from __future__ import annotations

import base64
import hashlib
import re
import ssl
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, cast

from werkzeug.wrappers import Request, Response

from pytest_goproxy.errors import ChecksumDBError
from pytest_goproxy.gomod.escape import unescape_string
from pytest_goproxy.lifecycle import Closing
from pytest_goproxy.serving.answers import status_line, text_answer
from pytest_goproxy.serving.httpserver import QuickStopHTTPServer, tune_server
from pytest_goproxy.serving.requestlog import RequestLog
from pytest_goproxy.serving.tls import server_context
from pytest_goproxy.sumdb.note import Signer, sign_note
from pytest_goproxy.sumdb.tlog import (
    TILE_HEIGHT,
    Log,
    format_record,
    format_tree,
    parse_tile_path,
)

#: The name a database gets unless told otherwise. ``.test`` is reserved (RFC 2606): go can never
#: reach a real server by that name.
DEFAULT_NAME = "sumdb.goproxy.test"

_TEXT = "text/plain; charset=UTF-8"
#: ``modVerRE`` in server.go: what a lookup path must look like.
_MOD_VER_RE = re.compile(r"^[^@]+@v[0-9]+\.[0-9]+\.[0-9]+(-[^@]*)?(\+incompatible)?$")
_H1_RE = re.compile(r"^h1:[A-Za-z0-9+/]{43}=$")
#: Record kinds, for the request log and :meth:`Misbehaviour.fail`.
_KINDS = ("lookup", "latest", "tile", "supported", "other")
#: What the database's own server answers: go only ever GETs from a checksum database.
_METHODS = ("GET", "HEAD")


class GoSumSource(Protocol):
    """Anything that knows module versions and their go.sum lines: ``modules()``,
    ``versions(path)`` and either ``go_sum_lines(path, version)`` or ``get(path, version)``
    returning an object with ``go_sum_lines()`` (``pytest_goproxy.gomod.store.ModuleStore``, and
    so a fake proxy's ``.store``). Lines may be one string or a sequence of lines."""

    def modules(self) -> Iterable[str]:
        """The module paths it holds."""
        ...

    def versions(self, path: str) -> Iterable[str]:
        """The versions it holds of ``path``."""
        ...


def _source_lines(source: GoSumSource, module: str, version: str) -> str | Sequence[str] | None:
    """The go.sum lines ``source`` has for ``module@version``, or None."""
    direct = getattr(source, "go_sum_lines", None)
    if callable(direct):
        lines = direct(module, version)
    else:
        get = getattr(source, "get", None)
        if not callable(get):
            raise ChecksumDBError(
                f"{source!r} has neither go_sum_lines(path, version) nor get(path, version)"
            )
        found = get(module, version)
        if found is None:
            return None
        lines = found.go_sum_lines()
    if lines is None or isinstance(lines, str):
        return lines
    return [str(line) for line in lines]


def make_record(module: str, version: str, zip_hash: str, mod_hash: str) -> bytes:
    """The record text of one module version: its two go.sum lines, exactly as sum.golang.org
    stores them (see the records in ``golang.org/x/mod/sumdb/client_test.go``)."""
    for label, value in (("zip_hash", zip_hash), ("mod_hash", mod_hash)):
        if not _H1_RE.match(value):
            raise ChecksumDBError(
                f"{label} {value!r} of {module}@{version} is not an h1: hash "
                "(h1: and the base64 of 32 bytes)"
            )
    if not module or any(c.isspace() for c in module + version) or not version.startswith("v"):
        raise ChecksumDBError(f"invalid module version {module!r} {version!r}")
    return f"{module} {version} {zip_hash}\n{module} {version}/go.mod {mod_hash}\n".encode()


def _hashes_from_lines(
    module: str, version: str, lines: str | Sequence[str]
) -> tuple[str | None, str | None]:
    """The (zip, go.mod) h1 hashes of ``module@version`` among go.sum ``lines``."""
    if isinstance(lines, str):
        lines = lines.splitlines()
    zip_hash = mod_hash = None
    for line in lines:
        fields = line.split()
        if len(fields) != 3 or fields[0] != module:
            continue
        if fields[1] == version:
            zip_hash = fields[2]
        elif fields[1] == version + "/go.mod":
            mod_hash = fields[2]
    return zip_hash, mod_hash


def _wrong_hash(h1: str) -> str:
    """Another well-formed h1 hash, derived from ``h1`` so that it is stable."""
    return "h1:" + base64.b64encode(hashlib.sha256(b"wrong:" + h1.encode()).digest()).decode()


@dataclass(frozen=True)
class SumDBRequest:
    """One request the database answered: ``kind`` is lookup, latest, tile, supported or other;
    ``via`` is ``"direct"`` (its own server) or ``"proxy"`` (forwarded by a fake GOPROXY)."""

    path: str
    kind: str
    status: int
    via: str
    module: str | None = None
    version: str | None = None
    #: ``"HTTP/2"`` or ``"HTTP/1.1"``: what the client spoke (to the proxy, when via it)
    protocol: str = "HTTP/1.1"


def _protocol(request: Request) -> str:
    """What the client spoke: ``SERVER_PROTOCOL`` (``HTTP/2`` over h2)."""
    return str(request.environ.get("SERVER_PROTOCOL") or "HTTP/1.1")


def _counted_as(request: SumDBRequest) -> tuple[str, str]:
    """What ``request_log.tally()`` counts a request by: ``(kind, via)``."""
    return request.kind, request.via


class _DatabaseServer(QuickStopHTTPServer):
    """The database's own HTTP server: every request goes to ``answer``, its body unread.

    pytest-httpserver's ``application`` reads the whole body before dispatching (a 200 MiB POST
    took 208 MB; a malformed chunked body was a 500 with a traceback) and keeps every
    (request, response) pair in ``log`` for the server's lifetime. A checksum database needs
    neither: go sends it bodiless GETs, and :class:`ChecksumDB` keeps its own request log.
    Exceptions land in ``handler_errors`` (so :meth:`ChecksumDB.check` fails the test) and are
    answered 500.
    """

    def __init__(
        self,
        answer: Callable[[Request], Response],
        *,
        host: str,
        port: int,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__(host=host, port=port, threaded=True, ssl_context=ssl_context)
        self._answer_with = answer

    def application(self, request: Request) -> Response:
        try:
            return self._answer_with(request)
        except Exception as exc:  # a bug of ours: answer, and make check() fail the test
            self.handler_errors.append(exc)
            return text_answer(500, f"pytest-goproxy internal error: {exc!r}\n")


@dataclass
class _Failure:
    kind: str | None
    status: int
    remaining: int | None
    module: str | None


class Misbehaviour:
    """The ways the database can lie or fail, switched on by a test (``db.misbehave``).

    Each one makes the go command fail the way a broken or hostile checksum database would.
    """

    def __init__(
        self, *, wrong_hash: Callable[[str, str, str], None], fork: Callable[[], None]
    ) -> None:
        """``wrong_hash(module, version, which)`` and ``fork()`` are the database's own ways to
        rewrite its log: this object decides when, the database keeps its log to itself and
        asks :meth:`failure_status` and :meth:`tampered` while it answers."""
        self._publish_wrong_hash = wrong_hash
        self._fork_log = fork
        self._lock = threading.Lock()
        self._failures: list[_Failure] = []
        #: ``<proxy>/sumdb/<name>/supported`` answers 404: go then contacts the database directly.
        self.supported_404 = False
        #: Every tile request answers 404: go cannot authenticate any record.
        self.missing_tiles = False
        self._tampered: set[tuple[str, str]] = set()

    def wrong_hash(self, module: str, version: str, *, which: str = "zip") -> None:
        """Make the log hold a wrong hash for ``module@version`` (``which`` is ``"zip"``,
        ``"mod"`` or ``"both"``). The log stays consistent, so go believes the database and reports
        ``verifying module: checksum mismatch`` with ``SECURITY ERROR`` when the bytes it downloads
        do not match."""
        if which not in ("zip", "mod", "both"):
            raise ChecksumDBError(f"which must be 'zip', 'mod' or 'both', not {which!r}")
        self._publish_wrong_hash(module, version, which)

    def tamper_lookup(self, module: str, version: str) -> None:
        """Answer lookups of ``module@version`` with record text that is not the one in the log:
        go finds the leaf hash does not match (``cannot authenticate record data``)."""
        with self._lock:
            self._tampered.add((module, version))

    def fork(self) -> None:
        """Rewrite history: serve from now on a log whose past differs from the one already
        served. A go command that saw an earlier tree head reports ``SECURITY ERROR`` and
        ``go.sum database server misbehavior detected!``."""
        self._fork_log()

    def fail(
        self,
        kind: str | None = None,
        *,
        status: int = 500,
        times: int | None = None,
        module: str | None = None,
    ) -> None:
        """Answer requests of ``kind`` (lookup, latest, tile, supported; ``None`` for all) with
        ``status``, for the next ``times`` requests (``None``: until :meth:`reset`);
        ``module`` limits lookups failed to one module path."""
        if kind is not None and kind not in _KINDS:
            raise ChecksumDBError(f"unknown request kind {kind!r}; one of {', '.join(_KINDS)}")
        if not 100 <= status <= 599:
            raise ChecksumDBError(f"bad HTTP status {status}")
        with self._lock:
            self._failures.append(_Failure(kind, status, times, module))

    def reset(self) -> None:
        """Stop misbehaving from now on. Wrong hashes already in the log and a fork stay: a log
        cannot take back what it published."""
        with self._lock:
            self._failures.clear()
            self._tampered.clear()
            self.supported_404 = False
            self.missing_tiles = False

    def failure_status(self, kind: str, module: str | None) -> int | None:
        """The status a request of ``kind`` (for ``module``) is to fail with, None to answer it;
        a failure given ``times`` counts this request."""
        with self._lock:
            for failure in self._failures:
                if failure.kind not in (None, kind):
                    continue
                if failure.module is not None and failure.module != module:
                    continue
                if failure.remaining is not None:
                    if failure.remaining <= 0:
                        continue
                    failure.remaining -= 1
                return failure.status
        return None

    def tampered(self, module: str, version: str) -> bool:
        """Whether lookups of ``module@version`` get record text that is not the log's."""
        with self._lock:
            return (module, version) in self._tampered


class ChecksumDB(Closing):
    """A signed, append-only log of go.sum records, served over HTTP on 127.0.0.1.

    >>> db = ChecksumDB()                     # a fresh Ed25519 key named sumdb.goproxy.test
    >>> db.add_record("example.com/m", "v1.0.0", zip_hash="h1:...", mod_hash="h1:...")
    >>> db.start(); env = db.env              # {"GOSUMDB": "<verifier key> <url>"}

    ``key`` is a signer key string (``PRIVATE+KEY+...``), a :class:`Signer`, or ``None`` for a new
    key. Records may be added at any time, also after the go command looked things up: each
    addition publishes a new tree head that extends the old one, as a real database does.
    """

    def __init__(
        self,
        name: str = DEFAULT_NAME,
        key: str | Signer | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: bool | ssl.SSLContext = False,
        http2: bool = True,
    ) -> None:
        if isinstance(key, Signer):
            signer = key
        elif isinstance(key, str):
            signer = Signer.from_skey(key)
        else:
            signer = Signer.generate(name)
        if signer.name != name and key is not None and name != DEFAULT_NAME:
            raise ChecksumDBError(f"key is for {signer.name!r}, not for {name!r}")
        self.name = signer.name
        self._check_name(self.name)
        self.signer = signer
        self._lock = threading.RLock()
        self._log = Log()
        #: (module, version) -> record id in the served log.
        self._index: dict[tuple[str, str], int] = {}
        #: (module, version) -> the true record, whatever the log says.
        self._true: dict[tuple[str, str], bytes] = {}
        self._wrong: dict[tuple[str, str], str] = {}
        self._sources: list[GoSumSource] = []
        self._signed: dict[int, bytes] = {}
        self._gone: set[str] = set()
        #: every request answered, oldest first (``request_log.limit`` keeps only the last N;
        #: see :class:`~pytest_goproxy.serving.requestlog.RequestLog`)
        self.request_log: RequestLog[SumDBRequest, tuple[str, str]] = RequestLog(_counted_as)
        self.misbehave = Misbehaviour(wrong_hash=self._set_wrong, fork=self._fork)
        self._server = _DatabaseServer(
            self._wsgi, host=host, port=port, ssl_context=server_context(tls, http2=http2)
        )

    @staticmethod
    def _check_name(name: str) -> None:
        """The go command accepts only ``host[/path]`` names (``dbDial`` in modfetch/sumdb.go)."""
        if (
            not name
            or name.endswith("/")
            or name.startswith("/")
            or any(c.isspace() or c in "+?#%@\\" for c in name)
        ):
            raise ChecksumDBError(
                f"invalid checksum database name {name!r}: go wants host[/path], "
                "like sum.golang.org or example.com/sumdb"
            )

    # -- keys and addresses ---------------------------------------------------------------------

    @property
    def key(self) -> str:
        """The verifier key: the first field of ``GOSUMDB``."""
        return self.signer.vkey

    @property
    def host(self) -> str:
        """The address the server listens on."""
        return self._server.host

    @property
    def port(self) -> int:
        """The port the server listens on (known once started)."""
        return self._server.port

    @property
    def url(self) -> str:
        """The base URL of the running server, without a trailing slash."""
        if not self._server.is_running():
            raise ChecksumDBError("the checksum database is not running: call start() first")
        return self._server.url_for("/").rstrip("/")

    @property
    def gosumdb(self) -> str:
        """``GOSUMDB`` for direct access: ``"<key> <url>"``. go then never asks a proxy."""
        return f"{self.key} {self.url}"

    @property
    def env(self) -> dict[str, str]:
        """The environment that makes go verify against this database directly."""
        return {"GOSUMDB": self.gosumdb}

    @property
    def env_via_proxy(self) -> dict[str, str]:
        """``GOSUMDB`` with the key alone: go asks each GOPROXY entry for
        ``/sumdb/<name>/supported`` and reaches the database through the first that says 200
        (else tries ``https://<name>`` directly, which does not exist for a ``.test`` name)."""
        return {"GOSUMDB": self.key}

    # -- life cycle -----------------------------------------------------------------------------

    def start(self) -> ChecksumDB:
        """Start serving (idempotent)."""
        if not self._server.is_running():
            self._server.start()
            tune_server(self._server)
        return self

    def stop(self) -> None:
        """Stop serving (idempotent)."""
        if self._server.is_running():
            self._server.stop()

    close = stop

    def __enter__(self) -> ChecksumDB:
        return self.start()

    @property
    def handler_errors(self) -> list[Exception]:
        """Exceptions raised inside the server while answering (bugs, not misbehaviour)."""
        return list(self._server.handler_errors)

    def check(self) -> None:
        """Raise the first error the server hit while answering, if any."""
        self._server.check_handler_errors()

    def reset(self) -> None:
        """Start over with an empty log, no sources, no misbehaviour and an empty request log,
        keeping the key, name and server (what the per-test fixture does between tests).

        A go command that remembers a tree of the old log (``$GOPATH/pkg/sumdb``, and tiles cached
        under ``$GOMODCACHE/cache/download/sumdb``) would rightly call the new log a fork: give
        each test its own GOPATH and module cache, as the hermetic runner does.
        """
        with self._lock:
            self._log = Log()
            self._index.clear()
            self._true.clear()
            self._wrong.clear()
            self._sources.clear()
            self._signed.clear()
            self.misbehave.reset()
        self.clear_requests()
        self._server.clear_handler_errors()

    def attach(self, proxy: object) -> None:
        """Log every module ``proxy`` serves, now and later, and let it serve this database at
        ``<proxy>/sumdb/<name>/``. ``proxy`` is a ``FakeGoProxy`` (its ``.store`` is read and its
        ``serve_sumdb`` called) or any :class:`GoSumSource`."""
        store = cast(GoSumSource, getattr(proxy, "store", proxy))
        self.add_from(store)
        serve = getattr(proxy, "serve_sumdb", None)
        if callable(serve):
            serve(self)

    # -- records --------------------------------------------------------------------------------

    def add_record(self, module: str, version: str, *, zip_hash: str, mod_hash: str) -> int:
        """Log the go.sum lines of ``module@version``; returns the record id.

        Adding the same record again is a no-op; adding different hashes for a version already
        logged is refused, as the log is append-only (use ``misbehave.wrong_hash`` to lie).
        """
        text = make_record(module, version, zip_hash, mod_hash)
        key = (module, version)
        with self._lock:
            if key in self._true:
                if self._true[key] != text:
                    raise ChecksumDBError(
                        f"{module}@{version} is already logged with other hashes; "
                        "a checksum database never changes a record"
                    )
                return self._index[key]
            self._true[key] = text
            served = text
            if key in self._wrong:
                served = self._corrupt(text, self._wrong[key])
            self._index[key] = self._log.append(served)
            return self._index[key]

    def add_go_sum_lines(self, module: str, version: str, lines: str | Sequence[str]) -> int:
        """Log ``module@version`` from its go.sum lines (both the zip's and the go.mod's)."""
        zip_hash, mod_hash = _hashes_from_lines(module, version, lines)
        if zip_hash is None or mod_hash is None:
            raise ChecksumDBError(
                f"go.sum lines of {module}@{version} lack the "
                f"{'zip' if zip_hash is None else 'go.mod'} hash: {lines!r}"
            )
        return self.add_record(module, version, zip_hash=zip_hash, mod_hash=mod_hash)

    def add_from(self, source: GoSumSource, *, follow: bool = True) -> int:
        """Log every module version ``source`` holds; returns how many records that added.

        With ``follow`` (the default), a lookup of a version the log lacks asks ``source`` again,
        so modules added to a proxy later are found too (sum.golang.org does the same: it fetches
        unknown modules from the proxy on first lookup).
        """
        added = 0
        with self._lock:
            before = len(self._log)
            for module in sorted(source.modules()):
                for version in sorted(source.versions(module)):
                    lines = _source_lines(source, module, version)
                    if lines is not None:
                        self.add_go_sum_lines(module, version, lines)
            added = len(self._log) - before
            if follow and source not in self._sources:
                self._sources.append(source)
        return added

    def records(self) -> dict[tuple[str, str], str]:
        """The true record of every logged module version (what go.sum should end up holding)."""
        with self._lock:
            return {k: v.decode() for k, v in self._true.items()}

    def go_sum_lines(self, module: str, version: str) -> list[str]:
        """The two true go.sum lines of a logged module version."""
        with self._lock:
            text = self._true.get((module, version))
        if text is None:
            raise ChecksumDBError(f"{module}@{version} is not in the checksum database")
        return text.decode().splitlines()

    @property
    def size(self) -> int:
        """The number of records in the served log (the size of the current tree)."""
        return len(self._log)

    def signed_tree(self) -> bytes:
        """The signed head of the current tree, as ``/latest`` serves it."""
        with self._lock:
            size = len(self._log)
            note = self._signed.get(size)
            if note is None:
                note = sign_note(format_tree(size, self._log.tree_hash(size)), self.signer)
                self._signed[size] = note
            return note

    def _lookup_source(self, module: str, version: str) -> bool:
        for source in self._sources:
            try:
                lines = _source_lines(source, module, version)
            except Exception:  # a source without that module may raise anything
                continue
            if lines is None:
                continue
            zip_hash, mod_hash = _hashes_from_lines(module, version, lines)
            if zip_hash and mod_hash:
                self.add_record(module, version, zip_hash=zip_hash, mod_hash=mod_hash)
                return True
        return False

    @staticmethod
    def _corrupt(text: bytes, which: str) -> bytes:
        lines = text.decode().splitlines()
        out = []
        for i, line in enumerate(lines):
            fields = line.split(" ")
            if which == "both" or (which == "zip") == (i == 0):
                fields[2] = _wrong_hash(fields[2])
            out.append(" ".join(fields))
        return ("\n".join(out) + "\n").encode()

    def _set_wrong(self, module: str, version: str, which: str) -> None:
        key = (module, version)
        with self._lock:
            self._wrong[key] = which
            if key in self._true:
                # The log cannot change a record: publish a second, wrong one and point lookups
                # at it. The tree stays consistent, so go has no reason to doubt it.
                self._index[key] = self._log.append(self._corrupt(self._true[key], which))

    def _fork(self) -> None:
        with self._lock:
            forked = Log()
            forked.append(
                b"fork.goproxy.test/history v0.0.0 " + _wrong_hash("fork").encode() + b"\n"
            )
            for i in range(len(self._log)):
                forked.append(self._log.record(i))
            self._log = forked
            self._index = {k: v + 1 for k, v in self._index.items()}
            self._signed.clear()

    # -- request log ----------------------------------------------------------------------------

    def requests(
        self,
        kind: str | None = None,
        *,
        via: str | None = None,
        module: str | None = None,
    ) -> list[SumDBRequest]:
        """The requests answered so far, oldest first, filtered by kind, way in and module (the
        last ``request_log.limit`` of them, when set)."""
        return [
            r
            for r in self.request_log.snapshot()
            if (kind is None or r.kind == kind)
            and (via is None or r.via == via)
            and (module is None or r.module == module)
        ]

    def assert_requested(
        self, kind: str | None = None, *, via: str | None = None, module: str | None = None
    ) -> None:
        """Fail unless some request matches."""
        if not self.requests(kind, via=via, module=module):
            raise AssertionError(
                f"checksum database {self.name} was not asked for kind={kind} via={via} "
                f"module={module}; requests: {self._describe()}"
            )

    def assert_not_requested(
        self, kind: str | None = None, *, via: str | None = None, module: str | None = None
    ) -> None:
        """Fail if some request matches: proof that go did not consult the database."""
        found = self.requests(kind, via=via, module=module)
        if found:
            paths = ", ".join(f"{r.path} ({r.via}, {r.status})" for r in found)
            raise AssertionError(f"checksum database {self.name} was asked: {paths}")

    def clear_requests(self) -> None:
        """Forget the requests answered so far."""
        self.request_log.clear()

    def _describe(self) -> str:
        return ", ".join(f"{r.path} ({r.via}, {r.status})" for r in self.requests()) or "none"

    # -- serving --------------------------------------------------------------------------------

    def handle(
        self, path: str, *, via: str = "proxy", protocol: str = "HTTP/1.1"
    ) -> tuple[int, dict[str, str], bytes]:
        """Answer a request for ``path`` relative to the database root (``/lookup/m@v``,
        ``/latest``, ``/tile/8/0/000.p/3``, ``/supported``): (status, headers, body).

        This is the whole protocol without HTTP, for a fake GOPROXY to serve
        ``<proxy>/sumdb/<name><path>``: it passes the rest of the URL path after
        ``/sumdb/<name>``, including ``/supported`` (answered 200, or 404 under
        ``misbehave.supported_404``). The database's own server calls it with ``via="direct"``.
        """
        path = path.split("?", 1)[0]
        if not path.startswith("/"):
            path = "/" + path
        kind, module, version = self._classify(path)
        status, headers, body = self._answer(path, kind, module, version, via)
        self.request_log.append(SumDBRequest(path, kind, status, via, module, version, protocol))
        return status, headers, body

    @staticmethod
    def _classify(path: str) -> tuple[str, str | None, str | None]:
        if path == "/supported":
            return "supported", None, None
        if path == "/latest":
            return "latest", None, None
        if path.startswith("/tile/"):
            return "tile", None, None
        if path.startswith("/lookup/"):
            escaped = path[len("/lookup/") :]
            if _MOD_VER_RE.match(escaped):
                esc_path, _, esc_version = escaped.partition("@")
                module, version = unescape_string(esc_path), unescape_string(esc_version)
                if module is not None and version is not None:
                    return "lookup", module, version
            return "lookup", None, None
        return "other", None, None

    def _answer(
        self, path: str, kind: str, module: str | None, version: str | None, via: str
    ) -> tuple[int, dict[str, str], bytes]:
        def text(status: int, body: str) -> tuple[int, dict[str, str], bytes]:
            return status, {"Content-Type": _TEXT}, body.encode()

        if kind == "other":
            return text(404, "404 page not found\n")
        if kind == "supported" and self.misbehave.supported_404:
            return text(404, "not found: this proxy does not proxy that checksum database\n")
        failed = self.misbehave.failure_status(kind, module)
        if failed is not None:
            return text(failed, f"{failed} injected failure (pytest-goproxy misbehave.fail)\n")
        if kind == "supported":
            return text(200, "")
        if kind == "latest":
            return 200, {"Content-Type": _TEXT}, self.signed_tree()
        if kind == "tile":
            return self._answer_tile(path)
        if module is None or version is None:
            return text(400, "invalid module@version syntax\n")
        return self._answer_lookup(module, version)

    def _answer_tile(self, path: str) -> tuple[int, dict[str, str], bytes]:
        try:
            tile = parse_tile_path(path[1:])
        except ChecksumDBError:
            return 400, {"Content-Type": _TEXT}, b"invalid tile syntax\n"
        if self.misbehave.missing_tiles:
            return 404, {"Content-Type": _TEXT}, b"not found: tile withheld (missing_tiles)\n"
        with self._lock:
            if tile.h != TILE_HEIGHT or not self._log.tile_available(tile):
                return 404, {"Content-Type": _TEXT}, f"not found: {tile.path}\n".encode()
            data = self._log.tile_data(tile)
        content_type = _TEXT if tile.is_data else "application/octet-stream"
        return 200, {"Content-Type": content_type}, data

    def mark_gone(self, module: str) -> None:
        """Answer lookups of ``module`` (every version) with ``410 Gone``, as sum.golang.org
        answers for a module its proxy cannot fetch (a private one): go then reports
        ``verifying module: ... 410 Gone``."""
        with self._lock:
            self._gone.add(module)

    def _answer_lookup(self, module: str, version: str) -> tuple[int, dict[str, str], bytes]:
        key = (module, version)
        with self._lock:
            if module in self._gone:
                return (
                    410,
                    {"Content-Type": _TEXT},
                    f"not found: {module}@{version}: not served by the public proxy\n".encode(),
                )
            if key not in self._index and not self._lookup_source(module, version):
                return (
                    404,
                    {"Content-Type": _TEXT},
                    f"not found: {module}@{version} is not in {self.name}\n".encode(),
                )
            record_id = self._index[key]
            record = self._log.record(record_id)
            if self.misbehave.tampered(module, version):
                record = self._corrupt(record, "both")
            body = format_record(record_id, record) + self.signed_tree()
        return 200, {"Content-Type": _TEXT}, body

    def _wsgi(self, request: Request) -> Response:
        """The database's own server: GET and HEAD are the protocol, anything else a 405."""
        if request.method not in _METHODS:
            allowed = ", ".join(_METHODS)
            self.request_log.append(
                SumDBRequest(request.path, "other", 405, "direct", protocol=_protocol(request))
            )
            return text_answer(
                405,
                f"method {request.method} not allowed: a checksum database serves {allowed}\n",
                {"Allow": allowed},
            )
        status, headers, body = self.handle(request.path, via="direct", protocol=_protocol(request))
        return Response(body, status=status_line(status), headers=headers)

    def __repr__(self) -> str:
        running = self.url if self._server.is_running() else "stopped"
        return f"<ChecksumDB {self.name} records={self.size} {running}>"

"""Playing HTTP faults: which request gets one (under a lock) and what is answered instead.

:class:`HTTPFaults` belongs to one :class:`~pytest_goproxy.proxy.FakeGoProxy`. For each parsed
request the proxy asks :meth:`HTTPFaults.answer`; ``None`` means "serve normally". The decision
(counting matching requests, the seeded draw, ``times``) happens under one lock because the server
is threaded and go downloads in parallel; the answer itself (which may sleep) is made outside it.

Faults that change a normal answer (cut, slow, wrong or corrupt zip, stale list) ask the proxy for
that answer first, so they inherit 404s, 410s and everything else the protocol does.
"""

from __future__ import annotations

import functools
import io
import itertools
import threading
import urllib.parse
import zipfile
from collections.abc import Callable, Iterator

from werkzeug.datastructures import Headers
from werkzeug.wrappers import Request, Response

from pytest_goproxy.errors import FaultError
from pytest_goproxy.gomod import semver
from pytest_goproxy.gomod.store import ModuleStore
from pytest_goproxy.httpfaults.catalogue import HTTPFault, HTTPFaultSpec, ParamValue, Selection
from pytest_goproxy.lifecycle import Closing
from pytest_goproxy.serving.answers import not_found, status_line, text_answer
from pytest_goproxy.serving.http2 import (
    STREAM_ACTION,
    ErrorCode,
    StreamAction,
    StreamActionKind,
)
from pytest_goproxy.serving.requestlog import ProxyRequest, RequestKind

__all__ = ["HOP_QUERY", "HTTPFaultHandle", "HTTPFaults"]

#: Query parameter that carries ``<handle ident>.<hop>`` through a redirect chain.
HOP_QUERY = "pytest-goproxy-hop"
#: Name of the file ``wrong_zip`` adds: a valid module file name, so the zip stays acceptable.
WRONG_ZIP_FILE = "pytest-goproxy-wrong-zip.txt"

_HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Service Unavailable</title></head>\n"
    b"<body><h1>Service Unavailable</h1><p>injected by pytest-goproxy (invalid_body)</p>"
    b"</body></html>\n"
)
_NOT_A_ZIP = b"pytest-goproxy corrupt_zip: these bytes are not a zip archive\n" * 4

Serve = Callable[[ProxyRequest], Response]


class HTTPFaultHandle(Closing):
    """One injected HTTP fault. ``remove()`` ends it; as a context manager it ends on exit.

    ``hits`` counts the requests it played on, ``seen`` the requests that matched its
    ``kind``/``module``/``version`` selectors (played on or not).
    """

    def __init__(self, owner: HTTPFaults, spec: HTTPFaultSpec, ident: str) -> None:
        self._owner = owner
        self.spec = spec
        self.ident = ident
        self._rng = spec.selection.new_rng()
        self._hits = 0
        self._seen = 0
        #: set on removal: ends the sleeps of slow faults at once
        self._removed = threading.Event()
        #: per-fault cache (wrong_zip's rebuilt zips), guarded by the owner's lock
        self._cache: dict[tuple[str | None, str | None], bytes] = {}

    @property
    def fault(self) -> HTTPFault:
        return self.spec.fault

    @property
    def name(self) -> str:
        return self.spec.fault.name

    @property
    def params(self) -> dict[str, ParamValue]:
        return dict(self.spec.params)

    @property
    def selection(self) -> Selection:
        return self.spec.selection

    @property
    def hits(self) -> int:
        """How many requests this fault answered."""
        with self._owner._lock:
            return self._hits

    @property
    def seen(self) -> int:
        """How many requests matched its selectors."""
        with self._owner._lock:
            return self._seen

    @property
    def active(self) -> bool:
        return not self._removed.is_set()

    def remove(self) -> None:
        """Stop playing (idempotent); requests already being answered finish without sleeping."""
        self._owner._remove(self)

    close = remove

    def _decide(self, record: ProxyRequest) -> bool:
        """Count ``record`` if it matches and say whether to play on it (owner's lock held)."""
        sel = self.spec.selection
        if not self.spec.fault.applies(record, self.spec.params) or not sel.matches(record):
            return False
        self._seen += 1
        play = self._seen % sel.every == 0
        if sel.probability < 1.0:
            # Drawn for every matching request, so the sequence depends only on the seed and
            # on the order of matching requests.
            play = self._rng.random() < sel.probability and play
        if sel.times and self._hits >= sel.times:
            play = False
        if play:
            self._hits += 1
        return play

    def _sleep(self, seconds: float) -> None:
        self._removed.wait(seconds)

    def __repr__(self) -> str:
        state = "active" if self.active else "removed"
        return (
            f"<HTTPFaultHandle {self.ident} {dict(self.spec.params)} "
            f"{self.spec.selection.describe()} hits={self._hits} {state}>"
        )


class HTTPFaults:
    """The HTTP faults of one proxy: injected in order, the first that plays answers."""

    def __init__(self, serve: Serve, store: ModuleStore, *, http2: bool = True) -> None:
        self._serve = serve
        self._store = store
        #: whether the proxy may speak HTTP/2 (False: plain http://, or ``http2=False``)
        self.http2 = http2
        self._lock = threading.Lock()
        self._handles: list[HTTPFaultHandle] = []
        self._by_ident: dict[str, HTTPFaultHandle] = {}
        self._counter = itertools.count(1)

    def inject(self, name: str, **params: object) -> HTTPFaultHandle:
        """Start playing fault ``name``; see :data:`~.catalogue.HTTP_FAULTS` for names/params."""
        return self.add(HTTPFaultSpec.from_params(name, params))

    def add(self, spec: HTTPFaultSpec) -> HTTPFaultHandle:
        """Start playing an already validated fault (from a scenario file, say)."""
        if spec.fault.http2_only and not self.http2:
            raise FaultError(
                f"fault {spec.name!r} plays on HTTP/2 streams, but this proxy never speaks "
                "HTTP/2 (plain http://, or http2=False): serve HTTPS with HTTP/2 "
                "(FakeGoProxy(tls=True), goproxy_tls, matrix --tls, a scenario endpoint's "
                "tls = true)"
            )
        with self._lock:
            handle = HTTPFaultHandle(self, spec, f"{spec.name}-{next(self._counter)}")
            self._handles.append(handle)
            self._by_ident[handle.ident] = handle
        return handle

    @property
    def active(self) -> list[HTTPFaultHandle]:
        """The faults playing now, in injection order."""
        with self._lock:
            return list(self._handles)

    def clear(self) -> None:
        """Remove every fault (the ``goproxy`` fixture does this after each test)."""
        with self._lock:
            handles, self._handles = self._handles, []
            self._by_ident.clear()
        for handle in handles:
            handle._removed.set()

    def _remove(self, handle: HTTPFaultHandle) -> None:
        with self._lock:
            if handle in self._handles:
                self._handles.remove(handle)
            self._by_ident.pop(handle.ident, None)
        handle._removed.set()

    # -- answering --------------------------------------------------------------------------

    def answer(self, record: ProxyRequest, request: Request) -> Response | None:
        """The faulty answer to ``record``, or ``None`` when no fault plays on it."""
        hop = request.args.get(HOP_QUERY)
        if hop is not None:
            return self._continue_redirect(hop, request)
        chosen = None
        with self._lock:
            for handle in self._handles:
                if handle._decide(record):
                    chosen = handle
                    break
        if chosen is None:
            return None
        player = _PLAYERS[chosen.name]
        return player(self, chosen, record, request)

    def normal(self, record: ProxyRequest) -> Response:
        return self._serve(record)

    def _continue_redirect(self, hop: str, request: Request) -> Response | None:
        ident, _, number = hop.rpartition(".")
        with self._lock:
            handle = self._by_ident.get(ident)
        if handle is None or not number.isdigit():
            return None  # the fault is gone (or the marker is not ours): answer normally
        return _redirect_hop(handle, request, int(number))


# -- players: one function per fault --------------------------------------------------------

Player = Callable[[HTTPFaults, HTTPFaultHandle, ProxyRequest, Request], Response]
#: A change to an answer the proxy served: (faults, handle, the request, the normal answer).
Change = Callable[[HTTPFaults, HTTPFaultHandle, ProxyRequest, Response], Response]


def _on_served(change: Change) -> Player:
    """The player that applies ``change`` to what the proxy would serve, and only to a served
    answer (200): a 404 or 410 stays as it is, so what go does on them is not the fault's."""

    @functools.wraps(change)
    def play(
        faults: HTTPFaults, handle: HTTPFaultHandle, record: ProxyRequest, request: Request
    ) -> Response:
        normal = faults.normal(record)
        return normal if normal.status_code != 200 else change(faults, handle, record, normal)

    return play


def _body(response: Response) -> bytes:
    return b"".join(response.iter_encoded())


def _with_body(normal: Response, body: bytes) -> Response:
    headers = Headers(normal.headers)
    headers["Content-Length"] = str(len(body))
    return Response([body], status=normal.status_code, headers=headers)


def _play_status(
    faults: HTTPFaults, handle: HTTPFaultHandle, record: ProxyRequest, request: Request
) -> Response:
    """Any status with a one-line text/plain body.

    go reads up to 8 short lines of a text body into its error (web/api.go ``formatErrorDetail``,
    ``server response:``) and treats only 404/410 as "not found" (``HTTPError.Is``).
    """
    code = int(handle.spec.params["code"])
    headers = {}
    retry_after = int(handle.spec.params["retry_after"])
    if retry_after:
        headers["Retry-After"] = str(retry_after)
    return text_answer(code, f"{status_line(code)}: injected by pytest-goproxy\n", headers)


def _play_invalid_body(
    faults: HTTPFaults, handle: HTTPFaultHandle, record: ProxyRequest, request: Request
) -> Response:
    """200 with an HTML page: the classic CDN or captive portal answer."""
    return Response(_HTML_PAGE, status=200, content_type="text/html; charset=utf-8")


_CENTRAL_HEADER = b"PK\x01\x02"
_LOCAL_HEADER = b"PK\x03\x04"


def _damaged_zip(data: bytes) -> bytes:
    """``data`` with the CRC-32 of every member inverted, in the local and central headers.

    The archive still opens and inflates, so go fails where a damaged download is caught: the
    CRC check at the end of each member (archive/zip ``ErrChecksum``: ``zip: checksum error``).
    Damaging the compressed bytes instead gives ``flate: corrupt input before offset N``, which
    says less about what happened.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            locals_ = [info.header_offset for info in archive.infolist()]
            central = archive.start_dir
    except zipfile.BadZipFile:
        return _NOT_A_ZIP
    if not locals_:
        return _NOT_A_ZIP
    damaged = bytearray(data)
    # CRC-32 is at offset 14 of a local header and 16 of a central directory header; the
    # central headers follow each other from start_dir, one per member.
    crcs = [at + 14 for at in locals_ if damaged[at : at + 4] == _LOCAL_HEADER]
    at = central
    for _ in locals_:
        if damaged[at : at + 4] != _CENTRAL_HEADER:
            break
        crcs.append(at + 16)
        name_len, extra_len, comment_len = (
            int.from_bytes(damaged[at + i : at + i + 2], "little") for i in (28, 30, 32)
        )
        at += 46 + name_len + extra_len + comment_len
    for crc in crcs:
        for i in range(crc, crc + 4):
            damaged[i] ^= 0xFF
    return bytes(damaged)


@_on_served
def _play_corrupt_zip(
    faults: HTTPFaults, handle: HTTPFaultHandle, record: ProxyRequest, normal: Response
) -> Response:
    if handle.spec.params["not_zip"]:
        return _with_body(normal, _NOT_A_ZIP)
    return _with_body(normal, _damaged_zip(_body(normal)))


def _wrong_zip(data: bytes, prefix: str) -> bytes:
    """The same members plus one more file under ``prefix``: valid for go, another hash."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info), compress_type=zipfile.ZIP_DEFLATED)
        dst.writestr(
            prefix + WRONG_ZIP_FILE,
            "this file was added by pytest-goproxy's wrong_zip fault\n",
            compress_type=zipfile.ZIP_DEFLATED,
        )
    return out.getvalue()


@_on_served
def _play_wrong_zip(
    faults: HTTPFaults, handle: HTTPFaultHandle, record: ProxyRequest, normal: Response
) -> Response:
    key = (record.module, record.version)
    with faults._lock:
        cached = handle._cache.get(key)
    if cached is None:
        cached = _wrong_zip(_body(normal), f"{record.module}@{record.version}/")
        with faults._lock:
            handle._cache[key] = cached
    return _with_body(normal, cached)


def _play_cut_body(
    faults: HTTPFaults, handle: HTTPFaultHandle, record: ProxyRequest, request: Request
) -> Response:
    """Full Content-Length, part of the body, then the close.

    werkzeug's server ends every connection after one response (``Connection: close``), so ending
    the body iterator early closes the socket while go still waits for bytes; go's reader then
    gets ``unexpected EOF`` (net/http's body reader), wrapped as ``read "URL"`` by proxy.go.
    """
    normal = faults.normal(record)
    body = _body(normal)
    cut = min(int(len(body) * float(handle.spec.params["fraction"])), max(len(body) - 1, 0))
    headers = Headers(normal.headers)
    headers["Content-Length"] = str(max(len(body), cut + 1))
    return Response([body[:cut]], status=normal.status_code, headers=headers)


def _play_slow_first_byte(
    faults: HTTPFaults, handle: HTTPFaultHandle, record: ProxyRequest, request: Request
) -> Response:
    handle._sleep(float(handle.spec.params["seconds"]))
    return faults.normal(record)


def _trickle(handle: HTTPFaultHandle, chunks: Iterator[bytes], rate: int) -> Iterator[bytes]:
    """``chunks`` re-sliced to ``rate``/10 bytes with a pause after each: ``rate`` bytes/s."""
    piece = max(1, rate // 10)
    for chunk in chunks:
        for start in range(0, len(chunk), piece):
            part = chunk[start : start + piece]
            yield part
            handle._sleep(len(part) / rate)


def _play_slow_body(
    faults: HTTPFaults, handle: HTTPFaultHandle, record: ProxyRequest, request: Request
) -> Response:
    normal = faults.normal(record)
    body = _body(normal)
    headers = Headers(normal.headers)
    headers["Content-Length"] = str(len(body))
    rate = int(handle.spec.params["rate"])
    return Response(
        _trickle(handle, iter([body]), rate), status=normal.status_code, headers=headers
    )


def _raw_path(request: Request) -> str:
    """The request path as go sent it (still escaped), for a Location that names the same file."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path
    return urllib.parse.urlsplit(raw).path


def _redirect_hop(handle: HTTPFaultHandle, request: Request, hop: int) -> Response | None:
    """Hop ``hop`` (0: the original request) of ``handle``'s chain of ``n`` redirects."""
    params = handle.spec.params
    n, code, to = int(params["n"]), int(params["code"]), str(params["to"])
    if hop >= n:
        return None  # the chain ended here: answer normally
    path = _raw_path(request)
    if hop == n - 1 and to:
        location = to + path
    else:
        query = urllib.parse.urlencode({HOP_QUERY: f"{handle.ident}.{hop + 1}"})
        location = f"{request.host_url.rstrip('/')}{path}?{query}"
    return text_answer(code, f"{status_line(code)}: {location}\n", {"Location": location})


def _play_redirect(
    faults: HTTPFaults, handle: HTTPFaultHandle, record: ProxyRequest, request: Request
) -> Response:
    response = _redirect_hop(handle, request, 0)
    assert response is not None  # n >= 1
    return response


@_on_served
def _play_stale_list(
    faults: HTTPFaults, handle: HTTPFaultHandle, record: ProxyRequest, normal: Response
) -> Response:
    """The list without its newest ``hide`` versions; ``@latest`` chosen among the rest the way
    :meth:`ModuleStore.latest` chooses (release, else pre-release, else pseudo-version)."""
    if record.module is None:
        return normal
    store = faults._store
    tagged = store.list_versions(record.module)
    hidden = set(tagged[len(tagged) - int(handle.spec.params["hide"]) :]) if tagged else set()
    if record.kind is RequestKind.LIST:
        return text_answer(200, "".join(f"{v}\n" for v in tagged if v not in hidden))
    versions = [v for v in store.versions(record.module) if v not in hidden]
    pseudo = [v for v in versions if semver.is_pseudo_version(v)]
    kept = [v for v in versions if not semver.is_pseudo_version(v)]
    release = [v for v in kept if not semver.prerelease(v)]
    for group in (release, kept, pseudo):
        if group:
            found = store.get(record.module, group[-1])
            if found is not None and found.info is not None:
                return Response(found.info, status=200, content_type="application/json")
    return not_found(f"module {record.module}: no versions")


def _stream_action(kind: StreamActionKind, **fields: str | int) -> Player:
    """The player of an HTTP/2 fault: the normal answer, with the order to the HTTP/2 server
    that plays the fault on its stream (``serving/http2.py``); ``fields`` are the
    :class:`StreamAction`'s, each a value or the name of the fault parameter that holds it."""

    def play(
        faults: HTTPFaults, handle: HTTPFaultHandle, record: ProxyRequest, request: Request
    ) -> Response:
        params = handle.spec.params
        bound = {k: int(params[v]) if isinstance(v, str) else v for k, v in fields.items()}
        request.environ[STREAM_ACTION] = StreamAction(
            kind,
            error=ErrorCode(bound.get("error", ErrorCode.INTERNAL_ERROR)),
            after_bytes=bound.get("after_bytes", 0),
        )
        return faults.normal(record)

    return play


_PLAYERS: dict[str, Player] = {
    "rst_stream": _stream_action(StreamActionKind.RESET, error="error", after_bytes="after_bytes"),
    "goaway": _stream_action(StreamActionKind.GOAWAY, after_bytes="after_bytes"),
    "goaway_graceful": _stream_action(StreamActionKind.GOAWAY_GRACEFUL),
    "refused_stream": _stream_action(StreamActionKind.RESET, error=ErrorCode.REFUSED_STREAM),
    "h2_protocol_error": _stream_action(StreamActionKind.DATA_BEFORE_HEADERS),
    "h2_stall": _stream_action(StreamActionKind.STALL, after_bytes="after_bytes"),
    "status": _play_status,
    "invalid_body": _play_invalid_body,
    "corrupt_zip": _play_corrupt_zip,
    "wrong_zip": _play_wrong_zip,
    "cut_body": _play_cut_body,
    "slow_first_byte": _play_slow_first_byte,
    "slow_body": _play_slow_body,
    "redirect": _play_redirect,
    "stale_list": _play_stale_list,
}

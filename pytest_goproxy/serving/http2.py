"""The connection layer's HTTP/2 server for the fakes: WSGI over one TLS connection, with the
``h2`` library (python-hyper, sans-IO) for the protocol.

Real module proxies (proxy.golang.org, goproxy.cn, every CDN) answer go over HTTP/2 when TLS
offers it, and go's HTTP/2 client fails in its own ways: a stream reset in the middle of a zip, a
``GOAWAY`` that closes a connection with a stream in flight, a frame out of order. So an HTTPS
fake offers ``h2`` by ALPN (:func:`pytest_goproxy.serving.tls.server_context`) and, when the
client picks it, :class:`WSGIServer <pytest_goproxy.serving.wsgi.WSGIServer>` hands the
connection to :func:`serve_http2`.

**One thread owns the connection.** One ``SSL`` object cannot be read and written from two
threads at once, so the connection's thread alone reads frames, feeds them to ``h2``, and writes
what ``h2`` has to send. Each request runs the WSGI application in a worker thread of the
connection, one per request in flight (go asks for many files at once down one connection, and a
slow answer must not hold the others), kept for the next request until the connection ends; it
hands its answer's head and body chunks to the connection's thread through its :class:`_Stream`
and a wake-up socket pair (one byte for all that was handed over since the connection's thread
last looked), and waits when more than :data:`_STREAM_BUFFER` bytes are queued (the client's
flow-control window is the limit, as for any HTTP/2 server). A fast-path answer (the proxy's
plain ``GET``: a look-up, no application) of at most :data:`_INLINE_BODY` bytes is made and
queued by the connection's thread itself, as HTTP/1.1's connection thread does: no hand-over.

**What a fault asks of a stream** (:class:`StreamAction`, put in the WSGI environ under
:data:`STREAM_ACTION` by an HTTP fault) is played here, at the frame level, where it happens in
the wild: a reset before the headers or after some body bytes, a ``GOAWAY`` (abrupt or
graceful), a ``DATA`` frame before ``HEADERS``, a stream that stalls mid-body. The frames ``h2``
would refuse to send out of order are written with ``hyperframe`` (``h2``'s own frame codec).

**As real servers end things:** a body shorter than its ``Content-Length`` (an application that
stopped early, the ``cut_body`` fault) or an application error after the headers ends the stream
with ``RST_STREAM INTERNAL_ERROR``, as nginx does when its upstream breaks; an idle connection is
ended with ``GOAWAY NO_ERROR`` after ``idle_timeout``; a client's protocol error ends the
connection with the ``GOAWAY`` ``h2`` chose.
"""

from __future__ import annotations

import contextlib
import enum
import queue
import selectors
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings
import hyperframe.frame

from pytest_goproxy.serving.http1 import InputLines, http_date
from pytest_goproxy.serving.tcp import CHUNK, Connection, TCPServer

__all__ = [
    "CONNECTION_REQUEST",
    "HTTP2",
    "STREAM_ACTION",
    "ErrorCode",
    "StreamAction",
    "StreamActionKind",
    "WSGIHost",
    "serve_http2",
]

#: ``SERVER_PROTOCOL`` of a request that came over HTTP/2 (and what request logs record).
HTTP2 = "HTTP/2"
#: The environ key under which an application (an HTTP fault) asks for a :class:`StreamAction`.
STREAM_ACTION = "pytest_goproxy.stream_action"
#: The environ key holding the request's number on its connection (1 for the first), over
#: HTTP/1.1 and HTTP/2 alike: a fault that plays "after N requests on a connection" reads it.
CONNECTION_REQUEST = "pytest_goproxy.connection_request"
#: How many streams a client may have open at once (nginx's ``http2_max_concurrent_streams``).
MAX_CONCURRENT_STREAMS = 128
#: How many bytes of one answer may wait for the client's window before the application waits.
_STREAM_BUFFER = 1 << 20
#: How long the connection's end waits for its workers.
_JOIN_TIMEOUT = 5.0
#: The longest fast-path answer the connection's thread sends itself (the proxy's ``.info``,
#: ``.mod``, lists and small zips); a longer one is read by a worker, waiting for the windows.
_INLINE_BODY = 256 * 1024
#: A fast-path answer: status line, headers, body.
_Answer = tuple[str, list[tuple[str, str]], Iterable[bytes]]

ErrorCode = h2.errors.ErrorCodes
#: Headers HTTP/2 forbids (RFC 9113 8.2.2): the framing does their job.
_CONNECTION_HEADERS = frozenset(
    {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"}
)


class StreamActionKind(str, enum.Enum):
    """What a fault makes a stream do instead of a normal answer."""

    #: ``RST_STREAM`` with ``error`` after ``after_bytes`` of the body (0: before the headers)
    RESET = "reset"
    #: ``GOAWAY`` naming this stream as the last, then the connection closes before its answer
    #: (or after ``after_bytes`` of its body)
    GOAWAY = "goaway"
    #: ``GOAWAY`` naming this stream as the last; it is answered, then the connection closes
    GOAWAY_GRACEFUL = "goaway_graceful"
    #: a ``DATA`` frame on the stream before any ``HEADERS``
    DATA_BEFORE_HEADERS = "data_before_headers"
    #: the headers and ``after_bytes`` of the body, then no more, as if the window never opened
    STALL = "stall"


#: The actions that stop a body after ``after_bytes``.
_CUT_SHORT = (StreamActionKind.RESET, StreamActionKind.STALL)


@dataclass(frozen=True)
class StreamAction:
    """A fault's order to the HTTP/2 server for one stream (see :class:`StreamActionKind`)."""

    kind: StreamActionKind
    error: ErrorCode = ErrorCode.INTERNAL_ERROR
    after_bytes: int = 0


class WSGIHost(Protocol):
    """What an HTTP/2 connection needs of the server that accepted it:
    :class:`~pytest_goproxy.serving.wsgi.WSGIServer`, which imports this module to hand its
    ``h2`` connections over (a Protocol here rather than an import back: no import cycle)."""

    tcp: TCPServer
    read_timeout: float
    idle_timeout: float

    @property
    def app(self) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]: ...

    @property
    def fast_answer(
        self,
    ) -> (
        Callable[[str, str, str], tuple[str, list[tuple[str, str]], Iterable[bytes]] | None] | None
    ): ...

    def environ(
        self,
        conn: Connection,
        method: str,
        target: str,
        version: str,
        headers: list[tuple[str, str]],
        body: Any,
    ) -> dict[str, Any]: ...


class _Body(InputLines):
    """``wsgi.input`` of one stream: the request body's ``DATA``, as the connection reads it."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._chunks: deque[bytes] = deque()
        self._ended = False

    def feed(self, data: bytes) -> None:
        with self._cond:
            self._chunks.append(data)
            self._cond.notify_all()

    def end(self) -> None:
        with self._cond:
            self._ended = True
            self._cond.notify_all()

    def read(self, size: int = -1) -> bytes:
        out = bytearray()
        with self._cond:
            while size < 0 or len(out) < size:
                while not self._chunks and not self._ended:
                    self._cond.wait()
                if not self._chunks:
                    break
                chunk = self._chunks.popleft()
                want = len(chunk) if size < 0 else size - len(out)
                out += chunk[:want]
                if want < len(chunk):
                    self._chunks.appendleft(chunk[want:])
        return bytes(out)


class _Stream:
    """One request's answer on its way out: filled by the request's thread, sent by the
    connection's thread. Every field is guarded by the session's lock."""

    def __init__(self, stream_id: int, number: int) -> None:
        self.id = stream_id
        self.number = number
        self.body = _Body()
        #: the answer's status code and headers, once the application gave them
        self.head: tuple[int, list[tuple[str, str]]] | None = None
        self.action: StreamAction | None = None
        self.head_sent = False
        self.chunks: deque[bytes] = deque()
        self.queued = 0
        self.sent = 0
        self.length: int | None = None
        #: the request has a body (DATA follows its HEADERS); the answer has none (HEAD, 204...)
        self.has_body = True
        self.bodiless = False
        #: the application finished its body (``failed``: with an error)
        self.finished = False
        self.failed = False
        #: nothing more is sent on this stream (ended, reset, or the connection is going)
        self.closed = False


class _Session:
    """One HTTP/2 connection (see the module docstring)."""

    def __init__(self, conn: Connection, server: WSGIHost) -> None:
        self.conn = conn
        self.server = server
        config = h2.config.H2Configuration(client_side=False, header_encoding="latin-1")
        self.h2 = h2.connection.H2Connection(config=config)
        self.h2.local_settings = h2.settings.Settings(
            client=False,
            initial_values={
                h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: MAX_CONCURRENT_STREAMS,
                h2.settings.SettingCodes.MAX_HEADER_LIST_SIZE: 64 * 1024,
            },
        )
        self.lock = threading.Lock()
        self.space = threading.Condition(self.lock)
        self.streams: dict[int, _Stream] = {}
        #: the workers: threads that run requests, kept for the next one (see :meth:`_dispatch`)
        self.threads: list[threading.Thread] = []
        self.jobs: queue.SimpleQueue[tuple[_Stream, list[tuple[str, str]], _Answer | None] | None]
        self.jobs = queue.SimpleQueue()
        #: workers waiting for a job and not yet promised one (guarded by ``lock``)
        self.idle_workers = 0
        #: a wake-up byte is on its way to the connection's thread (guarded by ``lock``)
        self.woken = False
        self.requests = 0
        self.out = bytearray()
        #: set by a graceful GOAWAY: streams above it are not answered; the connection ends
        #: when the last stream at or below it is done
        self.last_stream: int | None = None
        self.ending = False
        self.wake_r, self.wake_w = socket.socketpair()
        self.wake_w.setblocking(False)
        self.last_active = time.monotonic()

    # -- the connection's thread -------------------------------------------------------------

    def run(self) -> None:
        self.conn.settimeout(self.server.read_timeout)  # each write's deadline
        self.h2.initiate_connection()
        sock = self.conn.sock
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(sock, selectors.EVENT_READ)
                selector.register(self.wake_r, selectors.EVENT_READ)
                while not self.ending:
                    self._pump()
                    if not self._flush() or self.ending:
                        break
                    pending = isinstance(sock, ssl.SSLSocket) and sock.pending()
                    ready = [key.fileobj for key, _ in selector.select(0 if pending else 1.0)]
                    if self.wake_r in ready:
                        with contextlib.suppress(OSError):
                            self.wake_r.recv(4096)
                        with self.lock:  # before the next _pump, which sees what it was for
                            self.woken = False
                    if pending or sock in ready:
                        data = self.conn.recv(CHUNK)
                        if not data:
                            break
                        self.last_active = time.monotonic()
                        if not self._receive(data):
                            break
                    elif not ready and self._idle():
                        with contextlib.suppress(h2.exceptions.ProtocolError):
                            self.h2.close_connection(ErrorCode.NO_ERROR)
                        self._pump()
                        self._flush()
                        break
        finally:
            self._end()

    def _idle(self) -> bool:
        with self.lock:
            busy = any(not s.closed for s in self.streams.values())
        waited = time.monotonic() - self.last_active
        limit = self.server.idle_timeout if self.requests else self.server.read_timeout
        return not busy and waited > limit

    def _receive(self, data: bytes) -> bool:
        """Feed ``data`` to h2 and act on its events; False when the connection must end."""
        try:
            events = self.h2.receive_data(data)
        except h2.exceptions.ProtocolError:
            answer = self.h2.data_to_send()
            if not answer:
                # h2 sends nothing for a bad preface (RFC 9113 3.4 allows that); nginx says
                # GOAWAY PROTOCOL_ERROR, and so do we
                with contextlib.suppress(h2.exceptions.ProtocolError):
                    self.h2.close_connection(ErrorCode.PROTOCOL_ERROR)
                answer = self.h2.data_to_send()
            self.out += answer
            self._flush()
            return False
        for event in events:
            if isinstance(event, h2.events.RequestReceived):
                self._request(event)
            elif isinstance(event, h2.events.DataReceived):
                self._data(event)
            elif isinstance(event, h2.events.StreamEnded):
                stream = self._stream(event.stream_id)
                if stream is not None:
                    stream.body.end()
            elif isinstance(event, h2.events.StreamReset):
                self._forget(event.stream_id)
            elif isinstance(event, h2.events.ConnectionTerminated):
                return False
        return True

    def _stream(self, stream_id: int) -> _Stream | None:
        with self.lock:
            return self.streams.get(stream_id)

    def _request(self, event: h2.events.RequestReceived) -> None:
        stream_id = event.stream_id
        if self.last_stream is not None and stream_id > self.last_stream:
            return  # after our GOAWAY: go retries it on a new connection
        headers = [(str(n), str(v)) for n, v in event.headers or []]
        self.requests += 1
        stream = _Stream(stream_id, self.requests)
        with self.lock:
            self.streams[stream_id] = stream
        if event.stream_ended is not None:
            stream.has_body = False
            stream.body.end()
        fast = None
        if not stream.has_body and self.server.fast_answer is not None:
            method, target = _method_target(headers)
            with contextlib.suppress(Exception):  # the WSGI path then answers (or fails)
                fast = self.server.fast_answer(method, target, HTTP2)
            if fast is not None and self._inline(stream, method, fast):
                return
        self._dispatch(stream, headers, fast)

    def _inline(self, stream: _Stream, method: str, fast: _Answer) -> bool:
        """Answer a fast-path request (the proxy's plain GETs: parsed, logged and looked up in
        a dict) here, in the connection's thread, when its body is known to be small; False
        (nothing done) for a worker to send a longer body. Two hand-overs between threads per
        request were most of what HTTP/2 cost over HTTP/1.1, where the connection's own thread
        answers: go sends hundreds of such requests at once down one connection."""
        status, headers, body = fast
        length = next((v for n, v in headers if n.lower() == "content-length"), None)
        if length is None or not length.isdigit() or int(length) > _INLINE_BODY:
            return False
        chunks: list[bytes] = []
        failed = False
        try:
            self._hand_head(stream, method, status, headers, {}, wake=False)
            chunks = [chunk for chunk in body if chunk]
        except Exception:
            failed = True
        finally:
            closer = getattr(body, "close", None)
            if closer is not None:
                with contextlib.suppress(Exception):
                    closer()
        with self.lock:
            if not stream.bodiless and not stream.closed and not failed:
                stream.chunks.extend(chunks)
                stream.queued += sum(map(len, chunks))
            self._finished(stream, failed)
        return True

    def _dispatch(
        self, stream: _Stream, headers: list[tuple[str, str]], fast: _Answer | None
    ) -> None:
        """Hand a request to a worker: an idle one, else a new one. Workers live as long as the
        connection, so there are as many as the most streams answered at once (go keeps tens in
        flight, over thousands of requests); starting a thread per stream instead made the
        connection's thread wait for each new thread to run (a tenth of its time in a py-spy
        profile of a 300-module download)."""
        with self.lock:
            spawn = self.idle_workers == 0
            if not spawn:
                self.idle_workers -= 1  # that worker's next job is this one
        self.jobs.put((stream, headers, fast))
        if spawn:
            thread = threading.Thread(
                target=self._worker,
                name=f"{self.server.tcp.name}-h2-{len(self.threads) + 1}",  # the server's prefix
                daemon=True,
            )
            self.threads.append(thread)
            thread.start()

    def _data(self, event: h2.events.DataReceived) -> None:
        # the body is taken whole (the fakes' request bodies are git's small negotiations), so
        # the window is given back at once
        with contextlib.suppress(h2.exceptions.ProtocolError, h2.exceptions.StreamClosedError):
            self.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        stream = self._stream(event.stream_id)
        if stream is not None and event.data:
            stream.body.feed(event.data)

    def _forget(self, stream_id: int) -> None:
        with self.lock:
            stream = self.streams.pop(stream_id, None)
            if stream is not None:
                stream.closed = True
                stream.chunks.clear()
                self.space.notify_all()
        if stream is not None:
            stream.body.end()

    def _pump(self) -> None:
        """Send what the streams' threads handed over, within the client's windows."""
        with self.lock:
            streams = list(self.streams.values())
        for stream in streams:
            if self.ending:
                return
            self._pump_stream(stream)
        with self.lock:
            done = [s for s in self.streams.values() if s.closed]
            for stream in done:
                del self.streams[stream.id]
            self.space.notify_all()
            if self.last_stream is not None and not any(
                i <= self.last_stream for i in self.streams
            ):
                self.ending = True  # the graceful GOAWAY's last stream is done
        if done:  # the idle time counts from the last answer sent too, not only from the
            # client's last frame (after an answer longer than idle_timeout, GOAWAY came at once)
            self.last_active = time.monotonic()
        for stream in done:
            # no more of its request body will be read (DATA for a stream we dropped is not
            # fed): an application still reading it (a stream reset before its body ended)
            # gets what came, instead of waiting for ever
            stream.body.end()
        self.out += self.h2.data_to_send()

    def _pump_stream(self, stream: _Stream) -> None:
        with self.lock:
            if stream.closed or stream.head is None:
                return
            if not stream.head_sent:
                stream.head_sent = True
                try:
                    started = self._start(stream)
                except h2.exceptions.ProtocolError:
                    # a head h2 will not send (``TE: gzip``...): this stream fails as after an
                    # application's error, not the connection with every stream on it
                    self._reset(stream, ErrorCode.INTERNAL_ERROR)
                    return
                if not started:
                    return
            action = stream.action
            limit = None
            if action is not None and (
                action.kind in _CUT_SHORT or action.kind is StreamActionKind.GOAWAY
            ):
                limit = action.after_bytes
            try:
                while stream.chunks and (limit is None or stream.sent < limit):
                    window = self.h2.local_flow_control_window(stream.id)
                    size = min(window, self.h2.max_outbound_frame_size, len(stream.chunks[0]))
                    if limit is not None:
                        size = min(size, limit - stream.sent)
                    if size <= 0:
                        return  # the client's window is shut: a WINDOW_UPDATE wakes us
                    chunk = stream.chunks.popleft()
                    if size < len(chunk):
                        stream.chunks.appendleft(chunk[size:])
                    self.h2.send_data(stream.id, chunk[:size])
                    stream.sent += size
                    stream.queued -= size
                whole = stream.finished and not stream.chunks
                if limit is not None and (stream.sent >= limit or whole):
                    # ``after_bytes`` went out (or all of a shorter body, without its end)
                    if action is not None and action.kind is StreamActionKind.RESET:
                        self._reset(stream, action.error)
                    elif action is not None and action.kind is StreamActionKind.GOAWAY:
                        self._goaway(stream)
                        self.ending = True  # closed in the middle of this stream's body
                    return  # a stall: nothing more, ever
                if stream.finished and not stream.chunks:
                    short = stream.length is not None and stream.sent != stream.length
                    if stream.failed or short:
                        self._reset(stream, ErrorCode.INTERNAL_ERROR)
                    else:
                        self.h2.end_stream(stream.id)
                        stream.closed = True
            except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
                stream.closed = True

    def _start(self, stream: _Stream) -> bool:
        """Play the stream's action, if it acts before the headers, or send the headers; False
        when nothing more goes out on the stream (lock held)."""
        assert stream.head is not None
        action = stream.action
        kind = None if action is None else action.kind
        if action is not None and kind is StreamActionKind.RESET and action.after_bytes <= 0:
            self._reset(stream, action.error)
            return False
        if kind is StreamActionKind.DATA_BEFORE_HEADERS:
            self.out += self.h2.data_to_send()
            frame = hyperframe.frame.DataFrame(stream.id, data=b"pytest-goproxy\n")
            self.out += frame.serialize()
            stream.closed = True
            return False
        abrupt = action is not None and kind is StreamActionKind.GOAWAY
        if abrupt and action is not None and action.after_bytes <= 0:
            self._goaway(stream)
            self.ending = True  # closed with this stream in flight, before its headers
            stream.closed = True
            return False
        if kind is StreamActionKind.GOAWAY_GRACEFUL:
            self._goaway(stream)
            self.last_stream = stream.id
        code, headers = stream.head
        names = {name for name, _ in headers}
        fields = [(":status", str(code)), *headers]
        if "date" not in names:
            fields.append(("date", http_date()))
        done = stream.finished and not stream.chunks and not stream.failed
        done = done and stream.length in (None, 0)
        # an answer with no body (HEAD, 204, 304) ends with its headers, before or after its
        # application finishes: the empty DATA frame that would end it later is one a strict
        # client checks against Content-Length (h2 refuses a 204's)
        bodiless = (done or stream.bodiless) and kind not in _CUT_SHORT and not abrupt
        self.h2.send_headers(stream.id, fields, end_stream=bodiless)
        if bodiless:
            stream.closed = True
            return False
        return True

    def _goaway(self, stream: _Stream) -> None:
        """GOAWAY NO_ERROR naming ``stream`` as the last, written with hyperframe (h2 would stop
        reading the connection once it sent one; the graceful case must go on serving)."""
        self.out += self.h2.data_to_send()
        goaway = hyperframe.frame.GoAwayFrame(0)
        goaway.last_stream_id = stream.id
        goaway.error_code = ErrorCode.NO_ERROR
        self.out += goaway.serialize()

    def _reset(self, stream: _Stream, error: ErrorCode) -> None:
        with contextlib.suppress(h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
            self.h2.reset_stream(stream.id, error)
        stream.closed = True
        stream.chunks.clear()

    def _flush(self) -> bool:
        if not self.out:
            return True
        data, self.out = bytes(self.out), bytearray()
        return self.conn.sendall(data)

    def _end(self) -> None:
        with self.lock:
            self.ending = True
            streams = list(self.streams.values())
            self.streams.clear()
            for stream in streams:
                stream.closed = True
            self.space.notify_all()
        for stream in streams:
            stream.body.end()
        self.conn.shutdown()
        for _ in self.threads:
            self.jobs.put(None)  # one end for each worker
        deadline = time.monotonic() + _JOIN_TIMEOUT
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        for sock in (self.wake_r, self.wake_w):
            sock.close()

    # -- a request's thread ------------------------------------------------------------------

    def _wake(self) -> None:
        """Wake the connection's thread, unless a wake-up it has not yet read is on its way
        (one byte for many answers handed over at once: fewer system calls and wake-ups)."""
        with self.lock:
            if self.woken:
                return
            self.woken = True
        with contextlib.suppress(OSError):
            self.wake_w.send(b"x")

    def _worker(self) -> None:
        """Run requests until the connection ends (a ``None`` job)."""
        while True:
            job = self.jobs.get()
            if job is None:
                return
            self._work(*job)
            job = None  # an idle worker holds on to no answer

    def _work(self, stream: _Stream, headers: list[tuple[str, str]], fast: _Answer | None) -> None:
        """Run the application for one request (``fast``: the fast path's answer, made by the
        connection's thread) and hand its answer over."""
        server = self.server
        fields = [(n, v) for n, v in headers if not n.startswith(":")]
        method, target = _method_target(headers)
        authority = next((v for n, v in headers if n == ":authority"), None)
        if authority and not any(n == "host" for n, _ in fields):
            fields.insert(0, ("host", authority))
        chunks: Iterable[bytes] | None = None
        try:
            environ: dict[str, Any] = {}
            if fast is not None:
                status, response_headers, chunks = fast
            else:
                environ = server.environ(self.conn, method, target, HTTP2, fields, stream.body)
                environ[CONNECTION_REQUEST] = stream.number
                answer_head: list[tuple[str, list[tuple[str, str]]]] = []

                def start_response(
                    status: str, response_headers: list[tuple[str, str]], exc_info: object = None
                ) -> Callable[[bytes], object]:
                    answer_head[:] = [(status, list(response_headers))]
                    return _no_write

                chunks = server.app(environ, start_response)
                status, response_headers = answer_head[0]
            self._hand_head(stream, method, status, response_headers, environ)
            for chunk in chunks:
                if chunk and not self._hand_chunk(stream, chunk):
                    break
            self._finish(stream, failed=False)
        except Exception:
            self._finish(stream, failed=True)
        finally:
            closer = getattr(chunks, "close", None)
            if closer is not None:
                with contextlib.suppress(Exception):
                    closer()

    def _hand_head(
        self,
        stream: _Stream,
        method: str,
        status: str,
        headers: list[tuple[str, str]],
        environ: dict[str, Any],
        *,
        wake: bool = True,
    ) -> None:
        code = int(status.split(None, 1)[0])
        out = [(n.lower(), v) for n, v in headers if n.lower() not in _CONNECTION_HEADERS]
        if code == 204 or 100 <= code < 200:  # RFC 9110 8.6: no Content-Length (nginx drops it)
            out = [(n, v) for n, v in out if n != "content-length"]
        length = next((v for n, v in out if n == "content-length"), None)
        action = environ.get(STREAM_ACTION)
        with self.lock:
            stream.action = action if isinstance(action, StreamAction) else None
            stream.head = (code, out)
            bodiless = method == "HEAD" or 100 <= code < 200 or code in (204, 304)
            stream.length = (
                0 if bodiless else (int(length) if length and length.isdigit() else None)
            )
            stream.bodiless = bodiless
        if wake:
            self._wake()

    def _hand_chunk(self, stream: _Stream, chunk: bytes) -> bool:
        """Queue ``chunk``; waits while the stream's queue is full. False once the stream or the
        connection has ended (nothing more will be sent)."""
        with self.space:
            if stream.bodiless:
                return not stream.closed
            while stream.queued > _STREAM_BUFFER and not stream.closed and not self.ending:
                self.space.wait(1.0)
            if stream.closed or self.ending:
                return False
            stream.chunks.append(chunk)
            stream.queued += len(chunk)
        self._wake()
        return True

    def _finish(self, stream: _Stream, *, failed: bool) -> None:
        """A worker's answer is all handed over."""
        with self.lock:
            # this worker takes the next job from here on: counted idle before the client can
            # see the answer end and ask again (counted after its closing, a new request found
            # no idle worker and started one more: the workers outgrew the streams in flight)
            self.idle_workers += 1
            self._finished(stream, failed)
        self._wake()

    @staticmethod
    def _finished(stream: _Stream, failed: bool) -> None:
        """Mark the answer whole (lock held)."""
        stream.finished = True
        stream.failed = failed
        if stream.head is None:  # the application failed before its head: a 500
            stream.head = (500, [("content-length", "0")])
            stream.length = 0
            stream.failed = False


def _method_target(headers: list[tuple[str, str]]) -> tuple[str, str]:
    """A request's ``:method`` and ``:path``."""
    method, target = "GET", "/"
    for name, value in headers:
        if name == ":method":
            method = value
        elif name == ":path":
            target = value
    return method, target


def _no_write(data: bytes) -> object:
    raise NotImplementedError("the fakes' answers are iterables")


def serve_http2(conn: Connection, server: WSGIHost) -> None:
    """Serve ``server``'s application over HTTP/2 on ``conn`` (TLS done, ``h2`` chosen by ALPN)
    until the client or the server ends it."""
    _Session(conn, server).run()

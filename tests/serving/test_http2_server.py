"""The connection layer's HTTP/2 server (pytest_goproxy.serving.http2) against a real HTTP/2
client: python-hyper's ``h2`` driving a TLS socket that picked ``h2`` by ALPN, as go's client
does. Many streams at once on one connection, request bodies, answers without a body, a client
that resets a stream or breaks the protocol, the idle timeout, and ``close()`` with streams in
flight. Events, not clocks: each test waits for what it claims (generous limits only stop a
broken test from hanging)."""

from __future__ import annotations

import hashlib
import socket
import ssl
import threading
import time
import types
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import h2.config
import h2.connection
import h2.errors
import h2.events
import pytest

from pytest_goproxy.serving import http2
from pytest_goproxy.serving.http2 import (
    CONNECTION_REQUEST,
    HTTP2,
    STREAM_ACTION,
    StreamAction,
    StreamActionKind,
)
from pytest_goproxy.serving.tls import session_ca
from pytest_goproxy.serving.wsgi import WSGIServer

WAIT = 10.0  # a bound on a wait that must end, not a measure
StartResponse = Callable[[str, list[tuple[str, str]]], object]
App = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class H2Client:
    """One HTTP/2 connection from the client side: ``h2`` for the protocol, a TLS socket that
    offered ``h2`` alone by ALPN. Events are gathered per stream as they are read."""

    def __init__(self, address: tuple[str, int], *, window: int | None = None) -> None:
        ctx = session_ca().client_context()
        ctx.set_alpn_protocols(["h2"])
        raw = socket.create_connection(address, timeout=WAIT)
        # as go's client: small frames (WINDOW_UPDATE) go at once, not after the server's
        # delayed ACK (40 ms each, most of this file's time with Nagle on)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        assert self.sock.selected_alpn_protocol() == "h2"
        config = h2.config.H2Configuration(client_side=True, header_encoding="utf-8")
        self.h2 = h2.connection.H2Connection(config=config)
        self.h2.initiate_connection()
        if window is not None:  # a small window: the server must wait for ours to open
            self.h2.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: window})
        self.flush()
        self.ack = True  # give the window back for every DATA read
        self.heads: dict[int, dict[str, str]] = {}
        self.bodies: dict[int, bytearray] = {}
        self.ended: set[int] = set()
        self.resets: dict[int, int] = {}
        self.terminated: h2.events.ConnectionTerminated | None = None
        self.eof = False

    def flush(self) -> None:
        data = self.h2.data_to_send()
        if data:
            self.sock.sendall(data)

    def request(
        self, method: str, path: str, body: bytes = b"", headers: Iterable[tuple[str, str]] = ()
    ) -> int:
        stream_id: int = self.h2.get_next_available_stream_id()
        fields = [
            (":method", method),
            (":path", path),
            (":scheme", "https"),
            (":authority", "127.0.0.1"),
            *headers,
        ]
        self.h2.send_headers(stream_id, fields, end_stream=not body)
        self.flush()
        if body:
            self._send_body(stream_id, body)
        return stream_id

    def _send_body(self, stream_id: int, body: bytes) -> None:
        """The body in frames the server's windows allow, reading its WINDOW_UPDATEs."""
        view = memoryview(body)
        while view:
            window = self.h2.local_flow_control_window(stream_id)
            size = min(window, self.h2.max_outbound_frame_size, len(view))
            if size <= 0:
                self.read_once()
                continue
            self.h2.send_data(stream_id, bytes(view[:size]), end_stream=size == len(view))
            view = view[size:]
            self.flush()

    def read_once(self) -> None:
        """Read what the server sent and file its events."""
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, ssl.SSLError):
            data = b""
        if not data:
            self.eof = True
            return
        for event in self.h2.receive_data(data):
            if isinstance(event, h2.events.ResponseReceived):
                self.heads[event.stream_id] = {str(n): str(v) for n, v in event.headers or []}
            elif isinstance(event, h2.events.DataReceived):
                self.bodies.setdefault(event.stream_id, bytearray()).extend(event.data)
                if self.ack and event.stream_id in self.h2.streams:
                    self.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                self.ended.add(event.stream_id)
            elif isinstance(event, h2.events.StreamReset):
                self.resets[event.stream_id] = event.error_code
            elif isinstance(event, h2.events.ConnectionTerminated):
                self.terminated = event
        self.flush()

    def until(self, done: Callable[[], bool]) -> None:
        """Read until ``done()`` (an AssertionError when the connection ends first)."""
        while not done():
            assert not self.eof, "the server closed the connection first"
            self.read_once()

    def until_eof(self) -> None:
        while not self.eof:
            self.read_once()

    def answer(self, stream_id: int) -> tuple[int, dict[str, str], bytes]:
        self.until(lambda: stream_id in self.ended or stream_id in self.resets)
        assert stream_id not in self.resets, f"stream {stream_id} was reset"
        head = self.heads[stream_id]
        return int(head[":status"]), head, bytes(self.bodies.get(stream_id, b""))

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> H2Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@pytest.fixture
def serve() -> Iterator[Callable[..., WSGIServer]]:
    """Starts a WSGIServer offering h2 over TLS for ``app``; closed (every thread joined) after
    the test."""
    servers: list[WSGIServer] = []

    def start(app: App, **options: Any) -> WSGIServer:
        context = session_ca().server_context(http2=True)
        server = WSGIServer(app, ssl_context=context, name="h2-test", **options).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def _threads(server: WSGIServer) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(server.tcp.name)]


def test_the_protocol_is_http2_and_the_environ_says_so(serve: Callable[..., WSGIServer]) -> None:
    seen: list[dict[str, Any]] = []

    def app(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        seen.append(environ)
        start("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "3")])
        return [b"ok\n"]

    server = serve(app)
    with H2Client(server.tcp.address) as client:
        status, head, body = client.answer(client.request("GET", "/a/b?c=d"))
    assert (status, body) == (200, b"ok\n")
    assert head["content-length"] == "3" and "date" in head
    (environ,) = seen
    assert environ["SERVER_PROTOCOL"] == HTTP2
    assert (environ["PATH_INFO"], environ["QUERY_STRING"]) == ("/a/b", "c=d")
    assert environ["HTTP_HOST"] == "127.0.0.1"  # from :authority
    assert environ["wsgi.url_scheme"] == "https"


def test_many_streams_at_once_on_one_connection(serve: Callable[..., WSGIServer]) -> None:
    """Every application runs in a thread of its own: all of them wait for each other at a
    barrier before answering, which only streams served side by side get past. Each answer is
    larger than the client's stream window, so flow control is exercised on every stream."""
    streams = 64
    barrier = threading.Barrier(streams, timeout=WAIT)
    numbers: list[int] = []

    def app(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        numbers.append(environ[CONNECTION_REQUEST])
        barrier.wait()
        name = environ["PATH_INFO"].encode()
        body = hashlib.sha256(name).digest() * 4096  # 128 KiB, over the 64 KiB window
        start("200 OK", [("Content-Length", str(len(body)))])
        return [body[: len(body) // 3], body[len(body) // 3 :]]

    server = serve(app)
    with H2Client(server.tcp.address) as client:
        ids = {client.request("GET", f"/file/{n}"): n for n in range(streams)}
        answers = {n: client.answer(stream_id) for stream_id, n in ids.items()}
    assert sorted(numbers) == list(range(1, streams + 1))  # one connection, numbered in order
    for n, (status, _, body) in answers.items():
        assert status == 200
        assert body == hashlib.sha256(f"/file/{n}".encode()).digest() * 4096


def test_a_request_body_reaches_the_application_whole(serve: Callable[..., WSGIServer]) -> None:
    """Larger than the server's initial window: the server must give the window back (what
    git's POSTs to the origin need)."""
    body = bytes(range(256)) * 1200  # 300 KiB

    def app(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        got = environ["wsgi.input"].read()
        digest = hashlib.sha256(got).hexdigest().encode()
        start("200 OK", [("Content-Length", str(len(digest)))])
        return [digest]

    server = serve(app)
    with H2Client(server.tcp.address) as client:
        first = client.request("POST", "/upload", body, [("content-length", str(len(body)))])
        second = client.request("POST", "/upload", b"x\n" * 10)  # no Content-Length
        assert client.answer(first)[2] == hashlib.sha256(body).hexdigest().encode()
        assert client.answer(second)[2] == hashlib.sha256(b"x\n" * 10).hexdigest().encode()


def test_a_body_read_line_by_line(serve: Callable[..., WSGIServer]) -> None:
    def app(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        lines = list(environ["wsgi.input"])
        start("200 OK", [])
        return [b"%d\n" % len(lines)]

    server = serve(app)
    with H2Client(server.tcp.address) as client:
        stream_id = client.request("POST", "/lines", b"a\nbb\nccc")
        assert client.answer(stream_id)[2] == b"3\n"


@pytest.mark.parametrize(
    ("method", "status"),
    [("HEAD", "200 OK"), ("GET", "204 No Content"), ("GET", "304 Not Modified")],
)
def test_answers_without_a_body_end_the_stream_with_no_data(
    serve: Callable[..., WSGIServer], method: str, status: str
) -> None:
    """HEAD keeps its Content-Length (what a GET would send) and sends no byte of body; 204 and
    304 have none. go's client calls DATA on a HEAD request a protocol error."""

    def app(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        body = b"twelve bytes"
        start(status, [("Content-Length", str(len(body))), ("ETag", '"x"')])
        return [body]

    server = serve(app)
    with H2Client(server.tcp.address) as client:
        stream_id = client.request(method, "/f")
        code, head, body = client.answer(stream_id)
        assert code == int(status.split()[0])
        assert body == b""
        assert head["etag"] == '"x"'
        if method == "HEAD":
            assert head["content-length"] == "12"
        # and the connection serves the next request
        assert client.answer(client.request("HEAD", "/g"))[0] == code


def test_connection_headers_are_not_sent(serve: Callable[..., WSGIServer]) -> None:
    """HTTP/2 forbids them (RFC 9113 8.2.2): a client must treat them as malformed (h2 does)."""

    def app(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        start("200 OK", [("Connection", "keep-alive"), ("Transfer-Encoding", "chunked")])
        return [b"a", b"b"]

    server = serve(app)
    with H2Client(server.tcp.address) as client:
        status, head, body = client.answer(client.request("GET", "/"))
    assert (status, body) == (200, b"ab")
    assert "connection" not in head and "transfer-encoding" not in head


def test_an_application_error_before_its_head_is_a_500(serve: Callable[..., WSGIServer]) -> None:
    def app(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        raise RuntimeError("a bug")

    server = serve(app)
    with H2Client(server.tcp.address) as client:
        assert client.answer(client.request("GET", "/"))[0] == 500
        assert client.answer(client.request("GET", "/"))[0] == 500  # the connection lives on


def test_a_head_h2_will_not_send_resets_its_stream_alone(
    serve: Callable[..., WSGIServer],
) -> None:
    """A response header HTTP/2 forbids that the server does not strip (``TE`` other than
    ``trailers``): that stream is reset INTERNAL_ERROR; the connection serves on."""

    def app(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        if environ["PATH_INFO"] == "/bad":
            start("200 OK", [("TE", "gzip"), ("Content-Length", "2")])
        else:
            start("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    server = serve(app)
    with H2Client(server.tcp.address) as client:
        bad = client.request("GET", "/bad")
        good = client.request("GET", "/good")
        assert client.answer(good)[2] == b"ok"
        client.until(lambda: bad in client.resets)
        assert client.resets[bad] == h2.errors.ErrorCodes.INTERNAL_ERROR
        assert client.answer(client.request("GET", "/again"))[2] == b"ok"


def test_a_body_shorter_than_its_length_is_reset(serve: Callable[..., WSGIServer]) -> None:
    """As nginx ends a stream whose upstream broke: RST_STREAM INTERNAL_ERROR, not END_STREAM
    (go then reports a stream error instead of taking a short body)."""

    def app(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        start("200 OK", [("Content-Length", "100")])
        return [b"only ten.."]

    server = serve(app)
    with H2Client(server.tcp.address) as client:
        stream_id = client.request("GET", "/")
        client.until(lambda: stream_id in client.resets)
        assert client.resets[stream_id] == h2.errors.ErrorCodes.INTERNAL_ERROR
        assert bytes(client.bodies[stream_id]) == b"only ten.."
        assert stream_id not in client.ended


def test_a_client_reset_mid_answer_ends_the_application(
    serve: Callable[..., WSGIServer],
) -> None:
    """An endless answer, reset by the client after its first bytes: the application's
    iterable is closed (its ``finally`` runs), its thread ends, and the connection serves on."""
    closed = threading.Event()

    def endless() -> Iterator[bytes]:
        try:
            while True:
                yield b"x" * 16384
        finally:
            closed.set()

    def app(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        if environ["PATH_INFO"] == "/endless":
            start("200 OK", [])
            return endless()
        start("200 OK", [("Content-Length", "5")])
        return [b"next\n"]

    server = serve(app)
    with H2Client(server.tcp.address) as client:
        stream_id = client.request("GET", "/endless")
        client.until(lambda: len(client.bodies.get(stream_id, b"")) > 0)
        client.h2.reset_stream(stream_id, h2.errors.ErrorCodes.CANCEL)
        client.flush()
        assert closed.wait(WAIT), "the application was never told the stream ended"
        assert client.answer(client.request("GET", "/next"))[2] == b"next\n"
    server.close()
    assert _threads(server) == []


def test_a_stream_reset_by_the_server_ends_its_request_body_too(
    serve: Callable[..., WSGIServer],
) -> None:
    """A fault resets a stream whose application reads the request body as it answers; the
    client stops sending that body (the stream is gone): the application's read ends instead
    of waiting for ever, and its worker ends with the connection."""
    read: list[bytes] = []

    def reading() -> Iterator[bytes]:
        read.append(environ_box[0]["wsgi.input"].read())
        yield b"never sent"

    environ_box: list[dict[str, Any]] = []

    def app(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        environ_box.append(environ)
        environ[STREAM_ACTION] = StreamAction(StreamActionKind.RESET)
        start("200 OK", [])
        return reading()

    server = serve(app)
    with H2Client(server.tcp.address) as client:
        stream_id = client.h2.get_next_available_stream_id()
        client.h2.send_headers(
            stream_id,
            [(":method", "POST"), (":path", "/"), (":scheme", "https"), (":authority", "x")],
        )
        client.h2.send_data(stream_id, b"the first part of a body that never ends")
        client.flush()
        client.until(lambda: stream_id in client.resets)
        workers = [t for t in _threads(server) if "-h2-" in t.name]
    for thread in workers:
        thread.join(WAIT)
    assert not [t.name for t in workers if t.is_alive()]
    assert read == [b"the first part of a body that never ends"]


def test_garbage_after_the_preface_is_answered_with_goaway(
    serve: Callable[..., WSGIServer],
) -> None:
    """A frame no HTTP/2 peer sends (a HEADERS frame on stream 0) after a correct preface: the
    server names the protocol error in a GOAWAY and closes the connection."""
    answered = []

    def app(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        answered.append(environ["PATH_INFO"])
        start("200 OK", [])
        return [b""]

    server = serve(app)
    with H2Client(server.tcp.address) as client:
        # length 4, type HEADERS (1), flags END_HEADERS, stream 0: RFC 9113 6.2 says
        # PROTOCOL_ERROR
        client.sock.sendall(b"\x00\x00\x04\x01\x04\x00\x00\x00\x00garb")
        client.until_eof()
        assert client.terminated is not None
        assert client.terminated.error_code == h2.errors.ErrorCodes.PROTOCOL_ERROR
    assert answered == []


def test_a_preface_that_is_not_http2_gets_goaway_and_the_end(
    serve: Callable[..., WSGIServer],
) -> None:
    """A client that picked h2 and then speaks HTTP/1.1: GOAWAY PROTOCOL_ERROR, then EOF."""
    server = serve(lambda environ, start: [b""])
    ctx = session_ca().client_context()
    ctx.set_alpn_protocols(["h2"])
    with (
        socket.create_connection(server.tcp.address, timeout=WAIT) as raw,
        ctx.wrap_socket(raw, server_hostname="127.0.0.1") as sock,
    ):
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    client = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    client.initiate_connection()
    events = client.receive_data(data)
    terminated = [e for e in events if isinstance(e, h2.events.ConnectionTerminated)]
    assert [e.error_code for e in terminated] == [h2.errors.ErrorCodes.PROTOCOL_ERROR]


def test_an_idle_connection_is_ended_with_goaway(serve: Callable[..., WSGIServer]) -> None:
    """After ``idle_timeout`` with no stream open: GOAWAY NO_ERROR naming the last stream the
    server took, then the end of the connection (a client knows all its requests were
    answered and opens a new connection for the next)."""

    def app(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        start("200 OK", [("Content-Length", "3")])
        return [b"ok\n"]

    server = serve(app, idle_timeout=0.2)
    with H2Client(server.tcp.address) as client:
        first = client.request("GET", "/")
        second = client.request("GET", "/")
        assert client.answer(first)[0] == client.answer(second)[0] == 200
        client.until_eof()
        assert client.terminated is not None
        assert client.terminated.error_code == h2.errors.ErrorCodes.NO_ERROR
        assert client.terminated.last_stream_id == second


def test_the_idle_time_counts_from_the_last_answer(
    serve: Callable[..., WSGIServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's clock (only http2's) jumps far past ``idle_timeout`` while an answer is in
    the making; once it is sent, the connection is not idle: the client's next request, after
    one of the server's idle checks (each second at most), is answered, not sent GOAWAY."""
    now = [1000.0]
    monkeypatch.setattr(http2, "time", types.SimpleNamespace(monotonic=lambda: now[0]))
    inside, release = threading.Event(), threading.Event()

    def app(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        if environ["PATH_INFO"] == "/slow":
            inside.set()
            release.wait(WAIT)
        start("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    server = serve(app, idle_timeout=10.0)
    with H2Client(server.tcp.address) as client:
        # a first exchange: both sides' SETTINGS are acknowledged, and the server has read
        # every frame of the client's before the clock jumps (one after would count as activity)
        assert client.answer(client.request("GET", "/first"))[2] == b"ok"
        slow = client.request("GET", "/slow")
        assert inside.wait(WAIT)
        now[0] += 3600.0  # an hour in the making, for the server
        release.set()
        assert client.answer(slow)[2] == b"ok"
        time.sleep(1.5)  # lets an idle check pass (no measure: nothing is asserted of it)
        assert client.answer(client.request("GET", "/next"))[2] == b"ok"
        assert client.terminated is None


def test_an_answer_waits_for_the_clients_window(serve: Callable[..., WSGIServer]) -> None:
    """A client that gives no window back gets its window's worth and no more; the rest comes
    once it reads (flow control, not buffering the whole answer in the client)."""
    body = bytes(range(256)) * 1024  # 256 KiB

    def app(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        start("200 OK", [("Content-Length", str(len(body)))])
        return [body]

    server = serve(app)
    with H2Client(server.tcp.address, window=1000) as client:
        client.ack = False
        stream_id = client.request("GET", "/")
        client.until(lambda: len(client.bodies.get(stream_id, b"")) >= 1000)
        assert len(client.bodies[stream_id]) == 1000  # the stream's window, exactly
        client.ack = True
        client.h2.increment_flow_control_window(len(body), stream_id)
        client.h2.increment_flow_control_window(len(body))
        client.flush()
        assert client.answer(stream_id)[2] == body


def test_close_with_streams_in_flight_ends_every_thread(
    serve: Callable[..., WSGIServer],
) -> None:
    """Streams that wait for a window that never opens, a stream whose application waits for a
    request body that never comes, and one still in the application: ``close()`` ends them
    all, joins every thread the server started, and the client sees the connection end."""
    inside = threading.Barrier(3, timeout=WAIT)
    release = threading.Event()

    def endless() -> Iterator[bytes]:
        while True:
            yield b"y" * 65536

    def app(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        path = environ["PATH_INFO"]
        if path == "/body":
            inside.wait()
            environ["wsgi.input"].read()  # the client never ends its body
        elif path == "/busy":
            inside.wait()
            release.wait(WAIT)  # an application that takes its time
        start("200 OK", [])
        return endless()

    server = serve(app)
    with H2Client(server.tcp.address, window=1) as client:
        client.ack = False
        for _ in range(5):
            client.request("GET", "/endless")
        stream_id = client.h2.get_next_available_stream_id()
        client.h2.send_headers(
            stream_id,
            [(":method", "POST"), (":path", "/body"), (":scheme", "https"), (":authority", "x")],
        )
        client.flush()
        client.request("GET", "/busy")
        inside.wait()
        assert len(_threads(server)) > 5  # the connection's and the streams'
        closer = threading.Thread(target=server.close)
        closer.start()
        release.set()
        closer.join(WAIT * 3)
        assert not closer.is_alive()
        client.until_eof()
    assert _threads(server) == []
    assert server.tcp.open_connections == 0


def test_workers_are_reused_and_end_with_their_connection(
    serve: Callable[..., WSGIServer],
) -> None:
    """One request after another: the threads that ran them are fewer than the requests (a
    thread per stream would make one each); when the client goes, every one of them ends."""
    ran: set[int] = set()

    def app(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        ran.add(threading.get_ident())
        start("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    server = serve(app)
    with H2Client(server.tcp.address) as client:
        for n in range(100):
            assert client.answer(client.request("GET", f"/{n}"))[2] == b"ok"
        workers = [t for t in _threads(server) if "-h2-" in t.name]
    assert len(ran) < 100
    assert {t.ident for t in workers} >= ran
    for thread in workers:  # the client closed the connection: the server's end joins them
        thread.join(WAIT)
    assert not [t.name for t in workers if t.is_alive()]


def test_fast_answers_small_large_unknown_and_failing(serve: Callable[..., WSGIServer]) -> None:
    """The fast path (the proxy's plain GETs): a small answer is sent by the connection's
    thread, a large one or one of unknown length by a worker (under the client's windows), and
    a fast path that raises leaves the request to the application."""
    big = bytes(range(256)) * 4096  # 1 MiB

    def fast(method: str, target: str, protocol: str) -> Any:
        assert protocol == HTTP2
        if target == "/small":
            return "200 OK", [("Content-Length", "5")], [b"small"]
        if target == "/big":
            return "200 OK", [("Content-Length", str(len(big)))], iter([big[:1000], big[1000:]])
        if target == "/unknown":
            return "200 OK", [], iter([b"no ", b"length"])
        if target == "/broken":
            raise RuntimeError("a bug in the fast path")
        return None

    def app(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        start("200 OK", [("Content-Length", "4")])
        return [b"wsgi"]

    server = serve(app, fast_answer=fast)
    with H2Client(server.tcp.address) as client:
        ids = {p: client.request("GET", p) for p in ("/small", "/big", "/unknown", "/broken", "/")}
        bodies = {p: client.answer(i)[2] for p, i in ids.items()}
    assert bodies == {
        "/small": b"small",
        "/big": big,
        "/unknown": b"no length",
        "/broken": b"wsgi",
        "/": b"wsgi",
    }

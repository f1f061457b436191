"""``serve``'s control endpoint lets in only this machine and answers every bad request.

A web page must not switch faults (a cross-site ``text/plain`` POST, a DNS name rebound to
127.0.0.1), and no request may drop the connection or hang a handler: each gets a 4xx JSON
answer saying what to change. Raw sockets, so the requests are exactly the bytes written."""

from __future__ import annotations

import json
import logging
import select
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_goproxy import Toxiproxy
from pytest_goproxy.serve import MAX_CONTROL_BODY, OutageServer

pytestmark = pytest.mark.network_faults

JSON = "Content-Type: application/json\r\n"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def error(self) -> str:
        """The ``error`` of a JSON error answer (and that it is one)."""
        assert self.headers["content-type"] == "application/json", self
        found = json.loads(self.body)
        assert isinstance(found, dict) and isinstance(found["error"], str), found
        return found["error"]


@pytest.fixture(scope="module")
def server(toxiproxy: Toxiproxy) -> Iterator[OutageServer]:
    with OutageServer(toxiproxy=toxiproxy, summary_every=0) as server:
        yield server


@pytest.fixture(autouse=True)
def no_faults(server: OutageServer) -> Iterator[None]:
    yield
    server.remove_fault()


def send(server: OutageServer, data: bytes, *, timeout: float = 15) -> Answer:
    """Send ``data`` on a new connection (in pieces, stopping when an answer arrives, as curl
    does) and read the answer to the end; a connection closed without one fails the test."""
    with socket.create_connection(("127.0.0.1", server.control_port), timeout=timeout) as sock:
        for start in range(0, len(data), 65536):
            try:
                sock.sendall(data[start : start + 65536])
            except OSError:
                break  # the server answered early and stopped reading
            sock.setblocking(False)
            try:
                early = sock.recv(1, socket.MSG_PEEK)
            except BlockingIOError:
                early = b""
            finally:
                sock.setblocking(True)
                sock.settimeout(timeout)
            if early:
                break
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
    head, sep, body = received.partition(b"\r\n\r\n")
    assert sep, f"no answer to {data[:200]!r}: {received!r}"
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Answer(int(status_line.split()[1]), headers, body)


def request(
    server: OutageServer,
    method: str,
    path: str,
    body: bytes = b"",
    headers: str = "",
    *,
    host: str | None = None,
) -> Answer:
    host = f"127.0.0.1:{server.control_port}" if host is None else host
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n{headers}"
    if body or method == "POST":
        head += f"Content-Length: {len(body)}\r\n"
    return send(server, (head + "Connection: close\r\n\r\n").encode() + body)


FAULT = b'{"name": "latency", "params": {"ms": 1}}'


# -- who may change faults ---------------------------------------------------------------------


def test_a_cross_site_form_post_is_refused_and_changes_nothing(server: OutageServer) -> None:
    evil = "Content-Type: text/plain\r\nOrigin: http://evil.example\r\n"
    answer = request(server, "POST", "/faults", FAULT, evil)
    assert answer.status == 403
    assert "evil.example" in answer.error()
    assert server.faults() == []


def test_a_change_must_be_json(server: OutageServer) -> None:
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        answer = request(server, "POST", "/faults", FAULT, f"Content-Type: {content_type}\r\n")
        assert answer.status == 415
        assert "application/json" in answer.error()
    answer = request(server, "POST", "/faults", FAULT)  # no Content-Type at all
    assert answer.status == 415
    assert server.faults() == []
    answer = request(server, "POST", "/faults", FAULT, "Content-Type: application/json; utf-8\r\n")
    assert answer.status == 201, answer
    assert [f["name"] for f in server.faults()] == ["latency"]


def test_the_endpoints_own_origin_is_let_in(server: OutageServer) -> None:
    for name in ("127.0.0.1", "localhost"):
        origin = f"Origin: http://{name}:{server.control_port}\r\n"
        assert request(server, "POST", "/faults", FAULT, JSON + origin).status == 201
    for other in (
        "http://127.0.0.1:1",
        "https://127.0.0.1",
        "null",
        f"http://evil.example:{server.control_port}",
    ):
        answer = request(server, "POST", "/faults", FAULT, JSON + f"Origin: {other}\r\n")
        assert answer.status == 403, other
    answer = request(server, "DELETE", "/faults", headers="Origin: http://evil.example\r\n")
    assert answer.status == 403
    assert len(server.faults()) == 2


def test_a_cross_site_fetch_is_refused(server: OutageServer) -> None:
    answer = request(server, "GET", "/env", headers="Sec-Fetch-Site: cross-site\r\n")
    assert answer.status == 403
    assert request(server, "GET", "/env", headers="Sec-Fetch-Site: same-origin\r\n").status == 200


@pytest.mark.parametrize(
    "host",
    ["evil.example", f"evil.example:{80}", "127.0.0.1.nip.io", "10.0.0.1", "", "a@127.0.0.1"],
)
def test_only_a_loopback_host_is_answered(server: OutageServer, host: str) -> None:
    """A DNS name rebound to 127.0.0.1 reaches the socket with its own name in Host."""
    for method, path, body, headers in (
        ("GET", "/env", b"", ""),
        ("POST", "/faults", FAULT, JSON),
    ):
        answer = request(server, method, path, body, headers, host=host)
        assert answer.status == 400
        assert "not this machine" in answer.error()
    assert server.faults() == []


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST:1234", "127.1.2.3", "[::1]"])
def test_loopback_names_are_answered(server: OutageServer, host: str) -> None:
    assert request(server, "GET", "/env", host=host).status == 200


def test_a_request_without_host_is_refused(server: OutageServer) -> None:
    answer = send(server, b"GET /env HTTP/1.0\r\n\r\n")
    assert answer.status == 400
    assert "Host" in answer.error()


def test_options_grants_no_cors(server: OutageServer) -> None:
    preflight = (
        f"Origin: http://127.0.0.1:{server.control_port}\r\n"
        "Access-Control-Request-Method: POST\r\n"
        "Access-Control-Request-Headers: content-type\r\n"
    )
    answer = request(server, "OPTIONS", "/faults", headers=preflight)
    assert answer.status == 204
    assert answer.headers["allow"] == "GET, POST, DELETE, OPTIONS"
    assert not [h for h in answer.headers if h.startswith("access-control-")]
    evil = request(server, "OPTIONS", "/faults", headers="Origin: http://evil.example\r\n")
    assert evil.status == 403
    assert not [h for h in evil.headers if h.startswith("access-control-")]


# -- every bad request gets a 4xx JSON answer ----------------------------------------------------


def post_raw(server: OutageServer, body: bytes, length: str | None = None) -> Answer:
    length = str(len(body)) if length is None else length
    head = (
        f"POST /faults HTTP/1.1\r\nHost: 127.0.0.1\r\n{JSON}Content-Length: {length}\r\n"
        "Connection: close\r\n\r\n"
    )
    return send(server, head.encode() + body)


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        (b'{"name": "status", "params": {"name": 1}}', 400, "no parameter 'name'"),
        (b'{"name": "latency", "params": {"self": 1}}', 400, "no parameter 'self'"),
        (b"[" * 20000 + b"]" * 20000, 400, "nested too deeply"),
        (b'{"name": "latency", "params": {"ms": NaN}}', 400, "NaN is not JSON"),
        (b'{"name": "latency", "params": {"ms": 1e999}}', 400, "out of range"),
        (b'{"name": "latency", "params": {"ms": ' + b"9" * 5000 + b"}}", 400, "not JSON"),
        (b'{"name": "latency", "parms": {"ms": 1}}', 400, "unknown field(s) ['parms']"),
        (b'{"name": "latency", "params": [1]}', 400, "params must be an object"),
        (b'{"name": 7}', 400, 'the body is {"name"'),
        (b"\xff\xfe{", 400, "not JSON"),
        (b"", 400, "not JSON"),
        (b'{"name": "no-such-fault"}', 400, "unknown fault"),
    ],
)
def test_a_bad_body_is_a_400_saying_why(
    server: OutageServer, body: bytes, status: int, says: str
) -> None:
    assert len(body) <= MAX_CONTROL_BODY
    answer = post_raw(server, body)
    assert answer.status == status
    assert says in answer.error()
    assert server.faults() == []


@pytest.mark.parametrize(
    ("length", "status"),
    [("-1", 400), ("+5", 400), ("1_0", 400), ("abc", 400), (str(10**12), 413), ("65537", 413)],
)
def test_a_bad_content_length_is_answered_at_once(
    server: OutageServer, length: str, status: int
) -> None:
    began = time.monotonic()
    answer = post_raw(server, FAULT, length)
    assert answer.status == status
    answer.error()
    assert time.monotonic() - began < 5  # not left waiting for a body that never comes


def test_a_body_over_64_kib_is_refused_unread(server: OutageServer) -> None:
    answer = post_raw(server, b" " * (50 * 1024 * 1024))
    assert answer.status == 413
    assert str(MAX_CONTROL_BODY) in answer.error()
    assert post_raw(server, FAULT).status == 201  # and the endpoint goes on answering


def test_a_chunked_body_is_refused(server: OutageServer) -> None:
    head = f"POST /faults HTTP/1.1\r\nHost: 127.0.0.1\r\n{JSON}Transfer-Encoding: chunked\r\n\r\n"
    answer = send(server, head.encode() + b"5\r\n{}   \r\n0\r\n\r\n")
    assert answer.status == 411


def test_a_body_that_stops_coming_is_a_408(
    server: OutageServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert server.control is not None
    monkeypatch.setattr(server.control, "read_timeout", 0.5)
    head = f"POST /faults HTTP/1.1\r\nHost: 127.0.0.1\r\n{JSON}Content-Length: 100\r\n\r\n"
    answer = send(server, head.encode() + b'{"name"')
    assert answer.status == 408
    answer.error()


def test_a_request_trickled_in_byte_by_byte_gets_a_408_at_the_deadline(
    server: OutageServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slowloris: each byte comes before the read timeout, so only a deadline ends it."""
    monkeypatch.setattr("pytest_goproxy.serve.control.CONTROL_TIMEOUT", 1.0)
    began = time.monotonic()
    received = b""
    with socket.create_connection(("127.0.0.1", server.control_port), timeout=5) as sock:
        for byte in b"GET /env HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"s" * 1000:
            try:
                sock.send(bytes([byte]))
            except OSError:
                break
            if select.select([sock], [], [], 0.05)[0]:
                break
        while chunk := sock.recv(65536):
            received += chunk
    assert time.monotonic() - began < 4
    assert received.startswith(b"HTTP/1.0 408 "), received[:100]
    assert b"took over 1.0 s" in received


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"\x00\x01\x02 garbage\r\n\r\n", 400),
        (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", 414),
        (b"GET /env HTTP/1.1\r\n" + b"X-A: b\r\n" * 120 + b"\r\n", 431),
        (b"BREW /faults HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 405),
        (b"PUT /faults HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 405),
        (b"POST /env HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n", 405),
        (b"GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 404),
        (b"DELETE /faults/99 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 404),
    ],
)
def test_what_http_server_refuses_is_json_too(
    server: OutageServer, data: bytes, status: int
) -> None:
    answer = send(server, data)
    assert answer.status == status
    if status != 404 or b"/faults/99" not in data:  # DELETE of no fault answers the env fields
        answer.error()
    if status == 405:
        assert "GET" in answer.headers["allow"]


def test_a_head_request_gets_headers_only(server: OutageServer) -> None:
    answer = send(server, b"HEAD /env HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert answer.status == 405
    assert answer.body == b""


def test_errors_go_to_the_debug_log_not_stderr(
    server: OutageServer, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    assert server.control is not None
    with caplog.at_level(logging.DEBUG, logger="pytest_goproxy.serving"):
        send(server, b"\x00 garbage\r\n\r\n")
        try:
            raise BrokenPipeError("the client went away")
        except BrokenPipeError:
            server.control.handle_error(None, ("127.0.0.1", 1))
    assert capfd.readouterr().err == ""
    messages = [r.getMessage() for r in caplog.records if r.name == "pytest_goproxy.serving"]
    assert any("code 400" in m for m in messages), messages
    assert any("ended in an error" in m for m in messages), messages
    assert all(r.levelno == logging.DEBUG for r in caplog.records)


# -- whatever JSON arrives ---------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
_names = st.sampled_from(["latency", "status", "cut_body", "refused", "timeout", "x"]) | st.text(
    max_size=6
)
_keys = st.sampled_from(["ms", "code", "kind", "seconds", "times", "name", "self"]) | st.text(
    max_size=6
)
_bodies = st.one_of(
    _json,
    st.fixed_dictionaries({"name": _names}, optional={"params": _json}),
    st.fixed_dictionaries({"name": _names, "params": st.dictionaries(_keys, _json, max_size=3)}),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=_bodies)
def test_any_json_body_is_answered_201_or_4xx(server: OutageServer, body: object) -> None:
    answer = post_raw(server, json.dumps(body).encode())
    assert answer.status == 201 or 400 <= answer.status < 500, (body, answer)
    if answer.status != 201:
        answer.error()
    server.remove_fault()

"""The UDP server, free loopback addresses for servers on a fixed port, and refusing addresses."""

from __future__ import annotations

import errno
import socket
import threading

import pytest

from pytest_goproxy.serving.udp import RefusingAddress, UDPServer, is_loopback, on_free_loopback


def _ask(address: tuple[str, int], data: bytes, timeout: float = 2.0) -> bytes:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.sendto(data, address)
        return sock.recv(65535)


def test_each_datagram_is_answered_by_the_handler() -> None:
    seen: list[bytes] = []

    def answer(data: bytes, _peer: tuple[str, int]) -> bytes:
        seen.append(data)
        return data.upper()

    with UDPServer(answer) as server:
        assert server.host == "127.0.0.1" and server.port > 0
        assert _ask(server.address, b"hello") == b"HELLO"
        assert _ask(server.address, b"again") == b"AGAIN"
    assert seen == [b"hello", b"again"]


def test_none_sends_nothing_back() -> None:
    with UDPServer(lambda data, peer: None) as server, pytest.raises(TimeoutError):
        _ask(server.address, b"anyone?", timeout=0.3)


def test_a_held_answer_does_not_hold_the_next_and_close_joins_it() -> None:
    """go asks for A and AAAA at once: one slow answer must not delay the other."""
    release = threading.Event()

    def answer(data: bytes, _peer: tuple[str, int]) -> bytes | None:
        if data == b"slow":
            release.wait(10)
            return None
        return b"fast"

    server = UDPServer(answer, name="udp-test-held").start()
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as slow:
            slow.sendto(b"slow", server.address)
            assert _ask(server.address, b"quick") == b"fast"
    finally:
        release.set()
        server.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("udp-test-held")]


def test_loopback_only() -> None:
    with pytest.raises(ValueError, match="loopback only"):
        UDPServer(lambda d, p: None, host="0.0.0.0")
    assert is_loopback("127.9.8.7") and is_loopback("::1")
    assert not is_loopback("10.0.0.1") and not is_loopback("goproxy.cn")


def test_on_free_loopback_tries_another_address_when_taken() -> None:
    tried: list[str] = []

    def bind(host: str) -> str:
        tried.append(host)
        if len(tried) < 3:
            raise OSError(errno.EADDRINUSE, "taken")
        return host

    assert on_free_loopback(bind) == tried[-1]
    assert len(tried) == 3
    assert all(is_loopback(h) and not h.startswith("127.0.") for h in tried)


def test_on_free_loopback_passes_other_errors_on_at_once() -> None:
    calls = []

    def bind(host: str) -> None:
        calls.append(host)
        raise PermissionError(errno.EACCES, "port 53 needs root")

    with pytest.raises(PermissionError):
        on_free_loopback(bind)
    assert len(calls) == 1


def test_two_servers_on_one_port_get_two_addresses() -> None:
    first = on_free_loopback(lambda h: UDPServer(lambda d, p: b"1", host=h, port=5353))
    with first:
        with pytest.raises(OSError) as taken:
            UDPServer(lambda d, p: b"2", host=first.host, port=5353)
        assert taken.value.errno == errno.EADDRINUSE
        with on_free_loopback(lambda h: UDPServer(lambda d, p: b"2", host=h, port=5353)) as second:
            assert second.host != first.host
            assert _ask(first.address, b"?") == b"1"
            assert _ask(second.address, b"?") == b"2"


def test_a_refusing_address_refuses_and_holds_its_ports() -> None:
    held = on_free_loopback(lambda h: RefusingAddress(h, [8443]))
    try:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((held.host, 8443), timeout=2).close()
        with socket.socket() as other, pytest.raises(OSError) as taken:
            other.bind((held.host, 8443))
        assert taken.value.errno == errno.EADDRINUSE
    finally:
        held.close()

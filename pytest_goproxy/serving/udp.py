"""The connection layer's UDP part, and free loopback addresses for servers on a fixed port.

Some clients cannot be told a port. go's resolver asks port 53 of the address in
``/etc/resolv.conf`` (a ``nameserver`` line has no port syntax), and a GOPROXY URL such as
``https://goproxy.cn`` means port 443. Such servers share the port and differ by address: Linux
answers the whole of 127.0.0.0/8 on ``lo``, so each takes an address of its own
(:func:`on_free_loopback`), and tests side by side (xdist workers) never collide.

:class:`UDPServer` answers datagrams on one such address: one thread reads, and each datagram is
handled in a thread of its own (an answer that is held back, a slow resolver, must not hold up
the next question: go asks for A and AAAA at once), every thread known and joined on
:meth:`UDPServer.close`, as :class:`~pytest_goproxy.serving.tcp.TCPServer` does for TCP.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import logging
import random
import socket
from collections.abc import Callable, Iterable
from typing import TypeVar

from pytest_goproxy.serving.tcp import LoopServer

__all__ = ["RefusingAddress", "UDPServer", "is_loopback", "on_free_loopback"]

_TRIES = 64
_JOIN_TIMEOUT = 5.0
_MAX_DATAGRAM = 65535

_LOG = logging.getLogger("pytest_goproxy.serving")
_T = TypeVar("_T")


def is_loopback(address: str) -> bool:
    """Whether ``address`` is an IP address on loopback (127.0.0.0/8 or ::1)."""
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _candidate() -> str:
    """A random address in 127.1.0.1 .. 127.254.255.254: never in 127.0.0.0/16, so 127.0.0.1
    (every other server here), 127.0.0.53 (systemd-resolved's stub) and the addresses the
    session CA's certificates name (127.0.0.2) are never taken."""
    return f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


def on_free_loopback(bind: Callable[[str], _T], *, tries: int = _TRIES) -> _T:
    """``bind(address)`` on a random loopback address until one is free; its result.

    ``bind`` raises ``OSError`` with ``EADDRINUSE`` when the address is taken (another server
    of this session or of another worker on the same port): another address is tried. Any other
    error (``EACCES``: a port below 1024 needs root or ``CAP_NET_BIND_SERVICE``) goes on at once.
    """
    last: OSError | None = None
    for _ in range(tries):
        try:
            return bind(_candidate())
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            last = exc
    assert last is not None
    raise last


class RefusingAddress:
    """TCP ports held on a loopback address, bound and never listening: a connection there is
    refused at once (the kernel answers RST), and no server of the session can take them while
    held. Where a hijacked name sends go: nothing answers, nothing is reached by chance."""

    def __init__(self, host: str, ports: Iterable[int]) -> None:
        if not is_loopback(host):
            raise ValueError(f"loopback only, not {host!r}")
        self.host = host
        self._socks: list[socket.socket] = []
        try:
            for port in ports:
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                self._socks.append(sock)
                sock.bind((host, port))
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        for sock in self._socks:
            sock.close()
        self._socks.clear()


Answer = Callable[[bytes, tuple[str, int]], bytes | None]


class UDPServer(LoopServer):
    """Datagrams on ``host:port`` (loopback only), each answered by ``answer(data, peer)`` in a
    thread of its own; None sends nothing back (a server that does not answer).

    ``close()`` stops reading, closes the socket and joins every thread: a handler that waits
    (a delayed answer) must wait on something ``close()`` ends, as the resolver's stop event."""

    def __init__(
        self, answer: Answer, *, host: str = "127.0.0.1", port: int = 0, name: str = "udp-server"
    ) -> None:
        if not is_loopback(host):
            raise ValueError(f"a UDP server here listens on loopback only, not {host!r}")
        self.answer = answer
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            # no SO_REUSEADDR: with it, Linux lets two UDP sockets bind one address and port,
            # and two resolvers would share (and steal) each other's questions
            sock.bind((host, port))
        except BaseException:
            sock.close()
            raise
        self.address: tuple[str, int] = sock.getsockname()[:2]
        super().__init__(sock, f"{name}-{self.address[0]}:{self.address[1]}")

    @property
    def host(self) -> str:
        return self.address[0]

    @property
    def port(self) -> int:
        return self.address[1]

    def _ready(self) -> None:
        try:
            data, peer = self._sock.recvfrom(_MAX_DATAGRAM)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            _LOG.debug("%s: recvfrom failed", self.name, exc_info=True)
            return

        def handle() -> None:
            reply = self.answer(data, peer)
            if reply is not None and not self._closing:
                with contextlib.suppress(OSError):
                    self._sock.sendto(reply, peer)

        self.spawn_unless_closing(handle, "answer")

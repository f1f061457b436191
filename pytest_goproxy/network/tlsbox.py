"""The TLS middlebox: what stands between go and an HTTPS server when TLS breaks on a real network.

A ``tls`` fault (:mod:`pytest_goproxy.network.faults`) points the endpoint's toxiproxy proxy at a
:class:`TLSBox` instead of at the server (:meth:`ToxiproxyClient.set_upstream
<pytest_goproxy.network.client.ToxiproxyClient.set_upstream>`). go keeps dialling the same
``https://`` URL, as it does through a real corporate firewall or a misconfigured load balancer,
and meets whatever the box does with the connection, its
:data:`~pytest_goproxy.network.faults.TLSBehaviour`:

``foreign_ca``
    terminates TLS with a certificate for the right host from
    :func:`~pytest_goproxy.serving.tls.foreign_ca`, the firewall's CA, and forwards the decrypted
    bytes to the server, encrypting again when the server is HTTPS (trusting the session CA, as a
    firewall trusts the public roots). go refuses the certificate unless it trusts that CA too
    (:func:`~pytest_goproxy.serving.tls.corporate_bundle` in ``SSL_CERT_FILE``); then it works
    through the box, which records every request line it decrypted (:attr:`TLSBox.requests`):
    the interception is proved from its side.
``expired``, ``wrong_host``
    the same, with a session-CA certificate that has expired (for the right host), or that
    names other hosts (:data:`WRONG_HOST_NAMES`, whatever the client asked for).

"The right host" is the name the client asked for in its ClientHello (SNI), as a real
intercepting firewall mints its certificate for it: go dialling ``https://corp.example`` (a name
the network guard routes to this box through toxiproxy) gets a certificate for
``corp.example``, so what it reports is the untrusted CA (``x509: certificate signed by unknown
authority``), not a wrong name (which a loopback-only certificate made it report: go checks the
name before the chain). Without SNI (go sends none for an IP address) the certificate names the
loopback names (127.0.0.1, ::1, localhost), the box's own. The per-name contexts are made once
(:meth:`SessionCA.server_context <pytest_goproxy.serving.tls.SessionCA.server_context>`
caches them) and chosen in the handshake by ``SSLContext.sni_callback``; the names asked for are
kept in :attr:`TLSBox.server_names`.
``stall``
    reads the ClientHello and never answers; go's net/http gives up after its 10 s
    ``TLSHandshakeTimeout``.
``plain_http``
    reads the ClientHello and answers what a Go plain-HTTP server answers to bytes it cannot
    parse (net/http server.go: ``400 Bad Request``, ``Connection: close``), then closes.

Why threads and blocking handshakes rather than asyncio: asyncio's TLS server never shows a failed
handshake to the application, and the alert go sends when it refuses a certificate is the box's
proof that go gave up in the handshake (go1.26 and go1.27 send ``bad_certificate`` for an unknown
authority, an expired certificate and a wrong host alike); it is kept in
:attr:`TLSBox.handshakes`. The box sits on the connection layer
(:class:`~pytest_goproxy.serving.tcp.TCPServer`: 127.0.0.1, port 0, one thread per connection,
each known to the server), and :meth:`TLSBox.close` shuts every connection down and joins every
thread, so nothing outlives the fault; the decrypted bytes go both ways in one thread
(:func:`~pytest_goproxy.serving.tcp.pump`: one TLS object is not read and written from two).
"""

from __future__ import annotations

import datetime
import re
import socket
import ssl
import threading
from collections import deque
from collections.abc import Callable

from pytest_goproxy.errors import FaultError
from pytest_goproxy.lifecycle import Starting
from pytest_goproxy.network.faults import TLSBehaviour
from pytest_goproxy.serving.tcp import Connection, TCPServer, dial, pump
from pytest_goproxy.serving.tls import foreign_ca, session_ca

__all__ = [
    "EXPIRED_VALIDITY",
    "WRONG_HOST_NAMES",
    "TLSBox",
    "parse_address",
]

#: What the ``wrong_host`` certificate is for: a DNS name and an IP address that are not this
#: endpoint's, so go's complaint names them whether the URL's host is a name or an address.
WRONG_HOST_NAMES: tuple[str, ...] = ("wrong.example", "127.0.0.2")
#: The ``expired`` certificate's validity: fixed dates long past, so the text go prints is the
#: same in every run and the certificate is made once per process.
EXPIRED_VALIDITY: tuple[datetime.datetime, datetime.datetime] = (
    datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc),
    datetime.datetime(2021, 1, 1, tzinfo=datetime.timezone.utc),
)

#: What a Go net/http server writes to a connection whose first line it cannot parse (server.go
#: ``publicErr`` + ``errorHeaders``): what a TLS client gets from a plain-HTTP port.
PLAIN_HTTP_ANSWER = (
    b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Connection: close\r\n\r\n400 Bad Request"
)

#: How long a handshake, an upstream dial or a read the box waits for may take; on loopback
#: anything slower is a client that went away.
_IO_TIMEOUT_S = 30.0
#: At most this many request lines and handshake outcomes are kept (the last ones).
_KEEP = 1000
_REQUEST_LINE = re.compile(rb"^([A-Z]+) (\S+) HTTP/1\.[01]$")
#: A TLS record's header: type, version (2 bytes), length (2 bytes); 22 is a handshake record.
_TLS_HEADER = 5
_TLS_HANDSHAKE = 0x16


def parse_address(address: str) -> tuple[str, int]:
    """``host:port`` (also ``[v6]:port``) as a tuple; a :class:`FaultError` if it is not one."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise FaultError(f"cannot put a TLS middlebox before {address!r}: not host:port")
    return host.strip("[]"), int(port)


def _certificate(behaviour: TLSBehaviour, server_name: str | None = None) -> ssl.SSLContext | None:
    """The server context a terminating behaviour presents to a client that asked for
    ``server_name`` (SNI; None: the loopback names); None for those that never do TLS."""
    names = (server_name,) if server_name else ()
    if behaviour == "foreign_ca":
        return foreign_ca().server_context(*names)
    if behaviour == "expired":
        not_before, not_after = EXPIRED_VALIDITY
        return session_ca().server_context(*names, not_before=not_before, not_after=not_after)
    if behaviour == "wrong_host":
        return session_ca().server_context(*WRONG_HOST_NAMES)
    return None


def _listening_context(
    behaviour: TLSBehaviour, seen: Callable[[str | None], None]
) -> ssl.SSLContext:
    """The context a terminating box wraps connections with: the loopback certificate, and an
    ``sni_callback`` that swaps in the certificate for the name the client asked for (and tells
    ``seen`` the name). A context of its own, because the cached ones are shared with every
    server of the process and must not get a callback."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    loopback = _certificate(behaviour)
    assert loopback is not None

    def choose(sock: ssl.SSLObject | ssl.SSLSocket, name: str | None, _: ssl.SSLContext) -> None:
        seen(name)
        chosen: ssl.SSLContext | None = loopback
        if name:
            try:
                chosen = _certificate(behaviour, name)
            except ValueError:  # not a name a certificate can hold: the loopback one, as without
                chosen = loopback
        sock.context = chosen or loopback

    # OpenSSL calls it for every ClientHello (Python passes None when there is no SNI), so the
    # base context needs no certificate of its own: every handshake gets a chosen one.
    context.sni_callback = choose
    return context


class TLSBox(Starting):
    """A middlebox on 127.0.0.1 doing ``behaviour`` to every connection, forwarding what it
    decrypts to ``upstream`` (``(host, port)``; over TLS trusting the session CA when
    ``upstream_tls``). ``start()`` (or ``with``) listens; ``close()`` ends everything."""

    def __init__(
        self, behaviour: TLSBehaviour, upstream: tuple[str, int], *, upstream_tls: bool
    ) -> None:
        self.behaviour = behaviour
        self.upstream = upstream
        self.upstream_tls = upstream_tls
        self.host = "127.0.0.1"
        self.port = 0
        #: connections accepted so far
        self.accepted = 0
        self._server_names: deque[str | None] = deque(maxlen=_KEEP)
        self._context = (
            _listening_context(behaviour, self._saw_name)
            if _certificate(behaviour) is not None
            else None
        )
        self._upstream_context = session_ca().client_context() if upstream_tls else None
        self._lock = threading.Lock()
        self._server: TCPServer | None = None
        self._requests: deque[str] = deque(maxlen=_KEEP)
        self._handshakes: deque[str] = deque(maxlen=_KEEP)

    @property
    def address(self) -> str:
        """``host:port`` the box listens on: the toxiproxy proxy's upstream while it is on."""
        return f"{self.host}:{self.port}"

    @property
    def requests(self) -> list[str]:
        """``METHOD target`` of every HTTP request the box decrypted and forwarded, in order."""
        with self._lock:
            return list(self._requests)

    @property
    def handshakes(self) -> list[str]:
        """Each TLS handshake the box served: ``ok``, or OpenSSL's reason for the failure, which
        names the alert the client sent (``SSLV3_ALERT_BAD_CERTIFICATE`` when go refuses the
        certificate)."""
        with self._lock:
            return list(self._handshakes)

    @property
    def server_names(self) -> list[str | None]:
        """The name (SNI) each client asked for in its ClientHello, None when it sent none (an IP
        address URL); the certificate presented named it (see the module docstring)."""
        with self._lock:
            return list(self._server_names)

    def _saw_name(self, name: str | None) -> None:
        with self._lock:
            self._server_names.append(name)

    # -- lifecycle ---------------------------------------------------------------------------

    def _start(self) -> None:
        if self._server is not None:  # started already (or closed: a box is not restarted)
            return
        self._server = TCPServer(
            self._serve, host=self.host, read_timeout=_IO_TIMEOUT_S, name="pytest-goproxy-tlsbox"
        )
        self.port = self._server.port
        self._server.start()

    def close(self) -> None:
        """Stop accepting, shut every connection down and join every thread (idempotent): the
        connection layer's ``close()`` (:class:`~pytest_goproxy.serving.tcp.TCPServer`)."""
        if self._server is not None:
            self._server.close()

    # -- one connection ----------------------------------------------------------------------

    def _serve(self, conn: Connection) -> None:
        with self._lock:
            self.accepted += 1
        if self.behaviour == "stall":
            conn.settimeout(None)  # holds the client until it gives up or the box closes
            _drain(conn)
        elif self.behaviour == "plain_http":
            self._answer_plain(conn)
        else:
            self._terminate(conn)

    def _answer_plain(self, conn: Connection) -> None:
        """Read one TLS record (the ClientHello), answer as a plain HTTP server, close."""
        header = _recv_exactly(conn, _TLS_HEADER)
        if len(header) == _TLS_HEADER and header[0] == _TLS_HANDSHAKE:
            _recv_exactly(conn, int.from_bytes(header[3:5], "big"))
        if conn.sendall(PLAIN_HTTP_ANSWER):
            # A graceful close: FIN, then read until the client closes, so that unread bytes
            # never turn the close into a reset that could overtake the answer.
            conn.shutdown(socket.SHUT_WR)
            _drain(conn)

    def _terminate(self, conn: Connection) -> None:
        assert self._context is not None and self._server is not None
        try:  # the box's close() wakes a handshake that waits (Connection.start_tls)
            conn.start_tls(self._context, server_side=True)
        except ssl.SSLError as exc:
            with self._lock:
                self._handshakes.append(exc.reason or str(exc))
            return
        except OSError:  # the client went away, or close()
            return
        with self._lock:
            self._handshakes.append("ok")
        upstream = self._dial_upstream()
        if upstream is None:
            return
        try:
            with self._server.adopt(upstream):
                pending = [b""]

                def seen(source: Connection, data: bytes) -> None:
                    if source is conn:
                        pending[0] = self._record(pending[0] + data)

                pump(conn, upstream, seen=seen)
        except OSError:  # the box is closing
            return

    def _dial_upstream(self) -> Connection | None:
        """A connection to the server (TLS trusting the session CA when it is HTTPS), or None
        when it cannot be had: go then sees the box close, as behind a firewall that cannot
        reach the server."""
        host, port = self.upstream
        try:
            upstream = dial((host, port), timeout=_IO_TIMEOUT_S)
        except OSError:
            return None
        if self._upstream_context is None:
            return upstream
        try:
            upstream.start_tls(self._upstream_context, server_hostname=host)
        except OSError:
            upstream.close()
            return None
        return upstream

    def _record(self, data: bytes) -> bytes:
        """Keep the request lines in ``data``; return its unfinished last line (at most 8 KiB,
        the longest request target our servers accept)."""
        *lines, rest = data.split(b"\r\n")
        found = [m for m in map(_REQUEST_LINE.match, lines) if m]
        if found:
            with self._lock:
                for m in found:
                    self._requests.append(
                        f"{m.group(1).decode('ascii')} {m.group(2).decode('latin-1')}"
                    )
        return rest[-8192:]

    def __repr__(self) -> str:
        return f"<TLSBox {self.behaviour} {self.address} -> {self.upstream}>"


def _drain(conn: Connection) -> None:
    """Read and drop what the client sends until it closes, its read deadline passes or the
    box closes (which shuts the connection down)."""
    while conn.recv():
        pass


def _recv_exactly(conn: Connection, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data

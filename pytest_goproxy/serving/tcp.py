"""The connection layer's TCP part: owned connections, a threaded server that joins what it
started, a dial, and a bidirectional pipe with half-close.

Why one layer: a socket shut down from another thread after its owner closed it can land on a
*reused* file descriptor, another server's listening socket or accepted connection (a descriptor
number is reused the moment it is closed). A test then sees what no server did: an ``EOF`` from
a healthy server, or a listener gone. So here a socket is never touched without its owner:

* :class:`Connection` owns one socket; :meth:`Connection.shutdown` and :meth:`Connection.close`
  take the same lock and do nothing once it is closed, so a shutdown from ``close()`` of a
  server can never reach a descriptor that was handed on;
* :class:`TCPServer` accepts on a listening socket of its own (loopback only), runs the handler
  of each connection in a thread of its own, keeps every connection and thread it started (and
  the connections its handlers dial: :meth:`TCPServer.adopt`), caps how many are open at once,
  and gives each a read deadline, so a client that sends nothing (a slowloris) holds nothing for
  long; :meth:`TCPServer.close` stops accepting, shuts every connection it knows down and joins
  every thread;
* :func:`pipe` copies both ways between two connections until both ends are done, passing each
  end on (``shutdown(SHUT_WR)``), as a tunnel must for TLS's ``close_notify`` and git's end of
  request; :func:`pump` does it in one thread for TLS connections (one ``SSL`` object cannot be
  read and written from two threads), until either side ends.

The accept loop waits in a selector with a wake-up socket pair, so ``close()`` takes effect at
once instead of at the next poll.
"""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

from pytest_goproxy.errors import FaultError

__all__ = [
    "CHUNK",
    "Connection",
    "LoopServer",
    "StuckListener",
    "TCPServer",
    "copy",
    "dial",
    "free_port",
    "pipe",
    "pump",
]

#: How much one read takes.
CHUNK = 64 * 1024
#: How long ``close()`` waits for each thread of a server.
_JOIN_TIMEOUT = 5.0

_LOG = logging.getLogger("pytest_goproxy.serving")
Self = TypeVar("Self", bound="LoopServer")


class Connection:
    """One socket and its owner's lock: see the module docstring."""

    def __init__(self, sock: socket.socket, peer: object = None) -> None:
        self.sock = sock
        self.peer = peer
        self._lock = threading.Lock()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def settimeout(self, seconds: float | None) -> None:
        """The deadline of each read and write from now on (None: none)."""
        with self._lock, contextlib.suppress(OSError):
            if not self._closed:
                self.sock.settimeout(seconds)

    def nodelay(self) -> None:
        """Nagle off: a small write (a TLS record, a git request turn) goes at once instead of
        waiting for the peer's delayed ACK (40 ms)."""
        with self._lock, contextlib.suppress(OSError):
            if not self._closed:
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def recv(self, size: int = CHUNK) -> bytes:
        """Up to ``size`` bytes; ``b""`` at the end of data, on an error or once closed."""
        try:
            return self.sock.recv(size)
        except OSError:  # a reset, a deadline, shut down or closed by another thread
            return b""

    def sendall(self, data: bytes) -> bool:
        """Send everything; False when the connection can take no more."""
        try:
            self.sock.sendall(data)
        except OSError:
            return False
        return True

    def shutdown(self, how: int = socket.SHUT_RDWR) -> None:
        """End one or both directions (never on a descriptor this connection no longer owns).

        The raw socket's shutdown, also under TLS: it wakes a thread blocked on the socket at
        once and leaves the TLS state alone, which that thread may be using
        (``SSLSocket.shutdown`` drops it)."""
        with self._lock:
            if not self._closed:
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(self.sock, how)

    def start_tls(
        self,
        context: ssl.SSLContext,
        *,
        server_side: bool = False,
        server_hostname: str | None = None,
    ) -> None:
        """TLS on this connection: the socket is handed to ``context`` (which takes its
        descriptor over; the connection owns the TLS socket from then on) and the handshake is
        made outside the lock, so that ``close()`` of the server can wake a handshake that
        waits. ``ssl.SSLError`` or ``OSError`` when it fails."""
        with self._lock:
            if self._closed:
                raise OSError("the connection is closed")
            tls = context.wrap_socket(
                self.sock,
                server_side=server_side,
                server_hostname=server_hostname,
                do_handshake_on_connect=False,
            )
            self.sock = tls
        tls.do_handshake()

    def close(self) -> None:
        """Close the socket (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            with contextlib.suppress(OSError):
                self.sock.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago (the OS picks it; the caller retries on a lost race),
    for a server of another program (toxiproxy, nginx) that must be told its port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def dial(address: tuple[str, int], timeout: float | None = None) -> Connection:
    """A connection to ``address`` (OSError when nothing accepts there in ``timeout``)."""
    return Connection(socket.create_connection(address, timeout=timeout), address)


def copy(src: Connection, dst: Connection) -> None:
    """Copy ``src`` to ``dst`` until ``src`` ends (or ``dst`` takes no more), then pass the end
    on (``shutdown(SHUT_WR)``): one direction of :func:`pipe`, or a forwarded request's body."""
    while data := src.recv(CHUNK):
        if not dst.sendall(data):
            break
    dst.shutdown(socket.SHUT_WR)


def pipe(
    a: Connection,
    b: Connection,
    *,
    spawn: Callable[[Callable[[], None], str], threading.Thread] | None = None,
) -> None:
    """Copy ``a`` to ``b`` and ``b`` to ``a`` until both ends are done, each end passed on.

    Each direction has its own thread and blocking calls: a side that writes while the other
    does too never waits for the pipe to read (one thread alternating could deadlock on two full
    buffers). ``spawn(target, name)`` starts the second thread (a server's
    :meth:`TCPServer.spawn`, so its ``close()`` joins it); this thread copies ``b`` to ``a``."""
    start = spawn or _daemon
    upstream = start(lambda: copy(a, b), "pipe")
    copy(b, a)
    upstream.join()


def pump(
    a: Connection,
    b: Connection,
    *,
    seen: Callable[[Connection, bytes], object] | None = None,
    limit: float | None = None,
) -> None:
    """Copy bytes both ways in this one thread until either side ends, ``seen(source, data)``
    told of each chunk; for TLS connections, which cannot be read and written from two threads
    at once (one ``SSL`` object). Non-blocking, so a TLS record that carries no data (a TLS 1.3
    session ticket) never blocks the other direction; a shut-down connection (the server's
    ``close()``) ends it at once. ``limit``: the longest wait for either side (None: none)."""
    peers = {a: b, b: a}
    for conn in peers:
        conn.sock.setblocking(False)
    with selectors.DefaultSelector() as selector:
        for conn in peers:
            selector.register(conn.sock, selectors.EVENT_READ, conn)
        while True:
            ready = [c for c in peers if isinstance(c.sock, ssl.SSLSocket) and c.sock.pending()]
            if not ready:
                events = selector.select(limit)
                if not events:
                    return
                ready = [key.data for key, _ in events]
            for conn in ready:
                try:
                    data = conn.sock.recv(CHUNK)
                except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
                    continue
                except OSError:
                    return
                if not data:
                    return
                if seen is not None:
                    seen(conn, data)
                if not _send_nonblocking(peers[conn], data, limit):
                    return


def _send_nonblocking(conn: Connection, data: bytes, limit: float | None) -> bool:
    """All of ``data`` on a non-blocking connection, waiting for it to take more (TLS may need
    to read to write); False when it cannot."""
    view = memoryview(data)
    with selectors.DefaultSelector() as selector:
        while view:
            try:
                sent = conn.sock.send(view)
            except (ssl.SSLWantWriteError, BlockingIOError):
                wait = selectors.EVENT_WRITE
            except ssl.SSLWantReadError:
                wait = selectors.EVENT_READ
            except OSError:
                return False
            else:
                view = view[sent:]
                continue
            selector.register(conn.sock, wait)
            ready = selector.select(limit)
            selector.unregister(conn.sock)
            if not ready:
                return False
    return True


def _daemon(target: Callable[[], None], name: str) -> threading.Thread:
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread


Handler = Callable[[Connection], None]


class LoopServer:
    """What every server of this layer is, whatever it reads (connections, datagrams): one
    loop thread waiting in a selector on its socket and a wake-up socket pair, so ``close()``
    takes effect at once instead of at the next poll; the threads it started, each known until
    it ends (a handler's exception logged at debug level, never lost nor fatal); and a
    ``close()`` that wakes the loop and joins it and every thread. Subclasses say what one
    ready socket means (:meth:`_ready`) and what else ``close()`` ends (:meth:`_closed`)."""

    def __init__(self, sock: socket.socket, name: str) -> None:
        sock.setblocking(False)
        self._sock = sock
        self.name = name
        self._wake_r, self._wake_w = socket.socketpair()
        self._lock = threading.Lock()
        self._threads: set[threading.Thread] = set()
        self._closing = False
        self._loop: threading.Thread | None = None

    def start(self: Self) -> Self:
        """Run the loop in a thread of its own (idempotent)."""
        with self._lock:
            if self._loop is None and not self._closing:
                self._loop = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._loop.start()
        return self

    def close(self) -> None:
        """Stop the loop, end what the subclass holds, join every thread (idempotent)."""
        with self._lock:
            if self._closing:
                return
            self._closing = True
            loop = self._loop
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")
        current = threading.current_thread()
        if loop is not None and loop is not current:
            loop.join(_JOIN_TIMEOUT)
        self._closed()
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            if thread is not current and thread.ident is not None:
                thread.join(_JOIN_TIMEOUT)
        for sock in (self._sock, self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                sock.close()

    def __enter__(self: Self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def spawn(self, target: Callable[[], None], name: str) -> threading.Thread:
        """Start a thread for a handler (a pipe's second direction) that ``close()`` joins."""
        thread = self._thread(target, name)
        with self._lock:
            self._threads.add(thread)
        thread.start()
        return thread

    def spawn_unless_closing(self, target: Callable[[], None], name: str) -> bool:
        """:meth:`spawn`, unless ``close()`` has begun (then nothing starts: False)."""
        thread = self._thread(target, name)
        with self._lock:
            if self._closing:
                return False
            self._threads.add(thread)
        thread.start()
        return True

    def _thread(self, target: Callable[[], None], name: str) -> threading.Thread:
        def run() -> None:
            try:
                target()
            except Exception:  # a handler's bug must not pass silently, nor kill the server
                _LOG.debug("%s: a handler raised", self.name, exc_info=True)
            finally:
                with self._lock:
                    self._threads.discard(threading.current_thread())

        return threading.Thread(target=run, name=f"{self.name}-{name}", daemon=True)

    def _run(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._sock, selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            while not self._closing:
                for key, _ in selector.select():
                    if key.fileobj is self._wake_r or self._closing:
                        return
                    self._ready()

    def _ready(self) -> None:
        """The socket has something to read (a connection to accept, a datagram)."""
        raise NotImplementedError

    def _closed(self) -> None:
        """What ``close()`` ends besides the loop, before it joins the threads."""


class TCPServer(LoopServer):
    """A threaded TCP server on ``host`` (loopback), one thread per connection, every one of
    them known and joined on :meth:`close` (see the module docstring).

    ``read_timeout`` is each accepted connection's read deadline until its handler changes it
    (a tunnel that may idle clears it); ``max_connections`` caps the connections open at once: a
    connection over the cap is closed at once (a client sees it end before any answer)."""

    def __init__(
        self,
        handler: Handler,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        read_timeout: float | None = 10.0,
        max_connections: int = 1024,
        name: str = "tcp-server",
    ) -> None:
        self.handler = handler
        self.read_timeout = read_timeout
        self.max_connections = max_connections
        listener = socket.create_server((host, port))
        self.address: tuple[str, int] = listener.getsockname()[:2]
        super().__init__(listener, f"{name}-{self.address[1]}")
        self._connections: set[Connection] = set()

    @property
    def port(self) -> int:
        return self.address[1]

    @property
    def open_connections(self) -> int:
        """The accepted and adopted connections open now."""
        with self._lock:
            return len(self._connections)

    def _closed(self) -> None:
        """Stop accepting; shut every connection down (their threads then end)."""
        with contextlib.suppress(OSError):
            self._sock.close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            conn.shutdown()

    # -- what handlers use -------------------------------------------------------------------

    @contextlib.contextmanager
    def adopt(self, conn: Connection) -> Iterator[Connection]:
        """Keep a connection a handler opened (a dialled upstream) for the block: ``close()``
        shuts it down too; it is closed when the block ends. OSError when closing already."""
        with self._lock:
            if self._closing:
                conn.close()
                raise OSError(f"{self.name} is closing")
            self._connections.add(conn)
        try:
            yield conn
        finally:
            with self._lock:
                self._connections.discard(conn)
            conn.close()

    # -- accepting ---------------------------------------------------------------------------

    def _ready(self) -> None:
        try:
            sock, peer = self._sock.accept()
        except (BlockingIOError, InterruptedError):
            return
        except OSError:  # out of descriptors, or closed: look again
            _LOG.debug("%s: accept failed", self.name, exc_info=True)
            return
        self._serve(Connection(sock, peer))

    def _serve(self, conn: Connection) -> None:
        conn.sock.setblocking(True)
        conn.settimeout(self.read_timeout)
        with self._lock:
            over = self._closing or len(self._connections) >= self.max_connections
            if not over:
                self._connections.add(conn)
        if over:
            conn.close()
            return

        def handle() -> None:
            try:
                self.handler(conn)
            finally:
                with self._lock:
                    self._connections.discard(conn)
                conn.close()

        self.spawn(handle, "conn")


class StuckListener:
    """A loopback listener that never answers a SYN: its accept queue is full and never drained.

    ``listen(0)`` plus connections that are never accepted fill the queue; Linux then drops new
    SYNs (tcp_conn_request: ``sk_acceptq_is_full`` -> drop), so a client's connect waits for its own
    timeout instead of being refused. The fill loop stops at the first connect that times out.
    """

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.fillers: list[socket.socket] = []
        try:
            self.sock.bind(("127.0.0.1", 0))
            self.sock.listen(0)
            self.port: int = self.sock.getsockname()[1]
            for _ in range(16):
                filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                filler.settimeout(0.25)
                try:
                    filler.connect(("127.0.0.1", self.port))
                except TimeoutError:
                    filler.close()
                    return
                except OSError:
                    filler.close()
                    raise
                self.fillers.append(filler)
        except BaseException:
            self.close()
            raise
        self.close()
        raise FaultError(
            "dial_timeout: could not fill a loopback listener's accept queue (16 connections were "
            "all accepted by the kernel); this fault needs Linux-like SYN dropping"
        )

    def close(self) -> None:
        for filler in self.fillers:
            filler.close()
        self.fillers.clear()
        self.sock.close()

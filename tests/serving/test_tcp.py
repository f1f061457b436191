"""The connection layer's TCP part (pytest_goproxy.serving.tcp): a server that owns and joins
what it starts, read deadlines, a cap, a pipe that passes each end on, and a shutdown that never
lands on a descriptor its connection no longer owns. Events, not clocks: each test waits for
what it claims (generous limits only stop a broken test from hanging)."""

from __future__ import annotations

import socket
import threading
import time

from pytest_goproxy.serving.tcp import Connection, TCPServer, dial, pipe

WAIT = 10.0  # a bound on a wait that must end, not a measure


def _client(server: TCPServer) -> socket.socket:
    sock = socket.create_connection(server.address, timeout=WAIT)
    return sock


def test_close_shuts_every_connection_down_and_joins_its_thread() -> None:
    entered = threading.Barrier(4)
    ended: list[bytes] = []

    def hold(conn: Connection) -> None:
        conn.settimeout(None)
        entered.wait(WAIT)
        ended.append(conn.recv())  # blocks until close() shuts it down

    server = TCPServer(hold).start()
    clients = [_client(server) for _ in range(3)]
    entered.wait(WAIT)
    assert server.open_connections == 3
    server.close()
    assert ended == [b"", b"", b""]  # every handler ended before close() returned
    assert server.open_connections == 0
    for sock in clients:
        assert sock.recv(1) == b""
        sock.close()


def test_a_client_that_sends_nothing_is_closed_at_its_read_deadline() -> None:
    saw: list[bytes] = []
    done = threading.Event()

    def read(conn: Connection) -> None:
        saw.append(conn.recv())
        done.set()

    with TCPServer(read, read_timeout=0.2) as server, _client(server) as sock:
        assert done.wait(WAIT)  # the deadline ended the read; the client never sent a byte
        assert saw == [b""]
        assert sock.recv(1) == b""  # and the connection is closed


def test_connections_over_the_cap_are_closed_at_once() -> None:
    entered = threading.Barrier(3)
    release = threading.Event()

    def hold(conn: Connection) -> None:
        entered.wait(WAIT)
        release.wait(WAIT)

    with TCPServer(hold, max_connections=2) as server:
        held = [_client(server) for _ in range(2)]
        entered.wait(WAIT)
        with _client(server) as third:
            assert third.recv(1) == b""  # closed without an answer
        release.set()
        for sock in held:
            sock.close()


def test_pipe_passes_bytes_and_each_end_on() -> None:
    def echo(conn: Connection) -> None:
        while data := conn.recv():
            conn.sendall(data.upper())
        conn.shutdown(socket.SHUT_WR)

    def tunnel(conn: Connection) -> None:
        with upstream_server.adopt(dial(echo_server.address, timeout=WAIT)) as upstream:
            pipe(conn, upstream, spawn=upstream_server.spawn)

    with (
        TCPServer(echo) as echo_server,
        TCPServer(tunnel) as upstream_server,
        _client(upstream_server) as sock,
    ):
        sock.sendall(b"hello")
        sock.shutdown(socket.SHUT_WR)  # our end reaches the echo server through the pipe
        got = b""
        while data := sock.recv(1024):
            got += data
        assert got == b"HELLO"  # and its end came back: recv saw the end of data


def test_a_shutdown_racing_close_never_reaches_a_reused_descriptor() -> None:
    """A server's close() shuts a connection down while its handler closes it: the number of
    the closed descriptor may already name another socket (POSIX hands out the lowest free
    number). Here the close frees the number, a new socket takes it, and a shutdown comes in
    before the close has returned: it must not touch the new socket."""
    reused: list[socket.socket] = []
    freed, shut = threading.Event(), threading.Event()

    class Closing(socket.socket):
        def close(self) -> None:
            number = self.fileno()
            super().close()
            other = socket.create_connection(server.address, timeout=WAIT)
            assert other.fileno() == number  # the kernel handed the number on
            reused.append(other)
            freed.set()
            shut.wait(1.0)  # a late shutdown arrives now (it cannot while close() holds it)

    def idle(conn: Connection) -> None:
        conn.settimeout(None)
        while conn.recv():
            pass

    with TCPServer(idle) as server:
        raw = socket.create_connection(server.address, timeout=WAIT)
        # the server's accept of this connection opens a descriptor too: let it happen first,
        # or it may take the number the close frees before the test's own socket does
        deadline = time.monotonic() + WAIT
        while server.open_connections < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        conn = Connection(Closing(fileno=raw.detach()))
        closing = threading.Thread(target=conn.close)
        closing.start()
        assert freed.wait(WAIT)
        late = threading.Thread(target=lambda: (conn.shutdown(), shut.set()))
        late.start()
        closing.join(WAIT)
        late.join(WAIT)
        other = reused[0]
        try:
            other.sendall(b"still open")  # EPIPE had the late shutdown reached it
            other.settimeout(0.2)
            try:
                other.recv(1)
            except TimeoutError:
                pass  # still open and idle, not shut down (a shut socket reads b"" at once)
            else:
                raise AssertionError("the new socket was shut down")
        finally:
            other.close()

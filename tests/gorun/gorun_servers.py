"""Loopback servers for the gorun tests: a file-tree GOPROXY and servers that misbehave on purpose.

Everything binds 127.0.0.1 and is stopped by the fixtures in conftest.py, pass or fail.
"""

from __future__ import annotations

import contextlib
import http.server
import socket
import struct
import threading
from collections.abc import Callable
from pathlib import Path

from pytest_goproxy.gomod.store import ModuleStore

#: conftest for pytester runs: the plugin (loaded through its entry point) brings the fixtures.
PYTESTER_CONFTEST = ""

LIB = "example.test/lib"
LIB_VERSION = "v1.2.0"
LIB_FILES = {
    "lib.go": "package lib\n\n// Answer is here.\nconst Answer = 42\n",
}


def write_module_tree(root: Path) -> Path:
    """A GOPROXY=file:// tree with the lib, exported by the module store the fake proxy uses."""
    with ModuleStore(root / "store") as store:
        store.add_module(LIB, LIB_VERSION, LIB_FILES)
        store.export_file_proxy(root / "tree")
    return root / "tree"


Behaviour = Callable[[http.server.BaseHTTPRequestHandler, bytes | None], bool]


class TreeServer:
    """Serves a module tree over HTTP; ``behaviour(handler, body)`` may answer first (True)."""

    def __init__(self, tree: Path, behaviour: Behaviour | None = None) -> None:
        self.tree = tree
        self.behaviour = behaviour
        self.paths: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                outer.paths.append(self.path)
                file = outer.tree / self.path.lstrip("/")
                body = file.read_bytes() if file.is_file() else None
                if outer.behaviour is not None and outer.behaviour(self, body):
                    self.close_connection = True
                    return
                if body is None:
                    self.send_error(404)
                    return
                send(self, 200, body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def send(
    handler: http.server.BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    *,
    length: int | None = None,
    content_type: str = "application/octet-stream",
) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body) if length is None else length))
    handler.end_headers()
    with contextlib.suppress(OSError):
        handler.wfile.write(body)
        handler.wfile.flush()


class RawServer:
    """A TCP listener whose connections get ``action(conn)``: reset, hold silently..."""

    def __init__(self, action: Callable[[socket.socket], None], *, backlog: int = 16) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(backlog)
        self.sock.settimeout(0.2)
        self.action = action
        self.held: list[socket.socket] = []
        self.accepted = 0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            self.held.append(conn)
            with contextlib.suppress(OSError):
                self.action(conn)

    def close(self) -> None:
        self._stop.set()
        self.thread.join(timeout=5)
        self.sock.close()
        for conn in self.held:
            with contextlib.suppress(OSError):
                conn.close()


def reset_after_request(conn: socket.socket) -> None:
    """Read the request, then close with SO_LINGER 0: the client sees a TCP RST."""
    conn.settimeout(5)
    with contextlib.suppress(OSError):
        conn.recv(65536)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def hold_silently(conn: socket.socket) -> None:
    """Accept and never answer (the socket stays open until the server closes)."""


def closed_port() -> int:
    """A loopback port with nothing listening (bound then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])

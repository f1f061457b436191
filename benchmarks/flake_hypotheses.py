"""Small reproductions for issue 23's flake: which way can the session checksum database's
listener disappear while its ``ChecksumDB`` object still says it runs?

The symptom (three sumdb end-to-end tests on one xdist worker): go read ``EOF`` from
``/lookup/...``, then ``malformed HTTP status code "/tile/8/0/000.p/2"``. The second is what a
client reads when it connects to a loopback port nobody listens on and the kernel picks that same
port as the client's own: TCP's simultaneous open connects the socket to itself, and the request
comes back as the "response". Each check below prints what it saw and the whole is written to
``benchmarks/results/flake_hypotheses.json``:

1. ``symptom``: a pytest-httpserver server on werkzeug (what ChecksumDB was) whose serve thread
   gets a ``KeyboardInterrupt`` (werkzeug's ``serve_forever`` catches it and calls
   ``server_close()`` in a ``finally``) keeps saying it runs, refuses connections, and a client
   that lands on the port from itself reads its own request line as the status line: the
   issue's error, byte for byte.
2. ``old_scheduler`` (hypothesis a): the scheduler before cooperative cancellation, interrupted
   over and over with cells starting and stopping werkzeug servers beside a "session" database.
   Which threads did ``PyThreadState_SetAsyncExc`` reach, and did the database survive?
3. ``cross_thread_shutdown`` (hypothesis b): one thread closes sockets and opens new ones (their
   fd numbers reused at once) while another shuts the closed ones down, as the guard's and the
   TLS middlebox's ``close()`` did, beside a listener with clients. Through Python socket objects
   (what that code called) and, for contrast, through the raw fd numbers.

What it found (2 cores, CPython 3.11.7; ``results/flake_hypotheses.json``):

- the symptom is reproduced byte for byte by a werkzeug listener closed under a live server
  object; nothing else in the repository made a listener close that way;
- (a) is a real misdelivery, but not a way to the *session* database: of 751 interrupts aimed
  at live cell threads, 1 landed in a werkzeug serve thread that cell was starting. CPython
  allocates a new thread's state in the parent with the *parent's* ident, and
  ``PyThreadState_SetAsyncExc`` takes the newest state with that ident, so for a moment the
  child is the target. The session database's threads are started by pytest's main thread and
  by its own serve thread, never by a cell, and it stayed up in every run. Cooperative
  cancellation removed the mechanism anyway (``pytest_goproxy.gorun.cancel``);
- (b) is refuted for the code as it was: 1.7 million shutdowns of socket objects already closed
  by their owner all failed with EBADF and cut no client (a closed Python socket holds fd -1),
  while the same shutdowns by fd number cut 71 client connections.

Run::

    python benchmarks/flake_hypotheses.py
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import importlib.util
import json
import os
import random
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from types import ModuleType
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug.serving import BaseWSGIServer

ROOT = Path(__file__).resolve().parents[1]
#: the last commit whose scheduler interrupted cells with an asynchronous KeyboardInterrupt
OLD_SCHEDULER = "a37e901"


def _throw(thread: threading.Thread, exc: type[BaseException]) -> int:
    assert thread.ident is not None
    found: int = ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread.ident), ctypes.py_object(exc)
    )
    return found


def _database() -> HTTPServer:
    """A pytest-httpserver server on werkzeug's development server, as the session checksum
    database was when the flake was seen, answering ``/latest``."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request("/latest").respond_with_data("tree")
    server.start()
    return server


def _answers(server: HTTPServer) -> bool:
    try:
        with urllib.request.urlopen(server.url_for("/latest"), timeout=5) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _self_connect(port: int, request: bytes) -> bytes:
    """Connect to ``port`` from ``port`` (what the kernel's ephemeral choice may do): with no
    listener, the socket is connected to itself and reads back what it wrote."""
    sock = socket.socket()
    try:
        sock.bind(("127.0.0.1", port))
        sock.connect(("127.0.0.1", port))
        sock.sendall(request)
        sock.settimeout(5)
        return sock.recv(len(request))
    finally:
        sock.close()


def symptom() -> dict[str, Any]:
    server = _database()
    before = _answers(server)
    thread = server.server_thread
    assert thread is not None
    reached = _throw(thread, KeyboardInterrupt)
    thread.join(5)
    refused = False
    try:
        socket.create_connection(("127.0.0.1", server.port), timeout=5).close()
    except ConnectionRefusedError:
        refused = True
    request = b"GET /tile/8/0/000.p/2 HTTP/1.1\r\nHost: x\r\n\r\n"
    echoed = _self_connect(server.port, request)
    status = echoed.split(b"\r\n", 1)[0].split(b" ")
    result = {
        "answers_before": before,
        "threads_reached": reached,
        "serve_thread_alive": thread.is_alive(),
        "is_running_says": server.is_running(),
        "url_still_given": server.url_for("/"),
        "connection_refused": refused,
        "self_connect_reads": echoed.split(b"\r\n", 1)[0].decode(),
        "go_would_say": f'malformed HTTP status code "{status[1].decode()}"',
    }
    with contextlib.suppress(Exception):
        server.server_thread = None  # it is gone; stop() would join it
        server.server = None
    return result


def _load_old_scheduler() -> ModuleType:
    source = subprocess.run(
        ["git", "show", f"{OLD_SCHEDULER}:pytest_goproxy/outage/schedule.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = Path(os.environ.get("TMPDIR", "/tmp")) / "old_schedule_issue23.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("old_schedule_issue23", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def old_scheduler(runs: int = 150) -> dict[str, Any]:
    old = _load_old_scheduler()
    targets: dict[str, int] = {}
    original = old._interrupt_threads

    def recording(idents: Any) -> None:
        names = {t.ident: t.name for t in threading.enumerate()}
        for ident in list(idents):
            name = names.get(ident, "(no live thread)")
            targets[name] = targets.get(name, 0) + 1
        original(idents)

    old._interrupt_threads = recording  # type: ignore[attr-defined]
    # Where the KeyboardInterrupts really landed: a thread that dies of one at its start
    # (sys.unraisablehook), or later (threading.excepthook), or a werkzeug serve loop, which
    # swallows it and closes its listener (seen by wrapping serve_forever).
    landed: dict[str, int] = {}

    def count(where: str) -> None:
        landed[where] = landed.get(where, 0) + 1

    def unraisable(u: Any) -> None:
        if isinstance(u.exc_value, KeyboardInterrupt):
            count(f"a thread being started: {getattr(u.object, '__self__', u.object)!r}"[:80])

    def excepthook(args: Any) -> None:
        if issubclass(args.exc_type, KeyboardInterrupt):
            count(f"thread {args.thread.name if args.thread else '?'}")

    serve = BaseWSGIServer.serve_forever

    def serve_forever(self: BaseWSGIServer, poll_interval: float = 0.5) -> None:
        try:
            socketserver.BaseServer.serve_forever(self, poll_interval)
        except KeyboardInterrupt:
            count("a werkzeug serve loop (listener closed)")
        finally:
            self.server_close()

    saved = sys.unraisablehook, threading.excepthook
    sys.unraisablehook, threading.excepthook = unraisable, excepthook
    BaseWSGIServer.serve_forever = serve_forever  # type: ignore[method-assign]
    db = _database()
    rng = random.Random(23)

    def cell(i: int) -> int:
        if i == 0:
            time.sleep(rng.uniform(0.05, 0.3))
            raise RuntimeError("stop the run")
        for _ in range(20):
            server = HTTPServer(host="127.0.0.1", port=0)
            server.start()
            try:
                time.sleep(0.01)
            finally:
                server.stop()
        return i

    stopped = 0
    for _ in range(runs):
        try:
            old.run_all(cell, list(range(6)), jobs=6)
        except RuntimeError:
            stopped += 1
    time.sleep(0.5)
    alive = _answers(db)
    db.stop()
    sys.unraisablehook, threading.excepthook = saved
    BaseWSGIServer.serve_forever = serve  # type: ignore[method-assign]
    return {
        "runs_stopped": stopped,
        "targets_by_name_when_called": targets,
        "landed_outside_the_cells": landed,
        "session_database_alive": alive,
    }


def cross_thread_shutdown(seconds: float = 5.0, raw: bool = False) -> dict[str, Any]:
    """Closer: open a connection, remember it, close it. Shutter: shut the remembered ones down
    (by object, or by the fd number they had). Meanwhile clients talk to a listener whose accepted
    sockets and own socket are new fds (reusing freed numbers): count their failures."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stop = threading.Event()
    stale: list[tuple[socket.socket, int]] = []
    lock = threading.Lock()
    counts = {"ebadf": 0, "shutdowns": 0, "client_ok": 0, "client_failed": 0, "listener_lost": 0}
    libc = ctypes.CDLL(None, use_errno=True)

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                counts["listener_lost"] += 1
                return
            with conn, contextlib.suppress(OSError):
                data = conn.recv(64)
                conn.sendall(data)

    def closer() -> None:
        helper = socket.create_server(("127.0.0.1", 0))
        hp = helper.getsockname()[1]
        while not stop.is_set():
            sock = socket.create_connection(("127.0.0.1", hp))
            peer, _ = helper.accept()
            with lock:
                stale.append((sock, sock.fileno()))
                del stale[:-50]
            sock.close()
            peer.close()
        helper.close()

    def shutter() -> None:
        while not stop.is_set():
            with lock:
                victims = list(stale)
            for sock, fd in victims:
                counts["shutdowns"] += 1
                if raw:
                    if libc.shutdown(fd, socket.SHUT_RDWR) != 0:
                        counts["ebadf"] += ctypes.get_errno() in (errno.EBADF, errno.ENOTSOCK)
                else:
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError as exc:
                        counts["ebadf"] += exc.errno == errno.EBADF

    def client() -> None:
        while not stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
                    sock.sendall(b"ping")
                    ok = sock.recv(4) == b"ping"
            except OSError:
                ok = False
            counts["client_ok" if ok else "client_failed"] += 1

    threads = [threading.Thread(target=t, daemon=True) for t in (serve, closer, shutter, client)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    with contextlib.suppress(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    for thread in threads:
        thread.join(5)
    listener.close()
    return {"by": "fd number" if raw else "socket object", **counts}


def main() -> int:
    results = {
        "symptom": symptom(),
        "old_scheduler": old_scheduler(),
        "cross_thread_shutdown": [cross_thread_shutdown(), cross_thread_shutdown(raw=True)],
    }
    text = json.dumps(results, indent=2)
    print(text)
    out = ROOT / "benchmarks/results/flake_hypotheses.json"
    out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Memory of the HTTP/2 server over many streams on one connection.

Target (issue 24): 1000 streams over one HTTP/2 connection leave no growth over 5 MiB. go keeps
one connection per proxy and sends every request of a build down it (about 3 streams a module),
so anything a stream leaves behind (its record in the session, its thread, h2's bookkeeping)
adds up over a large graph.

A client in a child process (python-hyper's ``h2`` over a TLS socket that picked ``h2`` by
ALPN, up to 100 streams in flight, as go keeps tens) asks ``FakeGoProxy(tls=True)`` for
``.info``, ``.mod`` and ``.zip`` files of 100 modules (small answers the connection's thread
sends itself, and every tenth zip large enough for a worker): first ``--warm`` streams (imports,
caches, the workers' threads), then ``--streams`` more on the same connection. The server's
process measures its resident set (``/proc``, current, not peak) after the warm-up, after the
streams (connection still open) and after the connection ended; a second run does the same with
tracemalloc on, for the Python heap and the lines it grew at (tracemalloc's own records would
swell the first run's resident set). The proxy's request log is limited to its last 100
entries (the log is the proxy's feature, kept whole unless limited; it is not what is measured
here).

The warm-up is long enough for the workers to reach the streams in flight (a connection keeps
one worker per worker-sent answer in flight, up to ``MAX_CONCURRENT_STREAMS``; before the small
answers were sent by the connection's thread, all of them needed one, and there were 26 after
300 streams, about 70 after 3300): what grows after it grows per stream. h2 itself remembers up
to 2**16 closed stream ids per connection (``H2Connection.MAX_CLOSED_STREAMS``, about 100 bytes
each), the one growth the heap shows; it is bounded, and ends with the connection.

Run on demand::

    python benchmarks/bench_http2_memory.py --streams 1000

Results are printed and written to ``benchmarks/results/http2_memory.json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import os
import platform
import socket
import ssl
import threading
import time
import tracemalloc
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

from pytest_goproxy import FakeGoProxy

MIB = 1024 * 1024
MODULES = 100
IN_FLIGHT = 100


def _paths() -> list[str]:
    return [
        f"/example.test/m{i:03d}/@v/v1.0.0.{kind}"
        for i in range(MODULES)
        for kind in ("info", "mod", "zip")
    ]


def client(address: tuple[str, int], ca_pem: bytes, pipe: Pipe) -> None:
    """The child process: one connection; on each ``n`` from the pipe, ``n`` streams (up to
    IN_FLIGHT at once), then the bytes received go back; ``0`` closes the connection."""
    import h2.config
    import h2.connection
    import h2.events

    ctx = ssl.create_default_context(cadata=ca_pem.decode())
    ctx.set_alpn_protocols(["h2"])
    raw = socket.create_connection(address)
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as go's client
    sock = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
    assert sock.selected_alpn_protocol() == "h2"
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    paths = _paths()
    asked = 0
    while n := pipe.recv():
        open_streams: set[int] = set()
        received = started = 0
        while started < n or open_streams:
            while started < n and len(open_streams) < IN_FLIGHT:
                stream_id = conn.get_next_available_stream_id()
                path = paths[asked % len(paths)]
                asked += 1
                conn.send_headers(
                    stream_id,
                    [
                        (":method", "GET"),
                        (":path", path),
                        (":scheme", "https"),
                        (":authority", "127.0.0.1"),
                    ],
                    end_stream=True,
                )
                open_streams.add(stream_id)
                started += 1
            sock.sendall(conn.data_to_send())
            data = sock.recv(1 << 16)
            if not data:
                raise RuntimeError("the server closed the connection")
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.DataReceived):
                    received += len(event.data)
                    conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, (h2.events.StreamEnded, h2.events.StreamReset)):
                    open_streams.discard(event.stream_id)
            sock.sendall(conn.data_to_send())
        pipe.send(received)
    conn.close_connection()
    sock.sendall(conn.data_to_send())
    sock.close()
    pipe.send(0)


def rss_mib() -> float:
    """The resident set now (Linux /proc: pages)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / MIB


def measure() -> dict[str, float]:
    """The server process now: heap (with tracemalloc), resident set, threads."""
    gc.collect()
    heap = tracemalloc.get_traced_memory()[0] / MIB if tracemalloc.is_tracing() else 0.0
    return {"heap_mib": heap, "rss_mib": rss_mib(), "threads": threading.active_count()}


def run_once(streams: int, warm: int, *, trace: bool) -> dict[str, Any]:
    """One connection: ``warm`` streams, a measure, ``streams`` more, a measure, its end, a
    measure. ``trace``: with tracemalloc (the heap, and where it grew); without it the resident
    set is the server's alone (tracemalloc's own records would count in it)."""
    from pytest_goproxy.serving.tls import session_ca

    if trace:
        tracemalloc.start(1)
    with FakeGoProxy(tls=True) as proxy:
        proxy.request_log.limit = 100
        for i in range(MODULES):
            # every tenth zip is over the inline limit (about 350 KB): workers send those
            data = os.urandom(350_000).hex() if i % 10 == 0 else f"{i}\n" * 2000
            files = {"m.go": f"package m{i:03d}\n", "data.txt": data}
            proxy.add_module(f"example.test/m{i:03d}", "v1.0.0", files=files)
        spawn = multiprocessing.get_context("spawn")
        ours, theirs = spawn.Pipe()
        child = spawn.Process(
            target=client, args=((proxy.host, proxy.port), session_ca().pem, theirs)
        )
        child.start()
        try:
            ours.send(warm)
            warm_bytes = ours.recv()
            after_warm = measure()
            before = tracemalloc.take_snapshot() if trace else None
            started = time.perf_counter()
            ours.send(streams)
            streams_bytes = ours.recv()
            elapsed = time.perf_counter() - started
            after_streams = measure()
            after = tracemalloc.take_snapshot() if trace else None
            ours.send(0)
            ours.recv()
        finally:
            child.join(30)
        protocols = sorted({r.protocol for r in proxy.requests()})
        time.sleep(0.5)  # the server's end of the connection joins its workers
        after_close = measure()
    top = []
    if before is not None and after is not None:
        top = [
            {"where": str(stat.traceback[0]), "kib": round(stat.size_diff / 1024, 1)}
            for stat in after.compare_to(before, "lineno")[:8]
        ]
        tracemalloc.stop()
    return {
        "protocols_seen": protocols,
        "bytes_received": {"warm_up": warm_bytes, "measured": streams_bytes},
        "seconds_for_measured_streams": elapsed,
        "after_warm_up": after_warm,
        "after_streams_connection_open": after_streams,
        "after_connection_closed": after_close,
        "growth_mib": after_streams["rss_mib" if not trace else "heap_mib"]
        - after_warm["rss_mib" if not trace else "heap_mib"],
        "largest_heap_growth_by_line": top,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--warm", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()

    load_start = os.getloadavg()
    rss = run_once(args.streams, args.warm, trace=False)
    heap = run_once(args.streams, args.warm, trace=True)
    result = {
        "benchmark": "server memory over many HTTP/2 streams on one connection",
        "streams_measured": args.streams,
        "warm_up_streams": args.warm,
        "in_flight": IN_FLIGHT,
        "rss_growth_mib": rss["growth_mib"],
        "heap_growth_mib": heap["growth_mib"],
        "target_growth_mib": 5,
        "resident_set_run": rss,
        "tracemalloc_run": heap,
        "machine": platform.platform(),
        "python": platform.python_version(),
        "load_average_start": [round(x, 2) for x in load_start],
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "http2_memory.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if not k.endswith("_run")}, indent=2))


if __name__ == "__main__":
    main()

"""Idle connections against FakeGoProxy (issue 23): 200 connections held open, sending nothing,
must not slow a go download by more than 10%, and must be closed at their deadline.

Each connection holds one thread of the connection layer (:class:`~pytest_goproxy.serving.tcp.
TCPServer`) blocked in a read until the request-head deadline
(:data:`~pytest_goproxy.serving.wsgi.HEAD_TIMEOUT`, 60 s, as nginx's ``client_header_timeout``):
a slowloris holds nothing for longer. Rounds alternate a download with no idle connections and
one with ``--idle`` of them open (the order flips each round), on bench_peers' generated graph
(a cold module cache per download); then the benchmark waits for the server to close every idle
connection and reports when it did.

    python benchmarks/bench_idle.py                  # 200 idle connections, 7 rounds each

Results are printed and written to ``benchmarks/results/idle.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_peers as peers

from pytest_goproxy import FakeGoProxy, GoRunner
from pytest_goproxy.gorun import find_go
from pytest_goproxy.lifecycle import remove_temp_dir, temp_dir
from pytest_goproxy.serving.wsgi import HEAD_TIMEOUT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--idle", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--modules", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()
    go = find_go()
    graph = peers.generate_graph(args.modules, peers.SEED, 30)
    root = temp_dir("bench-idle-")
    idle: list[socket.socket] = []
    try:
        mod_dir = root / "mod"
        peers.write_archives(graph, mod_dir)
        with GoRunner(go, workdir=root) as runner, FakeGoProxy(workdir=root / "store") as fake:
            fake.add_txtar(mod_dir)
            project = runner.project(peers.PROJECT, files=peers.project_files(graph))
            env = {**peers.DOWNLOAD_ENV, "GOPROXY": fake.url}

            def download() -> float:
                cache = runner.module_cache()
                try:
                    started = time.perf_counter()
                    project.download("all", env=env, modcache=cache).assert_ok()
                    return time.perf_counter() - started
                finally:
                    cache.remove()

            cache = runner.module_cache()
            project.tidy(env=env, modcache=cache).assert_ok()
            cache.remove()
            download()  # warm-up: the go binary, the page cache
            times: dict[str, list[float]] = {"none": [], "idle": []}
            opened = 0.0
            for n in range(args.rounds):
                for case in ("none", "idle") if n % 2 == 0 else ("idle", "none"):
                    if case == "idle" and not idle:
                        opened = time.monotonic()
                        idle = [
                            socket.create_connection((fake.host, fake.port), timeout=5)
                            for _ in range(args.idle)
                        ]
                    if case == "none" and idle:
                        for sock in idle:
                            sock.close()
                        idle = []
                    times[case].append(download())
                print(f"idle: round {n + 1}: {times}", flush=True)
            if not idle:
                opened = time.monotonic()
                idle = [
                    socket.create_connection((fake.host, fake.port), timeout=5)
                    for _ in range(args.idle)
                ]
            closed_after = []
            for sock in idle:  # each read ends when the server closes the connection
                sock.settimeout(HEAD_TIMEOUT + 30)
                try:
                    data = sock.recv(1)
                except TimeoutError:
                    data = b"open"
                closed_after.append(time.monotonic() - opened if data == b"" else float("inf"))
                sock.close()
            idle = []
        none_median = statistics.median(times["none"])
        idle_median = statistics.median(times["idle"])
        report = {
            "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "command": " ".join(["python", "benchmarks/bench_idle.py", *sys.argv[1:]]),
            "cores": os.cpu_count(),
            "idle_connections": args.idle,
            "module_versions": args.modules,
            "seconds": times,
            "median_without": round(none_median, 3),
            "median_with_idle": round(idle_median, 3),
            "ratio": round(idle_median / none_median, 3),
            "target_ratio": 1.10,
            "deadline_seconds": HEAD_TIMEOUT,
            "closed": sum(1 for c in closed_after if c != float("inf")),
            "closed_after_median_seconds": round(statistics.median(closed_after), 1),
        }
    finally:
        for sock in idle:
            sock.close()
        remove_temp_dir(root)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "idle.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(
        f"download {report['median_without']} s alone, {report['median_with_idle']} s beside "
        f"{args.idle} idle connections ({report['ratio']}x, target <= 1.10); "
        f"{report['closed']}/{args.idle} closed by the server after a median "
        f"{report['closed_after_median_seconds']} s (deadline {HEAD_TIMEOUT:g} s)"
    )


if __name__ == "__main__":
    main()

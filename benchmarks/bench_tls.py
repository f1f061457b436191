"""What HTTPS and HTTP/2 cost: the same download through a plain-HTTP FakeGoProxy, an HTTPS one
speaking HTTP/1.1 (``http2=False``) and an HTTPS one speaking HTTP/2 (go picks ``h2`` by ALPN),
and the session CA's start-up.

Targets: ``go mod download all`` of a 300-module graph over HTTPS with HTTP/1.1 takes at most
1.3x the time over plain HTTP (issue 15); over HTTP/2 at most 1.2x the time over HTTPS with
HTTP/1.1 (issue 24: go multiplexes every request on one connection, so a slow server loop shows
at once); making the session CA and its certificates (once per process) takes under 100 ms. The
three servers serve one store and take turns, their order rotated round by round, so machine
noise hits all alike; medians and their ratios are reported, with the load average (a shared
machine says so) and this process's CPU time per download (the servers' cost, which the
machine's other load changes less than the wall clock).

Run on demand (never part of the test suite)::

    python benchmarks/bench_tls.py --modules 300 --rounds 7

Results are printed and written to ``benchmarks/results/tls.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from bench_download import build_graph, timed_download

from pytest_goproxy import FakeGoProxy, GoRunner
from pytest_goproxy.gomod import ModuleStore


def ca_startup_ms() -> dict[str, float]:
    """The first session CA, loopback server context and go bundle of this process: what every
    HTTPS session pays once (cryptography's import is measured apart: any TLS user pays it)."""
    started = time.perf_counter()
    import trustme  # noqa: F401  (cryptography comes with it)

    imported = time.perf_counter()
    from pytest_goproxy.serving.tls import corporate_bundle, session_ca

    ca = session_ca()
    ca.server_context()
    ca.bundle()
    corporate_bundle()
    made = time.perf_counter()
    return {
        "import_ms": (imported - started) * 1000,
        "ca_and_certificates_ms": (made - imported) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()

    startup = ca_startup_ms()
    modes = ("http", "https_http1", "https_http2")
    times: dict[str, list[float]] = {mode: [] for mode in modes}
    cpu: dict[str, list[float]] = {mode: [] for mode in modes}
    protocols: dict[str, list[str]] = {}
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-tls-") as work, GoRunner(workdir=work) as go:
        store = ModuleStore(Path(work))
        requires = build_graph(store, args.modules)
        project = go.project(requires=requires)
        with (
            FakeGoProxy(store) as http,
            FakeGoProxy(store, tls=True, http2=False) as https_http1,
            FakeGoProxy(store, tls=True) as https_http2,
        ):
            servers = {"http": http, "https_http1": https_http1, "https_http2": https_http2}
            timed_download(go, project.path, http.url)  # warm-up: zips and build cache
            for n in range(args.rounds):
                order = modes[n % 3 :] + modes[: n % 3]
                for mode in order:
                    started = time.process_time()
                    times[mode].append(timed_download(go, project.path, servers[mode].url))
                    cpu[mode].append(time.process_time() - started)
            # what go spoke to each: the comparison is the one it claims to be
            protocols = {
                mode: sorted({r.protocol for r in server.requests()})
                for mode, server in servers.items()
            }
        store.close()
    medians = {mode: statistics.median(values) for mode, values in times.items()}
    cpu_medians = {mode: statistics.median(values) for mode, values in cpu.items()}
    result = {
        "benchmark": "go mod download all: plain HTTP, HTTPS with HTTP/1.1, HTTPS with HTTP/2",
        "modules": args.modules,
        "rounds": args.rounds,
        "seconds": times,
        "median_seconds": medians,
        "protocols_seen": protocols,
        "ratio_https_to_http": medians["https_http1"] / medians["http"],
        "target_ratio": 1.3,
        "ratio_http2_to_http1": medians["https_http2"] / medians["https_http1"],
        "target_ratio_http2": 1.2,
        # this process's CPU time per download: the servers (and the runner, alike for all),
        # what the servers cost whatever else the shared machine runs
        "cpu_seconds": cpu,
        "median_cpu_seconds": cpu_medians,
        "cpu_ratio_http2_to_http1": cpu_medians["https_http2"] / cpu_medians["https_http1"],
        "session_ca": startup,
        "target_ca_ms": 100,
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average_start": [round(x, 2) for x in load_start],
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
        "go": go.version,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "tls.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "seconds"}, indent=2))


if __name__ == "__main__":
    main()

"""What go's private mount namespace costs, and how long go waits for a resolver by default.

1. **Overhead.** ``go version`` and ``go env GOPROXY`` through the same GoRunner, with and
   without ``resolver=`` (``unshare --mount``, ``sh``, two or three ``mount --bind``, then
   ``exec go``), the two alternating within every round so machine noise hits both alike.
   Target (issue 27): the namespace adds at most 50 ms to a go run (difference of medians).
2. **go's default resolver options.** A resolver that never answers (``dns_timeout``) and one
   that answers SERVFAIL (``dns_servfail``), with no ``options`` line (go's defaults,
   net/dnsconfig_unix.go: ``timeout:5 attempts:2``): how long ``go mod download`` takes to give
   up on ``https://goproxy.cn``, and how many questions it asked. The suite uses ``timeout:1
   attempts:1`` instead, so this is measured here, once.

Run on demand (never part of the test suite; needs root or user namespaces, and port 53)::

    python benchmarks/bench_namespace.py --rounds 21

Results are printed and written to ``benchmarks/results/namespace.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

from pytest_goproxy.gorun import GoRunner
from pytest_goproxy.network import FakeResolver
from pytest_goproxy.proxy import FakeGoProxy
from pytest_goproxy.serving.tls import session_ca
from pytest_goproxy.serving.udp import on_free_loopback

COMMANDS = {"go version": ["version"], "go env GOPROXY": ["env", "GOPROXY"]}
TARGET_MS = 50.0
LIB, VERSION = "example.test/lib", "v1.2.0"


def overhead(go: GoRunner, resolver: FakeResolver, rounds: int) -> dict[str, object]:
    out: dict[str, object] = {}
    for label, args in COMMANDS.items():
        seconds: dict[str, list[float]] = {"plain": [], "namespace": []}
        for n in range(rounds + 1):
            order = ["plain", "namespace"] if n % 2 else ["namespace", "plain"]
            for kind in order:
                started = time.perf_counter()
                go.run(args, resolver=resolver if kind == "namespace" else None).assert_ok()
                if n:  # the first round warms the build cache and the page cache
                    seconds[kind].append(time.perf_counter() - started)
        medians = {k: statistics.median(v) * 1000 for k, v in seconds.items()}
        out[label] = {
            "ms": {k: [round(s * 1000, 2) for s in v] for k, v in seconds.items()},
            "median_ms": {k: round(v, 2) for k, v in medians.items()},
            "added_ms": round(medians["namespace"] - medians["plain"], 2),
        }
    return out


def default_options(go: GoRunner) -> dict[str, object]:
    context = session_ca().server_context("goproxy.cn", http2=True)

    def bind(host: str) -> FakeGoProxy:
        proxy = FakeGoProxy(host=host, port=443, tls=context)
        proxy.start()
        return proxy

    out: dict[str, object] = {}
    with on_free_loopback(bind) as proxy:
        proxy.add_module(LIB, VERSION, files={"lib.go": "package lib\n"})
        for fault in ("dns_timeout", "dns_servfail"):
            with FakeResolver({"goproxy.cn": proxy.host}) as resolver:
                resolver.inject("goproxy.cn", fault)
                result = go.run(
                    ["mod", "download", f"{LIB}@{VERSION}"],
                    env={"GOPROXY": "https://goproxy.cn", "GOSUMDB": "off"},
                    resolver=resolver,
                    timeout=60,
                )
                out[fault] = {
                    "seconds": round(result.duration, 3),
                    "questions": [f"{q.type}/{q.transport}" for q in resolver.questions],
                    "go_said": result.stderr.strip().splitlines()[-1],
                    "failure": str(result.failure),
                }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()
    load_start = os.getloadavg()
    with GoRunner() as go, FakeResolver({"goproxy.cn": "127.0.0.1"}) as resolver:
        measured = overhead(go, resolver, args.rounds)
        defaults = default_options(go)
        version = go.version
    worst = max(float(v["added_ms"]) for v in measured.values())  # type: ignore[index]
    result = {
        "benchmark": "go with and without its private mount namespace; go's default resolver "
        "options against a silent and a failing resolver",
        "rounds": args.rounds,
        "overhead": measured,
        "worst_added_ms": worst,
        "target_added_ms": TARGET_MS,
        "within_target": worst <= TARGET_MS,
        "default_resolver_options": defaults,
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "root": os.geteuid() == 0,
        "load_average_start": load_start,
        "load_average_end": os.getloadavg(),
        "go": version,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "namespace.json").write_text(json.dumps(result, indent=2) + "\n")
    summary = {k: v for k, v in result.items() if k != "overhead"}
    summary["median_ms"] = {k: v["median_ms"] for k, v in measured.items()}  # type: ignore[index]
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()

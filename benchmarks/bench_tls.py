"""What HTTPS costs: the same download through an HTTPS and a plain-HTTP FakeGoProxy, and the
session CA's start-up.

Targets (issue 15): ``go mod download all`` of a 300-module graph through ``FakeGoProxy(tls=True)``
takes at most 1.3x the time through the plain-HTTP one; making the session CA and its
certificates (once per process) takes under 100 ms. The two servers serve one store and are
alternated, round by round, so machine noise hits both alike; medians and their ratio are
reported.

Run on demand (never part of the test suite)::

    python benchmarks/bench_tls.py --modules 300 --rounds 7

Results are printed and written to ``benchmarks/results/tls.json``.
"""

from __future__ import annotations

import argparse
import json
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
    times: dict[str, list[float]] = {"http": [], "https": []}
    with tempfile.TemporaryDirectory(prefix="bench-tls-") as work, GoRunner(workdir=work) as go:
        store = ModuleStore(Path(work))
        requires = build_graph(store, args.modules)
        project = go.project(requires=requires)
        with FakeGoProxy(store) as http, FakeGoProxy(store, tls=True) as https:
            urls = {"http": http.url, "https": https.url}
            timed_download(go, project.path, http.url)  # warm-up: zips and build cache
            for n in range(args.rounds):
                order = ("http", "https") if n % 2 == 0 else ("https", "http")
                for mode in order:
                    times[mode].append(timed_download(go, project.path, urls[mode]))
        store.close()
    medians = {mode: statistics.median(values) for mode, values in times.items()}
    result = {
        "benchmark": "go mod download all, HTTPS vs plain-HTTP FakeGoProxy",
        "modules": args.modules,
        "rounds": args.rounds,
        "seconds": times,
        "median_seconds": medians,
        "ratio_https_to_http": medians["https"] / medians["http"],
        "target_ratio": 1.3,
        "session_ca": startup,
        "target_ca_ms": 100,
        "machine": platform.platform(),
        "go": go.version,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "tls.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "seconds"}, indent=2))


if __name__ == "__main__":
    main()

"""The default matrix on a recorded real-shaped project of 100+ module versions (issue 22).

Target: ``pytest-goproxy matrix PROJECT --jobs 2`` (the default cells, 7 faults x 8
configurations) in at most 120 s on 2 cores, with no ``error`` cell.

The project is the fake internet of ``tests/realworld`` (github.com, golang.org/x via
go.googlesource.com, vanity hosts, gopkg.in, pseudo-versions, go.mod-only versions) grown with
``--scale`` generated github.com modules, tidied straight from its code hosts, then recorded
the way a user records (through a public proxy whose ``.info`` carry ``Origin``, the code hosts
routed by name, ``--origins``). The internet is then closed and the matrix replays it, as
``pytest-goproxy matrix`` runs it (the origin repositories built once, shared by every cell).

Reported:

- ``wall``: the matrix, from the first cell to the last (and ``prepare``: building the modules
  and the origin repositories once, before the first cell);
- ``cell_sum``: the sum of each cell's time from start to finish in its thread;
- ``go_sum``: the sum of the cells' go runs (``Cell.seconds``);
- ``outside_go``: 1 - go_sum / cell_sum, the share of the cells' time spent outside go (servers,
  toxiproxy, project copies, tear-down).

Run on demand (several minutes: the recording and the matrix)::

    python benchmarks/bench_real_graph.py                 # scale 45: about 110 versions
    python benchmarks/bench_real_graph.py --rounds 3

Results are printed and written to ``benchmarks/results/real_graph.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path[:0] = [str(TESTS / "realworld"), str(TESTS / "record")]

from internet import DIRECT, HOSTS, build_internet, tidy_project  # noqa: E402
from record_helpers import behind_guard, user_env  # noqa: E402

from pytest_goproxy import ChecksumDB, FakeGoProxy, GoRunner  # noqa: E402
from pytest_goproxy.cli.matrix import DEFAULT_CONFIGS, DEFAULT_FAULTS  # noqa: E402
from pytest_goproxy.matrix.runner import MatrixProject, MatrixRunner  # noqa: E402
from pytest_goproxy.network.session import LazyToxiproxy  # noqa: E402
from pytest_goproxy.origin import FakeOrigin  # noqa: E402
from pytest_goproxy.outage import Cell  # noqa: E402
from pytest_goproxy.record import record  # noqa: E402


def make_project(tmp: Path, scale: int) -> tuple[Path, Path, int]:
    """The project (tidied from the code hosts) and its snapshot (recorded through a public
    proxy, ``--origins``); the number of module versions recorded."""
    with GoRunner(workdir=tmp / "go") as go, FakeOrigin(HOSTS, workdir=tmp) as origin:
        origin.start()
        net = build_internet(origin, scale=scale)
        project = tidy_project(go, origin, net, tmp / "project")
        routes = dict.fromkeys(origin.hosts, origin)
        (tmp / "crawler").mkdir()
        with behind_guard(go, user_env(tmp / "crawler", **DIRECT), routes) as env:
            crawled = record(project, tmp / "crawled", env=env, tidy=False)
        with FakeGoProxy() as proxy, ChecksumDB() as sumdb:
            proxy.add_module_cache(crawled.snapshot)
            sumdb.attach(proxy)
            (tmp / "user").mkdir()
            settings = {"GOPROXY": proxy.url, "GOSUMDB": sumdb.gosumdb}
            with behind_guard(go, user_env(tmp / "user", **settings), routes) as env:
                result = record(project, tmp / "snapshot", env=env, origins=True)
    return project, result.snapshot, len(result.versions)


def run_once(
    project: Path, snapshot: Path, toxiproxy: LazyToxiproxy, timeout: float
) -> dict[str, object]:
    pairs = [(f, c) for f in DEFAULT_FAULTS for c in DEFAULT_CONFIGS]
    began: dict[tuple[str, str], float] = {}
    spent: dict[tuple[str, str], float] = {}
    lock = threading.Lock()

    def started(pair: tuple[str, str]) -> None:
        with lock:
            began[pair] = time.perf_counter()

    def finished(pair: tuple[str, str], cell: Cell) -> None:
        with lock:
            spent[pair] = time.perf_counter() - began[pair]

    spec = MatrixProject(project, snapshot, "")
    proxy = toxiproxy.get()
    with MatrixRunner(spec, toxiproxy=proxy, timeout=timeout) as matrix:
        t0 = time.perf_counter()
        matrix.prepare([c for _, c in pairs])
        t1 = time.perf_counter()
        cells = matrix.run_cells(pairs, jobs=2, started=started, finished=finished)
        t2 = time.perf_counter()
    cell_sum = sum(spent.values())
    go_sum = sum(c.seconds for c in cells)
    return {
        "prepare": round(t1 - t0, 2),
        "wall": round(t2 - t1, 2),
        "total": round(t2 - t0, 2),
        "cell_sum": round(cell_sum, 2),
        "go_sum": round(go_sum, 2),
        "outside_go": round(1 - go_sum / cell_sum, 3) if cell_sum else None,
        "verdicts": dict(Counter(c.verdict for c in cells)),
        "errors": [f"{c.fault} x {c.config}: {c.error}" for c in cells if c.verdict == "error"],
        "cells": {f"{c.fault} x {c.config}": [c.verdict, c.failure] for c in cells},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=45, help="generated modules (default 45)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=10.0, help="the CLI's default, 10 s")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "real_graph.json"))
    args = parser.parse_args()
    toxiproxy = LazyToxiproxy(None, os.environ.get("TOXIPROXY_BIN"))
    with tempfile.TemporaryDirectory(prefix="bench-real-graph-") as tmp:
        started = time.perf_counter()
        project, snapshot, versions = make_project(Path(tmp), args.scale)
        recorded_in = time.perf_counter() - started
        print(f"recorded {versions} module versions in {recorded_in:.1f} s", flush=True)
        rounds = []
        try:
            for n in range(args.rounds):
                found = run_once(project, snapshot, toxiproxy, args.timeout)
                print(
                    f"round {n + 1}: prepare {found['prepare']} s, matrix {found['wall']} s, "
                    f"cells {found['cell_sum']} s, go {found['go_sum']} s, outside go "
                    f"{found['outside_go']}, {found['verdicts']}",
                    flush=True,
                )
                rounds.append(found)
        finally:
            toxiproxy.close()
    walls = [float(r["total"]) for r in rounds]  # type: ignore[arg-type]
    report = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "command": " ".join(["python", "benchmarks/bench_real_graph.py", *sys.argv[1:]]),
        "versions": versions,
        "record_seconds": round(recorded_in, 1),
        "target_seconds": 120,
        "median_total": statistics.median(walls),
        "rounds": rounds,
    }
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"median prepare + matrix: {report['median_total']} s (target 120 s); wrote {args.out}")


if __name__ == "__main__":
    main()

"""What the outage matrix costs: wall time, the sum of its cells' times, and their ratio.

Issue 17: cells that only wait (a hang, a dial timeout, a backoff or expiry sleep) should not
hold a job slot. The scheduler that knows waiting from working (``cap`` cells at once, ``jobs``
of them working) is compared with the one before it (``cap = jobs``: exactly ``jobs`` cells at
a time), alternated in one run because the machine is noisy:

- ``wall``: the matrix from start to end;
- ``cell_sum``: the sum of the cells' own times (``Cell.seconds``, the go runs and waits);
- ``ratio``: wall / cell_sum (below 1/jobs only when waiting cells overlap).

Every round also checks that both schedulers give the same verdicts. Run on demand::

    python benchmarks/bench_matrix.py                       # default cells, 3 rounds
    python benchmarks/bench_matrix.py --faults all --configs all --rounds 1 --timeout 5

Results are printed and written to ``benchmarks/results/matrix.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

from pytest_goproxy import Cell, MatrixProject, Toxiproxy, run_matrix
from pytest_goproxy.cli.matrix import DEFAULT_CONFIGS, DEFAULT_FAULTS
from pytest_goproxy.configs import config_names
from pytest_goproxy.network.session import LazyToxiproxy
from pytest_goproxy.outage.faults import all_fault_names
from pytest_goproxy.outage.schedule import DEFAULT_CAP


def _names(text: str | None, default: tuple[str, ...], everything: list[str]) -> list[str]:
    if text is None:
        return list(default)
    return everything if text == "all" else [n.strip() for n in text.split(",") if n.strip()]


def timed(
    project: MatrixProject,
    faults: list[str],
    configs: list[str],
    *,
    jobs: int,
    cap: int,
    timeout: float,
    toxiproxy: Toxiproxy,
) -> tuple[list[Cell], float]:
    started = time.perf_counter()
    cells = run_matrix(
        project, faults, configs, jobs=jobs, cap=cap, timeout=timeout, toxiproxy=toxiproxy
    )
    return cells, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", help="comma-separated, or all (default: the CLI's default)")
    parser.add_argument("--configs", help="comma-separated, or all (default: the CLI's default)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=10.0, help="each cell's deadline")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--private",
        help="the example's private modules (default corp.example; '' for none, as the "
        "matrix of issue 17 was measured: configs single,comma_backup,pipe_backup,"
        "comma_direct,warm_cache,offline_warm_cache,retry,relay)",
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()
    project = MatrixProject.of(None, private=args.private)
    faults = _names(args.faults, DEFAULT_FAULTS, all_fault_names())
    configs = _names(args.configs, DEFAULT_CONFIGS, config_names())
    schedulers = {"before (cap = jobs)": args.jobs, f"after (cap = {DEFAULT_CAP})": DEFAULT_CAP}

    lazy = LazyToxiproxy(None, None)  # $TOXIPROXY_BIN, PATH, or built once
    toxiproxy = lazy.get()
    if toxiproxy is None:
        raise SystemExit(f"no toxiproxy: {lazy.error}")
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in schedulers}
    differences: list[str] = []
    try:
        for round_ in range(args.rounds):
            verdicts: dict[str, dict[tuple[str, str], tuple[str, str | None]]] = {}
            order = list(schedulers.items())
            if round_ % 2:
                order.reverse()  # alternate which one goes first
            for name, cap in order:
                cells, wall = timed(
                    project,
                    faults,
                    configs,
                    jobs=args.jobs,
                    cap=cap,
                    timeout=args.timeout,
                    toxiproxy=toxiproxy,
                )
                cell_sum = sum(c.seconds for c in cells)
                runs[name].append({"wall": wall, "cell_sum": cell_sum, "ratio": wall / cell_sum})
                verdicts[name] = {(c.fault, c.config): (c.verdict, c.failure) for c in cells}
                print(f"round {round_ + 1} {name}: wall {wall:.1f} s, cells {cell_sum:.1f} s")
            first, second = verdicts.values()
            differences += [
                f"round {round_ + 1} {key}: {first[key]} vs {second[key]}"
                for key in first
                if first[key] != second[key]
            ]
    finally:
        lazy.close()

    summary = {
        name: {
            key: statistics.median(run[key] for run in values)
            for key in ("wall", "cell_sum", "ratio")
        }
        for name, values in runs.items()
    }
    before, after = (summary[name]["wall"] for name in schedulers)
    report = {
        "benchmark": "outage matrix of the bundled example: scheduler before and after",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "cells": len(faults) * len(configs),
        "private": project.private,
        "faults": faults,
        "configs": configs,
        "jobs": args.jobs,
        "timeout_seconds": args.timeout,
        "rounds": args.rounds,
        "median": summary,
        "after_over_before_wall": after / before,
        "verdict_differences": differences,
        "runs": runs,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    name = "matrix.json"
    if args.faults is not None or args.configs is not None or args.private is not None:
        name = "matrix_custom.json" if args.faults != "all" else "matrix_all.json"
    (args.out / name).write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: v for k, v in report.items() if k != "runs"}, indent=2))


if __name__ == "__main__":
    main()

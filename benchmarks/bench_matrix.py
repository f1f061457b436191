"""What the outage matrix costs on the bundled example.

Target (issue 7): cells that do not end in a hang or a dial timeout cost at most 1.5x a
fault-free ``go mod tidy`` through the fake proxy. Measured here:

- the baseline: ``go mod tidy`` of examples/app through a FakeGoProxy with the checksum database
  through it, cold module cache, median of ``--baseline-runs`` runs;
- each cell's go run (``Cell.seconds``) and its whole cost (servers, fault, go run, clean-up:
  the time between two cells finishing with ``--jobs 1``);
- the matrix wall time with ``--jobs 2``.

Run on demand::

    python benchmarks/bench_matrix.py

Results are printed and written to ``benchmarks/results/matrix.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from pytest_goproxy import Cell, ChecksumDB, FakeGoProxy, GoRunner, MatrixProject, run_matrix
from pytest_goproxy.cli.matrix import DEFAULT_CONFIGS, DEFAULT_FAULTS


def baseline(runs: int) -> list[float]:
    """Fault-free ``go mod tidy`` through the fake proxy, cold module cache each time."""
    project = MatrixProject.of(None)
    times = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        GoRunner(workdir=tmp) as go,
        FakeGoProxy() as proxy,
        ChecksumDB() as db,
    ):
        project.fill(proxy.store)
        db.attach(proxy)
        for _ in range(runs):
            copy = go.project_from_dir(project.path)
            result = copy.tidy(env={"GOPROXY": proxy.url, **db.env_via_proxy})
            result.assert_ok()
            times.append(result.duration)
    return times


def timed_matrix(jobs: int, timeout: float) -> tuple[list[Cell], list[float], float]:
    """The default cells; each cell's whole cost (with ``jobs=1``) and the wall time."""
    finished: list[float] = []
    started = time.perf_counter()
    cells = run_matrix(  # starts its own toxiproxy ($TOXIPROXY_BIN, PATH, or built once)
        None,
        DEFAULT_FAULTS,
        DEFAULT_CONFIGS,
        jobs=jobs,
        timeout=timeout,
        progress=lambda _cell: finished.append(time.perf_counter()),
    )
    wall = time.perf_counter() - started
    costs = [b - a for a, b in zip([started, *finished], finished, strict=False)]
    return cells, costs, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()

    base = statistics.median(baseline(args.baseline_runs))
    cells, costs, serial_wall = timed_matrix(1, args.timeout)
    _, _, parallel_wall = timed_matrix(2, args.timeout)
    ending = [
        (cell, cost)
        for cell, cost in zip(cells, costs, strict=True)
        if cell.verdict in ("recovered", "failed") and cell.failure != "DIAL_TIMEOUT"
    ]
    go_ratios = [cell.seconds / base for cell, _ in ending]
    cost_ratios = [cost / base for _, cost in ending]
    report = {
        "benchmark": "outage matrix on examples/app (default cells)",
        "cells": len(cells),
        "timeout_seconds": args.timeout,
        "baseline_tidy_seconds": base,
        "wall_seconds": {"jobs_1": serial_wall, "jobs_2": parallel_wall},
        "non_hanging_cells": len(ending),
        "go_run_to_baseline": {
            "median": statistics.median(go_ratios),
            "max": max(go_ratios),
        },
        "whole_cell_to_baseline": {
            "median": statistics.median(cost_ratios),
            "max": max(cost_ratios),
        },
        "per_cell": [
            {**cell.to_dict(), "whole_cell_seconds": round(cost, 3)}
            for cell, cost in zip(cells, costs, strict=True)
        ],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "matrix.json").write_text(json.dumps(report, indent=2) + "\n")
    summary = {k: v for k, v in report.items() if k != "per_cell"}
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()

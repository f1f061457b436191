"""``pytest-goproxy matrix``: the fault x configuration matrix from the command line.

The default cells answer the common question quickly (about a minute on 2 cores with
``--jobs 2``): the faults people meet most, against the configurations people copy. ``--faults
all`` / ``--configs all`` run the whole catalogues (``dial_timeout`` costs go's 30 s dial limit per
request).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pytest_goproxy.cli.command import Subcommand

__all__ = ["COMMAND", "DEFAULT_CONFIGS", "DEFAULT_FAULTS"]

#: The default cells' faults; "none" is ``outage.faults.NO_FAULT``, written out so that building
#: the parser imports no fault catalogue (a test checks the names).
DEFAULT_FAULTS = ("none", "refused", "dns", "reset", "blackhole", "truncate", "status")
DEFAULT_CONFIGS = (
    "single",
    "comma_backup",
    "pipe_backup",
    "comma_direct",
    "warm_cache",
    "offline_warm_cache",
    "retry",
    "relay",
)


def _names(text: str | None, default: tuple[str, ...], everything: list[str]) -> list[str]:
    if text is None:
        return list(default)
    if text.strip() == "all":
        return everything
    return [name.strip() for name in text.split(",") if name.strip()]


def _matrix(args: argparse.Namespace) -> int:
    from rich.console import Console

    from pytest_goproxy.configs import config_names
    from pytest_goproxy.matrix import run_matrix
    from pytest_goproxy.outage.faults import all_fault_names
    from pytest_goproxy.report import MatrixProgress, parse_formats, render_table, write_reports

    formats = parse_formats(args.format)  # a typo fails before minutes of go runs
    faults = _names(args.faults, DEFAULT_FAULTS, all_fault_names())
    configs = _names(args.configs, DEFAULT_CONFIGS, config_names())
    # A pipe or a CI log is no terminal: give the grid room instead of rich's 80 columns.
    console = Console() if sys.stdout.isatty() else Console(width=200)
    with MatrixProgress(total=len(faults) * len(configs)) as progress:
        cells = run_matrix(
            args.project,
            faults,
            configs,
            jobs=args.jobs,
            timeout=args.timeout,
            progress=progress,
            modules=args.modules,
            go=args.go,
            toxiproxy_bin=args.toxiproxy_bin,
        )
    console.print(render_table(cells, title="pytest-goproxy outage matrix"))
    if args.out is not None:
        for fmt, path in write_reports(cells, Path(args.out), formats).items():
            print(f"{fmt}: {path}", file=sys.stderr)
    return 0


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "project",
        nargs="?",
        metavar="PROJECT_DIR",
        help="a Go module whose dependencies are in its testdata/mod or modules directory, or "
        "given with --modules (default: the bundled example)",
    )
    parser.add_argument(
        "--faults",
        help=f"comma-separated fault names, or `all` (default: {','.join(DEFAULT_FAULTS)})",
    )
    parser.add_argument(
        "--configs",
        help="comma-separated configuration names, or `all` "
        f"(default: {','.join(DEFAULT_CONFIGS)})",
    )
    parser.add_argument("--jobs", type=int, default=2, help="cells run at once (default 2)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        help="deadline of one go command in seconds; a hang costs all of it (default 10)",
    )
    parser.add_argument(
        "--format",
        default="table,json,md,svg",
        help="report formats written with --out: table,json,md,svg (default: all)",
    )
    parser.add_argument("--out", metavar="DIR", help="write the reports into DIR")
    parser.add_argument(
        "--modules", help="txtar file/dir or module cache serving the project's modules"
    )
    parser.add_argument("--go", help="go binary (default: $GO_BINARY, else go on PATH)")
    parser.add_argument(
        "--toxiproxy-bin", help="toxiproxy server binary (default: found or built once)"
    )


#: ``pytest-goproxy matrix``
COMMAND = Subcommand(
    "matrix",
    help="run the fault x configuration matrix on a Go project (default: the bundled example)",
    description="Run every (fault, configuration) cell: a real go command under a real fault, "
    "with each configuration's environment and procedure; print the verdict table "
    "(recovered / failed / hung / unavailable).",
    run=_matrix,
    arguments=_arguments,
)

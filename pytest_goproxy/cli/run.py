"""``pytest-goproxy run [PATH] [PROJECT_DIR]``: scenario files run, with a table of what happened
and why."""

from __future__ import annotations

import argparse

from pytest_goproxy.cli.command import Subcommand

__all__ = ["COMMAND"]


def _run(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from rich.console import Console

    from pytest_goproxy.scenarios import BUNDLED, ScenarioRunner, results_table, run_files

    err = Console(stderr=True)
    paths = args.paths or [str(BUNDLED)]
    with ScenarioRunner(go=args.go, toxiproxy_bin=args.toxiproxy_bin) as runner:
        results = run_files(
            paths,
            args.project,
            runner=runner,
            progress=lambda r: err.print(
                f"{'ok  ' if r.passed else 'FAIL'} {r.scenario.name}: {r.got_label()} "
                f"({r.seconds:.1f} s)"
            ),
        )
    Console(width=args.width).print(results_table(results))
    if args.json:
        Path(args.json).write_text(json.dumps([r.to_dict() for r in results], indent=2) + "\n")
    return 0 if all(r.passed for r in results) else 1


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="?", action="append", metavar="PATH", default=None)
    parser.add_argument(
        "project",
        nargs="?",
        metavar="PROJECT_DIR",
        default=None,
        help="run every scenario on this Go project instead of the file's",
    )
    parser.add_argument("--go", default=None, help="the go binary (default: go on PATH)")
    parser.add_argument("--toxiproxy-bin", default=None, help="toxiproxy server binary")
    parser.add_argument("--json", default=None, metavar="FILE", help="also write results as JSON")
    parser.add_argument("--width", type=int, default=None, help="table width (default: terminal)")


#: ``pytest-goproxy run``
COMMAND = Subcommand(
    "run",
    help="run scenario files (an outage each) and print what happened and why",
    description="Run each scenario (a TOML file, or every *.toml below a directory; default: "
    "the bundled library of outages) with real go and real toxiproxy, print a table of "
    "expected vs got and why, exit 1 if any did not match its [expect].",
    run=_run,
    arguments=_arguments,
)

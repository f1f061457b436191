"""``pytest-goproxy probe``: your GOPROXY entries and checksum database probed, and what go will do
with them."""

from __future__ import annotations

import argparse
import sys

from pytest_goproxy.cli.command import (
    Subcommand,
    add_go_option,
    add_width_option,
    positive_seconds,
)

__all__ = ["COMMAND"]


def _probe(args: argparse.Namespace) -> int:
    from rich.console import Console

    from pytest_goproxy.probe import explanation, probe, report_table, write_scenario

    report = probe(module=args.module, timeout=args.timeout, go=args.go)
    console = Console(width=args.width)
    console.print(report_table(report))
    for line in explanation(report):
        console.print(line, markup=False, highlight=False)
    if args.write_scenario:
        written = write_scenario(report, args.write_scenario)
        print(f"wrote {written}; replay it: pytest-goproxy run {written}", file=sys.stderr)
    return report.exit_code


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--module",
        default="golang.org/x/text",
        help="a module your proxies serve (default golang.org/x/text)",
    )
    parser.add_argument(
        "--timeout", type=positive_seconds, default=3.0, help="seconds per step (default 3)"
    )
    parser.add_argument("--write-scenario", default=None, metavar="FILE")
    add_go_option(parser)
    add_width_option(parser)


#: ``pytest-goproxy probe``
COMMAND = Subcommand(
    "probe",
    help="probe your GOPROXY entries and checksum database, say what go will do",
    description="Read `go env -json` (your environment), probe each GOPROXY entry (DNS, TCP, "
    "TLS, GET <entry>/<module>/@v/list) and the checksum database, classify each like a "
    "troubleshooting table, explain what go does given `,` and `|`; exit 0 when go would "
    "succeed, 1 otherwise. --write-scenario FILE writes a scenario reproducing it for "
    "`pytest-goproxy run`.",
    run=_probe,
    arguments=_arguments,
)

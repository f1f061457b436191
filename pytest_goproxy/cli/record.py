"""``pytest-goproxy record PROJECT_DIR --out SNAPSHOT_DIR``: a project's module closure, kept to
replay offline."""

from __future__ import annotations

import argparse
import sys

from pytest_goproxy.cli.command import Subcommand, positive_seconds

__all__ = ["COMMAND"]


def _record(args: argparse.Namespace) -> int:
    from pytest_goproxy.record import record

    result = record(args.project, args.out, timeout=args.timeout, origins=args.origins)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(
        f"recorded {len(result.versions)} module versions of {result.module} "
        f"({result.with_zip} with zips) into {result.snapshot}",
        file=sys.stderr,
    )
    bundles = sum(1 for r in result.repositories if r.bundle is not None)
    print(
        f"fetched directly (no proxy), the build needs {len(result.hosts)} host(s) for "
        f"{len(result.repositories)} repository root(s)"
        + (f"; the real commits of {bundles} repositories are kept" if args.origins else "")
        + ":",
        file=sys.stderr,
    )
    for line in result.host_lines():
        print(f"  {line}", file=sys.stderr)
    print(result.snapshot)
    return 0


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", metavar="PROJECT_DIR", help="the Go module's root directory")
    parser.add_argument("--out", required=True, metavar="SNAPSHOT_DIR", help="new, empty directory")
    parser.add_argument(
        "--timeout",
        type=positive_seconds,
        default=1800.0,
        help="seconds per go command (default 1800)",
    )
    parser.add_argument(
        "--origins",
        action="store_true",
        help="also fetch, with git and your settings, the commits the closure names from each "
        "module's repository (whole history, one git bundle per repository), so a replay's "
        "origins serve pseudo-versions with their real hashes",
    )


#: ``pytest-goproxy record``
COMMAND = Subcommand(
    "record",
    help="download a project's module closure (your Go settings, network once) to replay "
    "it offline",
    description="Run `go mod download all` (and go.sum's other versions, and `go mod tidy`) "
    "for PROJECT_DIR with your own Go environment (GOPROXY, GOFLAGS, GOPRIVATE, auth) and a "
    "fresh module cache, in a copy of the project; store the closure in module-cache layout "
    "with the project's go.sum in SNAPSHOT_DIR. Replay it with "
    "`serve_snapshot(Snapshot.load(SNAPSHOT_DIR))` or a scenario's `modules = SNAPSHOT_DIR`.",
    run=_record,
    arguments=_arguments,
)

"""``pytest-goproxy docs [README.md] [--check]``: regenerate README's catalogue tables."""

from __future__ import annotations

import argparse
import sys

from pytest_goproxy.cli.command import Subcommand

__all__ = ["COMMAND"]


def _docs(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pytest_goproxy.errors import UsageError
    from pytest_goproxy.report.readme import update_readme

    path = Path(args.readme)
    if not path.is_file():
        raise UsageError(
            f"{path}: no such file; run `pytest-goproxy docs` in a checkout of pytest-goproxy, "
            "or name the README to update"
        )
    changed = update_readme(path, check=args.check)
    if changed and args.check:
        print(f"{path} is out of date: run `pytest-goproxy docs {path}`", file=sys.stderr)
        return 1
    print(f"{path} {'updated' if changed else 'is up to date'}", file=sys.stderr)
    return 0


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("readme", nargs="?", default="README.md", help="default: README.md")
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date")


#: ``pytest-goproxy docs``
COMMAND = Subcommand(
    "docs",
    help="regenerate README's generated tables (fault and configuration catalogues)",
    description="Rewrite the blocks between `<!-- BEGIN generated: NAME -->` and "
    "`<!-- END generated: NAME -->` from the catalogues.",
    run=_docs,
    arguments=_arguments,
)

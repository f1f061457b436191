"""``pytest-goproxy docs [PATH ...] [--check]``: regenerate the catalogue tables of README and
of the docs site's pages.

The tables are written once, by the code (:mod:`pytest_goproxy.report.readme`), into every page
that marks a block for them, so README and the docs cannot say different things. ``--check``
writes nothing and exits 1 naming each page that is out of date (CI runs it).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from pytest_goproxy.cli.command import Subcommand

__all__ = ["COMMAND", "DEFAULT_PAGES", "cli_reference", "pages", "sections"]

#: What ``pytest-goproxy docs`` updates when no path is given: README and the docs site.
DEFAULT_PAGES = ("README.md", "docs")


def pages(paths: list[str]) -> list[Path]:
    """The Markdown files ``paths`` name (a directory: every ``*.md`` below it); a UsageError
    naming a path that is not there."""
    from pytest_goproxy.errors import UsageError

    found: list[Path] = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            found += sorted(path.rglob("*.md"))
        elif path.is_file():
            found.append(path)
        else:
            raise UsageError(
                f"{path}: no such file or directory; run `pytest-goproxy docs` in a checkout of "
                "pytest-goproxy, or name the pages to update"
            )
    return found


def _option_row(action: argparse.Action) -> tuple[str, str, str]:
    """(the option or argument, its default, its help) as the reference table shows them."""
    if action.option_strings:
        name = ", ".join(action.option_strings)
        if action.nargs != 0:
            name += f" {action.metavar or action.dest.upper()}"
    else:
        name = str(action.metavar or action.dest)
        name += " ..." if action.nargs in ("*", "+") else ""
    default = action.default
    shown = "" if default in (None, False, [], argparse.SUPPRESS) else f"`{default}`"
    return f"`{name}`", shown, " ".join((action.help or "").split())


def cli_reference(parser: argparse.ArgumentParser) -> str:
    """Every subcommand of ``parser`` (the command line's, which ``main`` hands over) with its
    description and options, in the parser's order: the docs' command-line reference cannot
    fall behind the code. Given, not imported, so that this module, one of the subcommands,
    does not import the module that gathers them."""
    from pytest_goproxy.entries import markdown_table

    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    out = []
    for name, sub in commands.choices.items():
        rows = [
            _option_row(action)
            for action in sub._actions
            if not isinstance(action, argparse._HelpAction)
        ]
        out += [f"### `pytest-goproxy {name}`", "", sub.description or "", ""]
        out += [markdown_table(("option", "default", "what"), rows)] if rows else []
    return "\n".join(out)


def sections(parser: argparse.ArgumentParser) -> dict[str, Callable[[Path | None], str]]:
    """The blocks only the command line can write (it sits above the reports)."""

    def cli(_base: Path | None = None) -> str:
        return cli_reference(parser)

    return {"cli": cli}


def _docs(args: argparse.Namespace) -> int:
    from pytest_goproxy.report.readme import update_readme

    given = list(args.paths) or [p for p in DEFAULT_PAGES if Path(p).exists()]
    stale = []
    for path in pages(given or list(DEFAULT_PAGES)):
        if update_readme(path, check=args.check, sections=sections(args.parser)):
            stale.append(path)
            if not args.check:
                print(f"{path} updated", file=sys.stderr)
    if stale and args.check:
        for path in stale:
            print(f"{path} is out of date: run `pytest-goproxy docs {path}`", file=sys.stderr)
        return 1
    if not stale:
        print("the generated tables are up to date", file=sys.stderr)
    return 0


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="Markdown files, or directories (every *.md below); default: README.md and docs/",
    )
    parser.add_argument("--check", action="store_true", help="fail if a page is out of date")


#: ``pytest-goproxy docs``
COMMAND = Subcommand(
    "docs",
    help="regenerate the catalogue tables of README and the docs pages",
    description="Rewrite the blocks between `<!-- BEGIN generated: NAME -->` and "
    "`<!-- END generated: NAME -->` from the catalogues, in README.md and docs/ (or the PATHs "
    "given). Exit status: 0 up to date (or updated), 1 with --check when a page is out of "
    "date, 2 for a path that is not there or an example matrix that cannot be found.",
    run=_docs,
    arguments=_arguments,
)

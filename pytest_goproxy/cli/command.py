"""A subcommand as data: its name, its help, its options and what it runs.

Each ``cli/<name>.py`` module defines one ``COMMAND``; :mod:`~pytest_goproxy.cli.main` adds them
to the parser in one loop, so adding a subcommand is one module and one line in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "Subcommand",
    "add_go_option",
    "add_width_option",
    "check_modules",
    "non_negative_seconds",
    "positive_int",
    "positive_seconds",
    "toolchain_name",
]


def check_modules(path: str | None, option: str = "--modules") -> None:
    """A UsageError (exit status 2) when ``path`` names no module source: a typo in a path is
    the user's to fix, found before any server starts, not a broken run (status 1)."""
    if path is None:
        return
    from pytest_goproxy.errors import ModuleSourceError, UsageError
    from pytest_goproxy.gomod.sources import ModuleSource

    try:
        ModuleSource.of(path)
    except ModuleSourceError as exc:
        raise UsageError(f"{option} {path}: {exc}") from None


def add_go_option(parser: argparse.ArgumentParser) -> None:
    """``--go``, the go binary of the commands that run the user's go (probe, run): written
    once so that it means the same in each."""
    parser.add_argument("--go", default=None, help="the go binary (default: go on PATH)")


def add_width_option(parser: argparse.ArgumentParser) -> None:
    """``--width`` of the commands that print a table (probe, run), checked like a count."""
    parser.add_argument(
        "--width", type=positive_int, default=None, help="table width (default: the terminal's)"
    )


def positive_int(text: str) -> int:
    """An argparse type for counts such as ``--jobs``: at least 1, or argparse's usage error
    (one line, exit status 2) instead of a run that can do nothing."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _seconds(text: str, *, allow_zero: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, got {text!r}") from None
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = "0 or more" if allow_zero else "more than 0"
        raise argparse.ArgumentTypeError(f"must be {bound} seconds, got {text!r}")
    return value


def positive_seconds(text: str) -> float:
    """An argparse type for a deadline (``--timeout``): finite and above 0. go has no request
    timeout of its own, so 0, a negative number or ``nan`` would end every run at once (or never)
    and ``inf`` would let a hung go block forever; argparse says so in one line, exit status 2,
    before anything starts."""
    return _seconds(text, allow_zero=False)


def non_negative_seconds(text: str) -> float:
    """An argparse type for an interval where 0 means "never" or "at once"
    (``--summary-every``): finite and 0 or more."""
    return _seconds(text, allow_zero=True)


def toolchain_name(text: str) -> str:
    """An argparse type for ``--toolchain`` (matrix, serve): a toolchain go can download
    (``go1.99.0``), or argparse's one-line usage error (exit status 2) before anything starts."""
    from pytest_goproxy.gomod.toolchain import check_toolchain_name

    try:
        return check_toolchain_name(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    return None


@dataclass(frozen=True)
class Subcommand:
    """``pytest-goproxy <name>``: ``arguments`` adds its options, ``run`` handles it (and may
    import heavy things; nothing here does)."""

    name: str
    help: str
    description: str
    run: Callable[[argparse.Namespace], int]
    arguments: Callable[[argparse.ArgumentParser], None] = _no_arguments

    def register(self, commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        parser = commands.add_parser(self.name, help=self.help, description=self.description)
        self.arguments(parser)
        parser.set_defaults(func=self.run)

"""A subcommand as data: its name, its help, its options and what it runs.

Each ``cli/<name>.py`` module defines one ``COMMAND``; :mod:`~pytest_goproxy.cli.main` adds them
to the parser in one loop, so adding a subcommand is one module and one line in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Subcommand"]


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

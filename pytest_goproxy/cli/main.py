"""The ``pytest-goproxy`` command: the parser and :func:`main` (argparse, thin).

Each subcommand is a module of this package defining its ``COMMAND``
(:class:`~pytest_goproxy.cli.command.Subcommand`: name, help, options, handler). A subcommand
imports what it runs (rich, the servers, go) only inside its handler, so ``pytest-goproxy
--help`` and ``import pytest_goproxy.cli`` stay cheap.

An error the plugin raises on purpose (:class:`~pytest_goproxy.errors.GoProxyError`) is printed
as one line, ``pytest-goproxy: error: <message>``, never a traceback. The exit status says whose
problem it is, so a CI gate can tell a typo from a broken run: 2 for a usage error
(:class:`~pytest_goproxy.errors.UsageError` and its kin: an unknown fault or configuration, a bad
option value, a directory without go.mod; argparse's own status for a bad argument, and nothing
has run), 1 for the others (a module source that cannot be read, a tool that will not start, a
recording that failed).

SIGTERM and SIGHUP take Ctrl-C's path (:func:`~pytest_goproxy.lifecycle.interrupt_on_signals`):
servers stop, go process groups are killed, temp dirs go, finished results are kept. The exit
status is then 130 for Ctrl-C and 128 + the signal's number otherwise, as a shell reports them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import pytest_goproxy
from pytest_goproxy.cli import docs, install_toxiproxy, matrix, probe, record, run, serve
from pytest_goproxy.errors import GoProxyError, UsageError
from pytest_goproxy.lifecycle import Terminated, interrupt_on_signals

__all__ = ["EXIT_ERROR", "EXIT_USAGE", "exit_status", "main"]

#: The exit status of a usage error (argparse's): what was asked for cannot be done, nothing ran.
EXIT_USAGE = 2
#: The exit status of any other error the plugin raises on purpose.
EXIT_ERROR = 1

#: The subcommands, in the order ``--help`` lists them.
COMMANDS = (install_toxiproxy, docs, record, run, serve, probe, matrix)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pytest-goproxy", description="Helpers for the pytest-goproxy plugin."
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {pytest_goproxy.__version__}"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.COMMAND.register(commands)
    return parser


def exit_status(exc: GoProxyError) -> int:
    """2 for a usage error (see the module docstring), 1 for every other GoProxyError."""
    return EXIT_USAGE if isinstance(exc, UsageError) else EXIT_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; its exit status (see the module docstring)."""
    parser = _parser()
    args = parser.parse_args(argv)
    args.parser = parser  # what read them (the docs subcommand writes its reference from it)
    try:
        with interrupt_on_signals():
            result: int = args.func(args)
    except GoProxyError as exc:
        print(f"pytest-goproxy: error: {exc}", file=sys.stderr)
        return exit_status(exc)
    except KeyboardInterrupt as exc:
        print(f"pytest-goproxy: interrupted ({str(exc) or 'Ctrl-C'})", file=sys.stderr)
        return 128 + exc.signum if isinstance(exc, Terminated) else 130
    return result


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

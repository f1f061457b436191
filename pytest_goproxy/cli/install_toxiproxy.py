"""``pytest-goproxy install-toxiproxy [--dir DIR]``: build toxiproxy if needed, print its path.

The binary's path goes to stdout (progress to stderr), so CI can do
``TOXIPROXY_BIN="$(pytest-goproxy install-toxiproxy --dir .ci-cache/toxiproxy)"``.
"""

from __future__ import annotations

import argparse
import sys

from pytest_goproxy.cli.command import Subcommand

__all__ = ["COMMAND"]


def _install_toxiproxy(args: argparse.Namespace) -> int:
    from pytest_goproxy.network.server import build_toxiproxy

    binary = build_toxiproxy(args.dir, log=sys.stderr)
    print(binary)
    return 0


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dir", default=None, help="directory for the binary (default: the user cache dir)"
    )


#: ``pytest-goproxy install-toxiproxy``
COMMAND = Subcommand(
    "install-toxiproxy",
    help="build toxiproxy with `go install` if needed and print the binary path",
    description="Build toxiproxy (go install, needs the network once) into DIR unless a "
    "binary of the pinned version is already there; print its path on stdout.",
    run=_install_toxiproxy,
    arguments=_arguments,
)

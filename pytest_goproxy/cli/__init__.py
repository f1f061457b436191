"""The ``pytest-goproxy`` command: :func:`main` and one module per subcommand."""

from pytest_goproxy.cli.main import main

__all__ = ["main"]

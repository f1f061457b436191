"""pytest-goproxy: prove that Go builds survive module-proxy outages.

The public API is the fixtures' classes, the outcome of a go run (``Failure``), the catalogue
look-ups, the matrix, scenario files and the errors: about 35 names, listed once in
``__init__.pyi`` beside this file. Reports and tools stay in their sub-packages
(``pytest_goproxy.report``, ``.outage``, ``.record``, ``.probe``, ``.serve``, ...).

The names load lazily (PEP 562, :func:`pytest_goproxy.exports.stub_exports` reads the stub):
``import pytest_goproxy`` imports nothing heavy, and ``pytest_goproxy.FakeGoProxy`` imports the
proxy (werkzeug, ...) the first time it is asked for. So the pytest plugin, the command line and
a user's ``import pytest_goproxy`` pay only for what they use, and type checkers read the same
stub. See :mod:`pytest_goproxy.exports` for why a stub rather than eager imports or a table.
"""

from __future__ import annotations

from typing import Any

from pytest_goproxy.exports import stub_exports

_exported, __dir__, __all__ = stub_exports(__name__, __file__)


def __getattr__(name: str) -> Any:
    """``__version__`` (read from the installed package's metadata on first use: importing
    importlib.metadata costs ~30 ms) or a public name, loaded on first use."""
    if name != "__version__":
        return _exported(name)
    from importlib.metadata import PackageNotFoundError, version

    try:
        value = version("pytest-goproxy")
    except PackageNotFoundError:  # a source tree on sys.path that was never installed
        value = "0+unknown"
    globals()["__version__"] = value
    return value

"""Lazy public names for package ``__init__`` files, each name written once, in a stub.

A package's public names are the imports of its ``__init__.pyi``, one line each, in the form
type checkers read as a re-export::

    from pytest_goproxy.proxy.server import FakeGoProxy as FakeGoProxy

mypy and IDEs read that stub instead of ``__init__.py`` (a stub beside a module wins), so they see
every name with its real type. At run time the ``__init__.py`` is two lines::

    from pytest_goproxy.exports import stub_exports

    __getattr__, __dir__, __all__ = stub_exports(__name__, __file__)

:func:`stub_exports` reads the same stub and imports nothing until a name is first asked for
(PEP 562). So the pytest plugin can register every area at start-up for a few milliseconds,
``import pytest_goproxy.<area>.<module>`` does not drag in the whole area, and the stub cannot
drift from what the package serves: it *is* the table. This is scientific Python's SPEC 1
(``lazy_loader.attach_stub``), without the dependency. The alternatives cost more: a table in
``__init__.py`` plus ``TYPE_CHECKING`` imports wrote every name twice; eager imports of the
proxy, the runner and the engine would put werkzeug, httpx and rich into ``import
pytest_goproxy.cli`` (target: 60 ms).

Parsing a stub costs ~0.1 ms; :mod:`ast` is already loaded by then (``dataclasses`` imports it
through ``inspect``).
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["stub_exports", "stub_names"]


def stub_names(stub: Path) -> dict[str, str]:
    """``{name: module}`` for every ``from MODULE import NAME as NAME`` in ``stub``.

    Anything else in a stub (a plain ``from m import X``, which type checkers do not re-export, a
    relative import, ``import m``) is an error naming the line, so a stub says one thing to
    mypy and to this loader."""
    table: dict[str, str] = {}
    for node in ast.parse(stub.read_text(encoding="utf-8"), str(stub)).body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            continue  # a name the package computes itself (``__version__: str``)
        if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
            raise ImportError(f"{stub}:{node.lineno}: only `from pytest_goproxy.x import N as N`")
        for alias in node.names:
            if alias.asname != alias.name:
                raise ImportError(
                    f"{stub}:{node.lineno}: write `import {alias.name} as {alias.name}` "
                    "(a re-export), so type checkers and this loader agree"
                )
            if alias.name in table:
                raise ImportError(f"{stub}:{node.lineno}: {alias.name} is exported twice")
            table[alias.name] = node.module
    return table


def stub_exports(
    package: str, init_file: str
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """``__getattr__``, ``__dir__`` and ``__all__`` for ``package``, whose public names are the
    imports of the ``__init__.pyi`` beside ``init_file`` (its ``__init__.py``)."""
    table = stub_names(Path(init_file).with_suffix(".pyi"))

    def __getattr__(name: str) -> Any:
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # next time a plain lookup
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(table))

    return __getattr__, __dir__, sorted(table)

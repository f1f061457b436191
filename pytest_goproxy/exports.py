"""Lazy re-exports for package ``__init__`` files (PEP 562).

A package lists its public names once, by the module that defines them; nothing is imported
until a name is first asked for. So the pytest plugin can register every area at start-up for a
few milliseconds, and ``import pytest_goproxy.<area>.<module>`` does not drag in the whole area.
Type checkers see the names through each package's ``if TYPE_CHECKING:`` imports.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, where: Mapping[str, Sequence[str]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """``__getattr__``, ``__dir__`` and ``__all__`` for ``package``, whose public names are
    ``where[module]`` for each of its modules (a name relative to the package, or absolute)."""
    table = {
        name: module if module.startswith("pytest_goproxy.") else f"{package}.{module}"
        for module, names in where.items()
        for name in names
    }

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

"""The former name of :mod:`pytest_goproxy.gorun.plugin`, kept for existing uses.

``-p pytest_goproxy.gorun.fixtures`` loads that plugin (once, however it is named), and
``from pytest_goproxy.gorun.fixtures import ...`` finds its names.
"""

from __future__ import annotations

import importlib
from typing import Any

pytest_plugins = ["pytest_goproxy.gorun.plugin"]


def __getattr__(name: str) -> Any:
    return getattr(importlib.import_module("pytest_goproxy.gorun.plugin"), name)

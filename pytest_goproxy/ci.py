"""The one rule for a missing tool under pytest: skipped on a developer's machine, an error in CI.

A skipped fault test counted as passing would hide that CI never ran it, so with ``CI`` set to
something true (as every CI service sets it) a missing go, toxiproxy, nginx or git fails the test.
"""

from __future__ import annotations

import os
from typing import NoReturn

__all__ = ["in_ci", "skip_or_fail"]


def in_ci() -> bool:
    """``CI`` is set to something true: a missing tool is then an error, never a skip."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no", "off")


def skip_or_fail(reason: str | BaseException) -> NoReturn:
    """Skip the current test with ``reason``, or, in CI, fail it (re-raising an exception)."""
    __tracebackhide__ = True
    import pytest

    if in_ci():
        if isinstance(reason, BaseException):
            raise reason
        pytest.fail(f"in CI, nothing may be skipped: {reason}", pytrace=False)
    pytest.skip(str(reason))

"""Shared test configuration: the plugin under test is loaded through its pytest11 entry point.

Slow tests
    Tests marked ``@pytest.mark.slow`` wait for one of Go's own fixed limits (net/http's 30 s
    dial timeout) and take 30 s to about a minute each. They always
    run when ``CI`` is set (to anything but ``0``/``false``/``no``/``off``), so CI never counts
    them as passed without running them. Locally they are skipped, with the reason shown, unless
    ``PYTEST_GOPROXY_SLOW=1``. That is the only switch; each such test gives its go run a timeout
    well above the limit it waits for, so it ends the same way every time.

httpcore
    httpx (0.28) imports httpcore lazily, at the first client. Should that happen inside a
    pytester run, pytester's sys.modules snapshot drops httpcore afterwards, a later import makes
    new exception classes, and httpx stops translating the old ones (an
    ``httpcore.RemoteProtocolError`` escapes where ``httpx.RemoteProtocolError`` is expected).
    Importing it here, before any pytester run, keeps one httpcore for the whole session.
    trustme (and cryptography under it) likewise: the session CA is made once per process, and
    a cryptography re-imported after a pytester run no longer accepts that CA's key objects
    (``TypeError: curve must be an EllipticCurve instance``).
"""

from __future__ import annotations

import os

import httpcore  # noqa: F401  (see the docstring)
import pytest
import trustme  # noqa: F401  (see the docstring)

from pytest_goproxy.ci import in_ci

#: The one variable that runs the slow tests outside CI.
SLOW_ENV = "PYTEST_GOPROXY_SLOW"


def run_slow() -> bool:
    """Slow tests run in CI, and locally with ``PYTEST_GOPROXY_SLOW=1``."""
    return in_ci() or os.environ.get(SLOW_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"slow: waits for a fixed Go limit (30 s dial timeout...); always run in CI, "
        f"locally only with {SLOW_ENV}=1",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if run_slow():
        return
    skip = pytest.mark.skip(reason=f"slow (waits for a Go timeout); set {SLOW_ENV}=1 to run it")
    for item in items:
        if item.get_closest_marker("slow") is not None:
            item.add_marker(skip)

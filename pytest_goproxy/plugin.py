"""pytest glue: options, markers and fixtures. It wires library classes; it computes nothing."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "network_faults: a test that puts the go command under a network or HTTP fault "
        "(select them with `pytest -m network_faults`)",
    )

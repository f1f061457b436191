"""Scenario files: a reported outage as a TOML file (:mod:`.format`), run with real go and real
toxiproxy (:mod:`.runner`), as tests (:mod:`.plugin`); the bundled library is ``outages/``."""

from __future__ import annotations

from pytest_goproxy.exports import stub_exports

__getattr__, __dir__, __all__ = stub_exports(__name__, __file__)

"""The probe: observe the user's proxies step by step (:mod:`.observe`), predict what go does,
and write a reproducing scenario file (:mod:`.scenario`)."""

from __future__ import annotations

from pytest_goproxy.exports import stub_exports

__getattr__, __dir__, __all__ = stub_exports(__name__, __file__)

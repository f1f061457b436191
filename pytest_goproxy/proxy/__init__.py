"""The fake module proxy: :class:`FakeGoProxy` serves Go modules the way a GOPROXY does."""

from __future__ import annotations

from pytest_goproxy.exports import stub_exports

__getattr__, __dir__, __all__ = stub_exports(__name__, __file__)

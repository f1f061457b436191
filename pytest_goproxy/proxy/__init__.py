"""The fake module proxy: :class:`FakeGoProxy` serves Go modules the way a GOPROXY does."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_goproxy.exports import lazy_exports

if TYPE_CHECKING:
    from pytest_goproxy.proxy.server import FakeGoProxy as FakeGoProxy
    from pytest_goproxy.proxy.server import SumDBHandler as SumDBHandler
    from pytest_goproxy.serving.requestlog import ProxyRequest as ProxyRequest
    from pytest_goproxy.serving.requestlog import RequestKind as RequestKind

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "server": ("FakeGoProxy", "SumDBHandler"),
        "pytest_goproxy.serving.requestlog": ("ProxyRequest", "RequestKind"),
    },
)

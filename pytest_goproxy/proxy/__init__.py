"""The fake module proxy: :class:`FakeGoProxy` serves Go modules the way a GOPROXY does."""

from pytest_goproxy.proxy.server import FakeGoProxy, SumDBHandler
from pytest_goproxy.serving.requestlog import ProxyRequest, RequestKind

__all__ = ["FakeGoProxy", "ProxyRequest", "RequestKind", "SumDBHandler"]

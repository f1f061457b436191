"""A fake VCS host for go's direct mode: :class:`FakeOrigin` serves go-import meta tags and real
git repositories (through ``git http-backend``) over HTTPS, so ``GOPROXY=...,direct``,
``GOPRIVATE`` and ``GONOPROXY`` can be measured with the real go."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_goproxy.exports import lazy_exports

if TYPE_CHECKING:
    from pytest_goproxy.origin.layout import ModuleLayout as ModuleLayout
    from pytest_goproxy.origin.layout import layout_of as layout_of
    from pytest_goproxy.origin.log import OriginRequest as OriginRequest
    from pytest_goproxy.origin.log import OriginRequestKind as OriginRequestKind
    from pytest_goproxy.origin.mirror import module_hosts as module_hosts
    from pytest_goproxy.origin.mirror import origin_of_store as origin_of_store
    from pytest_goproxy.origin.server import FakeOrigin as FakeOrigin
    from pytest_goproxy.origin.server import OriginVersion as OriginVersion

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "layout": ("ModuleLayout", "layout_of"),
        "log": ("OriginRequest", "OriginRequestKind"),
        "mirror": ("module_hosts", "origin_of_store"),
        "server": ("FakeOrigin", "OriginVersion"),
    },
)

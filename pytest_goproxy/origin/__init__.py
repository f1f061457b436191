"""A fake VCS host for go's direct mode: :class:`FakeOrigin` serves go-import meta tags and real
git repositories (through ``git http-backend``) over HTTPS, so ``GOPROXY=...,direct``,
``GOPRIVATE`` and ``GONOPROXY`` can be measured with the real go."""

from __future__ import annotations

from pytest_goproxy.exports import stub_exports

__getattr__, __dir__, __all__ = stub_exports(__name__, __file__)

"""A fake Go checksum database (GOSUMDB) that the real go command trusts.

:class:`ChecksumDB` serves the ``golang.org/x/mod/sumdb`` protocol: signed tree heads (``note``),
an RFC 6962 log with tiles (``tlog``), and misbehaviour on demand.
"""

from __future__ import annotations

from pytest_goproxy.exports import stub_exports

__getattr__, __dir__, __all__ = stub_exports(__name__, __file__)

"""A real faulty network: toxiproxy in front of our servers, and the catalogue of faults.

``toxiproxy-python`` is imported by :mod:`pytest_goproxy.network.client` only.
"""

from __future__ import annotations

from pytest_goproxy.exports import stub_exports

__getattr__, __dir__, __all__ = stub_exports(__name__, __file__)

"""The fault x configuration matrix: :func:`run_matrix`, :class:`MatrixRunner`, the project it
runs (:class:`MatrixProject`), and its pytest glue (:mod:`pytest_goproxy.matrix.plugin`). Each cell
is one outage of the engine (:mod:`pytest_goproxy.outage`)."""

from __future__ import annotations

from pytest_goproxy.exports import stub_exports

__getattr__, __dir__, __all__ = stub_exports(__name__, __file__)

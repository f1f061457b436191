"""The fault x configuration matrix: :func:`run_matrix`, :class:`MatrixRunner`, the project it
runs (:class:`MatrixProject`), and its pytest glue (:mod:`pytest_goproxy.matrix.plugin`). Each cell
is one outage of the engine (:mod:`pytest_goproxy.outage`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_goproxy.exports import lazy_exports

if TYPE_CHECKING:
    from pytest_goproxy.matrix.own import ensure_snapshot as ensure_snapshot
    from pytest_goproxy.matrix.own import snapshot_dir as snapshot_dir
    from pytest_goproxy.matrix.runner import DEFAULT_EXAMPLE as DEFAULT_EXAMPLE
    from pytest_goproxy.matrix.runner import MODULE_DIRS as MODULE_DIRS
    from pytest_goproxy.matrix.runner import MatrixProject as MatrixProject
    from pytest_goproxy.matrix.runner import MatrixRunner as MatrixRunner
    from pytest_goproxy.matrix.runner import check_names as check_names
    from pytest_goproxy.matrix.runner import matrix_runner as matrix_runner
    from pytest_goproxy.matrix.runner import run_matrix as run_matrix

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "runner": (
            "DEFAULT_EXAMPLE",
            "MODULE_DIRS",
            "MatrixProject",
            "MatrixRunner",
            "check_names",
            "matrix_runner",
            "run_matrix",
        ),
        "own": ("ensure_snapshot", "snapshot_dir"),
    },
)

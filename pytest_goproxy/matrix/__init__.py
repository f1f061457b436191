"""The fault x configuration matrix: :func:`run_matrix`, :class:`MatrixRunner`, the project it
runs (:class:`MatrixProject`), and its pytest glue (:mod:`pytest_goproxy.matrix.plugin`). Each cell
is one outage of the engine (:mod:`pytest_goproxy.outage`)."""

from pytest_goproxy.matrix.runner import (
    DEFAULT_EXAMPLE,
    MODULE_DIRS,
    MatrixProject,
    MatrixRunner,
    check_names,
    matrix_runner,
    run_matrix,
)

__all__ = [
    "DEFAULT_EXAMPLE",
    "MODULE_DIRS",
    "MatrixProject",
    "MatrixRunner",
    "check_names",
    "matrix_runner",
    "run_matrix",
]

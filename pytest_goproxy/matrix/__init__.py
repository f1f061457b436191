"""The fault x configuration matrix: :func:`run_matrix`, :class:`MatrixRunner`, the project it
runs, and its pytest glue (:mod:`pytest_goproxy.matrix.plugin`)."""

from pytest_goproxy.matrix.runner import (
    DEFAULT_COMMAND,
    DEFAULT_EXAMPLE,
    NO_FAULT,
    Cell,
    MatrixProject,
    MatrixRunner,
    ModuleSource,
    Verdict,
    all_fault_names,
    check_names,
    error_line,
    matrix_runner,
    private_pattern,
    run_matrix,
)

__all__ = [
    "DEFAULT_COMMAND",
    "DEFAULT_EXAMPLE",
    "NO_FAULT",
    "Cell",
    "MatrixProject",
    "MatrixRunner",
    "ModuleSource",
    "Verdict",
    "all_fault_names",
    "check_names",
    "error_line",
    "matrix_runner",
    "private_pattern",
    "run_matrix",
]

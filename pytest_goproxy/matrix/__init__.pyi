"""The public names of :mod:`pytest_goproxy.matrix`, each written once; the
``__init__.py`` beside this stub loads them lazily (see :mod:`pytest_goproxy.exports`)."""

from pytest_goproxy.matrix.own import ensure_snapshot as ensure_snapshot
from pytest_goproxy.matrix.own import snapshot_dir as snapshot_dir
from pytest_goproxy.matrix.runner import DEFAULT_EXAMPLE as DEFAULT_EXAMPLE
from pytest_goproxy.matrix.runner import MODULE_DIRS as MODULE_DIRS
from pytest_goproxy.matrix.runner import MatrixProject as MatrixProject
from pytest_goproxy.matrix.runner import MatrixRunner as MatrixRunner
from pytest_goproxy.matrix.runner import check_names as check_names
from pytest_goproxy.matrix.runner import matrix_runner as matrix_runner
from pytest_goproxy.matrix.runner import run_matrix as run_matrix

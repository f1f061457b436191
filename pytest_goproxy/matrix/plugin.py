"""The matrix as pytest tests: a marker, a parametrization helper and the ``matrix_cell`` fixture.

A team asserts in its own suite that its configuration survives the faults it cares about::

    @pytest.mark.goproxy_matrix(faults=["refused", "dns"], configs=["pipe_backup"])
    def test_our_goproxy_survives(matrix_cell):
        assert matrix_cell.verdict == "recovered", matrix_cell.error

or, with ``pytest.mark.parametrize``::

    @pytest.mark.parametrize("matrix_cell", matrix_params(["refused"], ["pipe_backup"]),
                             indirect=True)

Each cell is one test (id ``<fault>-<config>``) marked ``network_faults``, so ``pytest -m
network_faults`` selects them. The cell runs with the code :func:`pytest_goproxy.matrix.run_matrix`
uses, so both give the same verdicts. The project is the ``goproxy_matrix_project`` fixture (the
bundled example unless overridden in a conftest.py), or the marker's ``project=``/``modules=``;
the marker also takes ``timeout=`` (default 60 s), ``command=``, ``fault_params=`` and
``toolchain=`` (``"go1.99.0"``: every cell starts with a switch to that toolchain, as
``matrix --toolchain``).

The main plugin (:mod:`pytest_goproxy.plugin`) registers this module; it also works alone
(``-p pytest_goproxy.matrix.plugin``), bringing the go and toxiproxy plugins it needs. The matrix
engine is imported when a fixture first needs it, so loading the plugin stays cheap.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pytest_goproxy.gorun.binary import GoBinary
    from pytest_goproxy.matrix import MatrixProject, MatrixRunner
    from pytest_goproxy.outage import Cell

__all__ = [
    "MARKER",
    "MatrixSession",
    "goproxy_matrix_project",
    "goproxy_matrix_session",
    "matrix_cell",
    "matrix_params",
]

#: The fixtures this plugin uses from the others (``go_binary``, ``go_build_cache``, ``toxiproxy``
#: and the ``network_faults`` marker); registered once however many plugins name them.
pytest_plugins = ["pytest_goproxy.gorun.plugin", "pytest_goproxy.network.plugin"]

MARKER = "goproxy_matrix"
#: Default deadline of one cell in tests (a blackholed primary costs all of it).
DEFAULT_CELL_TIMEOUT = 60.0
_OPTIONS = frozenset(
    {"project", "modules", "private", "timeout", "command", "fault_params", "toolchain"}
)


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``goproxy_matrix`` marker (``pytest --markers`` shows it)."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(faults, configs, *, project=None, modules=None, private=None, timeout=60, "
        "command=None, fault_params=None, toolchain=None): run the test once per (fault, "
        "configuration) cell "
        "of the outage matrix; the `matrix_cell` fixture is the cell's verdict",
    )


def matrix_params(faults: Sequence[str], configs: Sequence[str]) -> list[Any]:
    """``pytest.param((fault, config), id="fault-config")`` per cell, marked ``network_faults``,
    for ``@pytest.mark.parametrize("matrix_cell", ..., indirect=True)``. Unknown names raise
    FaultError / ConfigError listing the valid ones, from the caller's line (the checks'
    frames say nothing a test author can act on)."""
    __tracebackhide__ = True
    from pytest_goproxy.errors import UsageError
    from pytest_goproxy.matrix import check_names

    try:
        check_names(faults, configs)
    except UsageError as exc:
        raise exc.with_traceback(None)  # noqa: B904  (the same exception, no frames)
    return [
        pytest.param((fault, config), id=f"{fault}-{config}", marks=pytest.mark.network_faults)
        for fault in faults
        for config in configs
    ]


def _marker_cells(marker: pytest.Mark, where: str) -> tuple[list[str], list[str]]:
    """The marker's faults and configurations, checked; a mistake is one line naming the test
    (:func:`_usage_error`), before any cell runs."""
    from pytest_goproxy.errors import UsageError
    from pytest_goproxy.matrix import check_names

    args = list(marker.args)
    faults = marker.kwargs.get("faults", args[0] if args else None)
    configs = marker.kwargs.get("configs", args[1] if len(args) > 1 else None)
    if faults is None or configs is None:
        raise _usage_error(where, f"needs faults=[...] and configs=[...], got {marker}")
    unknown = set(marker.kwargs) - _OPTIONS - {"faults", "configs"}
    if unknown:
        raise _usage_error(
            where,
            f"unknown option(s) {', '.join(sorted(unknown))}; "
            f"valid: faults, configs, {', '.join(sorted(_OPTIONS))}",
        )
    if isinstance(faults, str) or isinstance(configs, str):
        raise _usage_error(where, "faults and configs are lists of names, e.g. ['refused']")
    try:
        check_names(list(faults), list(configs))
    except UsageError as exc:
        raise _usage_error(where, str(exc)) from None
    return list(faults), list(configs)


def _usage_error(where: str, message: str) -> pytest.Collector.CollectError:
    """A collection error whose report is this one line (pytest shows a ``CollectError``'s
    message alone, no frames: a typo in a marker is the test author's, not the plugin's)."""
    return pytest.Collector.CollectError(f"@pytest.mark.{MARKER} on {where}: {message}")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize ``matrix_cell`` from the ``goproxy_matrix`` marker."""
    marker = metafunc.definition.get_closest_marker(MARKER)
    if marker is None or "matrix_cell" not in metafunc.fixturenames:
        return
    faults, configs = _marker_cells(marker, metafunc.definition.nodeid)
    metafunc.parametrize("matrix_cell", matrix_params(faults, configs), indirect=True)


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that use ``matrix_cell`` as ``network_faults``, however parametrized."""
    for item in items:
        if "matrix_cell" in getattr(item, "fixturenames", ()):
            item.add_marker("network_faults")


class MatrixSession:
    """One :class:`MatrixRunner` per (project, options) for the whole session: the modules are
    built once, the go build cache and toxiproxy are the session's."""

    def __init__(self, go: GoBinary, build_cache: Path, workdir: Path) -> None:
        self.go = go
        self.build_cache = build_cache
        self.workdir = workdir
        self._runners: dict[str, MatrixRunner] = {}
        self._lock = threading.Lock()

    def runner(
        self,
        project: MatrixProject,
        *,
        timeout: float = DEFAULT_CELL_TIMEOUT,
        command: Sequence[str] | None = None,
        fault_params: Mapping[str, Mapping[str, object]] | None = None,
        toolchain: str | None = None,
    ) -> MatrixRunner:
        from pytest_goproxy.gorun.runner import GoRunner
        from pytest_goproxy.matrix import MatrixRunner
        from pytest_goproxy.outage import DEFAULT_COMMAND

        command = tuple(command or DEFAULT_COMMAND)
        key = repr(
            (
                str(project.path),
                repr(project.modules),
                project.private,
                timeout,
                command,
                fault_params,
                toolchain,
            )
        )
        with self._lock:
            if key not in self._runners:
                workdir = self.workdir / f"m{len(self._runners)}"
                go = GoRunner(
                    self.go, workdir=workdir, timeout=timeout, build_cache=self.build_cache
                )
                self._runners[key] = MatrixRunner(
                    project,
                    runner=go,
                    command=command,
                    timeout=timeout,
                    fault_params=fault_params,
                    workdir=workdir,
                    toolchain=toolchain,
                )
            return self._runners[key]

    def close(self) -> None:
        with self._lock:
            runners, self._runners = list(self._runners.values()), {}
        for matrix in runners:
            try:
                matrix.close()
            finally:
                matrix.runner.close()


@pytest.fixture(scope="session")
def goproxy_matrix_project() -> MatrixProject:
    """The Go project the ``matrix_cell`` tests run: the bundled example by default.

    Override it in your conftest.py to test your own project::

        @pytest.fixture(scope="session")
        def goproxy_matrix_project():
            return MatrixProject.user("path/to/project", modules="path/to/snapshot")

    ``MatrixProject.user`` takes the private pattern from the snapshot's recorded go env;
    without ``modules`` it uses the snapshot ``pytest-goproxy matrix`` keeps in your cache
    (recording it once when there is none), or ``MatrixProject.of(path, modules=...)`` for
    module files and a pattern of your choosing.
    """
    from pytest_goproxy.matrix import MatrixProject

    return MatrixProject.of(None)


@pytest.fixture(scope="session")
def goproxy_matrix_session(
    go_binary: GoBinary,
    go_build_cache: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[MatrixSession]:
    """The matrix engine of the session (modules built once per project); ended at session end."""
    session = MatrixSession(go_binary, go_build_cache, tmp_path_factory.mktemp("matrix"))
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def matrix_cell(
    request: pytest.FixtureRequest,
    goproxy_matrix_session: MatrixSession,
) -> Cell:
    """The verdict of one matrix cell (``fault``, ``config``, ``verdict``, ``failure``,
    ``seconds``, ``error``), run for this test: fresh fake proxies, the fault, the go command.

    Parametrized by ``@pytest.mark.goproxy_matrix(faults=[...], configs=[...])`` or by
    ``@pytest.mark.parametrize("matrix_cell", matrix_params(...), indirect=True)``. The
    verdict, failure class and time are the test's JUnit properties (``--junitxml``). Network
    faults use the session's ``toxiproxy`` (skipped when there is none, an error with ``CI``
    set); ``relay`` cells are ``unavailable`` without nginx — assert on the verdict, never skip.
    """
    param: Any = getattr(request, "param", None)
    if not (isinstance(param, tuple) and len(param) == 2):
        raise pytest.UsageError(
            "matrix_cell needs @pytest.mark.goproxy_matrix(faults=[...], configs=[...]) or "
            "@pytest.mark.parametrize('matrix_cell', matrix_params(...), indirect=True)"
        )
    from pytest_goproxy.matrix import MatrixProject

    fault, config = param
    marker = request.node.get_closest_marker(MARKER)
    options: dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    project: MatrixProject
    if {"project", "modules", "private"} & set(options):
        project = MatrixProject.of(
            options.get("project"), options.get("modules"), options.get("private")
        )
    else:
        project = request.getfixturevalue("goproxy_matrix_project")
    matrix = goproxy_matrix_session.runner(
        project,
        timeout=float(options.get("timeout", DEFAULT_CELL_TIMEOUT)),
        command=options.get("command"),
        fault_params=options.get("fault_params"),
        toolchain=options.get("toolchain"),
    )
    if "toxiproxy" in matrix.outage(fault, config).needs:  # the engine says what it needs
        matrix.use_toxiproxy(request.getfixturevalue("toxiproxy"))
    cell = matrix.run_cell(fault, config)
    # What record_property does: with --junitxml, CI dashboards show each cell's verdict,
    # failure class and time as the test case's properties, without opening the log.
    request.node.user_properties += [
        ("verdict", cell.verdict),
        ("failure", cell.failure or ""),
        ("seconds", f"{cell.seconds:.3f}"),
    ]
    return cell

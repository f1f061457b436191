"""The fault x configuration matrix: every cell a real go run under a real fault.

The matrix is a loop over cells of the outage engine (:mod:`pytest_goproxy.outage`): for each
(fault, configuration) it runs :meth:`Outage.cell <pytest_goproxy.outage.Outage.cell>` on a copy
of the project, with fresh fake proxies serving the project's modules (built once), the fault on
the primary, and the configuration's procedure. Each cell's verdict is a
:class:`~pytest_goproxy.outage.Cell`:

* ``recovered``: go exited 0 (``seconds`` is how long it took);
* ``failed``: go exited non-zero; ``failure`` is the :class:`~pytest_goproxy.gorun.Failure` name
  and ``error`` the line go printed that matters;
* ``hung``: go was killed at the deadline (go has no request timeout of its own);
* ``unavailable``: the cell could not be run here (no nginx, no toxiproxy, a fault this machine
  cannot make); ``error`` says why. Never counted as a pass.

The same cells run as pytest tests through :mod:`pytest_goproxy.matrix.plugin`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pytest_goproxy.configs import CONFIGS, Configuration
from pytest_goproxy.errors import (
    ConfigError,
    GoProjectError,
    ModuleSourceError,
    ToolUnavailable,
    UsageError,
)
from pytest_goproxy.gomod.snapshot import is_snapshot
from pytest_goproxy.gomod.sources import ModuleSource, ModuleSourceLike
from pytest_goproxy.gomod.store import ModuleStore
from pytest_goproxy.gomod.toolchain import (
    TOOLCHAIN_MODULE,
    check_toolchain_name,
    is_toolchain_name,
    toolchain_version,
    wanted_toolchain,
)
from pytest_goproxy.gorun import GoBinary, GoRunner
from pytest_goproxy.gorun.runner import check_timeout
from pytest_goproxy.lifecycle import Closing
from pytest_goproxy.literal import configuration, literal_configuration, split_target
from pytest_goproxy.network import Toxiproxy
from pytest_goproxy.outage.cell import Cell
from pytest_goproxy.outage.endpoints import private_pattern
from pytest_goproxy.outage.engine import DEFAULT_COMMAND, Outage, OutageEngine
from pytest_goproxy.outage.faults import BoundFault, bind_fault, check_fault_names
from pytest_goproxy.outage.schedule import DEFAULT_CAP, run_all

#: The bundled example project, package data shared with the bundled outage scenarios
#: (``pytest_goproxy/scenarios/outages/project``; one copy, so a wheel has it too).
DEFAULT_EXAMPLE = Path(__file__).resolve().parents[1] / "scenarios" / "outages" / "project"
#: Its dependencies, one txtar file per module version (beside it, not inside it).
DEFAULT_EXAMPLE_MODULES = DEFAULT_EXAMPLE.parent / "modules"
#: Its private modules: served by their origin only (the public proxy answers 410 for them).
DEFAULT_EXAMPLE_PRIVATE = "corp.example"
#: Where a project keeps its dependencies' module files when no ``modules`` is given, in order.
MODULE_DIRS: tuple[str, ...] = ("testdata/mod", "modules", ".goproxy/modules")


def project_modules(root: Path) -> Path | None:
    """The first of :data:`MODULE_DIRS` inside ``root``, or None."""
    for name in MODULE_DIRS:
        if (root / name).is_dir():
            return root / name
    return None


def check_names(faults: Sequence[str], configs: Sequence[str]) -> None:
    """FaultError / ConfigError naming every unknown name and listing the valid ones."""
    if isinstance(faults, str) or isinstance(configs, str):
        raise TypeError("faults and configs are sequences of names, e.g. ['refused']")
    check_fault_names([split_target(f)[0] for f in faults])
    for config in configs:
        if "=" in config:
            literal_configuration(config)  # ConfigError saying what cannot be served
    unknown = [c for c in configs if c not in CONFIGS and "=" not in c]
    if unknown:
        raise ConfigError(
            f"unknown configuration {', '.join(map(repr, unknown))}; valid configurations: "
            f"{', '.join(CONFIGS)}, or a line of Go settings such as "
            "'GOPROXY=https://goproxy.cn,direct'"
        )


# -- the project under test ----------------------------------------------------------------------


@dataclass(frozen=True)
class MatrixProject:
    """A Go project (copied for every cell, never changed) and where its dependencies come from
    (see :mod:`pytest_goproxy.gomod.sources` for what a module source is).

    ``private`` is the pattern of the project's private modules (only their origin serves them,
    and it is the ``{private}`` value): ``""`` says there is none, so ``{private}`` renders empty
    and the private configurations equal their public twins; ``None`` says nothing, and
    ``{private}`` then covers every dependency (their first path elements: a made-up project
    measuring what GOPRIVATE does). ``private_source`` says where the pattern came from, for
    the report's caption."""

    path: Path
    modules: ModuleSourceLike
    #: the project's private modules (a GOPRIVATE-style pattern): only their origin has them
    private: str | None = None
    #: where ``private`` came from (``GOPRIVATE in your go env``, ``given with --private``...)
    private_source: str | None = None

    @classmethod
    def of(
        cls,
        path: str | os.PathLike[str] | None = None,
        modules: ModuleSourceLike | None = None,
        private: str | None = None,
    ) -> MatrixProject:
        """``path`` (default: the bundled example, with its modules and its private module
        ``corp.example/vault``) with ``modules``, by default the first of ``testdata/mod``,
        ``modules``, ``.goproxy/modules`` inside it; ``private`` is the pattern of the
        project's private modules, which the public proxy and checksum database do not have
        (``""``: none, so the bundled example's private module is public too).

        Nothing is recorded here: :meth:`user` records a project without module files."""
        root = Path(path) if path is not None else DEFAULT_EXAMPLE
        if not (root / "go.mod").is_file():
            hint = (
                " (the bundled example is missing from this installation)" if path is None else ""
            )
            raise GoProjectError(f"{root} is not a Go module: it has no go.mod{hint}")
        source = None if private is None else "given"
        if modules is None and path is None:
            modules = DEFAULT_EXAMPLE_MODULES
            if private is None:
                private, source = DEFAULT_EXAMPLE_PRIVATE, "the bundled example's private module"
        if modules is None:
            modules = project_modules(root)
            if modules is None:
                raise ModuleSourceError(
                    f"{root}: no module files found in {', '.join(MODULE_DIRS)}; pass modules= "
                    "(a txtar file or directory, a module cache, or a snapshot from "
                    "`pytest-goproxy record`), or use MatrixProject.user(), which records one"
                )
        return cls(root.resolve(), modules, private, source)

    @classmethod
    def user(
        cls,
        path: str | os.PathLike[str],
        modules: ModuleSourceLike | None = None,
        private: str | None = None,
        *,
        record: bool = True,
        refresh: bool = False,
        origins: bool = False,
        env: Mapping[str, str] | None = None,
        go: GoBinary | str | os.PathLike[str] | None = None,
        notify: Callable[[str], object] | None = None,
    ) -> MatrixProject:
        """A user's own project, as ``pytest-goproxy matrix PROJECT_DIR`` runs it.

        Its modules are ``modules`` when given, else its module files (``testdata/mod``,
        ``modules``, ``.goproxy/modules``), else its snapshot in the user's cache, recorded
        first with the user's Go settings (``env``, default this process's) when there is none
        (:func:`~pytest_goproxy.matrix.own.ensure_snapshot`: ``refresh`` records again,
        ``origins`` records the origins' commits too, ``record=False`` makes a missing snapshot a
        UsageError naming ``pytest-goproxy record``). ``private`` defaults to the user's own
        pattern (:func:`~pytest_goproxy.matrix.own.private_default`)."""
        __tracebackhide__ = True
        from pytest_goproxy.matrix import own

        root = Path(path)
        if not (root / "go.mod").is_file():
            raise GoProjectError(f"{root} is not a Go module: it has no go.mod")
        asks = [flag for flag, on in (("--refresh", refresh), ("--origins", origins)) if on]
        if asks and not record:
            raise UsageError(
                f"{' and '.join(asks)} asks for a recording and --no-record forbids it"
            )
        if asks and modules is not None:
            raise UsageError(
                f"{' and '.join(asks)} records the project's modules, and --modules gives them: "
                "leave one out"
            )
        if modules is None:
            modules = project_modules(root)
            if modules is not None and asks:
                raise UsageError(
                    f"{' and '.join(asks)}: {root} serves its modules from {modules}, so nothing "
                    "is recorded for it; record with `pytest-goproxy record` and pass --modules"
                )
        if modules is None and not record:
            found = own.snapshot_dir(root, env=env)
            richer = own.snapshot_dir(root, origins=True, env=env)
            modules = next((p for p in (richer, found) if is_snapshot(p)), None)
            if modules is None:
                raise UsageError(
                    f"{root} has no module files ({', '.join(MODULE_DIRS)}) and no snapshot "
                    f"yet ({found}), and recording is off (--no-record): record one with "
                    f"`pytest-goproxy record {root} --out SNAPSHOT_DIR` and pass --modules "
                    "SNAPSHOT_DIR, or let the matrix record it (without --no-record)"
                )
        if modules is None:
            modules = own.ensure_snapshot(
                root, refresh=refresh, origins=origins, env=env, go=go, notify=notify
            )
        if private is not None:
            pattern = own.PrivatePattern(own.check_private_pattern(private), "given with --private")
        else:
            pattern = own.private_default(modules, go=go, env=env)
        return cls(root.resolve(), modules, pattern.pattern, pattern.source)

    def private_caption(self) -> str:
        """What the report's caption says about the private pattern (see :meth:`of`)."""
        from pytest_goproxy.matrix.own import PrivatePattern

        if self.private is None:
            return "no private modules; {private} covers every dependency"
        return PrivatePattern(self.private, self.private_source or "given").describe()

    def fill(self, store: ModuleStore) -> None:
        """Add the project's dependencies to ``store``."""
        ModuleSource.of(self.modules).fill(store)


# -- the runner ----------------------------------------------------------------------------------


class MatrixRunner(Closing):
    """Runs single cells for one project; :func:`run_matrix` and the ``matrix_cell`` fixture use it.

    ``runner`` is the :class:`GoRunner` (made from ``go`` when not given, closed with this object
    then). ``toxiproxy`` is a running :class:`Toxiproxy` or ``None`` to start one on demand from
    ``toxiproxy_bin`` / ``$TOXIPROXY_BIN`` / PATH / the build cache (stopped on close); when none
    can be had, network-fault cells are ``unavailable``. ``timeout`` is each cell's deadline (per
    go run; the retry wrapper fits all its attempts in it). ``fault_params`` overrides catalogue
    defaults per fault (e.g. ``{"down_for": {"seconds": 3}}``), checked here. ``private`` is the
    pattern of the project's private modules (default: the project's own, see
    :class:`MatrixProject`), which only their origin serves; it is the ``{private}`` value
    (without private modules: the first path elements of the project's modules). ``toolchain``
    (``go1.99.0``) makes every cell start with a switch to that toolchain
    (:attr:`Outage.toolchain <pytest_goproxy.outage.Outage.toolchain>`); without it, the
    toolchain the project's go.mod switches to when its modules hold it (``record`` keeps the
    real one): see :meth:`switch_toolchain`.
    """

    def __init__(
        self,
        project: MatrixProject,
        *,
        runner: GoRunner | None = None,
        go: GoBinary | str | os.PathLike[str] | None = None,
        toxiproxy: Toxiproxy | None = None,
        toxiproxy_bin: str | os.PathLike[str] | None = None,
        command: Sequence[str] = DEFAULT_COMMAND,
        timeout: float = 60.0,
        fault_params: Mapping[str, Mapping[str, object]] | None = None,
        private: str | None = None,
        nginx: str | os.PathLike[str] | None = None,
        workdir: str | os.PathLike[str] | None = None,
        tls: bool = False,
        toolchain: str | None = None,
    ) -> None:
        timeout = check_timeout(timeout)
        #: the toolchain every cell switches to first (given), or None: see switch_toolchain
        self.toolchain = None if toolchain is None else check_toolchain_name(toolchain)
        self._own_toolchain: tuple[str | None] | None = None
        #: every endpoint over HTTPS (the session CA's certificates, which go trusts)
        self.tls = tls
        if isinstance(command, str):
            raise TypeError("command is a sequence of go arguments, e.g. ['mod', 'tidy']")
        self.project = project
        self.command = tuple(command)
        self.timeout = float(timeout)
        self.fault_params = {k: dict(v) for k, v in (fault_params or {}).items()}
        self._faults: dict[str, BoundFault] = {
            name: bind_fault(name, params) for name, params in self.fault_params.items()
        }
        self._private = project.private if private is None else private
        self.engine = OutageEngine(
            runner=runner,
            go=go,
            timeout=timeout,
            toxiproxy=toxiproxy,
            toxiproxy_bin=toxiproxy_bin,
            nginx=nginx,
            workdir=workdir,
        )
        self.runner = self.engine.runner

    def store(self) -> ModuleStore:
        """The project's modules, built once and shared read-only by the cells' proxies."""
        return self.engine.store(self.project.modules)

    def prepare(self, configs: Sequence[str | Configuration]) -> None:
        """Build what cells share before any starts: the modules, and the origin repositories
        once when a configuration may fetch directly (git runs here, not in every cell)."""
        self.store()
        chosen = [c if isinstance(c, Configuration) else configuration(c) for c in configs]
        if any(c.uses_origin for c in chosen):
            with contextlib.suppress(ToolUnavailable):  # no git: each such cell says so
                self.engine.mirror(self.project.modules)

    def switch_toolchain(self) -> str | None:
        """The toolchain every cell starts by switching to: ``toolchain`` when given (served
        as a synthetic toolchain unless the modules hold it), else the one the project's go.mod
        switches to (:func:`~pytest_goproxy.gomod.toolchain.wanted_toolchain`) when the modules
        hold it for this platform (a recording of the project kept it), else None: the cells
        run with the runner's ``GOTOOLCHAIN=local``."""
        if self.toolchain is not None:
            return self.toolchain
        if self._own_toolchain is None:
            binary = self.runner.binary
            go_mod = (Path(self.project.path) / "go.mod").read_text(encoding="utf-8")
            wanted = wanted_toolchain(go_mod, binary.version)
            held = None
            if wanted is not None and is_toolchain_name(wanted):
                version = toolchain_version(wanted, binary.goos, binary.goarch)
                if self.store().get(TOOLCHAIN_MODULE, version) is not None:
                    held = wanted
            self._own_toolchain = (held,)
        return self._own_toolchain[0]

    def private(self) -> str:
        """The ``{private}`` value the cells render: the project's pattern, ``""`` when it has
        none, or (not said) the first path elements of every module."""
        if self._private is not None:
            return self._private
        return private_pattern(self.store())

    def use_toxiproxy(self, toxiproxy: Toxiproxy) -> None:
        """Use this (running, not ours to stop) toxiproxy for network faults from now on."""
        self.engine.use_toxiproxy(toxiproxy)

    def toxiproxy(self) -> Toxiproxy | None:
        """The toxiproxy for network faults (started on first use), or None (the reason is in
        the cell)."""
        return self.engine.toxiproxy()

    def outage(self, fault: str, config: str | Configuration) -> Outage:
        """The outage of one cell; unknown names raise FaultError / ConfigError. ``config`` is
        a catalogue name or a line of Go settings (:mod:`pytest_goproxy.literal`); ``fault``
        may name where it goes: ``refused@goproxy.cn`` (a host the line serves) or
        ``refused@backup`` (an endpoint)."""
        cfg = config if isinstance(config, Configuration) else configuration(config)
        check_names([fault], [])
        name, at = split_target(fault)
        bound = self._faults.get(name) or name
        return Outage.cell(
            bound,
            cfg,
            command=self.command,
            timeout=self.timeout,
            tls=self.tls,
            toolchain=self.switch_toolchain(),
            at=at,
        )

    def run_cell(self, fault: str, config: str | Configuration) -> Cell:
        """Run one cell and return its verdict; unknown names raise FaultError / ConfigError.
        A fault placed on a host the configuration does not serve (``refused@goproxy.cn`` in a
        catalogue column) is an ``unavailable`` cell saying so."""
        try:
            outage = self.outage(fault, config)
        except ConfigError as exc:
            if "@" not in fault:
                raise
            label = config.name if isinstance(config, Configuration) else config
            return Cell(fault, label, "unavailable", None, 0.0, str(exc))
        return self.engine.run(
            outage, self.project.modules, project=self.project.path, private=self._private
        ).cell

    def run_cells(
        self,
        pairs: Sequence[tuple[str, str]],
        *,
        jobs: int = 1,
        started: Callable[[tuple[str, str]], object] | None = None,
        finished: Callable[[tuple[str, str], Cell], object] | None = None,
        cap: int = DEFAULT_CAP,
    ) -> list[Cell]:
        """Run the (fault, config) cells in ``pairs`` order, ``jobs`` of them working at once and
        up to ``cap`` at once when the others only wait (a hang, a dial timeout, a backoff:
        see :mod:`~pytest_goproxy.outage.schedule`; ``cap=jobs`` runs exactly ``jobs`` at a
        time); ``started`` and ``finished`` as in
        :func:`~pytest_goproxy.outage.schedule.run_all` (Ctrl-C and SIGTERM stop the running
        cells at once; what ``finished`` saw is all that is kept)."""
        self.prepare([config for _, config in pairs])
        results = run_all(
            lambda pair: self.run_cell(*pair),
            pairs,
            jobs=jobs,
            started=started,
            finished=finished,
            cap=cap,
        )
        return [results[pair] for pair in pairs]

    def close(self) -> None:
        """Stop what this object started: its toxiproxy, its runner, its module store."""
        self.engine.close()


# -- the whole matrix ------------------------------------------------------------------------------


def run_matrix(
    project: str | os.PathLike[str] | MatrixProject | None,
    faults: Sequence[str],
    configs: Sequence[str],
    *,
    jobs: int = 1,
    timeout: float = 60.0,
    progress: Callable[[Cell], None] | None = None,
    modules: ModuleSourceLike | None = None,
    command: Sequence[str] = DEFAULT_COMMAND,
    go: GoBinary | str | os.PathLike[str] | None = None,
    runner: GoRunner | None = None,
    toxiproxy: Toxiproxy | None = None,
    toxiproxy_bin: str | os.PathLike[str] | None = None,
    fault_params: Mapping[str, Mapping[str, object]] | None = None,
    private: str | None = None,
    nginx: str | os.PathLike[str] | None = None,
    workdir: str | os.PathLike[str] | None = None,
    tls: bool = False,
    cap: int = DEFAULT_CAP,
    toolchain: str | None = None,
    envs: Sequence[str] = (),
) -> list[Cell]:
    """Run every (fault, config) cell for ``project``; cells in fault-major, then config order.

    ``envs`` are lines of Go settings, each one more column after ``configs``, served as
    written (``"GOPROXY=https://goproxy.cn,https://goproxy.io,direct GONOSUMDB=corp.example"``:
    see :mod:`pytest_goproxy.literal`); a fault goes on a host by name with ``refused@goproxy.cn``
    (default: the line's first GOPROXY entry).

    ``project`` is a Go project directory (default: the bundled example) whose dependencies come
    from ``modules`` (see :class:`MatrixProject`). Cells run in threads, each with its own
    servers and endpoints (one toxiproxy shared): ``jobs`` of them working at once, up to
    ``cap`` at once while the others only wait (see :meth:`MatrixRunner.run_cells`).
    ``progress`` is called with each cell as it finishes, from the calling thread. ``tls``
    serves every endpoint over HTTPS. Unknown names raise FaultError / ConfigError before
    anything runs. See :class:`MatrixRunner` for the other
    arguments.
    """
    if isinstance(envs, str):
        raise TypeError("envs is a sequence of lines, e.g. ['GOPROXY=https://goproxy.cn,direct']")
    configs = [*configs, *envs]
    check_names(faults, configs)
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs!r}")
    spec = project if isinstance(project, MatrixProject) else MatrixProject.of(project, modules)
    pairs = [(f, c) for f in faults for c in configs]
    with MatrixRunner(
        spec,
        runner=runner,
        go=go,
        toxiproxy=toxiproxy,
        toxiproxy_bin=toxiproxy_bin,
        command=command,
        timeout=timeout,
        fault_params=fault_params,
        private=private,
        nginx=nginx,
        workdir=workdir,
        tls=tls,
        toolchain=toolchain,
    ) as matrix:
        matrix.store()  # build the zips once, before any cell starts its clock
        return matrix.run_cells(
            pairs,
            jobs=jobs,
            finished=None if progress is None else lambda _pair, cell: progress(cell),
            cap=cap,
        )


@contextlib.contextmanager
def matrix_runner(
    project: str | os.PathLike[str] | MatrixProject | None = None, **kwargs: object
) -> Iterator[MatrixRunner]:
    """``with matrix_runner(path, modules=...) as m: m.run_cell("refused", "pipe_backup")``."""
    modules = kwargs.pop("modules", None)
    spec = (
        project if isinstance(project, MatrixProject) else MatrixProject.of(project, modules)  # type: ignore[arg-type]
    )
    with MatrixRunner(spec, **kwargs) as m:  # type: ignore[arg-type]
        yield m

"""``pytest-goproxy matrix``: the fault x configuration matrix from the command line.

The default cells answer the common question quickly (about a minute on 2 cores with
``--jobs 2``): the faults people meet most, against the configurations people copy. ``--faults
all`` / ``--configs all`` run the whole catalogues (``dial_timeout`` costs go's 30 s dial limit per
request).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_goproxy.cli.command import Subcommand

if TYPE_CHECKING:
    from pytest_goproxy.matrix.runner import MatrixRunner
    from pytest_goproxy.outage.cell import Cell

__all__ = ["COMMAND", "DEFAULT_CONFIGS", "DEFAULT_FAULTS"]

#: The default cells' faults; "none" is ``outage.faults.NO_FAULT``, written out so that building
#: the parser imports no fault catalogue (a test checks the names).
DEFAULT_FAULTS = ("none", "refused", "dns", "reset", "blackhole", "truncate", "status")
DEFAULT_CONFIGS = (
    "single",
    "comma_backup",
    "pipe_backup",
    "comma_direct",
    "warm_cache",
    "offline_warm_cache",
    "retry",
    "relay",
)


def _names(text: str | None, default: tuple[str, ...], everything: list[str]) -> list[str]:
    if text is None:
        return list(default)
    if text.strip() == "all":
        return everything
    return [name.strip() for name in text.split(",") if name.strip()]


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _interrupt_threads(idents: Iterable[int]) -> None:
    """Raise KeyboardInterrupt in these worker threads, as Ctrl-C does in the main thread.

    A cell's go runs in its own session (so a hang can be killed as a group), out of reach of
    the terminal's SIGINT; the runner kills that group on KeyboardInterrupt
    (``gorun.process.run_process``), which is how the workers stop at once instead of waiting
    for their deadline. The exception arrives between two bytecodes of the worker, which polls.
    """
    import ctypes

    for ident in idents:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(ident), ctypes.py_object(KeyboardInterrupt)
        )


def _run_cells(
    matrix: MatrixRunner,
    pairs: Sequence[tuple[str, str]],
    jobs: int,
    begin: Callable[[str, str], object],
    end: Callable[[Cell], object],
    done: dict[tuple[str, str], Cell],
) -> None:
    """Run the cells ``jobs`` at a time; ``begin(fault, config)`` in the worker as a cell starts,
    ``end(cell)`` in this thread as it ends. On Ctrl-C the running cells are interrupted (their
    go killed), the waiting ones dropped, and KeyboardInterrupt goes on; ``done`` keeps what
    finished."""
    import threading
    from concurrent.futures import ThreadPoolExecutor, as_completed, wait

    running: dict[int, tuple[str, str]] = {}
    lock = threading.Lock()

    def one(pair: tuple[str, str]) -> Cell:
        with lock:
            running[threading.get_ident()] = pair
        try:
            begin(*pair)
            return matrix.run_cell(*pair)
        finally:
            with lock:
                running.pop(threading.get_ident(), None)

    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="goproxy-matrix")
    futures = {pool.submit(one, pair): pair for pair in pairs}
    try:
        for future in as_completed(futures):
            cell = future.result()
            done[futures[future]] = cell
            end(cell)
    except KeyboardInterrupt:
        pool.shutdown(wait=False, cancel_futures=True)
        with lock:  # held, so no worker leaves `one` between the look and the interrupt
            _interrupt_threads(running)
        wait(futures, timeout=30)
        raise
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _matrix(args: argparse.Namespace) -> int:
    from rich.console import Console

    from pytest_goproxy.configs import config_names
    from pytest_goproxy.matrix.runner import MatrixProject, MatrixRunner, check_names
    from pytest_goproxy.outage.engine import DEFAULT_COMMAND
    from pytest_goproxy.outage.faults import all_fault_names
    from pytest_goproxy.report import parse_formats, write_reports
    from pytest_goproxy.report.cells import MatrixInfo
    from pytest_goproxy.report.lines import (
        PlainProgress,
        cell_lines,
        cell_name,
        cells_summary,
    )
    from pytest_goproxy.report.terminal import (
        MatrixProgress,
        fits,
        needed_width,
        render_table,
        render_text,
    )

    formats = parse_formats(args.format)  # a typo fails before minutes of go runs
    faults = _names(args.faults, DEFAULT_FAULTS, all_fault_names())
    configs = _names(args.configs, DEFAULT_CONFIGS, config_names())
    check_names(faults, configs)
    project = MatrixProject.of(args.project, args.modules)
    pairs = [(f, c) for f in faults for c in configs]
    where = args.project or "the bundled example"
    title = f"pytest-goproxy outage matrix: {where}"
    go_version: str | None = None

    console = Console()
    terminal = sys.stdout.isatty() and console.is_terminal
    display: MatrixProgress | PlainProgress
    if terminal:
        display = MatrixProgress(total=len(pairs))
        progress = display

        def begin(fault: str, config: str) -> None:
            progress.started(fault, config)

        def end(cell: Cell) -> None:
            progress.finished(cell)

    else:
        display = plain = PlainProgress(sys.stdout)

        def begin(fault: str, config: str) -> None:
            plain.begin(cell_name(fault, config))

        def end(cell: Cell) -> None:
            plain.end(cell_name(cell.fault, cell.config), cell_lines(cell))

    done: dict[tuple[str, str], Cell] = {}
    interrupted = False
    try:
        with (
            display,
            MatrixRunner(
                project, go=args.go, toxiproxy_bin=args.toxiproxy_bin, timeout=args.timeout
            ) as matrix,
        ):
            matrix.store()  # build the zips once, before any cell starts its clock
            go_version = matrix.runner.version
            _run_cells(matrix, pairs, args.jobs, begin, end, done)
    except KeyboardInterrupt:
        interrupted = True
    cells = [done[pair] for pair in pairs if pair in done]

    if cells:
        table = render_table(cells, title=title)
        if not terminal:
            print(render_text(cells, title=title), end="")  # a log: the grid, never folded
        elif fits(console, table, natural=True):
            console.print(table)
        else:
            print(
                f"(the table needs {needed_width(console, table, natural=True)} columns, the "
                f"terminal has {console.width}: the cells are listed above; --out DIR writes "
                "matrix.txt)"
            )
    print(cells_summary(cells, interrupted=interrupted), flush=True)
    if args.out is not None and cells:
        info = MatrixInfo.today(where, DEFAULT_COMMAND, go_version)
        written = write_reports(cells, Path(args.out), formats, title=title, info=info)
        for fmt, path in written.items():
            print(f"{fmt}: {path}", file=sys.stderr)
    if interrupted:
        print(
            f"pytest-goproxy: interrupted after {len(cells)} of {len(pairs)} cells",
            file=sys.stderr,
        )
        return 130
    return 0


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "project",
        nargs="?",
        metavar="PROJECT_DIR",
        help="a Go module whose dependencies are in its testdata/mod or modules directory, or "
        "given with --modules (default: the bundled example)",
    )
    parser.add_argument(
        "--faults",
        help=f"comma-separated fault names, or `all` (default: {','.join(DEFAULT_FAULTS)})",
    )
    parser.add_argument(
        "--configs",
        help="comma-separated configuration names, or `all` "
        f"(default: {','.join(DEFAULT_CONFIGS)})",
    )
    parser.add_argument("--jobs", type=_positive, default=2, help="cells run at once (default 2)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        help="deadline of one go command in seconds; a hang costs all of it (default 10)",
    )
    parser.add_argument(
        "--format",
        default="table,json,md,svg",
        help="report formats written with --out: table,json,md,svg (default: all)",
    )
    parser.add_argument("--out", metavar="DIR", help="write the reports into DIR")
    parser.add_argument(
        "--modules", help="txtar file/dir or module cache serving the project's modules"
    )
    parser.add_argument("--go", help="go binary (default: $GO_BINARY, else go on PATH)")
    parser.add_argument(
        "--toxiproxy-bin", help="toxiproxy server binary (default: found or built once)"
    )


#: ``pytest-goproxy matrix``
COMMAND = Subcommand(
    "matrix",
    help="run the fault x configuration matrix on a Go project (default: the bundled example)",
    description="Run every (fault, configuration) cell: a real go command under a real fault, "
    "with each configuration's environment and procedure; print the verdict table "
    "(recovered / failed / hung / unavailable).",
    run=_matrix,
    arguments=_arguments,
)

"""``pytest-goproxy matrix``: the fault x configuration matrix from the command line.

The default cells answer the common question quickly (about a minute on 2 cores with
``--jobs 2``): the faults people meet most, against the configurations people copy. ``--faults
all`` / ``--configs all`` run the whole catalogues (``dial_timeout`` costs go's 30 s dial limit per
request).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_goproxy.cli.command import Subcommand

if TYPE_CHECKING:
    from pytest_goproxy.outage.cell import Cell

__all__ = ["COMMAND", "DEFAULT_CONFIGS", "DEFAULT_FAULTS"]

#: The default cells' faults; "none" is ``outage.faults.NO_FAULT``, written out so that building
#: the parser imports no fault catalogue (a test checks the names).
DEFAULT_FAULTS = ("none", "refused", "dns", "reset", "blackhole", "truncate", "status")
DEFAULT_CONFIGS = (
    "single",
    "comma_direct",
    "pipe_direct",
    "goprivate",
    "gonoproxy",
    "goprivate_direct",
    "gonosumdb_direct",
    "goprivate_pipe_direct",
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


def _matrix(args: argparse.Namespace) -> int:
    from rich.console import Console

    from pytest_goproxy.configs import config_names
    from pytest_goproxy.matrix.runner import MatrixProject, MatrixRunner, check_names
    from pytest_goproxy.outage.engine import DEFAULT_COMMAND
    from pytest_goproxy.outage.faults import all_fault_names
    from pytest_goproxy.report import parse_formats, write_reports
    from pytest_goproxy.report.cells import MatrixInfo
    from pytest_goproxy.report.jsonfile import CELL_LOG, CellLog
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
    project = MatrixProject.of(args.project, args.modules, args.private)
    pairs = [(f, c) for f in faults for c in configs]
    where = args.project or "the bundled example"
    title = f"pytest-goproxy outage matrix: {where}" + (" over HTTPS" if args.tls else "")
    go_version: str | None = None

    console = Console()
    terminal = sys.stdout.isatty() and console.is_terminal
    display: MatrixProgress | PlainProgress
    if terminal:
        display = progress = MatrixProgress(total=len(pairs))

        def begin(pair: tuple[str, str]) -> None:
            progress.started(*pair)

        def show(cell: Cell) -> None:
            progress.finished(cell)

    else:
        display = plain = PlainProgress(sys.stdout)

        def begin(pair: tuple[str, str]) -> None:
            plain.begin(cell_name(*pair))

        def show(cell: Cell) -> None:
            plain.end(cell_name(cell.fault, cell.config), cell_lines(cell))

    out = Path(args.out) if args.out is not None else None
    log: CellLog | None = None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        log = CellLog(out / CELL_LOG)  # every finished cell, on disk at once
    done: dict[tuple[str, str], Cell] = {}

    def end(pair: tuple[str, str], cell: Cell) -> None:
        done[pair] = cell
        if log is not None:
            log.write(cell)
        show(cell)

    interrupted: KeyboardInterrupt | None = None
    try:
        with (
            display,
            MatrixRunner(
                project,
                go=args.go,
                toxiproxy_bin=args.toxiproxy_bin,
                timeout=args.timeout,
                tls=args.tls,
            ) as matrix,
        ):
            matrix.store()  # build the zips once, before any cell starts its clock
            go_version = matrix.runner.version
            matrix.run_cells(pairs, jobs=args.jobs, started=begin, finished=end)
    except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM, SIGHUP: report what finished
        interrupted = exc
    finally:
        if log is not None:
            log.close()
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
    print(cells_summary(cells, interrupted=interrupted is not None, planned=len(pairs)), flush=True)
    if out is not None:
        print(f"cells: {out / CELL_LOG}", file=sys.stderr)
        if cells:
            info = MatrixInfo.today(where, DEFAULT_COMMAND, go_version)
            written = write_reports(cells, out, formats, title=title, info=info)
            for fmt, path in written.items():
                print(f"{fmt}: {path}", file=sys.stderr)
    if interrupted is not None:
        print(
            f"pytest-goproxy: interrupted after {len(cells)} of {len(pairs)} cells",
            file=sys.stderr,
        )
        raise interrupted  # main() exits 130, or 128 + the signal's number
    errors = sum(cell.verdict == "error" for cell in cells)
    if errors:
        print(
            f"pytest-goproxy: {errors} cell(s) broke (verdict `error`): that is a bug or a "
            "broken tool, not what go does; the error says which",
            file=sys.stderr,
        )
        return 1
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
    parser.add_argument(
        "--out",
        metavar="DIR",
        help="write matrix.jsonl into DIR as cells finish, and the reports at the end (also "
        "after Ctrl-C or SIGTERM)",
    )
    parser.add_argument(
        "--modules", help="txtar file/dir or module cache serving the project's modules"
    )
    parser.add_argument(
        "--private",
        metavar="PATTERN",
        help="the project's private modules, a GOPRIVATE-style pattern (e.g. corp.example): only "
        "their origin serves them, the public proxy answers 410 (default for the bundled "
        "example: corp.example; else none; '' for none)",
    )
    parser.add_argument(
        "--tls",
        action="store_true",
        help="serve every proxy and checksum database over HTTPS (a session test CA go trusts), "
        "as real ones are",
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
    "(recovered / failed / hung / unavailable / error). Exit status: 0 when every cell ran "
    "(whatever go did), 1 for a bad argument or a cell that broke (`error`), 130 after Ctrl-C "
    "and 143 after SIGTERM (the finished cells are reported).",
    run=_matrix,
    arguments=_arguments,
)

"""``pytest-goproxy matrix``: the fault x configuration matrix from the command line.

``pytest-goproxy matrix PROJECT_DIR`` is a new user's first command on their own project: a
project without module files has its modules recorded once with the user's Go settings and kept
in the user's cache (:mod:`pytest_goproxy.matrix.own`), and its private pattern is the user's
own. Every usage problem (an unknown name, a bad option value, a directory without go.mod, a
missing --modules) is found before anything is recorded or run: one line, exit status 2.

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

from pytest_goproxy.cli.command import (
    Subcommand,
    check_modules,
    positive_int,
    positive_seconds,
    toolchain_name,
)

if TYPE_CHECKING:
    from pytest_goproxy.matrix.runner import MatrixProject
    from pytest_goproxy.outage.cell import Cell
    from pytest_goproxy.report.expect import Expected

__all__ = ["COMMAND", "DEFAULT_CONFIGS", "DEFAULT_FAULTS", "DEFAULT_TLS_FAULTS"]

#: The default cells' faults; "none" is ``outage.faults.NO_FAULT``, written out so that building
#: the parser imports no fault catalogue (a test checks the names).
DEFAULT_FAULTS = ("none", "refused", "dns", "reset", "blackhole", "truncate", "status")
#: ``--tls`` without ``--faults``: the same, and the HTTP/2 faults users report most (a stream
#: reset mid-body, a GOAWAY with a stream in flight, DATA before HEADERS), which only HTTPS has.
DEFAULT_TLS_FAULTS = (*DEFAULT_FAULTS, "rst_stream", "goaway", "h2_protocol_error")
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


def _project(args: argparse.Namespace) -> MatrixProject:
    """The project and its modules, every usage problem raised as a UsageError before anything
    is recorded; then the recording, when the project needs one."""
    import dataclasses

    from pytest_goproxy.errors import UsageError
    from pytest_goproxy.matrix.own import check_private_pattern
    from pytest_goproxy.matrix.runner import MatrixProject

    private = None if args.private is None else check_private_pattern(args.private)
    check_modules(args.modules)
    if args.project is None:
        asked = [f for f, on in (("--refresh", args.refresh), ("--origins", args.origins)) if on]
        if asked:
            raise UsageError(
                f"{' and '.join(asked)} records a project's modules: name the project "
                "(PROJECT_DIR); the bundled example has its modules"
            )
        project = MatrixProject.of(None, args.modules, private)
        if private is not None:
            project = dataclasses.replace(project, private_source="given with --private")
        return project
    return MatrixProject.user(
        args.project,
        args.modules,
        private,
        record=not args.no_record,
        refresh=args.refresh,
        origins=args.origins,
        go=args.go,
    )


def _matrix(args: argparse.Namespace) -> int:
    from rich.console import Console

    from pytest_goproxy.configs import config_names
    from pytest_goproxy.literal import SUMDB_NOTE, literal_configuration
    from pytest_goproxy.matrix.runner import MatrixRunner, check_names
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
    expected = _expected(args)  # so does a missing or malformed --expect file
    toolchain = args.toolchain
    faults = _names(
        args.faults, DEFAULT_TLS_FAULTS if args.tls else DEFAULT_FAULTS, all_fault_names()
    )
    # --env lines are columns of their own; alone, they are the only ones
    default_configs = () if args.env and args.configs is None else DEFAULT_CONFIGS
    configs = [*_names(args.configs, default_configs, config_names()), *(args.env or [])]
    check_names(faults, configs)
    project = _project(args)  # may record (network, once): after every check above
    pairs = [(f, c) for f in faults for c in configs]
    where = args.project or "the bundled example"
    private = project.private_caption()
    title = f"pytest-goproxy outage matrix: {where}" + (" over HTTPS" if args.tls else "")
    title += f" ({private})"
    if any(literal_configuration(c).served for c in configs if "=" in c):
        title += f"; {SUMDB_NOTE}"
    if toolchain is not None:
        title += f", switching to a synthetic {toolchain}"
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
                toolchain=toolchain,
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
            info = MatrixInfo.today(where, DEFAULT_COMMAND, go_version, private)
            written = write_reports(cells, out, formats, title=title, info=info)
            for fmt, path in written.items():
                print(f"{fmt}: {path}", file=sys.stderr)
    if interrupted is not None:
        print(
            f"pytest-goproxy: interrupted after {len(cells)} of {len(pairs)} cells",
            file=sys.stderr,
        )
        raise interrupted  # main() exits 130, or 128 + the signal's number
    regressed = _gate(args, expected, cells)
    errors = sum(cell.verdict == "error" for cell in cells)
    if errors:
        print(
            f"pytest-goproxy: {errors} cell(s) broke (verdict `error`): that is a bug or a "
            "broken tool, not what go does; the error says which",
            file=sys.stderr,
        )
        return 1
    return 1 if regressed else 0


def _expected(args: argparse.Namespace) -> dict[tuple[str, str], Expected] | None:
    """The cells ``--expect FILE`` expects (None without it, or when ``--update-expect`` is
    about to rewrite it); every problem with the file is found before any cell runs."""
    from pytest_goproxy.errors import UsageError
    from pytest_goproxy.report.expect import load_expected

    if args.update_expect and not args.expect:
        raise UsageError("--update-expect rewrites the --expect FILE: name it")
    if args.expect is None or args.update_expect:
        return None
    return load_expected(args.expect)


def _gate(
    args: argparse.Namespace, expected: dict[tuple[str, str], Expected] | None, cells: list[Cell]
) -> bool:
    """Compare with ``--expect`` (print the cells that changed), or rewrite it with
    ``--update-expect``; True when a cell regressed."""
    from pytest_goproxy.report.expect import compare, diff_lines, update

    if args.update_expect:
        update(args.expect, cells)
        print(f"expected matrix: {args.expect} rewritten from this run", file=sys.stderr)
        return False
    if expected is None:
        return False
    changes = compare(expected, cells)
    print("\n".join(diff_lines(changes)), flush=True)
    return any(change.kind == "regression" for change in changes)


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "project",
        nargs="?",
        metavar="PROJECT_DIR",
        help="your Go module (default: the bundled example); its dependencies come from "
        "--modules, else its testdata/mod, modules or .goproxy/modules directory, else a "
        "snapshot recorded once with your Go settings and kept in "
        "${PYTEST_GOPROXY_CACHE:-${XDG_CACHE_HOME:-~/.cache}/pytest-goproxy}/snapshots/ "
        "(recorded again when go.mod or go.sum changes)",
    )
    parser.add_argument(
        "--faults",
        help=f"comma-separated fault names, or `all` (default: {','.join(DEFAULT_FAULTS)}; "
        f"with --tls also {','.join(DEFAULT_TLS_FAULTS[len(DEFAULT_FAULTS) :])})",
    )
    parser.add_argument(
        "--configs",
        help="comma-separated configuration names, or `all` "
        f"(default: {','.join(DEFAULT_CONFIGS)}; none when --env is given)",
    )
    parser.add_argument(
        "--env",
        action="append",
        metavar="'GOPROXY=... GONOSUMDB=...'",
        help="your own Go settings, literally, as one more column (repeatable): every https:// "
        "host in GOPROXY is a fake served under that name, `direct` the modules' origins, "
        "sum.golang.org a fake database of that name; put a fault on a host with "
        "--faults refused@goproxy.cn (default: the first entry)",
    )
    parser.add_argument(
        "--jobs", type=positive_int, default=2, help="cells run at once (default 2)"
    )
    parser.add_argument(
        "--timeout",
        type=positive_seconds,
        default=10.0,
        help="deadline of one go command in seconds; a hang costs all of it (default 10)",
    )
    parser.add_argument(
        "--format",
        default="table,json,md,svg,html",
        help="report formats written with --out: table,json,md,svg,html (default: all; html is "
        "one self-contained page with each cell's why, the file to publish from CI)",
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        help="write matrix.jsonl into DIR as cells finish, and the reports at the end (also "
        "after Ctrl-C or SIGTERM)",
    )
    parser.add_argument(
        "--modules",
        metavar="DIR",
        help="a snapshot (`pytest-goproxy record`), module cache or txtar file/dir serving the "
        "project's modules; nothing is recorded then",
    )
    parser.add_argument(
        "--refresh",
        action="store_true",
        help="record PROJECT_DIR's modules again, replacing its kept snapshot",
    )
    parser.add_argument(
        "--no-record",
        action="store_true",
        help="never record: without module files or a kept snapshot, fail (exit 2)",
    )
    parser.add_argument(
        "--origins",
        action="store_true",
        help="record with the real git commits of each module's origin too "
        "(`record --origins`), so cells that fetch directly can replay them",
    )
    parser.add_argument(
        "--private",
        metavar="PATTERN",
        help="the project's private modules, a GOPRIVATE-style pattern (e.g. corp.example): only "
        "their origin serves them, the public proxy answers 410, and it is the {private} of the "
        "goprivate/gonoproxy/... configurations (default: yours, GOPRIVATE else GONOPROXY else "
        "GONOSUMDB as the snapshot recorded them or `go env` says; the bundled example's: "
        "corp.example; '' for none, and the private configurations then equal their public "
        "twins)",
    )
    parser.add_argument(
        "--tls",
        action="store_true",
        help="serve every proxy and checksum database over HTTPS (a session test CA go trusts), "
        "as real ones are",
    )
    parser.add_argument(
        "--toolchain",
        metavar="NAME",
        type=toolchain_name,
        help="start every cell with a toolchain switch to NAME (e.g. go1.99.0): the proxies "
        "serve it as a synthetic toolchain that runs the local go, the project's go.mod gets "
        "`toolchain NAME` and go runs with GOTOOLCHAIN=auto (Go's default) unless a "
        "configuration sets its own (gotoolchain_local)",
    )
    parser.add_argument(
        "--expect",
        metavar="FILE",
        help="the resilience gate: compare each cell's verdict and failure class with this "
        "matrix.json (checked in), print the cells that changed and exit 1 when one got worse; "
        'a racy cell may list the outcomes it accepts ("accept": ["failed RESET", "failed '
        'TRUNCATED"])',
    )
    parser.add_argument(
        "--update-expect",
        action="store_true",
        help="rewrite the --expect FILE from this run (keeping each cell's accept)",
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
    "(recovered / failed / hung / unavailable / error). PROJECT_DIR without module files is "
    "recorded first, once, with your Go settings (the one step that uses the network; see "
    "PROJECT_DIR). Exit status: 0 when every cell ran (whatever go did); 1 when a cell broke "
    "(`error`), or recording or a tool failed; 2 for a usage error (a bad option or value, an "
    "unknown fault or configuration, a PROJECT_DIR without go.mod, a missing --modules), "
    "found before anything is recorded or run; 130 after Ctrl-C and 143 after SIGTERM (the "
    "finished cells are reported). With --expect FILE, 1 also when a cell got worse than the "
    "file expects.",
    run=_matrix,
    arguments=_arguments,
)

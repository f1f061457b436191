"""``pytest-goproxy run [PATH ...] [--project DIR] [--json FILE] [--html FILE] [-v]``: scenario
files run, with what was expected, what happened and why (``--html``: one page with all of it).

Exit status: 0 every scenario did what its file expects; 1 a mismatch, or a scenario that could
not run here (``unavailable`` is never a pass: in CI a missing toxiproxy must not look like a
green run); 2 a bad file or bad usage (every bad file is reported, and nothing runs); 130
interrupted (Ctrl-C; the finished scenarios are still printed and written to ``--json``).

On a terminal: the running scenario with its elapsed time, then a table (when the terminal is
wide enough for it). In a pipe or a CI log: one line per finished scenario (a second one for a
mismatch: the line that matters), a ``started`` line for a scenario still running after 5 s, and
a summary. ``-v`` adds the why; ``--json`` has all of it, keys whole.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pytest_goproxy.cli.command import Subcommand, add_go_option, add_width_option

if TYPE_CHECKING:
    from pytest_goproxy.scenarios.runner import ScenarioResult

__all__ = ["COMMAND", "EXIT_BAD_INPUT", "EXIT_INTERRUPTED", "EXIT_MISMATCH"]

#: A scenario did not do what its file expects, or could not run here.
EXIT_MISMATCH = 1
#: A bad scenario file, path or option: nothing was run.
EXIT_BAD_INPUT = 2
#: Ctrl-C (128 + SIGINT, what a shell reports for a process killed by it).
EXIT_INTERRUPTED = 130


def _error(message: str) -> None:
    print(f"pytest-goproxy: error: {message}", file=sys.stderr)


def _is_go_project(path: str) -> bool:
    from pathlib import Path

    return (Path(path) / "go.mod").is_file()


def _has_scenarios(path: str) -> bool:
    from pathlib import Path

    return any(Path(path).rglob("*.toml"))


def _paths_and_project(args: argparse.Namespace) -> tuple[list[str], str | None, list[str]]:
    """The scenario paths, the project, and what is wrong with them (usage errors)."""
    from pytest_goproxy.scenarios import BUNDLED

    paths: list[str] = list(args.paths) or [str(BUNDLED)]
    project: str | None = args.project
    problems = []
    # The old form `run PATH PROJECT_DIR`, kept where it cannot be misread: the last of several
    # paths is a Go module (go.mod) holding no scenario file.
    if len(paths) > 1 and _is_go_project(paths[-1]) and not _has_scenarios(paths[-1]):
        if project is not None:
            problems.append(f"{paths[-1]} is a Go project and --project {project} is another")
        else:
            project = paths.pop()
            print(
                f"pytest-goproxy: note: taking {project} as the project; "
                f"the new form is --project {project}",
                file=sys.stderr,
            )
    if project is not None and not _is_go_project(project):
        problems.append(f"--project {project}: not a Go module (no go.mod in it)")
    for path in paths:
        if _is_go_project(path) and not _has_scenarios(path):
            problems.append(
                f"{path} is a Go project, not a scenario file or directory: "
                f"pass it as --project {path}"
            )
    return paths, project, problems


def _html(results: Sequence[ScenarioResult], go_version: str | None) -> str:
    """The scenario results as one self-contained HTML page (``--html FILE``)."""
    import datetime

    from pytest_goproxy.outage.cell import Cell
    from pytest_goproxy.report.html import ScenarioRow, scenarios_html

    rows = [
        ScenarioRow(
            r.scenario.name,
            Cell(
                r.scenario.faults_label(),
                r.scenario.config_label(),
                r.verdict,
                r.failure,
                r.seconds,
                r.error,
                details=r.details,
            ),
            r.scenario.expected_label(),
            r.passed,
            r.mismatch,
            str(r.scenario.path) if r.scenario.path else None,
            r.why,
        )
        for r in results
    ]
    when = [text for text in (go_version, datetime.date.today().isoformat()) if text]
    return scenarios_html(rows, caption=", ".join(when))


def _run(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from rich.console import Console
    from rich.text import Text

    from pytest_goproxy.report.lines import PlainProgress
    from pytest_goproxy.report.terminal import RunningProgress, fits
    from pytest_goproxy.scenarios.runner import (
        ScenarioRunner,
        load_scenarios,
        result_lines,
        results_table,
        summary_line,
    )

    paths, project, problems = _paths_and_project(args)
    for problem in problems:
        _error(problem)
    if problems:
        return EXIT_BAD_INPUT
    scenarios, bad = load_scenarios(paths)
    for exc in bad:
        _error(str(exc))
    if bad:
        n = len(bad)
        print(
            f"pytest-goproxy: {n} bad scenario file{'' if n == 1 else 's'} or path"
            f"{'' if n == 1 else 's'}; nothing was run",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT

    console = Console(width=args.width)
    terminal = sys.stdout.isatty() and console.is_terminal
    results: list[ScenarioResult] = []
    runner_go: str | None = None
    interrupted = False
    display: RunningProgress | PlainProgress
    if terminal:
        display = RunningProgress(len(scenarios), label="run", console=Console(stderr=True))
    else:
        display = PlainProgress(sys.stdout)

    def finished(r: ScenarioResult) -> None:
        results.append(r)
        lines = result_lines(r, verbose=args.verbose)
        if isinstance(display, RunningProgress):
            style = "green" if r.passed else ("yellow" if r.verdict == "unavailable" else "red")
            display.end(r.scenario.name, Text(lines[0], style=style), last=r.got_label())
        else:
            display.end(r.scenario.name, lines)

    try:
        with display, ScenarioRunner(go=args.go, toxiproxy_bin=args.toxiproxy_bin) as runner:
            runner_go = runner.runner.version
            for s in scenarios:
                display.begin(s.name)
                finished(runner.run(s, project))
    except KeyboardInterrupt:
        interrupted = True

    if terminal or args.width is not None:
        table = results_table(results)
        if results and fits(console, table):
            console.print(table)
        elif results:
            print(
                f"(the table needs more than {console.width} columns: one line per scenario)",
                file=sys.stderr,
            )
            for r in results:
                print("\n".join(result_lines(r, verbose=args.verbose)))
    print(summary_line(results, interrupted=interrupted), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps([r.to_dict() for r in results], indent=2) + "\n")
    if args.html:
        Path(args.html).write_text(_html(results, runner_go), encoding="utf-8")
        print(f"html: {args.html}", file=sys.stderr)
    if interrupted:
        print(
            f"pytest-goproxy: interrupted after {len(results)} of {len(scenarios)} scenarios",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    return 0 if all(r.passed for r in results) else EXIT_MISMATCH


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="scenario files, or directories (every *.toml below); default: the bundled library",
    )
    parser.add_argument(
        "--project",
        metavar="DIR",
        default=None,
        help="run every scenario on this Go project instead of the file's",
    )
    add_go_option(parser)
    parser.add_argument("--toxiproxy-bin", default=None, help="toxiproxy server binary")
    parser.add_argument(
        "--json", default=None, metavar="FILE", help="also write results (with the why) as JSON"
    )
    parser.add_argument(
        "--html",
        default=None,
        metavar="FILE",
        help="also write the results as one self-contained HTML page (each scenario's "
        "environment, faults, requests and go's error lines)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="print the why of every scenario"
    )
    add_width_option(parser)


#: ``pytest-goproxy run``
COMMAND = Subcommand(
    "run",
    help="run scenario files (an outage each) and print what happened and why",
    description="Run each scenario (a TOML file, or every *.toml below a directory; default: "
    "the bundled library of outages) with real go and real toxiproxy and print expected vs got "
    "and why. Exit status: 0 all as expected, 1 a mismatch or an unavailable scenario, 2 a bad "
    "file or usage (every bad file is reported; nothing runs), 130 interrupted.",
    run=_run,
    arguments=_arguments,
)

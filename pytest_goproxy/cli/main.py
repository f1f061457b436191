"""The ``pytest-goproxy`` command: small helpers around the plugin (argparse, thin).

``pytest-goproxy install-toxiproxy [--dir DIR]`` builds toxiproxy if needed and prints the binary's
path on stdout (progress goes to stderr), so CI can do
``TOXIPROXY_BIN="$(pytest-goproxy install-toxiproxy --dir .ci-cache/toxiproxy)"``.
``pytest-goproxy docs [README.md] [--check]`` regenerates README's catalogue tables.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pytest_goproxy.cli.matrix import add_matrix_command
from pytest_goproxy.errors import GoProxyError

__all__ = ["main"]


def _install_toxiproxy(args: argparse.Namespace) -> int:
    from pytest_goproxy.network.server import build_toxiproxy

    binary = build_toxiproxy(args.dir, log=sys.stderr)
    print(binary)
    return 0


def _docs(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pytest_goproxy.report.readme import update_readme

    path = Path(args.readme)
    changed = update_readme(path, check=args.check)
    if changed and args.check:
        print(f"{path} is out of date: run `pytest-goproxy docs {path}`", file=sys.stderr)
        return 1
    print(f"{path} {'updated' if changed else 'is up to date'}", file=sys.stderr)
    return 0


def _record(args: argparse.Namespace) -> int:
    from pytest_goproxy.record import record

    result = record(args.project, args.out, timeout=args.timeout)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(
        f"recorded {len(result.versions)} module versions of {result.module} "
        f"({result.with_zip} with zips) into {result.snapshot}",
        file=sys.stderr,
    )
    print(result.snapshot)
    return 0


def _add_record(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rec = commands.add_parser(
        "record",
        help="download a project's module closure (your Go settings, network once) to replay "
        "it offline",
        description="Run `go mod download all` (and go.sum's other versions, and `go mod tidy`) "
        "for PROJECT_DIR with your own Go environment (GOPROXY, GOFLAGS, GOPRIVATE, auth) and a "
        "fresh module cache, in a copy of the project; store the closure in module-cache layout "
        "with the project's go.sum in SNAPSHOT_DIR. Replay it with "
        "`Snapshot.load(SNAPSHOT_DIR).serve()` or a scenario's `modules = SNAPSHOT_DIR`.",
    )
    rec.add_argument("project", metavar="PROJECT_DIR", help="the Go module's root directory")
    rec.add_argument("--out", required=True, metavar="SNAPSHOT_DIR", help="new, empty directory")
    rec.add_argument(
        "--timeout", type=float, default=1800.0, help="seconds per go command (default 1800)"
    )
    rec.set_defaults(func=_record)


def _run(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from rich.console import Console

    from pytest_goproxy.scenarios import BUNDLED, ScenarioRunner, results_table, run_files

    err = Console(stderr=True)
    paths = args.paths or [str(BUNDLED)]
    with ScenarioRunner(go=args.go, toxiproxy_bin=args.toxiproxy_bin) as runner:
        results = run_files(
            paths,
            args.project,
            runner=runner,
            progress=lambda r: err.print(
                f"{'ok  ' if r.passed else 'FAIL'} {r.scenario.name}: {r.got_label()} "
                f"({r.seconds:.1f} s)"
            ),
        )
    Console(width=args.width).print(results_table(results))
    if args.json:
        Path(args.json).write_text(json.dumps([r.to_dict() for r in results], indent=2) + "\n")
    return 0 if all(r.passed for r in results) else 1


def _add_run(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = commands.add_parser(
        "run",
        help="run scenario files (an outage each) and print what happened and why",
        description="Run each scenario (a TOML file, or every *.toml below a directory; default: "
        "the bundled library of outages) with real go and real toxiproxy, print a table of "
        "expected vs got and why, exit 1 if any did not match its [expect].",
    )
    run.add_argument("paths", nargs="?", action="append", metavar="PATH", default=None)
    run.add_argument(
        "project",
        nargs="?",
        metavar="PROJECT_DIR",
        default=None,
        help="run every scenario on this Go project instead of the file's",
    )
    run.add_argument("--go", default=None, help="the go binary (default: go on PATH)")
    run.add_argument("--toxiproxy-bin", default=None, help="toxiproxy server binary")
    run.add_argument("--json", default=None, metavar="FILE", help="also write results as JSON")
    run.add_argument("--width", type=int, default=None, help="table width (default: terminal)")
    run.set_defaults(func=_run)


def _serve(args: argparse.Namespace) -> int:
    import signal
    import threading

    from pytest_goproxy.serve import OutageServer, parse_fault_arg

    stop = threading.Event()
    previous = {s: signal.signal(s, lambda *_: stop.set()) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with OutageServer(args.modules, toxiproxy_bin=args.toxiproxy_bin) as server:
            for text in args.fault or []:
                server.add_fault(*parse_fault_arg(text))
            for line in server.export_lines():
                print(line)
            print(
                f"# control: curl -X POST {server.control_url}/faults "
                '-d \'{"name": "refused"}\'; curl -X DELETE '
                f"{server.control_url}/faults"
            )
            print(f"# faults: {server.faults()}")
            print("# serving; Ctrl-C stops everything", flush=True)
            stop.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("# stopped", file=sys.stderr)
    return 0


def _add_serve(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser(
        "serve",
        help="run the fake proxy, checksum database and toxiproxy until Ctrl-C; switch faults "
        "over HTTP",
        description="Start a fake GOPROXY serving DIR (txtar files or a recorded snapshot; "
        "default: the bundled modules), a checksum database and a toxiproxy endpoint in front "
        "of the proxy; print `export GOPROXY=... GOSUMDB=...` lines; switch faults with the "
        'control endpoint (POST /faults {"name": ..., "params": {...}}, DELETE /faults, '
        "GET /faults, GET /env). Ctrl-C or SIGTERM stops everything.",
    )
    serve.add_argument("--modules", default=None, metavar="DIR")
    serve.add_argument(
        "--fault",
        action="append",
        metavar="NAME[:K=V,...]",
        help="a fault from the start, e.g. refused or status:code=502,kind=zip (repeatable)",
    )
    serve.add_argument("--toxiproxy-bin", default=None, help="toxiproxy server binary")
    serve.set_defaults(func=_serve)


def _probe(args: argparse.Namespace) -> int:
    from rich.console import Console

    from pytest_goproxy.probe import explanation, probe, report_table, write_scenario

    report = probe(module=args.module, timeout=args.timeout, go=args.go)
    console = Console(width=args.width)
    console.print(report_table(report))
    for line in explanation(report):
        console.print(line, markup=False, highlight=False)
    if args.write_scenario:
        written = write_scenario(report, args.write_scenario)
        print(f"wrote {written}; replay it: pytest-goproxy run {written}", file=sys.stderr)
    return report.exit_code


def _add_probe(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    probe = commands.add_parser(
        "probe",
        help="probe your GOPROXY entries and checksum database, say what go will do",
        description="Read `go env -json` (your environment), probe each GOPROXY entry (DNS, TCP, "
        "TLS, GET <entry>/<module>/@v/list) and the checksum database, classify each like a "
        "troubleshooting table, explain what go does given `,` and `|`; exit 0 when go would "
        "succeed, 1 otherwise. --write-scenario FILE writes a scenario reproducing it for "
        "`pytest-goproxy run`.",
    )
    probe.add_argument(
        "--module",
        default="golang.org/x/text",
        help="a module your proxies serve (default golang.org/x/text)",
    )
    probe.add_argument("--timeout", type=float, default=3.0, help="seconds per step (default 3)")
    probe.add_argument("--write-scenario", default=None, metavar="FILE")
    probe.add_argument("--go", default=None, help="the go binary (default: go on PATH)")
    probe.add_argument("--width", type=int, default=None, help="table width (default: terminal)")
    probe.set_defaults(func=_probe)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pytest-goproxy", description="Helpers for the pytest-goproxy plugin."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    install = commands.add_parser(
        "install-toxiproxy",
        help="build toxiproxy with `go install` if needed and print the binary path",
        description="Build toxiproxy (go install, needs the network once) into DIR unless a "
        "binary of the pinned version is already there; print its path on stdout.",
    )
    install.add_argument(
        "--dir", default=None, help="directory for the binary (default: the user cache dir)"
    )
    install.set_defaults(func=_install_toxiproxy)
    docs = commands.add_parser(
        "docs",
        help="regenerate README's generated tables (fault and configuration catalogues)",
        description="Rewrite the blocks between `<!-- BEGIN generated: NAME -->` and "
        "`<!-- END generated: NAME -->` from the catalogues.",
    )
    docs.add_argument("readme", nargs="?", default="README.md", help="default: README.md")
    docs.add_argument("--check", action="store_true", help="fail if the file is out of date")
    docs.set_defaults(func=_docs)
    _add_record(commands)
    _add_run(commands)
    _add_serve(commands)
    _add_probe(commands)
    add_matrix_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except GoProxyError as exc:
        print(f"pytest-goproxy: error: {exc}", file=sys.stderr)
        return 1
    return result


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

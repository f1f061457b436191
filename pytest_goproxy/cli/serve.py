"""``pytest-goproxy serve``: the fake proxy, checksum database and toxiproxy held open for a shell,
with faults switched over HTTP."""

from __future__ import annotations

import argparse
import sys

from pytest_goproxy.cli.command import Subcommand

__all__ = ["COMMAND"]


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


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--modules", default=None, metavar="DIR")
    parser.add_argument(
        "--fault",
        action="append",
        metavar="NAME[:K=V,...]",
        help="a fault from the start, e.g. refused or status:code=502,kind=zip (repeatable)",
    )
    parser.add_argument("--toxiproxy-bin", default=None, help="toxiproxy server binary")


#: ``pytest-goproxy serve``
COMMAND = Subcommand(
    "serve",
    help="run the fake proxy, checksum database and toxiproxy until Ctrl-C; switch faults "
    "over HTTP",
    description="Start a fake GOPROXY serving DIR (txtar files or a recorded snapshot; "
    "default: the bundled modules), a checksum database and a toxiproxy endpoint in front "
    "of the proxy; print `export GOPROXY=... GOSUMDB=...` lines; switch faults with the "
    'control endpoint (POST /faults {"name": ..., "params": {...}}, DELETE /faults, '
    "GET /faults, GET /env). Ctrl-C or SIGTERM stops everything.",
    run=_serve,
    arguments=_arguments,
)

"""``pytest-goproxy serve``: the fake proxy, checksum database and toxiproxy held open for a shell,
with faults switched over HTTP."""

from __future__ import annotations

import argparse
import sys

from pytest_goproxy.cli.command import (
    Subcommand,
    check_modules,
    non_negative_seconds,
    toolchain_name,
)

__all__ = ["COMMAND"]


def _serve(args: argparse.Namespace) -> int:
    import signal
    import threading

    from pytest_goproxy.serve import OutageServer, parse_fault_arg

    check_modules(args.modules)
    faults = [parse_fault_arg(text) for text in args.fault or []]
    stop = threading.Event()
    stopping = [signal.SIGINT, signal.SIGTERM] + (
        [signal.SIGHUP] if hasattr(signal, "SIGHUP") else []
    )
    previous = {s: signal.signal(s, lambda *_: stop.set()) for s in stopping}
    try:
        with OutageServer(
            args.modules,
            toxiproxy_bin=args.toxiproxy_bin,
            faults=faults,
            log=_print,
            quiet=args.quiet,
            summary_every=args.summary_every,
            tls=args.tls,
            toolchain=args.toolchain,
        ) as server:
            for line in server.export_lines():
                print(line)
            print(
                f"# control: curl -X POST {server.control_url}/faults "
                "-H 'Content-Type: application/json' "
                '-d \'{"name": "refused"}\'; curl -X DELETE '
                f"{server.control_url}/faults"
            )
            print(f"# faults: {server.describe_faults()}")
            print(
                "# the dns and dial_timeout faults change GOPROXY: re-run the export line "
                "printed then"
            )
            print("# serving; Ctrl-C stops everything", flush=True)
            stop.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("# stopped", file=sys.stderr)
    return 0


def _print(line: str) -> None:
    print(line, flush=True)


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--modules", default=None, metavar="DIR")
    parser.add_argument(
        "--fault",
        action="append",
        metavar="NAME[:K=V,...]",
        help="a fault from the start, e.g. refused or status:code=502,kind=zip (repeatable)",
    )
    parser.add_argument("--toxiproxy-bin", default=None, help="toxiproxy server binary")
    parser.add_argument(
        "--toolchain",
        metavar="NAME",
        default=None,
        type=toolchain_name,
        help="also serve a synthetic toolchain NAME (e.g. go1.99.0, running this machine's go), "
        "so a go.mod with `toolchain NAME` switches through the proxy (GOTOOLCHAIN=auto)",
    )
    parser.add_argument(
        "--tls",
        action="store_true",
        help="serve the proxy and the checksum database over HTTPS (HTTP/2 offered, as real "
        "proxies do) with a test CA, exported in SSL_CERT_FILE beside the system's roots; the "
        "TLS and HTTP/2 faults need it",
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="log neither fault changes nor request summaries (changed export lines still print)",
    )
    parser.add_argument(
        "--summary-every",
        type=non_negative_seconds,
        default=5.0,
        metavar="S",
        help="seconds between request summaries, printed when there were new requests "
        "(default 5; 0: none)",
    )


#: ``pytest-goproxy serve``
COMMAND = Subcommand(
    "serve",
    help="run the fake proxy, checksum database and toxiproxy until Ctrl-C; switch faults "
    "over HTTP",
    description="Start a fake GOPROXY serving DIR (txtar files or a recorded snapshot; "
    "default: the bundled modules), a checksum database and a toxiproxy endpoint in front "
    "of the proxy; print `export GOPROXY=... GOSUMDB=...` lines; switch faults with the "
    'control endpoint (POST /faults {"name": ..., "params": {...}}, DELETE /faults, '
    "GET /faults, GET /env). The dns and dial_timeout faults change GOPROXY: the new export "
    "line is printed and in the control answer. Fault changes and a summary of requests are "
    "logged (-q: not). Ctrl-C, SIGTERM or SIGHUP stops everything; should serve be killed "
    "outright (SIGKILL), a watchdog process still ends its toxiproxy and removes its files.",
    run=_serve,
    arguments=_arguments,
)

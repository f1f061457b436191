"""What go does when real nginx sends GOAWAY after ``keepalive_requests`` (issue 24): the
cross-check of our own ``goaway`` fault against a real server.

``NginxRelay(tls=True, keepalive_requests=N)`` (nginx over HTTPS, ``h2`` by ALPN) in front of a
plain-HTTP FakeGoProxy; go downloads ``--modules`` modules of ``--blob`` bytes through it, each
run with a cold module cache. Cases:

* loopback, HTTP/2, a GOAWAY every 1, 2 and 10 streams;
* 20 ms of latency (toxiproxy's ``latency`` toxic, nginx towards go), HTTP/2, ``keepalive_requests
  1``: a GOAWAY with a response in flight;
* the same path with go's HTTP/2 client off (``GODEBUG=http2client=0``: nginx closes after every
  HTTP/1.1 answer), and with HTTP/2 but no GOAWAY (``keepalive_requests 1000``): the controls.

For each run: whether go succeeded, whether its output holds ``http2: server sent GOAWAY and
closed the connection``, its classification, its first error line, and how many connections
nginx served. Run on demand (real go, nginx and toxiproxy; ``TOXIPROXY_BIN`` or toxiproxy on
PATH)::

    python benchmarks/nginx_goaway.py --runs 6

Results are printed and written to ``benchmarks/results/nginx_goaway.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pytest_goproxy import FakeGoProxy, GoRunner
from pytest_goproxy.network import Toxiproxy
from pytest_goproxy.network.server import find_toxiproxy
from pytest_goproxy.network.session import start_toxiproxy
from pytest_goproxy.outage.relay import NginxRelay, find_nginx

GOAWAY = "http2: server sent GOAWAY and closed the connection"
#: (name, keepalive_requests, latency in ms or 0, GODEBUG)
CASES = [
    ("loopback-h2-goaway-every-1", 1, 0, ""),
    ("loopback-h2-goaway-every-2", 2, 0, ""),
    ("loopback-h2-goaway-every-10", 10, 0, ""),
    ("latency20-h2-goaway-every-1", 1, 20, ""),
    ("latency20-http1-closed-every-request", 1, 20, "http2client=0"),
    ("latency20-h2-no-goaway", 1000, 20, ""),
]


@contextmanager
def fronted(toxiproxy: Toxiproxy, relay: NginxRelay, latency: int) -> Iterator[str]:
    """The URL go uses: the relay's own, or a toxiproxy endpoint with ``latency`` ms."""
    if not latency:
        yield relay.url
        return
    with toxiproxy.network() as network:
        endpoint = network.front(relay)
        endpoint.inject("latency", ms=latency)
        yield endpoint.url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--modules", type=int, default=40)
    parser.add_argument("--blob", type=int, default=250_000, help="random bytes (hex) a module")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()
    binary = find_toxiproxy(os.environ.get("TOXIPROXY_BIN"))
    if binary is None:
        raise SystemExit("toxiproxy not found: set TOXIPROXY_BIN")
    nginx_binary = find_nginx()
    if nginx_binary is None:
        raise SystemExit("nginx not found (apt-get install -y nginx)")
    nginx = subprocess.run([nginx_binary, "-v"], capture_output=True, text=True, check=False)
    load_start = os.getloadavg()
    results: dict[str, list[dict[str, Any]]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="nginx-goaway-") as work,
        GoRunner(workdir=work) as go,
        start_toxiproxy(binary) as toxiproxy,
        FakeGoProxy(workdir=Path(work) / "store") as upstream,
    ):
        requires = {}
        for i in range(args.modules):
            module = f"example.test/m{i:02d}"
            files = {"m.go": f"package m{i:02d}\n", "blob.txt": os.urandom(args.blob).hex()}
            upstream.add_module(module, "v1.0.0", files=files)
            requires[module] = "v1.0.0"
        project = go.project(requires=requires)
        for name, keepalive, latency, godebug in CASES:
            runs = results[name] = []
            for _ in range(args.runs):
                with NginxRelay(upstream.url, tls=True, keepalive_requests=keepalive) as relay:
                    with fronted(toxiproxy, relay, latency) as url:
                        env = {"GOPROXY": url, "GOSUMDB": "off", "GOFLAGS": "-mod=mod"}
                        if godebug:
                            env["GODEBUG"] = godebug
                        cache = go.module_cache()
                        try:
                            result = go.run(
                                ["mod", "download", "all"],
                                cwd=project.path,
                                env=env,
                                modcache=cache,
                                timeout=120,
                            )
                        finally:
                            cache.remove()
                    log = [line.split() for line in relay.access_log()]
                    go_rows = [row for row in log if "/@v/" in row[0]]
                runs.append(
                    {
                        "ok": result.ok,
                        "goaway_text": GOAWAY in result.stderr,
                        "failure": result.failure.value if result.failure else None,
                        "h2_error": result.h2_error,
                        "line": result.classification.line if result.classification else None,
                        "protocols": sorted({row[2] for row in go_rows}),
                        "connections": len({row[3] for row in go_rows}),
                        "seconds": round(result.duration, 2),
                    }
                )
            summary = {
                "ok": sum(r["ok"] for r in runs),
                "goaway_text": sum(r["goaway_text"] for r in runs),
            }
            print(name, summary, flush=True)
    out = {
        "benchmark": "go through real nginx over HTTP/2: GOAWAY after keepalive_requests",
        "modules": args.modules,
        "blob_bytes": args.blob,
        "runs": args.runs,
        "summary": {
            name: {
                "runs": len(runs),
                "ok": sum(r["ok"] for r in runs),
                "with_goaway_text": sum(r["goaway_text"] for r in runs),
            }
            for name, runs in results.items()
        },
        "cases": results,
        "go": go.version,
        "nginx": (nginx.stderr or nginx.stdout).strip(),
        "machine": platform.platform(),
        "load_average_start": [round(x, 2) for x in load_start],
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "nginx_goaway.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out["summary"], indent=2))


if __name__ == "__main__":
    main()

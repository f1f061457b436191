"""Peak memory while FakeGoProxy builds and serves a 200 MB module.

Target (issue 2): large modules stream, so serving a 200 MB module must not hold 200 MB in memory.
The module directory is written in 1 MiB pieces, ``add_dir`` builds its zip, and a client reads
the zip over HTTP discarding what it receives. The peak resident set size of the process
(``ru_maxrss``) is read before and after each step.

Run on demand::

    python benchmarks/bench_memory.py --megabytes 200

Results are printed and written to ``benchmarks/results/memory.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import tempfile
import time
from pathlib import Path

from pytest_goproxy import FakeGoProxy

MIB = 1024 * 1024


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def write_module(directory: Path, megabytes: int) -> None:
    directory.mkdir()
    (directory / "go.mod").write_text("module example.test/big\n\ngo 1.21\n")
    (directory / "big.go").write_text("package big\n")
    with (directory / "blob.bin").open("wb") as out:
        for _ in range(megabytes):
            out.write(os.urandom(MIB))  # incompressible: the zip is as big as the data


def download(proxy: FakeGoProxy, path: str) -> int:
    """Read the whole response, keeping at most one 1 MiB buffer; returns the body size."""
    with socket.create_connection((proxy.host, proxy.port), timeout=60) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        received = 0
        while chunk := sock.recv(MIB):
            received += len(chunk)
        return received


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-mem-") as tmp, FakeGoProxy() as proxy:
        write_module(Path(tmp) / "big", args.megabytes)
        start = peak_mib()
        began = time.perf_counter()
        mv = proxy.add_dir(Path(tmp) / "big", "example.test/big", "v1.0.0")
        built = time.perf_counter() - began
        after_build = peak_mib()
        began = time.perf_counter()
        received = download(proxy, "/example.test/big/@v/v1.0.0.zip")
        served = time.perf_counter() - began
        after_serve = peak_mib()

    report = {
        "benchmark": "peak RSS while building and serving one large module",
        "module_megabytes": args.megabytes,
        "zip_bytes": mv.zip_size,
        "bytes_received_with_headers": received,
        "peak_rss_mib": {"before": start, "after_build": after_build, "after_serve": after_serve},
        "growth_mib": {"build": after_build - start, "serve": after_serve - after_build},
        "seconds": {"build": built, "serve": served},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "memory.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

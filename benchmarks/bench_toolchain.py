"""What a toolchain switch costs (issue 25), measured with the real go, never in the test suite.

Two measurements, each round running both sides in turn (the order alternating) so machine noise
hits both alike; medians are compared, never single runs:

* ``synthetic``: the cost a synthetic toolchain adds to ``go mod tidy``. One project requiring
  ``--modules`` small modules, tidied with a cold module cache through FakeGoProxy and its
  checksum database: ``plain`` with ``GOTOOLCHAIN=local``, ``switch`` with ``toolchain go1.99.0``
  in go.mod and ``GOTOOLCHAIN=auto`` (go downloads the synthetic toolchain, checks it in the
  database, execs it, and the local go tidies). Target: at most 0.5 s added (median).
* ``real`` (with ``--real go1.27.3``): the real toolchain zip (about 75 MB) served by FakeGoProxy
  against ``GOPROXY=file://`` over the same bytes (``ModuleStore.export_file_proxy``): ``go mod
  download golang.org/toolchain@v0.0.1-<name>.<GOOS>-<GOARCH>`` into a cold module cache,
  ``GOTOOLCHAIN=local``, outside any module. The zip is downloaded once from the machine's
  GOPROXY (proxy.golang.org) into a cache kept under ``.ci-cache/toolchains/``. go checks a
  toolchain in the checksum database except behind a lone ``file://`` GOPROXY
  (modfetch/sumdb.go ``useSumDB``), so the proxy side also pays for its database lookup: the
  comparison is what a user of each sees. Target: FakeGoProxy's throughput at least 0.8x
  file://'s.

Run on demand::

    .venv/bin/python benchmarks/bench_toolchain.py --rounds 7 --modules 20 --real go1.27.3

Results are printed and written to ``benchmarks/results/toolchain.json``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from pytest_goproxy import ChecksumDB, FakeGoProxy, GoRunner
from pytest_goproxy.gomod.store import ModuleStore
from pytest_goproxy.gomod.toolchain import TOOLCHAIN_MODULE, toolchain_version
from pytest_goproxy.gorun import GoResult

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "toolchain.json"
CACHE = ROOT / ".ci-cache" / "toolchains"
SYNTHETIC = "go1.99.0"


def synthetic(rounds: int, modules: int) -> dict[str, object]:
    """Median ``go mod tidy`` seconds with and without the switch to a synthetic toolchain."""
    seconds: dict[str, list[float]] = {"plain": [], "switch": []}
    with GoRunner(timeout=300) as go, FakeGoProxy() as proxy, ChecksumDB() as db:
        db.attach(proxy)
        proxy.add_toolchain(SYNTHETIC, go=go.binary)
        requires = {}
        for i in range(modules):
            path = f"example.test/dep{i:02d}"
            proxy.add_module(path, "v1.0.0", files={"dep.go": f"package dep{i:02d}\n"})
            requires[path] = "v1.0.0"
        env = {"GOPROXY": proxy.url, **db.env}
        projects = {
            "plain": go.project(requires=requires),
            "switch": go.project(requires=requires, toolchain=SYNTHETIC),
        }
        for project in projects.values():  # untimed warm-up: build cache, page cache
            project.tidy(env=env, gotoolchain="auto").assert_ok()
        for n in range(rounds):
            order = ["plain", "switch"] if n % 2 == 0 else ["switch", "plain"]
            for side in order:
                cache = go.module_cache()
                result = projects[side].tidy(env=env, gotoolchain="auto", modcache=cache)
                result.assert_ok()
                if (result.switched_to == SYNTHETIC) != (side == "switch"):
                    raise SystemExit(f"{side}: go switched to {result.switched_to}")
                seconds[side].append(result.duration)
                cache.remove()
    medians = {side: statistics.median(values) for side, values in seconds.items()}
    return {
        "what": "go mod tidy, cold module cache, with and without a switch to a synthetic "
        "toolchain",
        "modules": modules,
        "seconds": seconds,
        "median_seconds": medians,
        "added_seconds": medians["switch"] - medians["plain"],
        "target_added_seconds": 0.5,
    }


def fetch_real(name: str, goos: str, goarch: str, go: str) -> Path:
    """A module cache download tree holding the real toolchain, fetched once with the machine's
    Go settings (the only network use of this benchmark) and kept in ``CACHE``."""
    version = toolchain_version(name, goos, goarch)
    tree = CACHE / version
    if (tree / "cache" / "download" / TOOLCHAIN_MODULE / "@v" / f"{version}.zip").is_file():
        return tree
    tree.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as empty:
        env = {
            **os.environ,
            "GOMODCACHE": str(tree),
            "GOTOOLCHAIN": "local",
            "GOFLAGS": "-modcacherw",
        }
        subprocess.run(
            [go, "mod", "download", "-json", f"{TOOLCHAIN_MODULE}@{version}"],
            cwd=empty,
            env=env,
            check=True,
            capture_output=True,
        )
    return tree


def download(go: GoRunner, module: str, env: dict[str, str]) -> GoResult:
    cache = go.module_cache()
    try:
        return go.run(["mod", "download", "-json", module], env=env, modcache=cache).assert_ok()
    finally:
        cache.remove()


def real(rounds: int, name: str) -> dict[str, object]:
    """Median seconds of downloading the real toolchain from FakeGoProxy and from file://."""
    seconds: dict[str, list[float]] = {"fakegoproxy": [], "file": []}
    with GoRunner(timeout=600) as go:
        binary = go.binary
        tree = fetch_real(name, binary.goos, binary.goarch, str(binary.path))
        version = toolchain_version(name, binary.goos, binary.goarch)
        module = f"{TOOLCHAIN_MODULE}@{version}"
        with ModuleStore() as store, tempfile.TemporaryDirectory() as files:
            [served] = store.add_module_cache(tree)
            exported = store.export_file_proxy(files)
            with FakeGoProxy(store) as proxy, ChecksumDB() as db:
                db.attach(proxy)
                envs = {
                    "fakegoproxy": {"GOPROXY": proxy.url, **db.env},
                    "file": {"GOPROXY": exported.as_uri(), "GOSUMDB": "off"},
                }
                for env in envs.values():  # untimed warm-up
                    download(go, module, env)
                for n in range(rounds):
                    order = list(envs) if n % 2 == 0 else list(reversed(envs))
                    for side in order:
                        seconds[side].append(download(go, module, envs[side]).duration)
    medians = {side: statistics.median(values) for side, values in seconds.items()}
    size = served.zip_size
    throughput = {side: size / medians[side] / 1e6 for side in medians}
    return {
        "what": f"go mod download {module}, cold module cache, GOTOOLCHAIN=local",
        "zip_bytes": size,
        "seconds": seconds,
        "median_seconds": medians,
        "median_throughput_mb_per_s": throughput,
        "throughput_ratio_fakegoproxy_to_file": throughput["fakegoproxy"] / throughput["file"],
        "target_throughput_ratio": 0.8,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--modules", type=int, default=20)
    parser.add_argument("--real", metavar="NAME", help="also measure this real toolchain")
    args = parser.parse_args()
    results: dict[str, object] = {
        "benchmark": "toolchain switch (issue 25)",
        "date": datetime.date.today().isoformat(),
        "rounds": args.rounds,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cpu",
        "command": " ".join(["benchmarks/bench_toolchain.py", *sys.argv[1:]]),
    }
    with GoRunner() as go:
        results["go"] = go.version
    results["synthetic"] = synthetic(args.rounds, args.modules)
    print(json.dumps(results["synthetic"], indent=1))
    if args.real:
        results["real"] = real(args.rounds, args.real)
        print(json.dumps(results["real"], indent=1))
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written: {RESULTS.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

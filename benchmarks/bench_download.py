"""How fast the real go command downloads a module graph through FakeGoProxy.

Target (issue 2): ``go mod download all`` of a graph of at least 200 modules through FakeGoProxy
takes at most 1.3x the time of ``GOPROXY=file://`` over the same files, which is the speed limit
of the go client itself. Each round downloads into a cold module cache and includes removing it,
alternating the two modes so that machine noise hits both alike.

Run on demand (never part of the test suite)::

    python benchmarks/bench_download.py --modules 300 --rounds 5

Results are printed and written to ``benchmarks/results/download.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

from pytest_goproxy import FakeGoProxy, GoRunner
from pytest_goproxy.gomod import ModuleStore


def module_path(index: int) -> str:
    return f"example.test/graph/m{index:03d}"


def build_graph(store: ModuleStore, count: int) -> dict[str, str]:
    """``count`` modules; module i requires up to three earlier ones, like a real closure."""
    for i in range(count):
        deps = sorted({j for j in (i // 2, i // 3, i - 1) if 0 <= j < i})
        imports = "".join(f'import _ "{module_path(j)}"\n' for j in deps)
        source = f"package m{i:03d}\n\n{imports}\n// N is this module's number.\nconst N = {i}\n"
        store.add_module(
            module_path(i),
            "v1.0.0",
            {f"m{i:03d}.go": source, "README.md": f"module {i}\n" * 20},
            requires={module_path(j): "v1.0.0" for j in deps},
        )
    return {module_path(i): "v1.0.0" for i in range(count)}


def timed_download(runner: GoRunner, project_dir: Path, goproxy: str) -> float:
    cache = runner.module_cache()
    started = time.perf_counter()
    result = runner.run(
        ["mod", "download", "all"],
        cwd=project_dir,
        env={"GOPROXY": goproxy, "GOSUMDB": "off", "GOFLAGS": "-modcacherw -mod=mod"},
        modcache=cache,
    )
    cache.remove()
    elapsed = time.perf_counter() - started
    result.assert_ok()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory(prefix="bench-") as tmp,
        ModuleStore(Path(tmp) / "store") as store,
        FakeGoProxy(store) as proxy,
        GoRunner(workdir=tmp, timeout=900) as runner,
    ):
        requires = build_graph(store, args.modules)
        file_url = store.export_file_proxy(Path(tmp) / "fileproxy").as_uri()
        # No files: the runner generates a main package importing every required module, so
        # `all` covers the whole graph and every zip is downloaded.
        project = runner.project("example.test/bench", requires=requires)
        # One warm-up of each: the go binary and the page cache, not what we measure.
        timed_download(runner, project.path, file_url)
        timed_download(runner, project.path, proxy.url)
        times: dict[str, list[float]] = {"file": [], "fakegoproxy": []}
        for _ in range(args.rounds):
            times["file"].append(timed_download(runner, project.path, file_url))
            times["fakegoproxy"].append(timed_download(runner, project.path, proxy.url))
        requests = len(proxy.request_log)

    medians = {mode: statistics.median(values) for mode, values in times.items()}
    report = {
        "benchmark": "go mod download all, cold module cache, clean-up included",
        "modules": args.modules,
        "rounds": args.rounds,
        "go": runner.version,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}",
        "seconds": times,
        "median_seconds": medians,
        "ratio_fakegoproxy_to_file": medians["fakegoproxy"] / medians["file"],
        "proxy_requests": requests,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "download.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

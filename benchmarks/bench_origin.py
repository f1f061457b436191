"""What a VCS origin costs next to a proxy: ``go mod download`` of the same 20 modules from a
FakeOrigin (git over HTTPS, through the guard's tunnel) and from a FakeGoProxy.

Target (issue 16): at most 3x the proxy's time. git is slower by nature (a meta tag, ``ls-remote``
and a fetch per repository, then go zips the checkout); this measures by how much. The two are
alternated round by round, each into a cold module cache; medians and their ratio are reported.

Run on demand (never part of the test suite)::

    python benchmarks/bench_origin.py --modules 20 --rounds 5

Results are printed and written to ``benchmarks/results/origin.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

from pytest_goproxy import FakeGoProxy, FakeOrigin, GoRunner


def files(i: int) -> dict[str, str]:
    return {f"m{i:02d}.go": f"package m{i:02d}\n\n// N is this module's number.\nconst N = {i}\n"}


def timed(go: GoRunner, project: Path, env: dict[str, str]) -> float:
    cache = go.module_cache()
    started = time.perf_counter()
    result = go.run(["mod", "download", "all"], cwd=project, env=env, modcache=cache)
    elapsed = time.perf_counter() - started
    cache.remove()
    result.assert_ok()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()

    times: dict[str, list[float]] = {"proxy": [], "origin": []}
    with (
        tempfile.TemporaryDirectory(prefix="bench-origin-") as work,
        GoRunner(workdir=work) as go,
        FakeOrigin(("corp.example",), workdir=Path(work)) as origin,
        FakeGoProxy() as proxy,
    ):
        requires = {}
        for i in range(args.modules):
            path = f"corp.example/m{i:02d}"
            origin.add_module(path, "v1.0.0", files(i))
            proxy.add_module(path, "v1.0.0", files=files(i))
            requires[path] = "v1.0.0"
        go.route("corp.example", origin)
        project = go.project(requires=requires).path
        envs = {
            "proxy": {"GOPROXY": proxy.url, "GOSUMDB": "off", "GOFLAGS": "-mod=mod"},
            "origin": {
                "GOPROXY": "direct",
                "GOPRIVATE": "corp.example",
                "GOSUMDB": "off",
                "GOFLAGS": "-mod=mod",
            },
        }
        for n in range(args.rounds):
            for mode in ("proxy", "origin") if n % 2 == 0 else ("origin", "proxy"):
                times[mode].append(timed(go, project, envs[mode]))
    medians = {mode: statistics.median(values) for mode, values in times.items()}
    result = {
        "benchmark": "go mod download all: FakeOrigin (git, by name through the guard) vs "
        "FakeGoProxy, the same modules",
        "modules": args.modules,
        "rounds": args.rounds,
        "seconds": times,
        "median_seconds": medians,
        "ratio_origin_to_proxy": medians["origin"] / medians["proxy"],
        "target_ratio": 3.0,
        "machine": platform.platform(),
        "go": go.version,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "origin.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "seconds"}, indent=2))


if __name__ == "__main__":
    main()

"""What a VCS origin costs next to a proxy: ``go mod download`` of the same 20 modules from a
FakeOrigin (git over HTTPS, through the guard's tunnel) and from a FakeGoProxy.

Target (issue 16): at most 3x the proxy's time. git is slower by nature (a meta tag, ``ls-remote``
and a fetch per repository, then go zips the checkout); this measures by how much. The two are
alternated round by round, each into a cold module cache; medians and their ratio are reported.

Run on demand (never part of the test suite)::

    python benchmarks/bench_origin.py --modules 20 --rounds 5

Results are printed and written to ``benchmarks/results/origin.json`` (``origin-NAME.json`` with
``--name NAME``). Each origin round also records what the origin saw: requests by kind with their
median server time, and the CONNECT tunnels the guard opened (one per git connection). ``--env
NAME=VALUE`` (repeatable) adds a variable to every run of both modes, to measure a proposed
setting, e.g. ``--env GIT_SSL_CAPATH=/empty/dir --name capath``.
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
from pytest_goproxy.origin.log import OriginRequest


def files(i: int) -> dict[str, str]:
    return {f"m{i:02d}.go": f"package m{i:02d}\n\n// N is this module's number.\nconst N = {i}\n"}


def timed(go: GoRunner, project: Path, env: dict[str, str]) -> tuple[float, int]:
    """Seconds of one cold ``go mod download all``, and the tunnels the guard opened for it."""
    cache = go.module_cache()
    started = time.perf_counter()
    result = go.run(["mod", "download", "all"], cwd=project, env=env, modcache=cache)
    elapsed = time.perf_counter() - started
    cache.remove()
    result.assert_ok()
    return elapsed, len(result.routed)


def origin_profile(requests: list[OriginRequest]) -> dict[str, dict[str, float]]:
    """Requests of one round by kind: how many, and their median and total server time (from
    the request to the end of its answer)."""
    kinds: dict[str, list[float]] = {}
    for request in requests:
        kinds.setdefault(request.kind.value, []).append(request.duration)
    return {
        kind: {
            "count": len(durations),
            "median_ms": round(statistics.median(durations) * 1000, 2),
            "total_s": round(sum(durations), 3),
        }
        for kind, durations in sorted(kinds.items())
    }


def env_pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"{text!r}: give NAME=VALUE")
    return name, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    parser.add_argument("--name", default="", help="write origin-NAME.json")
    parser.add_argument("--env", type=env_pair, action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()
    extra = dict(args.env)

    times: dict[str, list[float]] = {"proxy": [], "origin": []}
    tunnels: list[int] = []
    profiles: list[dict[str, dict[str, float]]] = []
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
            "proxy": {"GOPROXY": proxy.url, "GOSUMDB": "off", "GOFLAGS": "-mod=mod", **extra},
            "origin": {
                "GOPROXY": "direct",
                "GOPRIVATE": "corp.example",
                "GOSUMDB": "off",
                "GOFLAGS": "-mod=mod",
                **extra,
            },
        }
        for n in range(args.rounds):
            for mode in ("proxy", "origin") if n % 2 == 0 else ("origin", "proxy"):
                seen = len(origin.requests())
                elapsed, routed = timed(go, project, envs[mode])
                times[mode].append(elapsed)
                if mode == "origin":
                    tunnels.append(routed)
                    profiles.append(origin_profile(origin.requests()[seen:]))
    medians = {mode: statistics.median(values) for mode, values in times.items()}
    result = {
        "benchmark": "go mod download all: FakeOrigin (git, by name through the guard) vs "
        "FakeGoProxy, the same modules",
        "modules": args.modules,
        "rounds": args.rounds,
        "env": extra,
        "seconds": times,
        "median_seconds": medians,
        "ratio_origin_to_proxy": medians["origin"] / medians["proxy"],
        "origin_tunnels": tunnels,
        "origin_requests": profiles[len(profiles) // 2],
        "target_ratio": 3.0,
        "machine": platform.platform(),
        "go": go.version,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    name = f"origin-{args.name}.json" if args.name else "origin.json"
    (args.out / name).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "seconds"}, indent=2))


if __name__ == "__main__":
    main()

"""How fast the real go downloads cmd/go's test corpus through FakeGoProxy and through cmd/go's
own test proxy, and how many versions the two agree on.

Both proxies serve ``$(go env GOROOT)/src/cmd/go/testdata/mod`` (about 250 versions); each round
is one ``go mod download -json <every path@version>`` into a cold module cache, clean-up
included, through each proxy in turn. The order alternates every round so that machine noise
and drift hit both alike. go exits 1 on both: some corpus versions are broken on purpose and go
reports them in their JSON ``Error`` field; the run still downloads every other one.

cmd/go's proxy is the one compiled into the cmd/go test binary of the same Go release, built
once and cached by ``tests/peers/cmdgo.py`` (``.ci-cache/cmd-go/<GOVERSION>/`` or
``$PYTEST_GOPROXY_CMDGO_DIR``). The benchmark imports that module rather than having its own
copy, so it measures exactly the binary the comparison test runs: ``tests/`` goes on sys.path
the way pytest puts it there for ``tests/peers`` (a package under a directory without
``__init__.py``), and the module is imported as ``peers.cmdgo`` as under pytest.

Run on demand (never part of the test suite)::

    .venv/bin/python benchmarks/bench_cmdgo_corpus.py --rounds 7

Results are printed and written to ``benchmarks/results/cmdgo_corpus.json``, with the agreement
count and every disagreement (the list ``tests/peers/test_cmdgo_corpus.py`` fails with).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

# tests/ on sys.path, as pytest puts it there for tests/peers (see the module docstring).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from peers.cmdgo import (
    build_cmd_go_test,
    cmd_go_dir,
    cmd_go_proxy,
    corpus_entries,
    which_go,
)
from peers.corpus_compare import (
    DownloadRun,
    compare_downloads,
    compare_lists,
    download,
    fetch_lists,
)

from pytest_goproxy import FakeGoProxy, GoRunner
from pytest_goproxy.lifecycle import remove_tree

NAMES = ("cmdgo", "fakegoproxy")


def timed_download(runner: GoRunner, url: str, specs: list[str]) -> tuple[float, DownloadRun]:
    """One cold download of every spec, the module cache's removal included (as
    bench_download.py measures)."""
    started = time.perf_counter()
    run = download(runner, url, specs, timeout=900)
    remove_tree(Path(run.result.env["GOMODCACHE"]))
    return time.perf_counter() - started, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()

    go = which_go()
    started = time.perf_counter()
    binary = build_cmd_go_test(go)
    build_seconds = time.perf_counter() - started
    source = cmd_go_dir(go)
    mod_dir = source / "testdata" / "mod"
    entries = corpus_entries(mod_dir)
    specs = [e.spec for e in entries]
    paths = sorted({e.path for e in entries})

    with (
        tempfile.TemporaryDirectory(prefix="bench-cmdgo-") as tmp,
        GoRunner(go, workdir=tmp, timeout=900) as runner,
        FakeGoProxy(workdir=Path(tmp) / "store") as ours,
    ):
        started = time.perf_counter()
        ours.add_txtar(mod_dir, strict=False)  # the corpus holds one invalid name on purpose
        load_seconds = time.perf_counter() - started
        started = time.perf_counter()
        with cmd_go_proxy(binary, source) as reference:
            start_seconds = time.perf_counter() - started
            urls = {"cmdgo": reference.url, "fakegoproxy": ours.url}
            # One warm-up of each (the go binary, the page cache, the proxies' lazy caches);
            # their answers are the ones compared.
            warm = {name: timed_download(runner, urls[name], specs)[1] for name in NAMES}
            times: dict[str, list[float]] = {name: [] for name in NAMES}
            for round_ in range(args.rounds):
                for name in NAMES if round_ % 2 == 0 else reversed(NAMES):
                    times[name].append(timed_download(runner, urls[name], specs)[0])
            lists = {name: fetch_lists(urls[name], paths) for name in NAMES}

    agree, lines = compare_downloads(warm["cmdgo"], warm["fakegoproxy"], specs)
    agree_lists, list_lines = compare_lists(lists["cmdgo"], lists["fakegoproxy"])
    medians = {name: statistics.median(values) for name, values in times.items()}
    report = {
        "benchmark": (
            "go mod download -json of every version of cmd/go's testdata/mod, cold module "
            "cache, clean-up included; FakeGoProxy vs cmd/go's test proxy, alternating"
        ),
        "versions": len(specs),
        "module_paths": len(paths),
        "rounds": args.rounds,
        "go": go.version,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}",
        "seconds": times,
        "median_seconds": medians,
        "ratio_fakegoproxy_to_cmdgo": medians["fakegoproxy"] / medians["cmdgo"],
        "fakegoproxy_add_txtar_seconds": load_seconds,
        "cmdgo_proxy_start_seconds": start_seconds,
        "cmdgo_test_binary_build_or_cache_seconds": build_seconds,
        "agreement": {
            "versions_agreeing": len(agree),
            "versions": len(specs),
            "lists_agreeing": len(agree_lists),
            "lists": len(paths),
            "disagreements": lines + list_lines,
        },
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "cmdgo_corpus.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

"""Start-up cost of the plugin and the command, this tree against an earlier commit, side by side.

    python benchmarks/bench_startup.py [--before REV] [--runs 10]

Each case runs in a fresh interpreter from an empty directory; the two trees alternate within
every round (``PYTHONPATH`` points at a ``git worktree`` of REV for "before"), so machine noise
hits both alike. Reported: medians in ms, and the two figures issue 11 sets targets for: what
importing the plugin and every area plugin costs over ``import pytest`` (at most 60 ms), and
what the plugin adds to ``pytest --co`` in an empty directory. Results go to
benchmarks/results/startup.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULT = ROOT / "benchmarks" / "results" / "startup.json"
#: The plugin's modules before this round (fixtures imported into plugin.py) and after it.
AREAS = {
    "old": "pytest_goproxy.plugin",
    "new": "pytest_goproxy.plugin, pytest_goproxy.gorun.plugin, pytest_goproxy.network.plugin, "
    "pytest_goproxy.proxy.plugin, pytest_goproxy.sumdb.plugin, pytest_goproxy.matrix.plugin, "
    "pytest_goproxy.scenarios.plugin",
}


def cases(tree: Path) -> dict[str, list[str]]:
    py = sys.executable
    areas = AREAS["new" if (tree / "pytest_goproxy" / "proxy" / "plugin.py").exists() else "old"]
    collect = [
        py,
        "-m",
        "pytest",
        "--co",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "pytest_goproxy.plugin",
    ]
    return {
        "import pytest": [py, "-c", "import pytest"],
        "import pytest + plugin": [py, "-c", f"import pytest, {areas}"],
        "import pytest_goproxy": [py, "-c", "import pytest_goproxy"],
        "import pytest_goproxy.cli": [py, "-c", "import pytest_goproxy.cli"],
        "pytest --co (plugin)": collect,
        "pytest --co (no plugin)": [py, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider"],
    }


def wall_ms(cmd: list[str], tree: Path, cwd: str) -> float:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(tree)
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # only the tree's plugin, by -p, is loaded
    started = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default="1c7165e", help="the commit to compare with")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        before = Path(scratch) / "before"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(before), args.before],
            check=True,
        )
        try:
            trees = {"before": before, "after": ROOT}
            empty = tempfile.mkdtemp(dir=scratch)
            samples: dict[str, dict[str, list[float]]] = {t: {} for t in trees}
            for _ in range(args.runs + 1):  # the first round warms caches and is dropped
                for case in cases(ROOT):
                    for name, tree in trees.items():
                        ms = wall_ms(cases(tree)[case], tree, empty)
                        samples[name].setdefault(case, []).append(ms)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(before)])
    medians = {t: {c: statistics.median(v[1:]) for c, v in s.items()} for t, s in samples.items()}
    for t in medians:
        m = medians[t]
        m["plugin over import pytest"] = m["import pytest + plugin"] - m["import pytest"]
        m["plugin in pytest --co"] = m["pytest --co (plugin)"] - m["pytest --co (no plugin)"]
    print(f"| case (median of {args.runs}, ms) | before ({args.before}) | after |")
    print("|---|---|---|")
    for case in medians["after"]:
        print(f"| {case} | {medians['before'][case]:.0f} | {medians['after'][case]:.0f} |")
    RESULT.write_text(
        json.dumps({"before": args.before, "runs": args.runs, "medians_ms": medians}, indent=2)
        + "\n"
    )
    print(f"written to {RESULT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

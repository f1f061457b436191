"""FakeGoProxy against its peers, side by side in one run (issue 17).

Times the real go downloading one module graph (``go mod download all``, a cold module cache for
every go process) through four servers of the same modules:

* ``fakegoproxy`` — :class:`pytest_goproxy.FakeGoProxy` (the archives loaded with ``add_txtar``);
* ``file`` — ``GOPROXY=file://`` over ``ModuleStore.export_file_proxy`` of that store;
* ``txtar-goproxy`` — go-internal's ``cmd/txtar-goproxy`` (``goproxytest``), installed once with
  ``go install github.com/rogpeppe/go-internal/cmd/txtar-goproxy@latest`` into
  ``.ci-cache/txtar-goproxy/`` (``$PYTEST_GOPROXY_TXTAR_GOPROXY_DIR`` overrides);
* ``cmdgo`` — cmd/go's own test proxy (``src/cmd/go/proxy_test.go``) in the ``cmd/go`` test
  binary of the machine's GOROOT, run with ``-proxy=127.0.0.1:0`` in a directory holding
  ``testdata/mod``. It is built and cached (``.ci-cache/cmd-go/<GOVERSION>/``) by
  ``tests/peers/cmdgo.py``, imported from where it lives as ``benchmarks/bench_cmdgo_corpus.py``
  does (``tests/`` on sys.path, the module as ``peers.cmdgo``), so every benchmark and the peer
  tests run exactly one binary.

The graph is generated from a fixed seed: ``--modules`` module versions (several versions of
some paths), a root that imports and requires ``--direct`` of them (30), each requiring a few
others (every path reachable, a quarter of them ``go 1.16`` modules whose graphs are not
pruned, so go also reads the go.mod of older versions), small Go files. It is written once as
cmd/go ``testdata/mod`` archives (``<path>_<version>.txt`` with ``.mod``, ``.info`` and the zip's
files), which all three txtar readers serve as they are; ``go mod tidy`` through FakeGoProxy
makes the project's go.mod and go.sum once, so go checks every server's zips against the same
hashes.

Every round runs each server in turn (the order rotates each round), first one go process,
then ``4`` go processes at once (four copies of the project, each with its own cold module
cache). A time is the wall time of the go process(es) only; making the project copies and
removing the caches is not timed. One untimed warm-up download per server comes first (the go
binary, the page cache, the peers' lazy zip caches).

Ratios are FakeGoProxy's median over the peer's median at the same concurrency, as the issue's
table reads: ``file:// 1.05x`` means FakeGoProxy took 1.05 times as long as ``file://``.

A peer that cannot be installed, built, started or downloaded from is reported as such (on
stderr, in the table and in the JSON) and the others are measured anyway. Everything started
is stopped and every directory removed, on Ctrl-C and SIGTERM too. Run on demand (never part
of the test suite)::

    .venv/bin/python benchmarks/bench_peers.py --rounds 5 --modules 300

Results are printed and written to ``benchmarks/results/peers.json``.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import datetime
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# tests/ on sys.path, as pytest puts it there for tests/peers (see bench_cmdgo_corpus.py).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from peers.cmdgo import BuildError, build_cmd_go_test, cmd_go_proxy, end_group, tail, wait_ready

from pytest_goproxy import FakeGoProxy, GoRunner
from pytest_goproxy.gomod.escape import escape_path, escape_version
from pytest_goproxy.gomod.store import format_info
from pytest_goproxy.gorun import GoBinary, find_go
from pytest_goproxy.lifecycle import (
    interrupt_on_signals,
    locked,
    outlive_guard,
    remove_temp_dir,
    remove_tree,
    temp_dir,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
PREFIX = "example.test/peers"
PROJECT = "example.test/peersbench"
SEED = 17
CONCURRENCY = (1, 4)
#: The same for every server. file:// has no checksum database, so none has; go.sum (from the
#: tidy) still makes go check every zip. -modcacherw: the caches are removed quickly.
DOWNLOAD_ENV = {"GOSUMDB": "off", "GOFLAGS": "-modcacherw -mod=mod"}

TXTAR_GOPROXY = "github.com/rogpeppe/go-internal/cmd/txtar-goproxy"
TXTAR_GOPROXY_ENV = "PYTEST_GOPROXY_TXTAR_GOPROXY_DIR"
INSTALL_TIMEOUT_S = 600.0
STARTUP_TIMEOUT_S = 60.0
#: What txtar-goproxy prints once it listens (cmd/txtar-goproxy/main.go).
_TXTAR_READY = re.compile(rb"export GOPROXY=(http://\S+)")

LABELS = {
    "fakegoproxy": "FakeGoProxy",
    "file": "GOPROXY=file://",
    "txtar-goproxy": "go-internal txtar-goproxy",
    "cmdgo": "cmd/go's test proxy",
}

LICENSE = (
    "Copyright (c) 2024 The peers benchmark authors. All rights reserved.\n\n"
    "Redistribution and use in source and binary forms, with or without modification, are\n"
    "permitted provided that the following conditions are met: redistributions of source\n"
    "code must retain the above copyright notice, this list of conditions and the following\n"
    "disclaimer. THIS SOFTWARE IS PROVIDED AS IS, WITHOUT WARRANTY OF ANY KIND.\n"
)


class PeerError(RuntimeError):
    """A peer cannot be had: not installed, not built, not started."""


# -- the graph ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModVersion:
    path: str
    version: str
    go: str
    requires: tuple[tuple[str, str], ...]
    time: datetime.datetime
    functions: int

    @property
    def package(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Graph:
    versions: tuple[ModVersion, ...]
    #: what the root module requires (path -> version) and imports
    direct: dict[str, str]
    paths: int


def generate_graph(count: int, seed: int = SEED, direct: int = 30) -> Graph:
    """``count`` module versions from ``seed``: the same graph on every machine and run."""
    rng = random.Random(seed)
    counts: list[int] = []
    while sum(counts) < count:
        counts.append(min(rng.choices((1, 2, 3), weights=(80, 12, 8))[0], count - sum(counts)))
    n = len(counts)
    width = max(3, len(str(n - 1)))
    paths = [f"{PREFIX}/m{i:0{width}d}" for i in range(n)]
    versions = [[f"v1.{k}.0" for k in range(c)] for c in counts]
    ndirect = min(direct, n)
    # reqs[i][k]: what version k of path i requires (path index -> version index)
    reqs: list[list[dict[int, int]]] = [[{} for _ in versions[i]] for i in range(n)]

    def require(i: int, j: int, newest: int) -> None:
        """Every version of path i requires path j; the newest requires version ``newest`` of
        j, older ones the same or older (as a dependency's requirements grow over time)."""
        picks = sorted(rng.randrange(newest + 1) for _ in versions[i])
        picks[-1] = newest
        for k, v in enumerate(picks):
            reqs[i][k].setdefault(j, v)

    for j in range(ndirect, n):  # a parent for each: every path is reachable from the root
        require(rng.randrange(j), j, len(versions[j]) - 1)
    for i in range(n):  # and a few more requirements, always to later paths (no cycles)
        later = range(i + 1, n)
        for j in rng.sample(later, min(len(later), rng.choice((0, 1, 1, 2, 2, 3)))):
            require(i, j, rng.randrange(len(versions[j])))
    for j in range(n):  # every older version is required by someone
        required = {r[j] for i in range(j) for r in reqs[i] if j in r}
        for v in range(len(versions[j]) - 1):
            if v not in required and j > 0:
                i = rng.randrange(j)
                reqs[i][rng.randrange(len(versions[i]))].setdefault(j, v)
    root = {paths[i]: versions[i][rng.randrange(len(versions[i]))] for i in range(ndirect)}
    base = datetime.datetime(2023, 1, 2, 15, 4, 5, tzinfo=datetime.timezone.utc)
    out = []
    for i in range(n):
        go = "1.16" if rng.random() < 0.25 else "1.21"
        for k, version in enumerate(versions[i]):
            requires = tuple(sorted((paths[j], versions[j][v]) for j, v in reqs[i][k].items()))
            out.append(
                ModVersion(
                    paths[i],
                    version,
                    go,
                    requires,
                    base + datetime.timedelta(days=i, hours=k),
                    rng.randint(4, 24),
                )
            )
    return Graph(tuple(out), root, n)


def go_mod(module: str, go: str, requires: Sequence[tuple[str, str]]) -> str:
    text = f"module {module}\n\ngo {go}\n"
    if requires:
        text += "\nrequire (\n" + "".join(f"\t{p} {v}\n" for p, v in requires) + ")\n"
    return text


def go_source(package: str, doc: str, imports: Sequence[str], body: str) -> str:
    block = "".join(f'\t_ "{p}"\n' for p in imports)
    return f"// {doc}\npackage {package}\n\n" + (f"import (\n{block})\n\n" if block else "") + body


def archive(m: ModVersion) -> bytes:
    """cmd/go's testdata/mod archive of ``m``: ``.mod`` and ``.info``, then the zip's files."""
    mod = go_mod(m.path, m.go, m.requires)
    functions = "".join(
        f"// F{f} is function {f} of {m.path}.\nfunc F{f}(x int) int {{\n"
        f"\treturn x*{f + 3} + {len(m.path) + f}\n}}\n\n"
        for f in range(m.functions)
    )
    body = f'// Version is the version of this module.\nconst Version = "{m.version}"\n\n'
    files = {
        ".mod": mod,
        ".info": format_info(m.version, m.time).decode() + "\n",
        "go.mod": mod,
        "LICENSE": LICENSE,
        "README.md": f"# {m.path}\n\nModule {m.package} of the peers benchmark, {m.version}.\n",
        f"{m.package}.go": go_source(
            m.package,
            f"Package {m.package} is a module of the peers benchmark graph.",
            [p for p, _ in m.requires],
            body + functions,
        ),
        f"{m.package}_test.go": (
            f'package {m.package}\n\nimport "testing"\n\n'
            f'func TestF0(t *testing.T) {{\n\tif F0(1) == 0 {{\n\t\tt.Fatal("zero")\n\t}}\n}}\n'
        ),
    }
    head = f"{m.path}@{m.version}, written by benchmarks/bench_peers.py\n"
    return (head + "".join(f"-- {name} --\n{data}" for name, data in files.items())).encode()


def write_archives(graph: Graph, mod_dir: Path) -> int:
    """Write the graph into ``mod_dir`` as ``<path>_<version>.txt``; returns the bytes written."""
    mod_dir.mkdir(parents=True, exist_ok=True)
    total = 0
    for m in graph.versions:
        name = f"{escape_path(m.path).replace('/', '_')}_{escape_version(m.version)}.txt"
        data = archive(m)
        (mod_dir / name).write_bytes(data)
        total += len(data)
    return total


def project_files(graph: Graph) -> dict[str, str]:
    """The root project before tidy: the direct requirements, a main importing them."""
    return {
        "go.mod": go_mod(PROJECT, "1.21", sorted(graph.direct.items())),
        "main.go": go_source(
            "main",
            "Command peersbench imports the graph's roots.",
            sorted(graph.direct),
            "func main() {}\n",
        ),
    }


# -- processes of the peers -----------------------------------------------------------------------


def _run_group(
    argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], timeout: float
) -> tuple[int | None, str]:
    """Run ``argv`` in a process group of its own; (exit status or None on timeout, output)."""
    log_path = cwd / "output.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    outlive_guard(group=proc.pid)
    try:
        try:
            code: int | None = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
    finally:
        end_group(proc)
    return code, log_path.read_text(errors="replace")


def txtar_goproxy_dir() -> Path:
    base = os.environ.get(TXTAR_GOPROXY_ENV)
    return Path(base).expanduser() if base else REPO_ROOT / ".ci-cache" / "txtar-goproxy"


def install_txtar_goproxy(go: GoBinary, cache_dir: Path) -> Path:
    """go-internal's txtar-goproxy in ``cache_dir``, installed with ``go install ...@latest`` the
    first time (module cache and GOPATH of the install are temporary; the build cache is the
    user's). Raises PeerError with go's output."""
    binary = cache_dir / "txtar-goproxy"
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PeerError(f"cannot create {cache_dir}: {exc}") from exc
    with locked(cache_dir / ".install.lock"):
        if binary.is_file() and os.access(binary, os.X_OK):
            return binary
        print(f"peers: installing {TXTAR_GOPROXY}@latest into {cache_dir}", file=sys.stderr)
        work = temp_dir("txtar-goproxy-install-")
        try:
            env = {
                k: v
                for k, v in os.environ.items()
                if k not in ("GOFLAGS", "GO111MODULE", "GOWORK", "GOBIN")
            }
            env.update(
                GOBIN=str(work / "bin"),
                GOPATH=str(work / "gopath"),
                GOMODCACHE=str(work / "modcache"),
                GOFLAGS="-modcacherw",
                GOTOOLCHAIN="local",
            )
            code, output = _run_group(
                [str(go.path), "install", f"{TXTAR_GOPROXY}@latest"],
                cwd=work,
                env=env,
                timeout=INSTALL_TIMEOUT_S,
            )
            built = work / "bin" / "txtar-goproxy"
            if code != 0 or not built.is_file():
                status = "timed out" if code is None else f"exit {code}"
                raise PeerError(
                    f"`go install {TXTAR_GOPROXY}@latest` failed ({status}); go said:\n"
                    + tail(output)
                )
            partial = cache_dir / "txtar-goproxy.partial"
            shutil.copy2(built, partial)
            os.replace(partial, binary)
        finally:
            remove_temp_dir(work)
    return binary


def binary_module_version(go: GoBinary, binary: Path) -> str:
    """The main module version a Go binary was built from (``go version -m``)."""
    proc = subprocess.run(
        [str(go.path), "version", "-m", str(binary)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] == "mod":
            return f"{parts[1]} {parts[2]}"
    return "unknown"


@contextlib.contextmanager
def txtar_goproxy(binary: Path, mod_dir: Path, log_dir: Path) -> Iterator[str]:
    """Run txtar-goproxy over ``mod_dir`` on 127.0.0.1 until the block ends; yields its URL."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / "txtar-goproxy.log"
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(log_dir), "TMPDIR": str(log_dir)}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [str(binary), "-addr", "127.0.0.1:0", str(mod_dir)],
            cwd=log_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    outlive_guard(group=proc.pid)
    try:
        yield wait_ready(
            proc, log_path, STARTUP_TIMEOUT_S, _TXTAR_READY, "txtar-goproxy", PeerError
        )
    finally:
        end_group(proc)


# -- measuring ------------------------------------------------------------------------------------


@dataclass
class Server:
    key: str
    url: str | None = None
    error: str | None = None
    info: dict[str, Any] = field(default_factory=dict)
    times: dict[int, list[float]] = field(default_factory=lambda: {c: [] for c in CONCURRENCY})

    @property
    def label(self) -> str:
        return LABELS[self.key]


@dataclass
class Bench:
    runner: GoRunner
    pool: concurrent.futures.ThreadPoolExecutor
    files: dict[str, str]
    timeout: float

    def download(self, url: str, concurrency: int) -> tuple[float, str, str]:
        """``concurrency`` cold ``go mod download all`` at once through ``url``: the wall seconds
        of the go processes, the errors of failed ones (or ""), and what landed in the first
        module cache ("N zips, M go.mod files")."""
        projects = [self.runner.project(PROJECT, files=self.files) for _ in range(concurrency)]
        caches = [self.runner.module_cache() for _ in range(concurrency)]
        env = {**DOWNLOAD_ENV, "GOPROXY": url}
        futures: list[concurrent.futures.Future[Any]] = []
        try:
            started = time.perf_counter()
            futures = [
                self.pool.submit(
                    p.run, "mod", "download", "all", env=env, modcache=c, timeout=self.timeout
                )
                for p, c in zip(projects, caches, strict=True)
            ]
            results = [f.result() for f in futures]
            elapsed = time.perf_counter() - started
            errors = "\n".join(
                f"go exited {r.returncode}: {tail(r.stderr, 6)}" for r in results if not r.ok
            )
            download = caches[0].path / "cache" / "download"
            landed = (
                f"{len(list(download.rglob('*.zip')))} zips, "
                f"{len(list(download.rglob('*.mod')))} go.mod files"
            )
        finally:
            concurrent.futures.wait(futures)  # nothing runs in a cache being removed
            for cache in caches:
                cache.remove()
            for project in projects:
                remove_tree(project.path)
        return elapsed, errors, landed


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def run(args: argparse.Namespace) -> dict[str, Any]:
    go = find_go()
    graph = generate_graph(args.modules, args.seed, args.direct)
    load_start = os.getloadavg()
    servers = {key: Server(key) for key in LABELS}
    root = temp_dir("bench-peers-")
    try:
        with contextlib.ExitStack() as stack:
            mod_dir = root / "cmdgo" / "testdata" / "mod"  # cmd/go's proxy wants testdata/mod
            archive_bytes = write_archives(graph, mod_dir)
            runner = stack.enter_context(GoRunner(go, workdir=root, timeout=args.timeout))
            fake = stack.enter_context(FakeGoProxy(workdir=root / "store"))
            started = time.perf_counter()
            fake.add_txtar(mod_dir)
            servers["fakegoproxy"].url = fake.url
            servers["fakegoproxy"].info["add_txtar_seconds"] = time.perf_counter() - started

            started = time.perf_counter()
            exported = fake.store.export_file_proxy(root / "fileproxy")
            servers["file"].url = exported.as_uri()
            servers["file"].info["export_seconds"] = time.perf_counter() - started

            peer = servers["txtar-goproxy"]
            try:
                started = time.perf_counter()
                binary = install_txtar_goproxy(go, txtar_goproxy_dir())
                peer.info["binary"] = str(binary)
                peer.info["module"] = binary_module_version(go, binary)
                peer.info["install_or_cache_seconds"] = time.perf_counter() - started
                started = time.perf_counter()
                peer.url = stack.enter_context(txtar_goproxy(binary, mod_dir, root / "tgp"))
                peer.info["start_seconds"] = time.perf_counter() - started
            except (PeerError, OSError) as exc:
                peer.error = f"not available: {exc}"

            peer = servers["cmdgo"]
            try:
                started = time.perf_counter()
                binary = build_cmd_go_test(go)
                peer.info["binary"] = str(binary)
                peer.info["build_or_cache_seconds"] = time.perf_counter() - started
                started = time.perf_counter()
                proxy = stack.enter_context(cmd_go_proxy(binary, root / "cmdgo"))
                peer.url = proxy.url
                peer.info["start_seconds"] = time.perf_counter() - started
            except (BuildError, OSError) as exc:
                peer.error = f"not available: {exc}"

            for server in servers.values():
                if server.error:
                    print(f"peers: {server.label}: {server.error}", file=sys.stderr)

            # The pool goes last: on the way out it waits for running go processes first.
            pool = stack.enter_context(
                concurrent.futures.ThreadPoolExecutor(max(CONCURRENCY), "peers-go")
            )
            # go.mod and go.sum of the project, made once (through FakeGoProxy).
            tidy_project = runner.project(PROJECT, files=project_files(graph))
            cache = runner.module_cache()
            try:
                tidy = tidy_project.tidy(env={**DOWNLOAD_ENV, "GOPROXY": fake.url}, modcache=cache)
            finally:
                cache.remove()
            tidy.assert_ok()
            files = {
                "go.mod": tidy_project.read("go.mod"),
                "go.sum": tidy_project.read("go.sum"),
                "main.go": tidy_project.read("main.go"),
            }
            bench = Bench(runner, pool, files, args.timeout)

            # Warm-up, untimed: also proves each server serves the graph.
            before = len(fake.request_log)
            _, errors, downloaded = bench.download(fake.url, 1)
            if errors:
                raise SystemExit(f"peers: the download through FakeGoProxy failed:\n{errors}")
            requests = len(fake.request_log) - before
            for server in servers.values():
                if server.key != "fakegoproxy" and server.error is None:
                    assert server.url is not None
                    _, errors, landed = bench.download(server.url, 1)
                    if not errors and landed != downloaded:
                        errors = f"downloaded {landed}, through FakeGoProxy {downloaded}"
                    if errors:
                        server.error = f"warm-up download failed: {errors}"
                        print(f"peers: {server.label}: {server.error}", file=sys.stderr)

            live = [s for s in servers.values() if s.error is None]
            for round_ in range(args.rounds):
                shift = round_ % len(live)
                order = live[shift:] + live[:shift]
                for concurrency in CONCURRENCY:
                    for server in order:
                        if server.error is not None:
                            continue
                        assert server.url is not None
                        elapsed, errors, _ = bench.download(server.url, concurrency)
                        if errors:
                            server.error = (
                                f"round {round_ + 1}, {concurrency} at once: go failed: {errors}"
                            )
                            print(f"peers: {server.label}: {server.error}", file=sys.stderr)
                            if server.key == "fakegoproxy":
                                raise SystemExit(1)
                            continue
                        server.times[concurrency].append(elapsed)
                print(
                    f"peers: round {round_ + 1}/{args.rounds}: "
                    + ", ".join(
                        f"{s.key} " + "/".join(f"{s.times[c][-1]:.2f}" for c in CONCURRENCY)
                        for s in order
                        if s.error is None
                    ),
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        remove_temp_dir(root)

    ours = {c: median(servers["fakegoproxy"].times[c]) for c in CONCURRENCY}
    report_servers: dict[str, Any] = {}
    for server in servers.values():
        results: dict[str, Any] = {}
        for c in CONCURRENCY:
            mine = median(server.times[c])
            base = ours[c]
            ratio = base / mine if base is not None and mine and server.error is None else None
            results[str(c)] = {"seconds": server.times[c], "median": mine, "ratio": ratio}
        report_servers[server.key] = {
            "label": server.label,
            "measured": server.error is None,
            "error": server.error,
            **server.info,
            "concurrency": results,
        }
    return {
        "benchmark": (
            "go mod download all of a generated module graph, a cold module cache per go "
            "process, 1 and 4 go processes at once; the servers alternate (rotated each round); "
            "wall time of the go processes"
        ),
        "command": " ".join(["python", "benchmarks/bench_peers.py", *sys.argv[1:]]),
        "ratio": (
            "FakeGoProxy's median / the peer's median at the same concurrency: 1.05 means "
            "FakeGoProxy took 1.05 times the peer's time"
        ),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "cores": os.cpu_count(),
            "platform": platform.platform(),
            "arch": platform.machine(),
            "python": platform.python_version(),
            "load_average_start": [round(x, 2) for x in load_start],
            "load_average_end": [round(x, 2) for x in os.getloadavg()],
        },
        "go": go.version,
        "rounds": args.rounds,
        "graph": {
            "seed": args.seed,
            "module_versions": len(graph.versions),
            "module_paths": graph.paths,
            "direct_requirements": len(graph.direct),
            "go_1_16_paths": len({m.path for m in graph.versions if m.go == "1.16"}),
            "archive_bytes": archive_bytes,
            "go_mod_requirements_after_tidy": files["go.mod"].count("\n\t"),
            "one_download": downloaded,
            "fakegoproxy_requests_per_download": requests,
        },
        "env": DOWNLOAD_ENV,
        "servers": report_servers,
    }


def table(report: dict[str, Any]) -> str:
    graph = report["graph"]
    lines = [
        f"go mod download all: {graph['module_versions']} module versions "
        f"({graph['module_paths']} paths; {graph['one_download']} per download), cold caches, "
        f"medians of {report['rounds']} rounds, {report['go']}, "
        f"{report['machine']['cores']} cores",
        "ratio = FakeGoProxy's median / the peer's (1.05x: FakeGoProxy took 1.05 times as long)",
        "",
        f"{'server':<28}{'1 go process':>22}{'4 go processes at once':>26}",
    ]
    for server in report["servers"].values():
        cells = []
        for c in CONCURRENCY:
            r = server["concurrency"][str(c)]
            if r["median"] is None:
                cells.append("not measured")
            else:
                ratio = f"{r['ratio']:.2f}x" if r["ratio"] is not None else "-"
                cells.append(f"{r['median']:.2f} s  {ratio}")
        lines.append(f"{server['label']:<28}{cells[0]:>22}{cells[1]:>26}")
    for server in report["servers"].values():
        if server["error"]:
            lines.append(f"{server['label']}: {server['error']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--modules", type=int, default=300, help="module versions in the graph")
    parser.add_argument("--direct", type=int, default=30, help="requirements of the root")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--timeout", type=float, default=600.0, help="per go process, seconds")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()
    if args.rounds < 1 or args.modules < 1:
        parser.error("--rounds and --modules must be at least 1")
    try:
        with interrupt_on_signals():
            report = run(args)
    except KeyboardInterrupt:
        print("peers: interrupted; servers stopped, temporary files removed", file=sys.stderr)
        raise SystemExit(130) from None
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "peers.json").write_text(json.dumps(report, indent=2) + "\n")
    print(table(report))


if __name__ == "__main__":
    main()

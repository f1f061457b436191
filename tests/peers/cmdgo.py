"""cmd/go's own test proxy (``src/cmd/go/proxy_test.go``) as a peer to compare FakeGoProxy with.

FakeGoProxy claims to serve cmd/go's ``testdata/mod`` archives the way cmd/go's test suite
does. The only honest check of that claim is the original: the proxy that ships inside the
``cmd/go`` test binary of the very Go release under test. This module

* builds that binary once per ``GOVERSION`` (``go test -c cmd/go``; it compiles the whole of
  cmd/go and its tests, minutes on a small machine, so it is cached, like toxiproxy's build),
* starts it in its proxy-only mode (``-proxy=ADDR``: TestMain serves ``testdata/mod`` of its
  working directory and runs no tests) on 127.0.0.1, and stops it with its whole process group,
* lists the corpus the way proxy_test.go's ``readModList`` does.

It is shared by the tests in this directory and by ``benchmarks/bench_cmdgo_corpus.py``, so the
benchmark measures exactly the binary the tests compare against.

Where the binary is kept: ``$PYTEST_GOPROXY_CMDGO_DIR`` if set, else
``<repository>/.ci-cache/cmd-go/<GOVERSION>/`` next to the toxiproxy that ``scripts/setup.sh``
builds into ``.ci-cache/toxiproxy`` (git-ignored, created on first use, so a fresh clone in CI
builds it once and a developer's checkout keeps it).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import httpx

from pytest_goproxy.errors import InvalidModuleError
from pytest_goproxy.gomod.escape import unescape_path, unescape_version
from pytest_goproxy.gorun import GoBinary, find_go
from pytest_goproxy.lifecycle import locked, outlive_guard, release

__all__ = [
    "CACHE_ENV",
    "BuildError",
    "CmdGoProxy",
    "CorpusEntry",
    "build_cmd_go_test",
    "cmd_go_dir",
    "cmd_go_proxy",
    "corpus_entries",
    "default_cache_dir",
    "which_go",
]

#: Overrides where the cmd/go test binary is kept (one subdirectory per GOVERSION below it).
CACHE_ENV = "PYTEST_GOPROXY_CMDGO_DIR"
REPO_ROOT = Path(__file__).resolve().parents[2]
BINARY_NAME = "cmd_go.test"
_STAMP = "cmd_go.test.stamp"
#: Compiling cmd/go with its tests from an empty build cache on 2 shared cores: a few minutes.
BUILD_TIMEOUT_S = 1800.0
_LOG_TAIL_LINES = 30
#: What TestMain prints once it listens (proxy_test.go StartProxy); the URL ends in ``/mod``.
_READY = re.compile(rb"go test proxy running at GOPROXY=(http://\S+)")


class BuildError(RuntimeError):
    """The cmd/go test binary cannot be had: no GOROOT source, a failed build, or the proxy
    did not start. Tests skip with this reason outside CI and fail in CI."""


def tail(text: str, lines: int = _LOG_TAIL_LINES) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def cmd_go_dir(go: GoBinary) -> Path:
    """``$GOROOT/src/cmd/go`` of ``go``: the package to build, and the working directory the
    proxy needs (it reads ``testdata/mod`` relative to it)."""
    if not go.goroot:
        raise BuildError(f"{go} reports no GOROOT, so there is no cmd/go source to build")
    directory = Path(go.goroot) / "src" / "cmd" / "go"
    for needed in ("proxy_test.go", "testdata/mod"):
        if not (directory / needed).exists():
            raise BuildError(
                f"{directory / needed} is missing: this Go installation ({go}) has no cmd/go "
                "test sources (a distribution without src/, or a trimmed one)"
            )
    return directory


def default_cache_dir(go: GoBinary) -> Path:
    """Where the binary for ``go`` is kept (see the module docstring)."""
    base = os.environ.get(CACHE_ENV)
    root = Path(base).expanduser() if base else REPO_ROOT / ".ci-cache" / "cmd-go"
    return (root / go.version).absolute()


def _build_env() -> dict[str, str]:
    """The user's environment minus what could change or break the build.

    The build cache (``GOCACHE``) stays the user's: cmd/go shares most packages with the
    toolchain, so a warm cache makes the build seconds instead of minutes. Gone are
    ``GOFLAGS`` (a ``-mod=mod`` there breaks the vendored build), the user's go env file,
    ``GOWORK``/``GO111MODULE`` and any toolchain switch; ``GOPROXY=off`` proves the build needs
    no network (cmd is vendored in GOROOT)."""
    env = {k: v for k, v in os.environ.items() if k not in ("GOFLAGS", "GO111MODULE")}
    env.update(GOTOOLCHAIN="local", GOWORK="off", GOPROXY="off", GOENV="off")
    return env


def _stamp(go: GoBinary) -> str:
    """What the cached binary was built from: a binary of the same GOVERSION from another
    GOROOT (a second install, a devel build) is rebuilt rather than trusted."""
    return json.dumps({"GOVERSION": go.version, "GOROOT": go.goroot}, sort_keys=True) + "\n"


def build_cmd_go_test(
    go: GoBinary, cache_dir: Path | None = None, *, log: TextIO | None = None
) -> Path:
    """The cmd/go test binary of ``go``'s own GOROOT, built once into ``cache_dir``.

    Concurrent callers (pytest-xdist workers, the benchmark) wait on a lock file, so only one
    compiles; a binary stamped for the same GOVERSION and GOROOT is reused. The build goes to a
    temporary name first: an interrupted build never leaves a half-written binary behind.
    Progress goes to ``log`` (stderr by default), because a first build takes minutes and a
    silent pause would look like a hang. Raises :class:`BuildError` with go's output.
    """
    out = log if log is not None else sys.stderr
    source = cmd_go_dir(go)
    target = cache_dir if cache_dir is not None else default_cache_dir(go)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BuildError(f"cannot create the cmd/go test binary's cache {target}: {exc}") from exc
    binary = target / BINARY_NAME
    stamp = target / _STAMP
    with locked(target / ".build.lock"):
        if (
            binary.is_file()
            and os.access(binary, os.X_OK)
            and stamp.is_file()
            and stamp.read_text() == _stamp(go)
        ):
            return binary
        print(
            f"peers: building cmd/go's test binary ({go}) into {target}; "
            "this compiles cmd/go and takes a while the first time...",
            file=out,
            flush=True,
        )
        partial = target / f"{BINARY_NAME}.partial"
        started = time.monotonic()
        try:
            proc = subprocess.run(
                [str(go.path), "test", "-c", "-o", str(partial), "cmd/go"],
                cwd=source,
                env=_build_env(),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=BUILD_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            partial.unlink(missing_ok=True)
            raise BuildError(
                f"`go test -c cmd/go` did not finish within {BUILD_TIMEOUT_S:.0f} s"
            ) from exc
        except OSError as exc:
            raise BuildError(f"cannot run {go.path}: {exc}") from exc
        if proc.returncode != 0 or not partial.is_file():
            partial.unlink(missing_ok=True)
            raise BuildError(
                f"`go test -c cmd/go` in {source} failed (exit {proc.returncode}); go said:\n"
                + tail(proc.stdout + proc.stderr)
            )
        os.replace(partial, binary)
        stamp.write_text(_stamp(go))
        print(
            f"peers: built {binary} in {time.monotonic() - started:.1f} s",
            file=out,
            flush=True,
        )
        return binary


@dataclass(frozen=True)
class CmdGoProxy:
    """A running cmd/go test proxy: ``url`` is the GOPROXY value (it ends in ``/mod``)."""

    url: str
    pid: int
    log_path: Path

    def log_text(self) -> str:
        """Everything the proxy printed (with ``verbose``: every archive it could not find,
        and every corpus file readModList skipped)."""
        return self.log_path.read_text(errors="replace")


def end_group(proc: subprocess.Popen[bytes]) -> None:
    """TERM a peer's process group, KILL it if it lingers, reap the leader, tell the watchdog
    (shared with benchmarks/bench_peers.py)."""
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 10.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    release(group=proc.pid)


@contextlib.contextmanager
def cmd_go_proxy(
    binary: Path,
    directory: Path,
    *,
    verbose: bool = False,
    startup_timeout: float = 60.0,
) -> Iterator[CmdGoProxy]:
    """Run cmd/go's test proxy over ``directory/testdata/mod`` on 127.0.0.1 until the block ends.

    The proxy is asked for port 0 and announces the port it got (no race for a "free" port);
    the block starts once an HTTP request is answered. ``verbose`` passes ``-test.v``, which
    makes proxy_test.go log every missing archive and every skipped corpus file. The process
    runs in its own session with an environment of nothing but ``PATH``, ``HOME`` and
    ``TMPDIR``; its whole group is ended on the way out (and by the watchdog, should this
    process die first).
    """
    with tempfile.TemporaryDirectory(prefix="cmdgo-proxy-") as tmp:
        log_path = Path(tmp) / "proxy.log"
        args = [str(binary), "-proxy=127.0.0.1:0"]
        if verbose:
            args.append("-test.v")
        env = {"PATH": os.environ.get("PATH", ""), "HOME": tmp, "TMPDIR": tmp}
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                args,
                cwd=directory,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        outlive_guard(group=proc.pid)
        try:
            name = f"cmd/go's test proxy ({' '.join(args)})"
            url = wait_ready(proc, log_path, startup_timeout, _READY, name, BuildError)
            yield CmdGoProxy(url=url, pid=proc.pid, log_path=log_path)
        finally:
            end_group(proc)


def wait_ready(
    proc: subprocess.Popen[bytes],
    log_path: Path,
    timeout: float,
    ready: re.Pattern[bytes],
    name: str,
    error: type[Exception] = RuntimeError,
) -> str:
    """The URL a peer server printed (``ready``'s first group) once it answers HTTP at all;
    ``error`` naming ``name`` and the end of its log if it exits or stays silent first. Shared
    by this harness and benchmarks/bench_peers.py."""
    deadline = time.monotonic() + timeout
    url: str | None = None
    with httpx.Client(timeout=2.0, trust_env=False) as http:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise error(
                    f"{name} exited with status {proc.returncode} before answering; it "
                    f"printed:\n{tail(log_path.read_text(errors='replace'))}"
                )
            if url is None:
                m = ready.search(log_path.read_bytes())
                url = m.group(1).decode() if m else None
            if url is not None:
                try:
                    http.get(f"{url}/")  # any answer (a 404) means it serves
                    return url
                except httpx.HTTPError:
                    pass
            time.sleep(0.05)
    raise error(
        f"{name} did not answer within {timeout:.0f} s; it printed:\n"
        + tail(log_path.read_text(errors="replace"))
    )


@dataclass(frozen=True)
class CorpusEntry:
    """One archive of the corpus and the module version its name decodes to."""

    file: Path
    path: str
    version: str

    @property
    def spec(self) -> str:
        """``path@version``, as go takes it on the command line."""
        return f"{self.path}@{self.version}"


def corpus_entries(mod_dir: Path) -> list[CorpusEntry]:
    """Every version cmd/go's test proxy knows, in readModList's order (file name order).

    proxy_test.go readModList: take ``*.txt``, drop the suffix, split at the **last** ``_v``,
    turn ``_`` into ``/`` in the path, and ``module.UnescapePath``/``UnescapeVersion`` both
    halves; a file whose halves do not decode is skipped. Nothing else is checked — notably
    not ``module.Check``, so ``rsc.io/quote@v2.0.0`` (a v2 version on a v0/v1 path) is in
    the list. The unescaping is pytest_goproxy's port of golang.org/x/mod/module.
    """
    entries = []
    for file in sorted(mod_dir.iterdir(), key=lambda p: p.name):
        name = file.name
        if not name.endswith(".txt"):
            continue
        stem = name[: -len(".txt")]
        i = stem.rfind("_v")
        if i < 0:
            continue
        try:
            path = unescape_path(stem[:i].replace("_", "/"))
            version = unescape_version(stem[i + 1 :])
        except InvalidModuleError:
            continue
        entries.append(CorpusEntry(file, path, version))
    return entries


def which_go() -> GoBinary:
    """The go the benchmark uses: ``$GO_BINARY``, else ``go`` on PATH (as the go fixtures)."""
    return find_go()

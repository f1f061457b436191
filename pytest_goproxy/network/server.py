"""Find, build, start and stop a toxiproxy server.

toxiproxy (github.com/Shopify/toxiproxy) is a TCP proxy whose faults ("toxics") are switched on and
off through a REST API. We start our own server per pytest process (so each pytest-xdist worker has
its own one and names or ports never collide), bound to 127.0.0.1 on a free port, and stop it at the
end of the session, on Ctrl-C and, as a last resort, at interpreter exit.

Where the binary comes from, in order: an explicit path (``--toxiproxy-bin`` / ``TOXIPROXY_BIN``),
``toxiproxy-server`` or ``toxiproxy`` on ``PATH``, else a build with ``go install`` into a cache
directory. The build is the one place in pytest-goproxy that needs the real network: it uses the
user's normal ``GOPROXY``.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

import httpx

from pytest_goproxy.errors import ToxiproxyError
from pytest_goproxy.lifecycle import (
    Closing,
    locked,
    outlive_guard,
    release,
    remove_temp_dir,
    temp_dir,
)
from pytest_goproxy.serving.tcp import free_port

__all__ = [
    "TOXIPROXY_MODULE",
    "TOXIPROXY_VERSION",
    "ToxiproxyServer",
    "build_toxiproxy",
    "default_cache_dir",
    "find_toxiproxy",
    "resolve_toxiproxy",
]

TOXIPROXY_MODULE = "github.com/Shopify/toxiproxy/v2/cmd/server"
TOXIPROXY_VERSION = "v2.12.0"
#: ``go install`` names the binary after the last element of the package path.
BINARY_NAME = "server"
#: Written next to a binary we built, so a cache built for another version is rebuilt.
_VERSION_MARKER = "server.version"
_PATH_NAMES = ("toxiproxy-server", "toxiproxy")
_BUILD_TIMEOUT_S = 900.0
_LOG_TAIL_LINES = 30


def default_cache_dir() -> Path:
    """Where a toxiproxy we build is kept: shared by every project of the user, per version."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pytest-goproxy" / f"toxiproxy-{TOXIPROXY_VERSION}"


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_toxiproxy(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The toxiproxy binary to run, without building one: explicit path, else one on ``PATH``.

    An explicit path that is not an executable file is an error, never silently ignored: the user
    asked for that binary.
    """
    if explicit:
        path = Path(explicit).expanduser()
        if not _is_executable(path):
            raise ToxiproxyError(
                f"toxiproxy binary {str(path)!r} (from --toxiproxy-bin or TOXIPROXY_BIN) is not an "
                "executable file; fix the path or unset it to let pytest-goproxy find or build one"
            )
        return path
    for name in _PATH_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def build_toxiproxy(
    dest_dir: str | os.PathLike[str] | None = None,
    *,
    go: str | None = None,
    log: TextIO | None = None,
    env: Mapping[str, str] | None = None,
) -> Path:
    """Build toxiproxy once with ``go install`` into ``dest_dir`` and return the binary path.

    A binary built earlier for the same version is reused. Concurrent builds (pytest-xdist workers,
    parallel CI jobs) are serialised with a lock file so that only one of them runs ``go install``.
    Progress goes to ``log`` (stderr by default) because a first build takes a while and needs the
    network, and a silent pause would look like a hang.
    """
    out = log if log is not None else sys.stderr
    target = Path(dest_dir) if dest_dir is not None else default_cache_dir()
    target = target.expanduser().resolve()
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ToxiproxyError(f"cannot create toxiproxy cache directory {target}: {exc}") from exc
    binary = target / BINARY_NAME
    marker = target / _VERSION_MARKER
    lock_path = target / ".build.lock"
    with locked(lock_path):
        if _is_executable(binary) and _read(marker) == TOXIPROXY_VERSION:
            return binary
        go_bin = go or os.environ.get("GO_BINARY") or shutil.which("go")
        if not go_bin:
            raise ToxiproxyError(
                "toxiproxy is not installed and cannot be built: no `go` command on PATH. "
                "Install toxiproxy-server, or pass --toxiproxy-bin / TOXIPROXY_BIN"
            )
        spec = f"{TOXIPROXY_MODULE}@{TOXIPROXY_VERSION}"
        print(
            f"pytest-goproxy: building toxiproxy ({spec}) into {target}; "
            "this needs the network once (your normal GOPROXY)...",
            file=out,
            flush=True,
        )
        build_env = dict(os.environ if env is None else env)
        build_env["GOBIN"] = str(target)
        # A module-aware install of a versioned package ignores any go.mod around cwd; run it
        # from the cache dir so a surrounding go.work or go.mod cannot interfere either way.
        build_env["GOWORK"] = "off"
        started = time.monotonic()
        try:
            proc = subprocess.run(
                [go_bin, "install", spec],
                cwd=target,
                env=build_env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=_BUILD_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise ToxiproxyError(
                f"`go install {spec}` did not finish within {_BUILD_TIMEOUT_S:.0f} s"
            ) from exc
        except OSError as exc:
            raise ToxiproxyError(f"cannot run {go_bin!r} to build toxiproxy: {exc}") from exc
        if proc.returncode != 0 or not _is_executable(binary):
            output = _tail((proc.stdout or "") + (proc.stderr or ""))
            raise ToxiproxyError(
                f"`go install {spec}` failed (exit {proc.returncode}); it needs network access "
                f"through your GOPROXY. Or install toxiproxy-server yourself and pass "
                f"--toxiproxy-bin / TOXIPROXY_BIN. go said:\n{output}"
            )
        marker.write_text(TOXIPROXY_VERSION + "\n")
        print(
            f"pytest-goproxy: built {binary} in {time.monotonic() - started:.1f} s",
            file=out,
            flush=True,
        )
        return binary


def resolve_toxiproxy(
    explicit: str | os.PathLike[str] | None = None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    go: str | None = None,
    log: TextIO | None = None,
) -> Path:
    """Explicit binary, else one on ``PATH``, else build (once) into ``cache_dir``."""
    found = find_toxiproxy(explicit)
    if found is not None:
        return found
    return build_toxiproxy(cache_dir, go=go, log=log)


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def _tail(text: str, lines: int = _LOG_TAIL_LINES) -> str:
    kept = text.rstrip().splitlines()[-lines:]
    return "\n".join(kept) if kept else "(no output)"


class ToxiproxyServer(Closing):
    """One toxiproxy server process on 127.0.0.1, owned by us.

    ``start()`` picks a free port, runs ``<binary> -host 127.0.0.1 -port N -proxy-metrics`` and
    waits until ``GET /version`` answers. A server that exits or does not answer in time is killed
    and :class:`ToxiproxyError` carries the tail of its log, which is where toxiproxy says why.
    ``-proxy-metrics`` turns on per-proxy byte counters, used by the ``down_after_bytes`` window.

    The process gets its own session (process group) so that Ctrl-C in the terminal reaches pytest
    only; pytest then runs fixture teardown, which stops the server in order. ``atexit`` is the
    last-resort stop if teardown never runs.
    """

    def __init__(
        self,
        binary: str | os.PathLike[str],
        *,
        host: str = "127.0.0.1",
        startup_timeout: float = 15.0,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.binary = Path(binary)
        self.host = host
        self.port = 0
        self.startup_timeout = startup_timeout
        self.extra_args = extra_args
        self._proc: subprocess.Popen[bytes] | None = None
        self._tmpdir: str | None = None
        self._log_path: Path | None = None

    @property
    def url(self) -> str:
        """Base URL of the REST API, e.g. ``http://127.0.0.1:40123``."""
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def log_tail(self, lines: int = _LOG_TAIL_LINES) -> str:
        """The last lines of the server's log (stdout and stderr), for error messages."""
        if self._log_path is None:
            return "(no log)"
        try:
            text = self._log_path.read_text(errors="replace")
        except OSError:
            return "(log unreadable)"
        return _tail(text, lines)

    def start(self) -> ToxiproxyServer:
        """Start the server; retried on a new port if another process took ours in between."""
        if self._proc is not None:
            raise ToxiproxyError("this toxiproxy server was already started")
        self._tmpdir = str(temp_dir("pytest-goproxy-toxiproxy-"))
        self._log_path = Path(self._tmpdir) / "toxiproxy.log"
        atexit.register(self.stop)
        last_error: ToxiproxyError | None = None
        for _attempt in range(3):
            try:
                self._start_once()
                return self
            except ToxiproxyError as exc:
                last_error = exc
                if "address already in use" not in str(exc):
                    break
        self.stop()
        assert last_error is not None
        raise last_error

    def _start_once(self) -> None:
        assert self._log_path is not None
        self.port = free_port(self.host)
        args = [
            str(self.binary),
            "-host",
            self.host,
            "-port",
            str(self.port),
            "-proxy-metrics",
            *self.extra_args,
        ]
        with open(self._log_path, "ab") as log:
            try:
                self._proc = subprocess.Popen(
                    args,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            except OSError as exc:
                raise ToxiproxyError(f"cannot run toxiproxy {str(self.binary)!r}: {exc}") from exc
            outlive_guard(group=self._proc.pid)  # ended even if this process is SIGKILLed
        deadline = time.monotonic() + self.startup_timeout
        with httpx.Client(timeout=1.0) as http:
            while time.monotonic() < deadline:
                if self._proc.poll() is not None:
                    code = self._proc.returncode
                    self._reap()
                    raise ToxiproxyError(
                        f"toxiproxy ({' '.join(args)}) exited with status {code} before answering "
                        f"on {self.url}/version. Its log ends with:\n{self.log_tail()}"
                    )
                try:
                    if http.get(f"{self.url}/version").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.05)
        self._reap()
        raise ToxiproxyError(
            f"toxiproxy ({' '.join(args)}) did not answer on {self.url}/version within "
            f"{self.startup_timeout:.0f} s. Its log ends with:\n{self.log_tail()}"
        )

    def _reap(self) -> None:
        """End the process (TERM, then KILL) and wait for it, so no zombie or orphan is left."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                proc.wait(timeout=5)
        release(group=proc.pid)

    def stop(self) -> None:
        """Stop the server and remove its temporary directory; safe to call more than once."""
        self._reap()
        if self._tmpdir is not None:
            remove_temp_dir(self._tmpdir)
            self._tmpdir = None
            self._log_path = None
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)

    close = stop

    def __enter__(self) -> ToxiproxyServer:
        return self.start() if self._proc is None else self

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<ToxiproxyServer {self.url} {state}>"

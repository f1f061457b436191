"""git's smart HTTP protocol, answered by the real ``git http-backend``, run as a CGI program.

The origin does not speak git's protocol itself: each request for a repository starts one
``git http-backend`` with the CGI variables of the request (RFC 3875: ``REQUEST_METHOD``,
``PATH_INFO``, ``QUERY_STRING``, ``CONTENT_TYPE``, ``CONTENT_LENGTH``, ``REMOTE_ADDR``, every
header as ``HTTP_*``) plus git's own (``GIT_PROJECT_ROOT``, ``GIT_HTTP_EXPORT_ALL=1``, and
``GIT_PROTOCOL`` from the ``Git-Protocol`` header, which is how protocol v2 reaches
``upload-pack``, as git's documentation tells Apache to do). The request body is piped in as it
arrives (chunked bodies too; a ``Content-Encoding: gzip`` body is inflated by http-backend, which
reads ``HTTP_CONTENT_ENCODING``), and the answer streams back: the CGI header block is parsed
(``Status:`` gives the status, 200 without it) and the rest is the body, read as the program
writes it.

``HTTP_PROXY`` is never passed on (a request header ``Proxy:`` would otherwise set it: the
"httpoxy" hole), and the environment is otherwise the origin's hermetic git environment.

Each program runs in its own process group, registered with the lifecycle watchdog, and is ended
(group and all: http-backend runs ``git upload-pack`` below it) when its answer has been sent,
when the client goes away, or when the origin closes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO

from werkzeug.datastructures import Headers
from werkzeug.wrappers import Request, Response

from pytest_goproxy.lifecycle import Closing, outlive_guard, release
from pytest_goproxy.origin.repos import git_exec_path
from pytest_goproxy.serving.answers import status_line, text_answer
from pytest_goproxy.serving.httpserver import SERVER_LOG
from pytest_goproxy.serving.wsgi import KEEP_ALIVE

__all__ = ["GitBackend", "group_alive"]

_CHUNK = 64 * 1024
#: The most a CGI header block may take before the answer is a 502 (http-backend's are ~200 B).
_MAX_HEAD = 64 * 1024
#: What is kept of a program's stderr for the debug log.
_MAX_STDERR = 16 * 1024
#: How long an answered program may take to exit before its group is ended.
_EXIT_GRACE = 10.0
#: Headers that describe one hop, not the answer: the server writes its own.
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "upgrade"})


class GitBackend(Closing):
    """Runs ``git http-backend`` for requests, and ends every one it started."""

    def __init__(self, git: str, env: Mapping[str, str]) -> None:
        self.git = git
        # git-http-backend itself, in the environment ``git http-backend`` gives it (its exec
        # path in GIT_EXEC_PATH and first on PATH, git.c setup_path), without the ``git``
        # process in front: one exec less per request (3-5 ms)
        exec_path = git_exec_path(git)
        #: the program each request runs
        self.command = [os.path.join(exec_path, "git-http-backend")]
        self.env = dict(env)
        self.env["PATH"] = os.pathsep.join(
            [exec_path, *([self.env["PATH"]] if self.env.get("PATH") else [])]
        )
        self.env["GIT_EXEC_PATH"] = exec_path
        self._lock = threading.Lock()
        self._live: dict[int, _Run] = {}
        self._closed = False
        #: how many programs have run, for tests and the debug log
        self.started = 0

    @property
    def live(self) -> list[int]:
        """The process ids (and group ids) of the programs running now, oldest first."""
        with self._lock:
            return list(self._live)

    def cgi_env(
        self, environ: Mapping[str, object], project_root: Path, path_info: str
    ) -> dict[str, str]:
        """The CGI environment of one request (see the module docstring)."""
        env = dict(self.env)

        def get(key: str, default: str = "") -> str:
            value = environ.get(key, default)
            return value if isinstance(value, str) else default

        env.update(
            GATEWAY_INTERFACE="CGI/1.1",
            SERVER_SOFTWARE="pytest-goproxy-origin",
            SERVER_PROTOCOL=get("SERVER_PROTOCOL", "HTTP/1.1"),
            SERVER_NAME=get("SERVER_NAME", "127.0.0.1"),
            SERVER_PORT=get("SERVER_PORT", "0"),
            REQUEST_METHOD=get("REQUEST_METHOD", "GET"),
            PATH_INFO=path_info,
            QUERY_STRING=get("QUERY_STRING"),
            REMOTE_ADDR=get("REMOTE_ADDR", "127.0.0.1"),
            GIT_PROJECT_ROOT=str(project_root),
            GIT_HTTP_EXPORT_ALL="1",
        )
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if get(key):
                env[key] = get(key)
        for key, value in environ.items():
            if key.startswith("HTTP_") and key != "HTTP_PROXY" and isinstance(value, str):
                env[key] = value
        if get("HTTP_GIT_PROTOCOL"):
            env["GIT_PROTOCOL"] = get("HTTP_GIT_PROTOCOL")
        return {k: v for k, v in env.items() if "\0" not in k + v}

    def respond(self, request: Request, project_root: Path, path_info: str) -> Response:
        """The answer of ``git http-backend`` to ``request``, its body streaming from the
        program (which ends when the body is closed)."""
        env = self.cgi_env(request.environ, project_root, path_info)
        with self._lock:
            if self._closed:
                return text_answer(503, "the origin is closing\n")
            proc = subprocess.Popen(
                self.command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                cwd=project_root if project_root.is_dir() else None,
                start_new_session=True,
                close_fds=True,
            )
            outlive_guard(group=proc.pid)
            run = _Run(self, proc, f"{env['REQUEST_METHOD']} {path_info}")
            self._live[proc.pid] = run
            self.started += 1
        try:
            run.start(request, has_body="CONTENT_LENGTH" in env or _chunked(request))
            status, headers = run.read_head()
        except _BadHead as exc:
            run.close()
            return text_answer(502, f"git http-backend gave no answer: {exc}\n")
        except BaseException:
            run.close()
            raise
        return Response(run, status=status, headers=headers)

    def _forget(self, pid: int) -> None:
        with self._lock:
            self._live.pop(pid, None)
        release(group=pid)

    def close(self) -> None:
        """End every program still running (an answer never read to the end); later requests
        are answered 503."""
        with self._lock:
            self._closed = True
            live = list(self._live.values())
        for run in live:
            run.end(grace=0.0)


def _chunked(request: Request) -> bool:
    return bool(request.environ.get("wsgi.input_terminated")) and "chunked" in (
        request.headers.get("Transfer-Encoding", "").lower()
    )


class _BadHead(Exception):
    """The program ended or wrote too much before the blank line ending its CGI headers."""


class _Run:
    """One ``git http-backend`` answering one request: the body iterable of the response."""

    def __init__(self, backend: GitBackend, proc: subprocess.Popen[bytes], what: str) -> None:
        self._backend = backend
        self._proc = proc
        self._what = what
        self._closed = False
        self._eof = False
        self._ended = False
        self._end_lock = threading.Lock()
        self._stderr = bytearray()
        self._threads: list[threading.Thread] = []
        self._environ: dict[str, object] | None = None
        assert proc.stdout is not None
        self._out: IO[bytes] = proc.stdout

    def _thread(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        thread.start()
        self._threads.append(thread)

    def start(self, request: Request, *, has_body: bool) -> None:
        """Drain the program's stderr, and pipe the request body in, each from a thread of its
        own (the program may answer before it has read everything, and a pipe holds 64 KiB)."""
        assert self._proc.stdin is not None and self._proc.stderr is not None
        self._environ = request.environ
        self._thread(self._drain_stderr, self._proc.stderr)
        self._thread(self._copy_body, request.stream if has_body else None, self._proc.stdin)

    @staticmethod
    def _copy_body(source: IO[bytes] | None, sink: IO[bytes]) -> None:
        writing = True
        try:
            while source is not None:
                chunk = source.read(_CHUNK)
                if not chunk:
                    break
                if writing:
                    try:
                        sink.write(chunk)
                    except (BrokenPipeError, ValueError, OSError):
                        writing = False  # keep reading: the connection must be left clean
        except Exception:  # the client went away mid-body
            SERVER_LOG.debug("reading a request body for git http-backend failed", exc_info=True)
        finally:
            with contextlib.suppress(OSError, ValueError):
                sink.close()

    def _drain_stderr(self, stream: IO[bytes]) -> None:
        with contextlib.suppress(OSError, ValueError):
            while chunk := stream.read(_CHUNK):
                room = _MAX_STDERR - len(self._stderr)
                if room > 0:
                    self._stderr += chunk[:room]

    def read_head(self) -> tuple[str, Headers]:
        """The status and headers of the CGI header block."""
        headers = Headers()
        status = status_line(200)
        taken = 0
        while True:
            line = self._out.readline(_MAX_HEAD - taken + 1)
            taken += len(line)
            if taken > _MAX_HEAD:
                raise _BadHead(f"over {_MAX_HEAD} bytes of headers")
            if not line.endswith(b"\n"):
                raise _BadHead("it ended before its headers did")
            text = line.decode("latin-1").rstrip("\r\n")
            if not text:
                return status, headers
            name, sep, value = text.partition(":")
            if not sep:
                raise _BadHead(f"a header line without a colon: {text[:80]!r}")
            name, value = name.strip(), value.strip()
            if name.lower() == "status":
                status = value
            elif name.lower() not in _HOP_BY_HOP:
                headers.add(name, value)

    def end(self, *, grace: float) -> None:
        """End the program's process group (once, whoever asks first: the answer's close or
        the origin's), and forget it."""
        with self._end_lock:
            if self._ended:
                return
            self._ended = True
            _end_group(self._proc, grace=grace)
        self._backend._forget(self._proc.pid)

    def __iter__(self) -> Iterator[bytes]:
        read1 = getattr(self._out, "read1", self._out.read)
        while not self._closed:
            chunk = read1(_CHUNK)
            if not chunk:
                self._eof = True
                break
            yield chunk

    def close(self) -> None:
        """End the program: wait for it when its output was read to the end, else end its
        group at once (the client went away)."""
        if self._closed:
            return
        self._closed = True
        self.end(grace=_EXIT_GRACE if self._eof else 0.0)
        for thread in self._threads:
            thread.join(5.0)
            if thread.is_alive() and self._environ is not None:
                self._environ[KEEP_ALIVE] = False
        for stream in (self._proc.stdout, self._proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError, ValueError):
                    stream.close()
        code = self._proc.returncode
        if code or self._stderr:
            SERVER_LOG.debug(
                "git http-backend (%s) exited %s: %s",
                self._what,
                code,
                self._stderr.decode(errors="replace").strip(),
            )


def _end_group(proc: subprocess.Popen[bytes], *, grace: float) -> None:
    """Wait up to ``grace`` seconds for ``proc`` to exit; if it has not, kill its process group
    (``git upload-pack`` and ``pack-objects`` below it included) and wait until no member is
    alive. SIGKILL at once: they only read the repository, so there is nothing to clean up,
    and git's own SIGTERM handling waits for children that are stuck writing to a client that
    went away. The group is first signalled while its leader is not yet reaped, so its id
    cannot have been reused."""
    if proc.returncode is not None:
        return
    if grace > 0:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace)
            return
    deadline = time.monotonic() + 5.0
    while True:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        if proc.returncode is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0.05)
            continue
        if not group_alive(proc.pid) or time.monotonic() > deadline:
            return
        time.sleep(0.01)


def group_alive(pgid: int) -> bool:
    """Whether a process of group ``pgid`` is still running. A killed orphan stays a zombie
    until init reaps it, which some container inits do late or never; a zombie has ended."""
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    try:
        names = os.listdir("/proc")
    except OSError:  # pragma: no cover - no /proc: the group exists, so take it as alive
        return True
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != b"Z":
            return True
    return False

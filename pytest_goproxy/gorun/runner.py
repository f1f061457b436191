"""GoRunner: runs the real ``go`` command hermetically, with a hard timeout and a network guard."""

from __future__ import annotations

import itertools
import json
import math
import numbers
import os
import re
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from pytest_goproxy.errors import GoProjectError, NamespaceUnavailable
from pytest_goproxy.gomod.toolchain import check_gotoolchain
from pytest_goproxy.gorun.binary import GoBinary, find_go
from pytest_goproxy.gorun.cache import ModuleCache
from pytest_goproxy.gorun.environment import (
    build_env,
    check_env,
    disable_telemetry,
    layer_env,
    trace_toolchain,
)
from pytest_goproxy.gorun.guard import BAD_GATEWAY, Door, NetworkGuard
from pytest_goproxy.gorun.guard.routes import route_table
from pytest_goproxy.gorun.namespace import (
    SETUP_FAILED,
    SETUP_MARK,
    NamespaceResolver,
    check_namespace,
    namespace_argv,
    no_proxy_with,
    write_namespace_files,
)
from pytest_goproxy.gorun.process import run_process
from pytest_goproxy.gorun.project import GoProject, copy_project, create_project
from pytest_goproxy.gorun.result import GoResult
from pytest_goproxy.lifecycle import Closing, remove_temp_dir, temp_dir
from pytest_goproxy.serving.tls import session_ca

__all__ = ["DEFAULT_TIMEOUT", "GoRunner", "check_timeout"]

DEFAULT_TIMEOUT = 120.0
_DEFAULT_GO_VERSION = "1.21"


def check_timeout(value: object, what: str = "timeout", *, allow_zero: bool = False) -> float:
    """``value`` as seconds; TypeError or ValueError saying what to pass instead.

    The one check of a run's deadline (GoRunner, its runs, a project's runs). go has no timeout of
    its own, so the deadline is all that stops a hung run: ``0``, a negative number or ``nan``
    would end every run as hung after no time (or set no deadline at all: ``nan`` compares false
    with everything), and ``inf`` would let a hung go block the session forever. ``True`` is not a
    number of seconds, nor is ``"10"``. ``allow_zero`` is for grace periods, where 0 is "at once".
    """
    __tracebackhide__ = True
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a number of seconds, got {type(value).__name__} {value!r}")
    seconds = float(value)
    if not math.isfinite(seconds) or seconds < 0 or (seconds == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(
            f"{what} must be a finite number of seconds {bound}, got {value!r} (go has no "
            "timeout of its own: this deadline is what ends a hung run)"
        )
    return seconds


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:40] or "x"


class GoRunner(Closing):
    """Runs the real ``go`` command so that nothing of the machine's Go setup leaks in.

    Every run gets a fresh ``HOME``, ``GOPATH``, ``GOMODCACHE`` and ``GOENV`` file (share a module
    cache with ``modcache=``, a GOPATH with ``gopath=``), and only the
    variables listed in :mod:`pytest_goproxy.gorun.environment` (``PATH``, the hermetic Go
    settings, the guard proxy) plus the ``env`` given here (defaults for every run) and to the run.
    The build cache (``GOCACHE``) is shared by the runner's runs, or given as ``build_cache``.

    ``guard=False`` leaves the proxy variables and the ssh stub out: then a run can reach whatever
    the test lets it, ssh included (GOPROXY still defaults to ``off``, and ``GOVCS`` and
    ``GIT_ALLOW_PROTOCOL`` still shut out every VCS but git and every git transport but https and
    ssh). ``timeout`` is checked by :func:`check_timeout`, every ``env`` by
    :func:`~pytest_goproxy.gorun.environment.check_env`. ``gotoolchain`` is ``GOTOOLCHAIN``
    for every run (``local`` unless given: go never switches toolchains); ``auto``, ``path``,
    ``go1.99.0+auto``... let it switch, as :meth:`run` says. ``close()`` (or leaving ``with``)
    removes every directory the runner made, read-only module caches included, and stops the
    guard.
    """

    def __init__(
        self,
        go: GoBinary | str | os.PathLike[str] | None = None,
        workdir: Path | str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        guard: bool = True,
        env: Mapping[str, str | None] | None = None,
        *,
        build_cache: Path | str | None = None,
        kill_grace: float = 1.0,
        gotoolchain: str = "local",
    ) -> None:
        __tracebackhide__ = True
        self.timeout = check_timeout(timeout)
        self.kill_grace = check_timeout(kill_grace, "kill_grace", allow_zero=True)
        self.env: dict[str, str | None] = check_env(env)
        #: ``GOTOOLCHAIN`` of every run that does not choose its own
        self.gotoolchain = check_gotoolchain(gotoolchain)
        self.binary = find_go(go)
        if workdir is not None:
            Path(workdir).mkdir(parents=True, exist_ok=True)
        self.root = temp_dir("gorun-", workdir)
        self.build_cache = Path(build_cache) if build_cache else self.root / "gocache"
        self.build_cache.mkdir(parents=True, exist_ok=True)
        self._guard = NetworkGuard() if guard else None
        self._lock = threading.Lock()
        self._counter = itertools.count(1)
        self._warm: ModuleCache | None = None
        self._closed = False

    # -- properties -------------------------------------------------------------------------

    @property
    def version(self) -> str:
        """``GOVERSION`` of the go binary, e.g. ``go1.26.8``."""
        return self.binary.version

    @property
    def guard(self) -> NetworkGuard | None:
        """The network guard (started at the first run), or None with ``guard=False``."""
        return self._guard

    # -- routes -----------------------------------------------------------------------------

    def route(self, host: str, server: object, *, status: int = BAD_GATEWAY) -> None:
        """Let every later run reach ``host`` by name: the guard passes its requests to ``server``.

        ``server`` is a loopback server: a ``(host, port)`` tuple, a URL or anything with
        ``.host``/``.port``; None plays an origin that is down. go and git then fetch
        ``https://corp.example/...`` (``?go-get=1`` pages, git smart HTTP, a checksum database
        under its own name) from it through the guard's tunnel, with no DNS and TLS end to end
        (serve the session CA's certificate for the name:
        ``session_ca().server_context("corp.example")``). ``host`` routes every port of the
        name, ``host:port`` one port. When the server cannot be reached the guard answers
        ``status`` (502 Bad Gateway), as a corporate proxy does. Routed requests are in
        ``runner.guard.routed``, never in ``result.escapes``. Routes can be set before or after
        the first run and hold until :meth:`unroute`; each runner has its own. See
        :meth:`NetworkGuard.route <pytest_goproxy.gorun.NetworkGuard.route>`.
        """
        __tracebackhide__ = True
        self._router().route(host, server, status=status)

    def unroute(self, host: str) -> None:
        """Remove the route of ``host`` (spelled as given to :meth:`route`): later runs are
        refused again when they ask for it, and it shows in their ``escapes``."""
        __tracebackhide__ = True
        self._router().unroute(host)

    def _router(self) -> NetworkGuard:
        __tracebackhide__ = True
        if self._guard is None:
            raise RuntimeError(
                "routes live in the network guard, and this GoRunner has guard=False: its runs "
                "use no proxy, so a name such as corp.example would go to DNS"
            )
        if self._closed:
            raise RuntimeError("this GoRunner is closed")
        return self._guard

    # -- caches and projects ----------------------------------------------------------------

    def _next(self) -> int:
        with self._lock:
            if self._closed:
                raise RuntimeError("this GoRunner is closed")
            return next(self._counter)

    def warm_cache(self) -> ModuleCache:
        """The runner's shared module cache: the same one on every call.

        Pass it as ``modcache=`` to runs or projects that should see what earlier runs
        downloaded (e.g. download while the proxy is up, build while it is down).
        """
        with self._lock:
            if self._warm is None:
                self._warm = ModuleCache(self.root / "modcache-warm")
            return self._warm

    def module_cache(self) -> ModuleCache:
        """A new, empty module cache to share between chosen runs; removed on close."""
        return ModuleCache(self.root / f"modcache-{self._next():04d}")

    def gopath(self) -> Path:
        """A new, empty ``GOPATH`` directory to share between chosen runs; removed on close.

        Pass it as ``gopath=`` to runs or projects that must see what an earlier run kept there.
        Go keeps the checksum database's signed tree head in ``$GOPATH/pkg/sumdb``
        (cmd/go/internal/cfg ``SumdbDir``), so a test that a later run detects a forked or
        rolled-back database needs both runs on one GOPATH; binaries from ``go install`` land in
        ``$GOPATH/bin``. Modules are not there: they live in ``modcache=`` (``GOMODCACHE``).
        """
        path = self.root / f"gopath-{self._next():04d}"
        path.mkdir(parents=True)
        return path

    def project(
        self,
        module: str = "example.test/app",
        requires: Mapping[str, str] | None = None,
        files: Mapping[str, str | bytes] | None = None,
        go_version: str | None = None,
        *,
        env: Mapping[str, str | None] | None = None,
        modcache: ModuleCache | None = None,
        gopath: str | os.PathLike[str] | None = None,
        toolchain: str | None = None,
    ) -> GoProject:
        """A new module ``module`` requiring ``requires`` (path -> version).

        Without ``files`` the project gets a ``main.go`` that blank-imports the root package of
        each required module (so ``go mod tidy`` and ``go build`` need them all). With ``files``
        (name -> text or bytes) exactly those are written, plus a generated ``go.mod`` unless
        ``files`` has one. ``go_version`` is the ``go`` line (default 1.21, or the binary's own
        language version if that is older); ``toolchain`` the ``toolchain`` line
        (``go1.99.0``), which a run with ``gotoolchain="auto"`` switches to when it is newer
        than the running go.
        """
        __tracebackhide__ = True
        if go_version is None:
            mine = self.binary.version_info
            go_version = (
                _DEFAULT_GO_VERSION
                if mine == (0, 0, 0) or mine[:2] >= (1, 21)
                else self.binary.language_version
            )
        directory = (
            self.root / "projects" / f"{self._next():04d}-{_slug(module.rsplit('/', 1)[-1])}"
        )
        return create_project(
            self,
            directory,
            module=module,
            requires=requires,
            files=files,
            go_version=go_version,
            env=env,
            modcache=modcache,
            gopath=gopath,
            toolchain=toolchain,
        )

    def project_from_dir(
        self,
        path: str | os.PathLike[str],
        *,
        env: Mapping[str, str | None] | None = None,
        modcache: ModuleCache | None = None,
        gopath: str | os.PathLike[str] | None = None,
    ) -> GoProject:
        """A copy of the Go project at ``path`` (VCS directories left out); the original is never
        touched. GoProjectError if ``path`` is not a directory with a go.mod or go.work."""
        __tracebackhide__ = True
        name = _slug(Path(path).name)
        directory = self.root / "projects" / f"{self._next():04d}-{name}"
        directory.parent.mkdir(parents=True, exist_ok=True)
        return copy_project(self, path, directory, env=env, modcache=modcache, gopath=gopath)

    # -- running ----------------------------------------------------------------------------

    def run(
        self,
        args: Sequence[str],
        *,
        cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str | None] | None = None,
        timeout: float | None = None,
        modcache: ModuleCache | None = None,
        gopath: str | os.PathLike[str] | None = None,
        routes: Mapping[str, object] | None = None,
        gotoolchain: str | None = None,
        resolver: NamespaceResolver | None = None,
    ) -> GoResult:
        """Run ``go ARGS...`` in ``cwd`` (an empty directory by default) and return what happened.

        ``env`` adds to (and ``None`` values remove from) the hermetic environment; ``timeout``
        overrides the runner's (None: the runner's). Both are checked before anything is made
        (:func:`~pytest_goproxy.gorun.environment.check_env`, :func:`check_timeout`).
        ``modcache`` (see :meth:`module_cache`) and ``gopath`` (see :meth:`gopath`) share state
        with other runs; by default the run gets fresh ones. The result is classified when the
        command failed.

        ``routes`` (host or ``host:port`` -> loopback server; None for an origin that is down,
        answered 502; an int HTTP status for one that is down and answered with that status,
        e.g. 503 as a proxy answers a name that does not resolve) are this run's alone, over
        the runner's (:meth:`route`): a name the run routes goes by the run's routes only, every
        other name by the runner's. Such a run gets its own door into the guard (a listening
        socket of its own, closed when the run ends), so runs of one runner at the same time can
        each play ``corp.example`` with their own server, and its ``escapes`` and ``routed`` are
        exactly its own, git's requests included.

        ``gotoolchain`` is this run's ``GOTOOLCHAIN`` (None: the runner's, ``local`` unless it
        was given another); a ``GOTOOLCHAIN`` in ``env`` wins over both. When it lets go switch,
        the run also gets ``GODEBUG=toolchaintrace=1``, and the result says which toolchain go
        downloaded and ran (``toolchain_download``, ``switched_to``).

        ``resolver`` (a started :class:`~pytest_goproxy.network.FakeResolver`) is the DNS
        server this run's go meets: go runs in a private mount namespace whose
        ``/etc/resolv.conf`` names it (:mod:`pytest_goproxy.gorun.namespace`), and the names it
        serves are in ``NO_PROXY``, so go looks them up and dials them itself (every other
        name still goes to the guard). :class:`~pytest_goproxy.errors.NamespaceUnavailable`
        says why when this machine cannot do that.
        """
        __tracebackhide__ = True
        if isinstance(args, str):
            raise TypeError("args must be a sequence of arguments, e.g. ['mod', 'tidy']")
        limit = self.timeout if timeout is None else check_timeout(timeout)
        chosen = self.gotoolchain if gotoolchain is None else check_gotoolchain(gotoolchain)
        extra = layer_env({"GOTOOLCHAIN": chosen}, layer_env(self.env, env))
        if routes is not None:
            self._router()
            route_table(routes)  # checked before anything is made
        if resolver is not None:
            check_namespace()
        number = self._next()
        run_dir = self.root / "runs" / f"{number:04d}-{_slug('-'.join(args[:2]))}"
        home = run_dir / "home"
        goenv = home / ".config" / "go" / "env"
        goenv.parent.mkdir(parents=True)
        goenv.touch()
        disable_telemetry(home / ".config")
        (run_dir / "tmp").mkdir()
        if cwd is None:
            cwd = run_dir / "work"
            Path(cwd).mkdir()
        elif not Path(cwd).is_dir():
            raise GoProjectError(f"working directory {cwd} does not exist")
        # before the run's door opens: a resolver that was never started fails here, leaving
        # nothing open behind it
        etc = write_namespace_files(run_dir / "etc", resolver) if resolver is not None else None
        token = f"run-{number}"
        guard_url = ssh_command = None
        door: Door | None = None
        if self._guard is not None:
            guard_url = self._guard.start().url(token)
            if routes is not None:
                door = self._guard.door(token, routes)
                guard_url = door.url()
            ssh_command = self._guard.ssh_command(run_dir, token, door=door)
        if gopath is None:
            gopath = run_dir / "gopath"
        else:
            Path(gopath).mkdir(parents=True, exist_ok=True)
        full_env = build_env(
            home=home,
            gopath=Path(gopath),
            modcache=modcache.path if modcache is not None else run_dir / "modcache",
            gocache=self.build_cache,
            tmpdir=run_dir / "tmp",
            goenv=goenv,
            guard_url=guard_url,
            ssh_command=ssh_command,
            extra=extra,
            # the session CA alone while guarded; the system's roots too when not
            ca_bundle=session_ca().bundle(system_roots=self._guard is None),
        )
        trace_toolchain(full_env)
        argv = [str(self.binary.path), *args]
        if resolver is not None and etc is not None:
            argv = namespace_argv(argv, etc)
            for name in ("NO_PROXY", "no_proxy"):
                full_env[name] = no_proxy_with(full_env.get(name, ""), resolver.names)
        started = time.monotonic()
        try:
            outcome = run_process(
                argv,
                cwd=cwd,
                env=full_env,
                timeout=limit,
                kill_grace=self.kill_grace,
            )
        finally:
            if door is not None:
                door.close()
        ended = time.monotonic()
        if (
            resolver is not None
            and outcome.returncode == SETUP_FAILED
            and SETUP_MARK in outcome.stderr
        ):
            raise NamespaceUnavailable(outcome.stderr.strip())
        exact = door is not None
        escapes = (
            tuple(self._guard.escapes_for(token, started, ended, exact=exact))
            if self._guard is not None
            else ()
        )
        routed = (
            tuple(self._guard.routed_for(token, started, ended, exact=exact))
            if self._guard is not None
            else ()
        )
        workdir = Path(cwd)
        return GoResult.create(
            args=tuple(args),
            command=(str(self.binary.path), *args),
            env=full_env,
            cwd=workdir,
            returncode=outcome.returncode,
            stdout=outcome.stdout,
            stderr=outcome.stderr,
            duration=outcome.duration,
            hung=outcome.hung,
            timeout=limit,
            go_mod=_read(workdir / "go.mod"),
            go_sum=_read(workdir / "go.sum"),
            escapes=escapes,
            routed=routed,
            pid=outcome.pid,
            go_version=self.binary.version,
        )

    def go_env(self, env: Mapping[str, str | None] | None = None) -> dict[str, str]:
        """``go env -json`` as a run sees it (for checking what reaches the go command)."""
        __tracebackhide__ = True
        result = self.run(["env", "-json"], env=env).assert_ok()
        data = json.loads(result.stdout)
        return {str(k): str(v) for k, v in data.items()}

    # -- lifetime ---------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the guard and remove every directory the runner made (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        if self._guard is not None:
            self._guard.close()
        remove_temp_dir(self.root)

    def __repr__(self) -> str:
        return f"GoRunner({self.binary}, root={str(self.root)!r})"


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except UnicodeDecodeError:
        return path.read_bytes().decode("utf-8", "replace")

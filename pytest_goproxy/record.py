"""Record a real project's module closure once, replay it offline forever.

``record(project_dir, out_dir)`` runs the go command **with the user's own Go settings** (GOPROXY,
GOFLAGS, GONOSUMDB, GOPRIVATE, ``go env -w`` file, ``~/.netrc`` auth: the environment is inherited
on purpose, this is the one command of the plugin that may reach the network) but with a fresh,
empty ``GOMODCACHE``, so that the cache afterwards holds exactly the project's closure:

1. ``go mod download -json all``: every module of the build list, zips included;
2. ``go mod download -json m@v`` for every go.sum entry the build list lacks (the ``/go.mod``-only
   lines of versions that MVS did not select): their zips too, so every hash in go.sum can be
   checked and signed from real bytes (best effort: a version the proxy no longer has stays
   ``.mod``-only);
3. ``go mod tidy`` (best effort), which also loads the tests of dependencies, so a later
   ``go mod tidy`` through the replay finds what it needs.

Before these, the **toolchain** the project's go.mod asks for (a ``toolchain`` line, or a ``go``
line, newer than the recording go: :func:`~pytest_goproxy.gomod.toolchain.wanted_toolchain`) is
downloaded for the recording platform, ``go mod download golang.org/toolchain@v0.0.1-<name>.
<GOOS>-<GOARCH>`` from the user's proxy with ``GOTOOLCHAIN=local`` outside the project (the
local go need not be able to build it), and kept like any module: a replay serves the real,
~70 MB toolchain, so an outage during its download can be measured. The manifest's
``toolchain`` names it.

All of it runs in a copy of the project (go may add go.sum lines; the user's files are never
touched). The snapshot directory then holds::

    SNAPSHOT_DIR/cache/download/<escaped module>/@v/<version>.{info,mod,zip}   (module-cache layout)
    SNAPSHOT_DIR/go.sum          the project's go.sum, as it was on disk
    SNAPSHOT_DIR/go.mod          the project's go.mod, for reference
    SNAPSHOT_DIR/snapshot.json   what was recorded: module, go version, versions, warnings,
                                 go_env and origin_modules (below)

Modules go fetched **from their origins** (GOPRIVATE/GONOPROXY modules, and any module fetched
after a ``direct``) are kept like the others (their zips in the cache), and named in the
manifest's ``origin_modules`` with the ``Origin`` go wrote into their ``.info`` (VCS, URL, Ref,
Hash); ``go_env`` keeps GOPRIVATE, GONOPROXY and GONOSUMDB as go saw them. An ``Origin`` alone
does not prove a direct fetch (a proxy's ``.info`` may carry one, and go keeps it as it is), so
a version counts as fetched from its origin when its path matches GONOPROXY, or when go
contacted its repository itself: ``$GOMODCACHE/cache/vcs/<sha256>.info`` names every repository
go cloned (cmd/go/internal/modfetch/codehost ``WorkDir``: ``git3:https://corp.example/lib``
with go 1.26, ``git:...`` before).

To record through a proxy that routes host names (a corporate proxy, or the plugin's network
guard in a test), give ``env`` the variables a shell would have: ``HTTPS_PROXY`` (and
``HTTP_PROXY``, ``NO_PROXY``) for go and git, and ``SSL_CERT_FILE``/``GIT_SSL_CAINFO`` for the
certificates to trust; record passes them through untouched.

``serve_snapshot(Snapshot.load(dir))`` starts a :class:`~pytest_goproxy.proxy.FakeGoProxy`
serving the cache (``add_module_cache``) and a :class:`~pytest_goproxy.sumdb.ChecksumDB` whose
log holds the project's go.sum hashes, so the go command verifies with default settings:
``GOSUMDB`` names our database and key, ``GONOSUMDB`` stays unset. Hashes of the recorded bytes
are checked against the project's go.sum before anything is served (a snapshot that disagrees
with go.sum is refused). A snapshot with origin modules also gets a
:class:`~pytest_goproxy.origin.FakeOrigin` holding them as tagged git commits, reached by their
host names (``replay.routes``, for ``GoRunner.run(routes=...)`` or ``GoRunner.route``); the
proxy answers 410 Gone for them, as proxy.golang.org does for a path it cannot fetch, and
``replay.env`` sets ``GOPRIVATE`` to the pattern that sent go to the origins
(:meth:`Snapshot.origin_replay`), so go fetches them from the origin and asks no checksum
database about them (go.sum still checks every hash).
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from pytest_goproxy.errors import GoProjectError, RecordError
from pytest_goproxy.gomod.patterns import match_prefix_patterns
from pytest_goproxy.gomod.snapshot import (
    MANIFEST,
    MANIFEST_FORMAT,
    OriginModule,
    OriginReplay,
    RecordedRepository,
    Snapshot,
    is_snapshot,
    parse_go_sum,
)
from pytest_goproxy.gomod.sources import ModuleSource
from pytest_goproxy.gomod.store import ModuleStore, ModuleVersion
from pytest_goproxy.gomod.toolchain import (
    TOOLCHAIN_MODULE,
    is_toolchain_name,
    toolchain_version,
    wanted_toolchain,
)
from pytest_goproxy.gorun.binary import GoBinary, find_go
from pytest_goproxy.gorun.process import run_process
from pytest_goproxy.gorun.project import VCS_DIRS
from pytest_goproxy.lifecycle import Closing, remove_temp_dir, temp_dir
from pytest_goproxy.outage.endpoints import EndpointPlan, Endpoints
from pytest_goproxy.proxy import FakeGoProxy
from pytest_goproxy.sumdb import ChecksumDB

if TYPE_CHECKING:
    from pytest_goproxy.origin import FakeOrigin

__all__ = [
    "MANIFEST",
    "OriginModule",
    "OriginReplay",
    "RecordError",
    "RecordResult",
    "ServedSnapshot",
    "Snapshot",
    "is_snapshot",
    "parse_go_sum",
    "record",
    "serve_snapshot",
]

#: Default time limit of each go command while recording (a cold download of a big project).
RECORD_TIMEOUT = 1800.0
#: Files of a module cache the snapshot keeps (lock files, partial downloads and the sumdb
#: tile cache are left out: the replay has its own checksum database).
_KEEP = re.compile(r".*\.(info|mod|zip)$|^list$")
#: The settings that send go to a module's origin, kept in the manifest's ``go_env``.
_DIRECT_ENV = ("GOPRIVATE", "GONOPROXY", "GONOSUMDB")


def _redact(url: str) -> str:
    """A GOPROXY entry without credentials (``https://user:token@host`` must not land on disk)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, f"***@{host}", parts.path, parts.query, parts.fragment))


def _redact_goproxy(value: str) -> str:
    return re.sub(r"[^,|]+", lambda m: _redact(m.group(0)), value)


@dataclass(frozen=True)
class RecordResult:
    """What :func:`record` wrote: the snapshot and the versions it holds."""

    snapshot: Path
    module: str
    versions: tuple[tuple[str, str], ...]
    with_zip: int
    warnings: tuple[str, ...] = ()
    #: the versions go fetched from their origins (VCS hosts), in ``versions`` too
    origin_modules: tuple[tuple[str, str], ...] = ()
    #: where go finds each repository of the closure when it fetches directly
    repositories: tuple[RecordedRepository, ...] = ()
    #: host -> ``{"pages": n, "repositories": m}``: what a direct build reaches there
    hosts: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    def host_lines(self) -> list[str]:
        """One line per host a direct build needs: ``github.com: 12 repositories``."""
        lines = []
        for host, counts in self.hosts.items():
            parts = []
            if counts.get("repositories"):
                n = counts["repositories"]
                parts.append(f"{n} repositor{'y' if n == 1 else 'ies'}")
            if counts.get("pages"):
                parts.append(
                    f"{counts['pages']} ?go-get=1 page{'s' if counts['pages'] != 1 else ''}"
                )
            lines.append(f"{host}: {', '.join(parts)}")
        return lines


def _go_run(
    go: GoBinary, args: list[str], cwd: Path, env: Mapping[str, str], timeout: float
) -> tuple[int, str, str]:
    outcome = run_process([str(go.path), *args], cwd=cwd, env=env, timeout=timeout)
    if outcome.hung:
        return -1, outcome.stdout, f"killed after {timeout:g} s"
    return outcome.returncode, outcome.stdout, outcome.stderr


def _json_objects(stdout: str) -> Iterator[dict[str, object]]:
    """The objects of ``go mod download -json`` (one JSON object after another, no list)."""
    decoder = json.JSONDecoder()
    pos = 0
    text = stdout.strip()
    while pos < len(text):
        obj, end = decoder.raw_decode(text, pos)
        if isinstance(obj, dict):
            yield obj
        pos = end
        while pos < len(text) and text[pos].isspace():
            pos += 1


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def record(
    project_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    env: Mapping[str, str] | None = None,
    go: GoBinary | str | os.PathLike[str] | None = None,
    timeout: float = RECORD_TIMEOUT,
    tidy: bool = True,
    origins: bool = False,
    ask_pages: bool = True,
) -> RecordResult:
    """Download ``project_dir``'s module closure with the user's Go settings into ``out_dir``.

    ``env`` is the environment go runs with (default: this process's, which is the point: the
    user's GOPROXY, GOFLAGS, GOPRIVATE, auth); only ``GOMODCACHE`` is replaced by a fresh
    directory and ``-modcacherw`` added to GOFLAGS (so the cache can be copied and removed).
    ``out_dir`` must be empty or absent. Raises :class:`RecordError` with go's error when the
    closure cannot be downloaded.

    Where each module's repository is (for a replay's origins) is asked as go asks it:
    ``ask_pages`` fetches the live ``?go-get=1`` pages (see
    :mod:`pytest_goproxy.origin.recording`). ``origins`` also fetches, with git and the same
    settings, the commits the closure names from each repository into a git bundle, so a
    replay serves pseudo-versions with their real hashes (the history is fetched whole).
    """
    src = Path(project_dir)
    if not (src / "go.mod").is_file():
        raise GoProjectError(f"{src} has no go.mod: record needs the root of a Go module")
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise RecordError(f"{out} exists and is not empty: choose a new snapshot directory")
    binary = go if isinstance(go, GoBinary) else find_go(go)
    base = dict(os.environ if env is None else env)
    work = temp_dir("goproxy-record-")
    warnings: list[str] = []
    try:
        modcache = work / "modcache"
        copy = work / "project"
        shutil.copytree(src, copy, symlinks=True, ignore=shutil.ignore_patterns(*VCS_DIRS))
        flags = base.get("GOFLAGS", "").split()
        run_env = {
            **base,
            "GOMODCACHE": str(modcache),
            "GOFLAGS": " ".join([*flags, *(["-modcacherw"] if "-modcacherw" not in flags else [])]),
        }
        toolchain = _record_toolchain(binary, copy, work, run_env, timeout, warnings)
        code, stdout, stderr = _go_run(
            binary, ["mod", "download", "-json", "all"], copy, run_env, timeout
        )
        errors = [str(o["Error"]) for o in _json_objects(stdout) if o.get("Error")]
        if code != 0 or errors:
            detail = "\n".join(errors) or _tail(stderr)
            raise RecordError(
                f"`go mod download all` failed in {src} (GOPROXY="
                f"{_redact_goproxy(run_env.get('GOPROXY', '<go default>'))}):\n{detail}"
            )
        go_sum_path = src / "go.sum"
        go_sum = go_sum_path.read_text(encoding="utf-8") if go_sum_path.is_file() else ""
        if not go_sum:
            warnings.append(
                "the project has no go.sum: the checksum database signs what was downloaded"
            )
        listed = parse_go_sum(go_sum)
        download = modcache / "cache" / "download"
        missing = [
            f"{m}@{v}"
            for (m, v), hashes in sorted(listed.items())
            if "zip" not in hashes or not _has_zip(download, m, v)
        ]
        if missing:
            code, stdout, stderr = _go_run(
                binary, ["mod", "download", "-json", *missing], copy, run_env, timeout
            )
            for obj in _json_objects(stdout):
                if obj.get("Error"):
                    warnings.append(f"{obj.get('Path')}@{obj.get('Version')}: {obj['Error']}")
        if tidy:
            code, _, stderr = _go_run(binary, ["mod", "tidy"], copy, run_env, timeout)
            if code != 0:
                warnings.append(
                    f"`go mod tidy` failed (the snapshot may lack what tidy needs): "
                    f"{_tail(stderr, 3)}"
                )
        out.mkdir(parents=True, exist_ok=True)
        _copy_cache(download, out / "cache" / "download")
        if go_sum:
            (out / "go.sum").write_text(go_sum, encoding="utf-8")
        shutil.copyfile(src / "go.mod", out / "go.mod")
        module = _module_path((src / "go.mod").read_text(encoding="utf-8"))
        go_env = _direct_env(binary, copy, run_env)
        contacted = _contacted_repos(modcache)
        with ModuleStore() as store:
            versions = store.add_module_cache(out)
            recorded = tuple((mv.path, mv.version) for mv in versions)
            with_zip = sum(1 for mv in versions if mv.zip_path is not None)
            fetched_direct = [
                found
                for found in (_origin_module(mv, go_env["GONOPROXY"], contacted) for mv in versions)
                if found is not None
            ]
            origin_json = [o.to_json() for o in fetched_direct]
            from pytest_goproxy.origin.recording import (  # git only for --origins
                find_repositories,
                host_counts,
                record_bundles,
            )

            repositories = find_repositories(store, run_env, ask_pages=ask_pages)
            if origins:
                repositories, bundle_warnings = record_bundles(store, repositories, out, run_env)
                warnings.extend(bundle_warnings)
            hosts = host_counts(repositories)
            # what a replay will make of them, said now (a pseudo-version whose real commit
            # was not recorded stays with the proxy)
            recorded_origins: dict[str, object] = {
                "go_env": go_env,
                "origin_modules": origin_json,
                "repositories": [r.to_json(out) for r in repositories],
            }
            warnings.extend(Snapshot(out, go_sum, recorded_origins).origin_replay(store).warnings)
        manifest = {
            "format": MANIFEST_FORMAT,
            "module": module,
            "recorded": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "go": binary.version,
            "goproxy": _redact_goproxy(run_env.get("GOPROXY", "")),
            "versions": [f"{m}@{v}" for m, v in recorded],
            "warnings": warnings,
            "go_env": go_env,
            "origin_modules": origin_json,
            "repositories": [r.to_json(out) for r in repositories],
            "hosts": hosts,
        }
        if toolchain is not None:
            manifest["toolchain"] = toolchain
        (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        return RecordResult(
            out,
            module,
            recorded,
            with_zip,
            tuple(warnings),
            tuple((o.module, o.version) for o in fetched_direct),
            tuple(repositories),
            hosts,
        )
    finally:
        remove_temp_dir(work)


def _record_toolchain(
    go: GoBinary,
    project: Path,
    work: Path,
    env: Mapping[str, str],
    timeout: float,
    warnings: list[str],
) -> str | None:
    """Download the toolchain ``project``'s go.mod switches to into the recording's module
    cache; its name, or None when the project runs on the recording go (or the download failed:
    a warning says why, and the recording goes on, as the replay still serves the modules)."""
    name = wanted_toolchain((project / "go.mod").read_text(encoding="utf-8"), go.version)
    if name is None:
        return None
    if not is_toolchain_name(name):
        warnings.append(f"the go.mod asks for toolchain {name}, which go cannot download")
        return None
    module = f"{TOOLCHAIN_MODULE}@{toolchain_version(name, go.goos, go.goarch)}"
    outside = work / "toolchain"
    outside.mkdir(exist_ok=True)
    code, stdout, stderr = _go_run(
        go,
        ["mod", "download", "-json", module],
        outside,
        {**env, "GOTOOLCHAIN": "local"},
        timeout,
    )
    errors = [str(o["Error"]) for o in _json_objects(stdout) if o.get("Error")]
    if code != 0 or errors:
        warnings.append(
            f"toolchain {name} ({module}) could not be recorded: "
            + ("\n".join(errors) or _tail(stderr, 3))
        )
        return None
    return name


def _direct_env(go: GoBinary, cwd: Path, env: Mapping[str, str]) -> dict[str, str]:
    """GOPRIVATE, GONOPROXY and GONOSUMDB as go applies them (``go env``: the two last default
    to GOPRIVATE, and a ``go env -w`` file counts), or the environment's when go env fails."""
    code, stdout, _ = _go_run(go, ["env", "-json", *_DIRECT_ENV], cwd, env, 60.0)
    try:
        values = json.loads(stdout) if code == 0 else {}
    except ValueError:
        values = {}
    if not isinstance(values, dict):
        values = {}
    private = str(values.get("GOPRIVATE", env.get("GOPRIVATE", "")))
    return {
        "GOPRIVATE": private,
        "GONOPROXY": str(values.get("GONOPROXY", env.get("GONOPROXY", private))),
        "GONOSUMDB": str(values.get("GONOSUMDB", env.get("GONOSUMDB", private))),
    }


def _contacted_repos(modcache: Path) -> set[str]:
    """The repository URLs go fetched from itself while recording: each repository it cloned
    has ``cache/vcs/<sha256>.info`` holding ``<vcs>:<url>`` (cmd/go/internal/modfetch/codehost
    ``WorkDir``; the vcs is ``git3`` in go 1.26, ``git`` before)."""
    found: set[str] = set()
    vcs = modcache / "cache" / "vcs"
    if not vcs.is_dir():
        return found
    for info in vcs.glob("*.info"):
        try:
            text = info.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            continue
        _, colon, url = text.partition(":")
        if colon and url:
            found.add(_same_repo(url))
    return found


def _same_repo(url: str) -> str:
    """A repository URL compared without a trailing ``/`` or ``.git``."""
    return url.rstrip("/").removesuffix(".git")


def _origin_module(mv: ModuleVersion, noproxy: str, contacted: set[str]) -> OriginModule | None:
    """``mv`` as an origin module when go fetched it from its origin (see the module
    docstring), with the ``Origin`` of its ``.info``; None when a proxy served it."""
    origin = mv.origin
    url = origin.get("URL")
    direct = isinstance(url, str) and _same_repo(url) in contacted
    if not direct and (not noproxy or match_prefix_patterns(noproxy, mv.path) is None):
        return None

    def text(key: str) -> str | None:
        value = origin.get(key)
        return value if isinstance(value, str) and value else None

    return OriginModule(mv.path, mv.version, text("VCS"), text("URL"), text("Ref"), text("Hash"))


def _has_zip(download: Path, module: str, version: str) -> bool:
    from pytest_goproxy.gomod.escape import escape_path, escape_version

    return (download / escape_path(module) / "@v" / f"{escape_version(version)}.zip").is_file()


def _module_path(go_mod: str) -> str:
    match = re.search(r"^\s*module\s+\"?([^\s\"]+)\"?", go_mod, re.MULTILINE)
    return match.group(1) if match else ""


def _copy_cache(src: Path, dest: Path) -> None:
    """Copy the module files of a download tree (no sumdb tiles, locks or partial files)."""
    if not src.is_dir():
        raise RecordError(f"go downloaded nothing into {src}")
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if rel.parts[0] == "sumdb" or not path.is_file() or not _KEEP.match(path.name):
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


# -- replay ----------------------------------------------------------------------------------------


class ServedSnapshot(Closing):
    """A running replay: ``proxy`` and ``sumdb``, and ``origin`` when the snapshot has origin
    modules (else None). ``env`` is what go needs (default settings: GOPROXY is the proxy,
    GOSUMDB our database with its key, and GOPRIVATE the origin modules' pattern when there are
    any); ``routes`` are the host names go runs must reach by name
    (``GoRunner.run(routes=replay.routes)``)."""

    def __init__(
        self,
        snapshot: Snapshot,
        endpoints: Endpoints,
        origin: FakeOrigin | None = None,
        origin_replay: OriginReplay | None = None,
    ) -> None:
        self.snapshot = snapshot
        self.endpoints = endpoints
        self.origin = origin
        self.origin_replay = origin_replay or OriginReplay()

    @property
    def store(self) -> ModuleStore:
        return self.endpoints.store

    @property
    def proxy(self) -> FakeGoProxy:
        return self.endpoints.proxies["primary"]

    @property
    def sumdb(self) -> ChecksumDB:
        return self.endpoints.sumdbs["sumdb"]

    @property
    def env(self) -> dict[str, str]:
        env = {"GOPROXY": self.proxy.url, **self.sumdb.env}
        if self.origin_replay.private:
            env["GOPRIVATE"] = self.origin_replay.private
        return env

    @property
    def routes(self) -> dict[str, object]:
        """Every host name of the origin modules -> the replay's origin (empty without one)."""
        if self.origin is None:
            return {}
        return dict.fromkeys(self.origin.hosts, self.origin)

    def close(self) -> None:
        self.endpoints.close()


def serve_snapshot(snapshot: Snapshot, *, host: str = "127.0.0.1") -> ServedSnapshot:
    """Start a proxy and a checksum database serving ``snapshot`` (stop with ``close()`` or
    ``with``). They are the outage engine's endpoints, wired as for every other source: the
    database logs the snapshot's go.sum hashes first, then what the proxy serves.

    When the snapshot has origin modules (see :meth:`Snapshot.origin_replay`), a FakeOrigin
    holding them starts too (git is needed then), and the proxy and the database answer 410 Gone
    for them (``Endpoints(private=...)``), as proxy.golang.org and sum.golang.org do."""
    source = ModuleSource("snapshot", snapshot.path, snapshot=snapshot)
    store = source.store()
    try:
        replay = snapshot.origin_replay(store)
    except BaseException:
        store.close()
        raise
    plans = [EndpointPlan("primary", "proxy"), EndpointPlan("sumdb", "sumdb")]
    # the origin modules are private to the replay: its proxy and database answer 410 for them
    endpoints = Endpoints(plans, store, source=source, host=host, private=replay.private or None)
    endpoints.add(store.close)
    endpoints.start()
    origin = None
    try:
        if replay.modules:
            from pytest_goproxy.origin.mirror import origin_of_store, recorded  # needs git

            roots, bundles = recorded(snapshot)
            origin = origin_of_store(store, modules=replay.modules, roots=roots, bundles=bundles)
            endpoints.add(origin.close)
            origin.start()
    except BaseException:
        endpoints.close()
        raise
    return ServedSnapshot(snapshot, endpoints, origin, replay)

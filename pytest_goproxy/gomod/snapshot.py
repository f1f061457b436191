"""The snapshot format: a recorded module closure in module-cache layout, and its go.sum.

``pytest-goproxy record`` (:mod:`pytest_goproxy.record`) writes one; the outage engine, ``serve``
and scenario files replay it. The directory holds::

    SNAPSHOT_DIR/cache/download/<escaped module>/@v/<version>.{info,mod,zip}   (module-cache layout)
    SNAPSHOT_DIR/go.sum          the project's go.sum, as it was on disk
    SNAPSHOT_DIR/go.mod          the project's go.mod, for reference
    SNAPSHOT_DIR/snapshot.json   what was recorded: module, go version, versions, warnings

Since format 2 the manifest also says which versions go fetched from their **origins** (a VCS
host, for GOPRIVATE/GONOPROXY modules or after a ``direct``), so a replay serves those by name
from a fake origin instead of from its proxy::

    "go_env": {"GOPRIVATE": "corp.example", "GONOPROXY": "corp.example", "GONOSUMDB": "..."},
    "origin_modules": [{"module": "corp.example/lib", "version": "v1.0.0", "vcs": "git",
                        "url": "https://corp.example/lib", "ref": "refs/tags/v1.0.0",
                        "hash": "<commit>"}]

Since format 3 it also says where each module's **repository** is, as go finds it when it
fetches directly (from the live ``?go-get=1`` page, else the ``Origin`` a proxy wrote into the
``.info``, else cmd/go's rules), and which hosts a direct build needs; with ``record --origins``
each repository's recorded commits are kept as a git bundle beside the manifest::

    "repositories": [{"root": "golang.org/x/sys", "vcs": "git",
                      "url": "https://go.googlesource.com/sys", "static": false,
                      "source": "go-get", "modules": ["golang.org/x/sys"],
                      "bundle": "origins/go.googlesource.com/sys.bundle"}],
    "hosts": {"golang.org": {"pages": 1, "repositories": 0},
              "go.googlesource.com": {"pages": 0, "repositories": 1}}

``go_env`` is what go saw while recording (``go env``: GONOPROXY defaults to GOPRIVATE);
``origin_modules`` comes from the ``Origin`` object go writes into the ``.info`` of what it
fetched itself. A manifest without these fields (format 1, or no manifest at all) has no origin
modules: everything is replayed by the proxy, as before.

Hashes of the recorded bytes are checked against the go.sum before anything is served (a
snapshot that disagrees with its go.sum is refused), and :meth:`Snapshot.hash_records` gives a
checksum database what to log so go verifies with default settings.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pytest_goproxy.errors import ModuleSourceError
from pytest_goproxy.gomod.patterns import match_prefix_patterns
from pytest_goproxy.gomod.semver import is_pseudo_version
from pytest_goproxy.gomod.store import ModuleStore

__all__ = [
    "MANIFEST",
    "MANIFEST_FORMAT",
    "OriginModule",
    "OriginReplay",
    "RecordedRepository",
    "Snapshot",
    "is_snapshot",
    "parse_go_sum",
]

#: The manifest file of a snapshot directory.
MANIFEST = "snapshot.json"
#: The manifest format ``record`` writes (2: with ``go_env`` and ``origin_modules``; 3: with
#: ``repositories`` and ``hosts``).
MANIFEST_FORMAT = 3


@dataclass(frozen=True)
class RecordedRepository:
    """Where go finds one repository of the closure, as ``record`` saw it (format 3)."""

    #: the import-path root, ``golang.org/x/sys``
    root: str
    #: the repository URL, ``https://go.googlesource.com/sys``
    url: str
    vcs: str = "git"
    #: True when cmd/go's static host table finds it (github.com...): no page is asked
    static: bool = False
    #: where the answer came from: ``go-get`` (the live page), ``origin`` (a proxy's ``.info``)
    #: or ``rule`` (cmd/go's rules alone)
    source: str = "rule"
    #: the module paths of the closure it holds
    modules: tuple[str, ...] = ()
    #: the git bundle of its recorded commits (``record --origins``), None without
    bundle: Path | None = None

    def to_json(self, base: Path) -> dict[str, object]:
        entry: dict[str, object] = {
            "root": self.root,
            "vcs": self.vcs,
            "url": self.url,
            "static": self.static,
            "source": self.source,
            "modules": list(self.modules),
        }
        if self.bundle is not None:
            entry["bundle"] = self.bundle.relative_to(base).as_posix()
        return entry

    @classmethod
    def from_json(cls, base: Path, entry: object) -> RecordedRepository:
        """A manifest entry; ModuleSourceError naming the file when it is not one."""
        texts = ("root", "url", "vcs", "source")
        if (
            not isinstance(entry, Mapping)
            or not all(isinstance(entry.get(k, ""), str) for k in texts)
            or not entry.get("root")
            or not entry.get("url")
            or not isinstance(entry.get("static", False), bool)
            or not isinstance(entry.get("modules", []), list)
            or not isinstance(entry.get("bundle", ""), str)
        ):
            raise ModuleSourceError(
                f"{base / MANIFEST}: repositories holds {entry!r}; each entry is an object with "
                'string "root" and "url" (and "vcs", "static", "source", "modules", "bundle"): '
                "record again"
            )
        bundle = entry.get("bundle")
        return cls(
            str(entry["root"]),
            str(entry["url"]),
            str(entry.get("vcs") or "git"),
            bool(entry.get("static", False)),
            str(entry.get("source") or "rule"),
            tuple(str(m) for m in entry.get("modules", [])),
            base / str(bundle) if bundle else None,
        )


@dataclass(frozen=True)
class OriginModule:
    """One module version go fetched from its origin while recording, with the ``Origin`` go
    wrote into its ``.info`` (``vcs``, ``url``, ``ref``, ``hash``; None when go wrote none)."""

    module: str
    version: str
    vcs: str | None = None
    url: str | None = None
    ref: str | None = None
    hash: str | None = None

    def to_json(self) -> dict[str, str]:
        """The manifest entry (fields go did not write are left out)."""
        entry = {"module": self.module, "version": self.version}
        for key in ("vcs", "url", "ref", "hash"):
            value = getattr(self, key)
            if value is not None:
                entry[key] = value
        return entry

    @classmethod
    def from_json(cls, where: str, entry: object) -> OriginModule:
        """A manifest entry; ModuleSourceError naming the file when it is not one."""
        if (
            not isinstance(entry, Mapping)
            or not isinstance(entry.get("module"), str)
            or not isinstance(entry.get("version"), str)
            or not all(isinstance(entry.get(k), str | None) for k in ("vcs", "url", "ref", "hash"))
        ):
            raise ModuleSourceError(
                f"{where}: origin_modules holds {entry!r}; each entry is an object with string "
                '"module" and "version" (and optional "vcs", "url", "ref", "hash"): record again'
            )
        return cls(
            str(entry["module"]),
            str(entry["version"]),
            *(
                None if entry.get(k) is None else str(entry[k])
                for k in ("vcs", "url", "ref", "hash")
            ),
        )


@dataclass(frozen=True)
class OriginReplay:
    """How a replay serves a snapshot's origin modules (:meth:`Snapshot.origin_replay`).

    ``private`` is the GOPRIVATE pattern of the replay: the proxy answers 410 for the modules it
    matches, the origin serves them, the checksum database is not asked. ``modules`` are the
    paths the origin holds (every recorded version of each). ``proxied`` are origin modules the
    replay's origin cannot serve, left to the proxy; ``warnings`` say why.
    """

    private: str = ""
    modules: tuple[str, ...] = ()
    proxied: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def parse_go_sum(text: str) -> dict[tuple[str, str], dict[str, str]]:
    """go.sum lines by (module, version): ``{"zip": h1, "mod": h1}`` (either may be missing)."""
    found: dict[tuple[str, str], dict[str, str]] = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) != 3:
            continue
        module, version, h = fields
        kind = "zip"
        if version.endswith("/go.mod"):
            version, kind = version[: -len("/go.mod")], "mod"
        found.setdefault((module, version), {})[kind] = h
    return found


def is_snapshot(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a directory in module-cache layout (a recorded snapshot or a
    ``$GOMODCACHE``)."""
    p = Path(path)
    return p.is_dir() and (p / "cache" / "download").is_dir()


@dataclass
class Snapshot:
    """A recorded snapshot directory (see the module docstring for its layout)."""

    path: Path
    go_sum: str = ""
    manifest: dict[str, object] = field(default_factory=dict)

    @property
    def go_env(self) -> dict[str, str]:
        """GOPRIVATE, GONOPROXY and GONOSUMDB as go saw them while recording (empty: format 1)."""
        found = self.manifest.get("go_env")
        if not isinstance(found, Mapping):
            return {}
        return {str(k): str(v) for k, v in found.items() if isinstance(v, str)}

    @property
    def repositories(self) -> tuple[RecordedRepository, ...]:
        """Where go finds each repository of the closure (none before format 3)."""
        entries = self.manifest.get("repositories")
        if entries is None:
            return ()
        if not isinstance(entries, list):
            raise ModuleSourceError(f"{self.path / MANIFEST}: repositories must be a list")
        return tuple(RecordedRepository.from_json(self.path, entry) for entry in entries)

    @property
    def origin_modules(self) -> tuple[OriginModule, ...]:
        """The versions go fetched from their origins while recording (none in format 1)."""
        entries = self.manifest.get("origin_modules")
        if entries is None:
            return ()
        where = str(self.path / MANIFEST)
        if not isinstance(entries, list):
            raise ModuleSourceError(f"{where}: origin_modules must be a list; record again")
        return tuple(OriginModule.from_json(where, entry) for entry in entries)

    def origin_replay(self, store: ModuleStore) -> OriginReplay:
        """Which modules of ``store`` (this snapshot, filled) a replay serves from an origin.

        The pattern is the recorded GONOPROXY (what sent go to the origins), plus the path of
        each origin module it does not cover (one fetched after a ``direct``). A pattern entry
        covers whole module paths, every version and every module below them, so each entry
        must cover only modules the origin can serve: versions with a zip that a tag can name.
        A pseudo-version cannot be (it names the commit hash of the recorded repository, which
        no commit of the replay's origin has) unless ``record --origins`` kept the real commits
        of its repository (a bundle), nor a ``.mod``-only version. An entry covering
        one of those is replaced by the paths of the servable origin modules it covers that
        cover nothing else; the rest stay with the proxy, with a warning each.
        """
        origin_paths = sorted({o.module for o in self.origin_modules})
        if not origin_paths:
            return OriginReplay()
        recorded = [p.strip() for p in self.go_env.get("GONOPROXY", "").split(",") if p.strip()]
        entries = recorded + [
            p for p in origin_paths if match_prefix_patterns(",".join(recorded), p) is None
        ]

        bundled = {m for r in self.repositories if r.bundle is not None for m in r.modules}

        def unservable(path: str) -> list[str]:
            bad = []
            for version in store.versions(path):
                found = store.get(path, version)
                if is_pseudo_version(version) and path not in bundled:
                    bad.append(f"{path}@{version} (a pseudo-version)")
                elif found is None or found.zip_path is None:
                    bad.append(f"{path}@{version} (no zip was recorded)")
            return bad

        modules = store.modules()
        kept: list[str] = []
        served: set[str] = set()
        proxied: set[str] = set()
        warnings: list[str] = []
        for entry in dict.fromkeys(entries):
            covered = [m for m in modules if match_prefix_patterns(entry, m) is not None]
            if not any(unservable(m) for m in covered):
                kept.append(entry)
                served.update(covered)
                continue
            for path in covered:
                below = [m for m in modules if match_prefix_patterns(path, m) is not None]
                bad = [b for m in below for b in unservable(m)]
                if not bad and path in origin_paths:
                    kept.append(path)
                    served.update(below)
                elif bad and path not in proxied:
                    proxied.add(path)
                    warnings.append(
                        f"the replay's origin cannot serve {', '.join(bad)}: the replay's "
                        f"proxy serves {path} instead (it matches {entry}, which sent go to "
                        "its origin)"
                    )
        return OriginReplay(
            ",".join(dict.fromkeys(kept)),
            tuple(sorted(served)),
            tuple(sorted(proxied)),
            tuple(warnings),
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Snapshot:
        """Read ``path``; ModuleSourceError when it is not in module-cache layout."""
        root = Path(path)
        if not is_snapshot(root):
            raise ModuleSourceError(
                f"{root} is not a snapshot: it has no cache/download directory (make one with "
                "`pytest-goproxy record PROJECT_DIR --out SNAPSHOT_DIR`)"
            )
        go_sum_file = root / "go.sum"
        go_sum = go_sum_file.read_text(encoding="utf-8") if go_sum_file.is_file() else ""
        manifest: dict[str, object] = {}
        if (root / MANIFEST).is_file():
            try:
                manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
            except ValueError as exc:
                raise ModuleSourceError(f"{root / MANIFEST}: not valid JSON: {exc}") from exc
        return cls(root, go_sum, manifest)

    def fill(self, store: ModuleStore) -> None:
        """Add the snapshot's modules to ``store`` and check them against the go.sum."""
        store.add_module_cache(self.path)
        self.check(store)

    def check(self, store: ModuleStore) -> None:
        """ModuleSourceError when a recorded zip or go.mod hashes differently from go.sum."""
        bad = []
        for (module, version), hashes in parse_go_sum(self.go_sum).items():
            mv = store.get(module, version)
            if mv is None:
                continue
            if "mod" in hashes and hashes["mod"] != mv.mod_hash:
                bad.append(
                    f"{module}@{version}/go.mod: go.sum {hashes['mod']}, recorded {mv.mod_hash}"
                )
            if "zip" in hashes and mv.zip_hash is not None and hashes["zip"] != mv.zip_hash:
                bad.append(f"{module}@{version}: go.sum {hashes['zip']}, recorded {mv.zip_hash}")
        if bad:
            raise ModuleSourceError(
                f"{self.path}: the recorded modules do not match the go.sum next to them "
                f"(record again):\n" + "\n".join(bad)
            )

    def hash_records(self, store: ModuleStore) -> Iterator[tuple[str, str, str, str]]:
        """``(module, version, zip hash, mod hash)`` for a checksum database to log: the go.sum's
        hashes (completed from the recorded bytes), then every other recorded version."""
        for (module, version), hashes in sorted(parse_go_sum(self.go_sum).items()):
            mv = store.get(module, version)
            zip_hash = hashes.get("zip") or (mv.zip_hash if mv is not None else None)
            mod_hash = hashes.get("mod") or (mv.mod_hash if mv is not None else None)
            if zip_hash is None or mod_hash is None:
                # Neither go.sum nor the recording knows this hash; go can never need it in a
                # replay (it would need the bytes the snapshot lacks), so the record is skipped.
                continue
            yield module, version, zip_hash, mod_hash
        for mv in store:
            if mv.zip_hash is not None and mv.mod_hash is not None:
                yield mv.path, mv.version, mv.zip_hash, mv.mod_hash

"""The snapshot format: a recorded module closure in module-cache layout, and its go.sum.

``pytest-goproxy record`` (:mod:`pytest_goproxy.record`) writes one; the outage engine, ``serve``
and scenario files replay it. The directory holds::

    SNAPSHOT_DIR/cache/download/<escaped module>/@v/<version>.{info,mod,zip}   (module-cache layout)
    SNAPSHOT_DIR/go.sum          the project's go.sum, as it was on disk
    SNAPSHOT_DIR/go.mod          the project's go.mod, for reference
    SNAPSHOT_DIR/snapshot.json   what was recorded: module, go version, versions, warnings

Hashes of the recorded bytes are checked against the go.sum before anything is served (a
snapshot that disagrees with its go.sum is refused), and :meth:`Snapshot.hash_records` gives a
checksum database what to log so go verifies with default settings.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pytest_goproxy.errors import ModuleSourceError
from pytest_goproxy.gomod.store import ModuleStore

__all__ = ["MANIFEST", "Snapshot", "is_snapshot", "parse_go_sum"]

#: The manifest file of a snapshot directory.
MANIFEST = "snapshot.json"


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

"""Where modules come from: the one rule that turns a path (or a function) into module versions.

Every front end (the matrix, scenario files, ``serve``, the pytest matrix cells) names its
modules the same way, and this module alone decides what the name is:

1. a **function** ``f(store)`` adds modules itself;
2. a directory holding ``cache/download`` is a **snapshot** (``pytest-goproxy record``'s output,
   or a whole ``$GOMODCACHE``): its bytes are served as they are, checked against the go.sum next
   to them when there is one;
3. a directory with ``<module>/@v/`` directories below it is a **module cache** download tree
   (``$GOMODCACHE/cache/download`` itself);
4. anything else is **txtar**: one module archive, or a directory of them, named and read by
   the archive rule in :mod:`pytest_goproxy.gomod`'s docstring (cmd/go's ``testdata/mod``
   ``.txt`` files, go-internal's ``.txtar`` files and ``path_vers/`` directories).

A source that yields no module at all is a :class:`~pytest_goproxy.errors.ModuleSourceError`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Union

from pytest_goproxy.errors import ModuleSourceError
from pytest_goproxy.gomod.archives import find_archives
from pytest_goproxy.gomod.snapshot import Snapshot, is_snapshot
from pytest_goproxy.gomod.store import ModuleStore

__all__ = ["ModuleSource", "ModuleSourceLike", "SourceKind"]

#: A txtar file or directory, a snapshot, a module cache, or a function that adds modules.
ModuleSourceLike = Union[str, "os.PathLike[str]", Callable[[ModuleStore], object]]
SourceKind = Literal["function", "snapshot", "module cache", "txtar"]


@dataclass(frozen=True)
class ModuleSource:
    """A module source with its kind decided once (see the module docstring for the rule)."""

    kind: SourceKind
    path: Path | None
    function: Callable[[ModuleStore], object] | None = None
    snapshot: Snapshot | None = None

    @classmethod
    def of(cls, source: ModuleSourceLike | ModuleSource) -> ModuleSource:
        """Decide what ``source`` is; a path that does not exist, or a txtar directory without
        one archive, is a ModuleSourceError (before anything is built, so a scenario file
        naming such a path fails when it is read)."""
        if isinstance(source, ModuleSource):
            return source
        if callable(source):
            return cls("function", None, function=source)
        path = Path(source)
        if not path.exists():
            raise ModuleSourceError(
                f"{path} does not exist (modules are a txtar file or directory, a module cache, "
                "or a snapshot directory from `pytest-goproxy record`)"
            )
        if is_snapshot(path):
            return cls("snapshot", path, snapshot=Snapshot.load(path))
        if path.is_dir() and any(p.is_dir() for p in path.rglob("@v")):
            return cls("module cache", path)
        find_archives(path)  # a bad name, or no archive at all, fails here, not at fill
        return cls("txtar", path)

    def fill(self, store: ModuleStore) -> None:
        """Add the source's modules to ``store``; ModuleSourceError when there are none."""
        if self.function is not None:
            self.function(store)
            return
        assert self.path is not None
        if self.snapshot is not None:
            self.snapshot.fill(store)
        elif self.kind == "module cache":
            store.add_module_cache(self.path)
        else:
            store.add_txtar(self.path)
        if not len(store):
            raise ModuleSourceError(f"{self.path}: no modules found ({self.kind})")

    def store(self, workdir: str | os.PathLike[str] | None = None) -> ModuleStore:
        """A new store holding the source's modules (the caller closes it)."""
        store = ModuleStore(Path(workdir) if workdir is not None else None)
        try:
            self.fill(store)
        except BaseException:
            store.close()
            raise
        return store

    def hash_records(self, store: ModuleStore) -> Iterator[tuple[str, str, str, str]]:
        """What a checksum database logs before anything else: a snapshot's go.sum hashes
        (``(module, version, zip hash, mod hash)``), which cover versions recorded without a
        zip; nothing for other sources (their hashes come from the served bytes)."""
        if self.snapshot is not None:
            yield from self.snapshot.hash_records(store)

    def __str__(self) -> str:
        return f"{self.kind} {self.path}" if self.path is not None else "a function"

"""Module caches that outlive one run on purpose, and removing what Go made read-only.

Go extracts modules into read-only directories (cmd/go/internal/modfetch/fetch.go, unless
``-modcacherw``), which ``shutil.rmtree`` cannot remove. :func:`remove_tree` (the one in
:mod:`pytest_goproxy.lifecycle`, re-exported here) makes everything writable first, so caches
are removed even when a test passed ``GOFLAGS=None``.
"""

from __future__ import annotations

from pathlib import Path

from pytest_goproxy.gomod.escape import escape_path, escape_version
from pytest_goproxy.lifecycle import make_writable, remove_tree

__all__ = ["ModuleCache", "make_writable", "remove_tree"]


class ModuleCache:
    """A ``GOMODCACHE`` directory shared by several runs on purpose (a "warm cache").

    Get one with :meth:`GoRunner.warm_cache` (one per runner) or :meth:`GoRunner.module_cache`
    (a new one each call) and pass it as ``modcache=`` to a project or a run; by default every
    run starts with an empty cache of its own. The runner removes it on close.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)

    def has(self, module: str, version: str) -> bool:
        """Whether ``module@version`` was downloaded completely (its zip is in the cache).

        Paths and versions are case-encoded as go spells them on disk (``!`` before a capital,
        :mod:`pytest_goproxy.gomod.escape`); an invalid one raises InvalidModuleError."""
        base = self.path / "cache" / "download" / escape_path(module) / "@v"
        return (base / f"{escape_version(version)}.zip").is_file()

    def extracted(self, module: str, version: str) -> Path:
        """Where go extracts ``module@version`` (exists once a build needed its files)."""
        return self.path / f"{escape_path(module)}@{escape_version(version)}"

    def clear(self) -> None:
        """Empty the cache (go's own ``go clean -modcache`` without running go)."""
        remove_tree(self.path)
        self.path.mkdir(parents=True, exist_ok=True)

    def remove(self) -> None:
        remove_tree(self.path)

    def __fspath__(self) -> str:
        return str(self.path)

    def __repr__(self) -> str:
        return f"ModuleCache({str(self.path)!r})"

"""Module caches that outlive one run on purpose, and removing what Go made read-only.

Go extracts modules into read-only directories (cmd/go/internal/modfetch/fetch.go, unless
``-modcacherw``), which ``shutil.rmtree`` cannot remove. :func:`remove_tree` makes everything
writable first, so caches are removed even when a test passed ``GOFLAGS=None``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
from pathlib import Path

from pytest_goproxy.gomod.escape import escape_path, escape_version

__all__ = ["ModuleCache", "make_writable", "remove_tree"]


def make_writable(root: Path) -> None:
    """``chmod -R u+w root`` without following symlinks."""
    if not root.exists() or root.is_symlink():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            path = os.path.join(dirpath, name)
            with contextlib.suppress(OSError):
                mode = os.lstat(path).st_mode
                if not stat.S_ISLNK(mode) and not mode & stat.S_IWUSR:
                    os.chmod(path, mode | stat.S_IWUSR)
    with contextlib.suppress(OSError):
        os.chmod(root, os.stat(root).st_mode | stat.S_IWUSR | stat.S_IXUSR)


def remove_tree(root: Path) -> None:
    """Remove ``root`` even where Go made it read-only."""
    if not os.path.lexists(root):
        return
    if root.is_symlink() or root.is_file():
        root.unlink()
        return
    make_writable(root)

    def _retry(func: object, path: str, _exc: object) -> None:
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(path), 0o700)
            os.chmod(path, 0o700)
        if callable(func):
            with contextlib.suppress(OSError):
                func(path)

    if sys.version_info >= (3, 12):
        shutil.rmtree(root, onexc=_retry)
    else:  # pragma: no cover - Python 3.10/3.11
        shutil.rmtree(root, onerror=_retry)


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

"""Module archives on disk: which names are modules, and reading one archive.

This module implements the archive rule stated once, in the docstring of
:mod:`pytest_goproxy.gomod` (cmd/go's ``testdata/mod`` rule widened as go-internal's
``goproxytest`` widens it). ``ModuleStore.add_txtar`` and the module sources use it.
"""

from __future__ import annotations

import logging
import os
import pathlib
from dataclasses import dataclass

from pytest_goproxy.errors import InvalidModuleError, ModuleSourceError
from pytest_goproxy.gomod import txtar
from pytest_goproxy.gomod.escape import unescape_path, unescape_version

__all__ = ["RULE", "ArchiveFile", "Skipped", "find_archives", "parse_archive_name", "read_archive"]

_log = logging.getLogger("pytest_goproxy.modules")

#: The rule in one line, for error messages.
RULE = (
    "a module version is a file <path>_<version>.txtar or .txt, or a directory <path>_<version>, "
    "with / in the path written _ and upper-case letters written ! + the letter "
    "(e.g. example.com_!foo_v1.0.0.txt for example.com/Foo v1.0.0)"
)
#: File suffixes of archives, the winner first when a version has several.
SUFFIXES = (".txtar", ".txt")


@dataclass(frozen=True)
class ArchiveFile:
    """One module version found on disk: the archive (file or directory) and what it serves."""

    path: pathlib.Path
    module: str
    version: str


@dataclass(frozen=True)
class Skipped:
    """A candidate left out with ``strict=False``, and why."""

    path: pathlib.Path
    reason: str


def parse_archive_name(name: str) -> tuple[str, str]:
    """``rsc.io_!q!u!o!t!e_v1.5.2.txt`` -> ``("rsc.io/QUOTE", "v1.5.2")`` (``.txtar`` or a
    directory name too). Only the escaping is checked, as cmd/go's test proxy does: a version
    ``module.Check`` refuses (``rsc.io/quote@v2.0.0``) is still served, and go decides."""
    __tracebackhide__ = True
    stem = name
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            break
    i = stem.rfind("_v")
    if i < 0:
        raise ModuleSourceError(f"{name}: no _v<version> in the name; {RULE}")
    try:
        return unescape_path(stem[:i].replace("_", "/")), unescape_version(stem[i + 1 :])
    except InvalidModuleError as e:
        raise ModuleSourceError(f"{name}: {e}; {RULE}") from None


def _candidate(path: pathlib.Path) -> bool:
    if path.name.startswith(".") or "_v" not in path.name:
        return False
    return path.is_dir() or path.name.endswith(SUFFIXES)


def _rank(path: pathlib.Path) -> int:
    for n, suffix in enumerate(SUFFIXES):
        if path.name.endswith(suffix):
            return n
    return len(SUFFIXES)  # a directory


def find_archives(
    file_or_dir: str | os.PathLike[str], *, strict: bool = True
) -> tuple[list[ArchiveFile], list[Skipped]]:
    """The module versions ``file_or_dir`` holds by the rule, and (``strict=False``) what was
    skipped. One path given as a file or a module directory is that one archive; a directory
    that is not itself named like a module holds archives. A directory with no module at all
    is a ModuleSourceError either way: a module set that loads nothing would let a test or a
    scenario run against an empty proxy and "pass"."""
    __tracebackhide__ = True
    root = pathlib.Path(file_or_dir)
    if not root.exists():
        raise ModuleSourceError(f"{root}: no such txtar file or directory")
    if root.is_file() or _is_module_dir(root):
        entries = [root]
    else:
        entries = sorted(p for p in root.iterdir() if _candidate(p))
    found: dict[tuple[str, str], ArchiveFile] = {}
    skipped: list[Skipped] = []

    def skip(path: pathlib.Path, reason: str) -> None:
        __tracebackhide__ = True
        if strict:
            raise ModuleSourceError(f"{path}: {reason}")
        skipped.append(Skipped(path, reason))
        _log.warning("module archive skipped: %s: %s", path, reason)

    for path in sorted(entries, key=_rank):
        try:
            module, version = parse_archive_name(path.name)
        except ModuleSourceError as e:
            skip(path, str(e).removeprefix(f"{path.name}: "))
            continue
        if path.is_dir() and not any(p.is_file() for p in path.rglob("*")):
            skip(path, "an empty directory; a module directory holds .mod, .info and its files")
            continue
        key = (module, version)
        if key in found:
            skip(path, f"{module}@{version} is already served from {found[key].path.name}")
            continue
        found[key] = ArchiveFile(path, module, version)
    if not found:
        raise ModuleSourceError(
            f"{root}: no modules found: no file here is a txtar module archive; {RULE}"
        )
    return sorted(found.values(), key=lambda a: a.path.name), skipped


def _is_module_dir(path: pathlib.Path) -> bool:
    """A directory given directly that is one module version (it holds ``.mod`` or ``.info``)."""
    return path.is_dir() and ((path / ".mod").is_file() or (path / ".info").is_file())


def read_archive(path: str | os.PathLike[str]) -> txtar.Archive:
    """The members of one archive: a txtar file, or every file below a directory (names
    relative to it, ``/``-separated, sorted). A file or directory without a single member is a
    ModuleSourceError naming it (txtar parsing never fails: anything without a ``-- name --``
    line is all comment, and served it would be a module with an empty zip)."""
    __tracebackhide__ = True
    p = pathlib.Path(path)
    try:
        if p.is_dir():
            archive = txtar.Archive(
                files=tuple(
                    txtar.File(f.relative_to(p).as_posix(), f.read_bytes())
                    for f in sorted(p.rglob("*"))
                    if f.is_file()
                )
            )
        else:
            archive = txtar.parse_file(p)
    except OSError as e:
        raise ModuleSourceError(f"{p}: {e}") from e
    if not archive.files:
        what = "the file is empty" if not archive.comment else "it has no `-- name --` line"
        raise ModuleSourceError(
            f"{p}: not a txtar module archive: {what}; an archive holds `-- name --` lines, each "
            "followed by that file's content (`.mod`, `.info` and the module's files, as in "
            "cmd/go's testdata/mod)"
        )
    return archive

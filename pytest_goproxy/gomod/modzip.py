"""Module zips by the rules of golang.org/x/mod/zip (zip.go), streamed to disk.

What goes in (CreateFromDir / checkFiles):

* every entry is named ``<module path>@<version>/<file path>``; no directory entries;
* left out, silently: VCS directories (``.bzr .git .hg .svn``), directories holding their own
  ``go.mod`` (another module), files in vendored packages (``isVendoredPackage``: files below a
  ``vendor/<pkg>/`` directory; from ``go 1.24`` on also ``vendor/modules.txt`` — and before
  1.24 x/mod's historical off-by-offset rule for nested ``…/vendor/`` directories, kept exactly),
  ``.hg_archival.txt``, symbolic links and other irregular files (never followed);
* refused (:class:`~pytest_goproxy.errors.ModuleZipError`): file paths that break
  module.CheckFilePath, a ``go.mod`` spelled in another case, case-insensitive name collisions,
  more than 500 MiB in total (MaxZipFile), a go.mod or LICENSE over 16 MiB.

The zip is written entry by entry into a temporary file beside the destination and renamed into
place, so a 200 MB module is never held in memory. Timestamps, modes and order are fixed, so the
same files always give a byte-identical zip. Each entry's SHA-256 is taken while it is written,
which gives the ``h1:`` hash (dirhash.Hash1) without reading the zip again.
"""

from __future__ import annotations

import hashlib
import os
import pathlib
import re
import stat
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from pytest_goproxy.errors import InvalidModuleError, ModuleZipError
from pytest_goproxy.gomod import semver
from pytest_goproxy.gomod.check import check, check_file_path
from pytest_goproxy.gomod.dirhash import hash1_from_digests
from pytest_goproxy.gomod.gomodfile import parse_go_version

__all__ = [
    "MAX_GO_MOD",
    "MAX_LICENSE",
    "MAX_ZIP_FILE",
    "VCS_DIRS",
    "CheckedFiles",
    "FileError",
    "SourceFile",
    "ZipResult",
    "check_files",
    "check_zip",
    "create_zip",
    "create_zip_from_dir",
    "create_zip_from_files",
    "is_vendored_package",
    "list_dir",
    "write_raw_zip",
]

MAX_ZIP_FILE = 500 << 20
"""Total uncompressed size of a module zip, and the zip file's own size (zip.MaxZipFile)."""
MAX_GO_MOD = 16 << 20
"""Largest go.mod (zip.MaxGoMod)."""
MAX_LICENSE = 16 << 20
"""Largest root LICENSE file (zip.MaxLICENSE)."""

_CHUNK = 1 << 20
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip can hold: reproducible output
#: The version-control directories zip.go leaves out of a module zip (and the origin out of a
#: commit): the one list of them.
VCS_DIRS = frozenset({".bzr", ".git", ".hg", ".svn"})

ERR_VENDORED = "file is in vendor directory"
ERR_SUBMODULE_FILE = "file is in another module"
ERR_SUBMODULE_DIR = "directory is in another module"
ERR_VCS = "directory is a version control repository"
ERR_HG_ARCHIVAL = "file is inserted by 'hg archive' and is always omitted"
ERR_SYMLINK = "file is a symbolic link"
ERR_NOT_REGULAR = "not a regular file"


@dataclass(frozen=True)
class FileError:
    """A file left out of (omitted) or refused for (invalid) a module zip, and why."""

    path: str
    error: str

    def __str__(self) -> str:
        return f"{self.path}: {self.error}"


@dataclass(frozen=True)
class CheckedFiles:
    """zip.CheckedFiles: what would go into the zip, what is left out, what is refused."""

    valid: tuple[str, ...] = ()
    omitted: tuple[FileError, ...] = ()
    invalid: tuple[FileError, ...] = ()
    size_error: str | None = None

    def error_message(self) -> str | None:
        """Go's CheckedFiles.Err text, or ``None`` when the files are fine."""
        if self.size_error:
            return self.size_error
        if self.invalid:
            return "\n".join(str(e) for e in self.invalid)
        return None


@dataclass(frozen=True)
class SourceFile:
    """A candidate zip member: in memory (``data``) or on disk (``fs_path``, never followed)."""

    path: str
    size: int
    data: bytes | None = None
    fs_path: pathlib.Path | None = None
    mode: int = stat.S_IFREG | 0o644

    @property
    def is_regular(self) -> bool:
        return stat.S_ISREG(self.mode)

    @property
    def is_symlink(self) -> bool:
        return stat.S_ISLNK(self.mode)

    def open(self) -> BinaryIO:
        if self.data is not None:
            import io

            return io.BytesIO(self.data)
        assert self.fs_path is not None
        return self.fs_path.open("rb")


@dataclass(frozen=True)
class ZipResult:
    """A written module zip: where, how big, its ``h1:`` hash and what was left out."""

    path: pathlib.Path
    size: int
    h1: str
    checked: CheckedFiles = field(default_factory=CheckedFiles)


_LANG_RE = re.compile(r"1(?:\.([0-9]+))?")


def _lang_at_least_124(go_mod: bytes | None) -> bool:
    """version.Compare(version.Lang("go"+<go directive>), "go1.24") >= 0, for the vendor rule."""
    if go_mod is None:
        return False
    v = parse_go_version(go_mod)
    if v is None:
        return False
    m = _LANG_RE.match(v)
    if m is None:
        return False
    return int(m.group(1) or 0) >= 24


def is_vendored_package(name: str, go_124: bool) -> bool:
    """zip.go isVendoredPackage, including its pre-1.24 quirk for nested ``vendor`` dirs."""
    if go_124 and name == "vendor/modules.txt":
        return True
    if name.startswith("vendor/"):
        i = len("vendor/")
    else:
        j = name.find("/vendor/")
        if j < 0:
            return False
        # Before go 1.24, x/mod skipped len("/vendor/") from the *start* of the name, not from
        # the match: kept because the zip (and so its hash) must match what older go.mods get.
        i = j + len("/vendor/") if go_124 else len("/vendor/")
    return "/" in name[i:]


def _fold_char(c: str) -> str:
    # zip.go strToFold maps each rune to the smallest rune of its case-folding orbit (then
    # ASCII-lowercases it). Python has no SimpleFold; the smallest of the single-rune case
    # mappings gives the same key for every case pair Go folds, which is what collisions need.
    cands = [x for x in (c, c.lower(), c.upper(), c.casefold()) if len(x) == 1]
    r = min(cands)
    return r.lower() if "A" <= r <= "Z" else r


def _fold(s: str) -> str:
    if s.isascii():
        return s.lower()
    return "".join(_fold_char(c) for c in s)


class _Collisions:
    """zip.go collisionChecker: case-insensitive collisions, file-vs-directory clashes."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[str, bool]] = {}

    def check(self, p: str, is_dir: bool) -> str | None:
        fold = _fold(p)
        other = self._seen.get(fold)
        if other is not None:
            if p != other[0]:
                return f'case-insensitive file name collision: "{other[0]}" and "{p}"'
            if is_dir != other[1]:
                return f'entry "{p}" is both a file and a directory'
            if not is_dir:
                return f'multiple entries for file "{p}"'
        else:
            self._seen[fold] = (p, is_dir)
        parent = p.rpartition("/")[0]
        if parent:
            return self.check(parent, True)
        return None


def _clean(p: str) -> str:
    """path.Clean for slash paths (enough to detect an unclean name)."""
    if p == "":
        return "."
    rooted = p.startswith("/")
    out: list[str] = []
    for part in p.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if out and out[-1] != "..":
                out.pop()
            elif not rooted:
                out.append("..")
            continue
        out.append(part)
    s = "/".join(out)
    return ("/" + s) if rooted else (s or ".")


def check_files(files: Sequence[SourceFile]) -> tuple[CheckedFiles, list[SourceFile]]:
    """zip.go checkFiles: sort candidates into valid, omitted and invalid."""
    omitted: list[FileError] = []
    invalid: list[FileError] = []
    seen_err: set[str] = set()

    def add(p: str, is_omitted: bool, err: str) -> None:
        if p in seen_err:
            return
        seen_err.add(p)
        (omitted if is_omitted else invalid).append(FileError(p, err))

    have_go_mod: set[str] = set()
    root_go_mod: bytes | None = None
    for f in files:
        d, _, base = f.path.rpartition("/")
        if base.lower() == "go.mod" and f.is_regular:
            have_go_mod.add(d + "/" if d else "")
            if base == "go.mod" and d == "":
                with f.open() as fh:
                    root_go_mod = fh.read(MAX_GO_MOD + 1)
    go_124 = _lang_at_least_124(root_go_mod)

    def in_submodule(p: str) -> bool:
        while "/" in p:
            p = p.rpartition("/")[0]
            if p + "/" in have_go_mod:
                return True
        return False

    collisions = _Collisions()
    max_size = MAX_ZIP_FILE
    size_error: str | None = None
    valid: list[SourceFile] = []
    for f in files:
        p = f.path
        if p != _clean(p):
            add(p, False, "file path is not clean")
            continue
        if p.startswith("/"):
            add(p, False, "file path is not relative")
            continue
        if is_vendored_package(p, go_124):
            add(p, True, ERR_VENDORED)
            continue
        if in_submodule(p):
            add(p, True, ERR_SUBMODULE_FILE)
            continue
        if p == ".hg_archival.txt":
            add(p, True, ERR_HG_ARCHIVAL)
            continue
        try:
            check_file_path(p)
        except InvalidModuleError as e:
            add(p, False, str(e))
            continue
        if p.lower() == "go.mod" and p != "go.mod":
            add(p, False, "go.mod files must have lowercase names")
            continue
        err = collisions.check(p, stat.S_ISDIR(f.mode))
        if err:
            add(p, False, err)
            continue
        if f.is_symlink:
            add(p, True, ERR_SYMLINK)
            continue
        if not f.is_regular:
            add(p, True, ERR_NOT_REGULAR)
            continue
        if 0 <= f.size <= max_size:
            max_size -= f.size
        elif size_error is None:
            size_error = f"module source tree too large (max size is {MAX_ZIP_FILE} bytes)"
        if p == "go.mod" and f.size > MAX_GO_MOD:
            add(p, False, f"go.mod file too large (max size is {MAX_GO_MOD} bytes)")
            continue
        if p == "LICENSE" and f.size > MAX_LICENSE:
            add(p, False, f"LICENSE file too large (max size is {MAX_LICENSE} bytes)")
            continue
        valid.append(f)
    cf = CheckedFiles(tuple(f.path for f in valid), tuple(omitted), tuple(invalid), size_error)
    return cf, valid


def list_dir(directory: str | os.PathLike[str]) -> tuple[list[SourceFile], list[FileError]]:
    """zip.go listFilesInDir: walk in lexical order without following symlinks."""
    root = pathlib.Path(directory)
    if not root.is_dir():
        raise ModuleZipError(f"create zip from directory {root}: not a directory")
    go_124 = False
    go_mod = root / "go.mod"
    if go_mod.is_file():
        go_124 = _lang_at_least_124(go_mod.read_bytes()[: MAX_GO_MOD + 1])
    files: list[SourceFile] = []
    omitted: list[FileError] = []

    def walk(d: pathlib.Path, rel: str) -> None:
        with os.scandir(d) as it:
            entries = sorted(it, key=lambda e: os.fsencode(e.name))
        for e in entries:
            slash = f"{rel}/{e.name}" if rel else e.name
            st = e.stat(follow_symlinks=False)
            if is_vendored_package(slash, go_124):
                omitted.append(FileError(slash, ERR_VENDORED))
                if not stat.S_ISDIR(st.st_mode):
                    continue
                walk(pathlib.Path(e.path), slash)  # Go keeps walking (no SkipDir)
                continue
            if stat.S_ISDIR(st.st_mode):
                if e.name in VCS_DIRS:
                    omitted.append(FileError(slash, ERR_VCS))
                    continue
                try:
                    sub_mode: int | None = os.lstat(os.path.join(e.path, "go.mod")).st_mode
                except OSError:
                    sub_mode = None
                if sub_mode is not None and not stat.S_ISDIR(sub_mode):
                    omitted.append(FileError(slash, ERR_SUBMODULE_DIR))
                    continue
                walk(pathlib.Path(e.path), slash)
                continue
            if not stat.S_ISREG(st.st_mode):
                omitted.append(FileError(slash, ERR_NOT_REGULAR))
                continue
            files.append(SourceFile(slash, st.st_size, fs_path=pathlib.Path(e.path),
                                    mode=st.st_mode))  # fmt: skip

    walk(root, "")
    return files, omitted


def _zipinfo(name: str) -> zipfile.ZipInfo:
    zi = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
    zi.compress_type = zipfile.ZIP_DEFLATED
    zi.create_system = 3  # Unix, whatever platform wrote it
    zi.external_attr = (stat.S_IFREG | 0o644) << 16
    return zi


class _ZipWriter:
    """Streams entries into ``<dest>.tmp-*`` and renames to ``dest`` on success."""

    def __init__(self, dest: pathlib.Path) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=dest.name + ".", suffix=".tmp", dir=dest.parent)
        os.close(fd)
        self.dest = dest
        self.tmp = pathlib.Path(tmp)
        self.zf = zipfile.ZipFile(self.tmp, "w", compression=zipfile.ZIP_DEFLATED)
        self.digests: list[tuple[str, str]] = []

    def add(self, name: str, src: BinaryIO, limit: int | None = None) -> None:
        h = hashlib.sha256()
        n = 0
        with self.zf.open(_zipinfo(name), "w") as w:
            while chunk := src.read(_CHUNK):
                n += len(chunk)
                if limit is not None and n > limit:
                    raise ModuleZipError(f'file "{name}" is larger than declared size')
                h.update(chunk)
                w.write(chunk)
        self.digests.append((name, h.hexdigest()))

    def finish(self) -> tuple[int, str]:
        self.zf.close()
        os.replace(self.tmp, self.dest)
        return self.dest.stat().st_size, hash1_from_digests(self.digests)

    def abort(self) -> None:
        self.zf.close()
        self.tmp.unlink(missing_ok=True)


def _check_module_version(path: str, version: str) -> None:
    cv = semver.canonical_version(version)
    if cv != version:
        raise InvalidModuleError(f'version "{version}" is not canonical (should be "{cv}")')
    check(path, version)


def create_zip(
    dest: str | os.PathLike[str], path: str, version: str, files: Sequence[SourceFile]
) -> ZipResult:
    """zip.Create: check ``files`` and write the valid ones under ``path@version/``."""
    _check_module_version(path, version)
    cf, valid = check_files(files)
    msg = cf.error_message()
    if msg:
        raise ModuleZipError(f"create zip for {path}@{version}: {msg}")
    prefix = f"{path}@{version}/"
    w = _ZipWriter(pathlib.Path(dest))
    try:
        for f in valid:
            with f.open() as src:
                w.add(prefix + f.path, src, limit=f.size)
        size, h1 = w.finish()
    except BaseException:
        w.abort()
        raise
    return ZipResult(pathlib.Path(dest), size, h1, cf)


def create_zip_from_dir(
    dest: str | os.PathLike[str], path: str, version: str, directory: str | os.PathLike[str]
) -> ZipResult:
    """zip.CreateFromDir: walk ``directory`` and zip what the rules keep."""
    files, omitted = list_dir(directory)
    res = create_zip(dest, path, version, files)
    checked = CheckedFiles(res.checked.valid, tuple(omitted) + res.checked.omitted)
    return ZipResult(res.path, res.size, res.h1, checked)


def create_zip_from_files(
    dest: str | os.PathLike[str], path: str, version: str, files: Mapping[str, str | bytes]
) -> ZipResult:
    """zip.Create over in-memory files (name -> text or bytes), in sorted name order."""
    sources = []
    for name in sorted(files, key=lambda n: n.encode("utf-8", "surrogateescape")):
        data = files[name]
        b = data.encode() if isinstance(data, str) else bytes(data)
        sources.append(SourceFile(name, len(b), data=b))
    return create_zip(dest, path, version, sources)


def write_raw_zip(dest: str | os.PathLike[str], entries: Iterable[tuple[str, bytes]]) -> ZipResult:
    """Write entries exactly as named, no rules applied (txtar archives may be broken on
    purpose, as cmd/go's testdata is, to test how ``go`` rejects them)."""
    w = _ZipWriter(pathlib.Path(dest))
    try:
        import io

        for name, data in entries:
            w.add(name, io.BytesIO(data))
        size, h1 = w.finish()
    except BaseException:
        w.abort()
        raise
    return ZipResult(pathlib.Path(dest), size, h1)


def check_zip(zip_file: str | os.PathLike[str], path: str, version: str) -> CheckedFiles:
    """zip.CheckZip: would ``go`` accept this zip for ``path@version``? Raises
    :class:`ModuleZipError` naming every broken rule; returns the checked entries."""
    _check_module_version(path, version)
    zp = pathlib.Path(zip_file)
    try:
        zsize = zp.stat().st_size
    except OSError as e:
        raise ModuleZipError(f"check zip {zp}: {e}") from e
    if zsize > MAX_ZIP_FILE:
        raise ModuleZipError(
            f"module zip file is too large ({zsize} bytes; limit is {MAX_ZIP_FILE} bytes)"
        )
    prefix = f"{path}@{version}/"
    invalid: list[FileError] = []
    valid: list[str] = []
    size_error: str | None = None
    collisions = _Collisions()
    total = 0
    try:
        with zipfile.ZipFile(zp) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as e:
        raise ModuleZipError(f"check zip {zp}: {e}") from e
    for zi in infos:
        if not zi.filename.startswith(prefix):
            invalid.append(FileError(zi.filename, f'path does not have prefix "{prefix}"'))
            continue
        name = zi.filename[len(prefix) :]
        if name == "":
            continue
        is_dir = name.endswith("/")
        if is_dir:
            name = name[:-1]
        if _clean(name) != name:
            invalid.append(FileError(zi.filename, "file path is not clean"))
            continue
        try:
            check_file_path(name)
        except InvalidModuleError as e:
            invalid.append(FileError(zi.filename, str(e)))
            continue
        err = collisions.check(name, is_dir)
        if err:
            invalid.append(FileError(zi.filename, err))
            continue
        if is_dir:
            continue
        base = name.rpartition("/")[2]
        if base.lower() == "go.mod":
            if base != name:
                invalid.append(FileError(zi.filename, "go.mod file not in module root directory"))
                continue
            if name != "go.mod":
                invalid.append(FileError(zi.filename, "go.mod files must have lowercase names"))
                continue
        sz = zi.file_size
        if MAX_ZIP_FILE - total >= sz:
            total += sz
        elif size_error is None:
            size_error = (
                "total uncompressed size of module contents too large "
                f"(max size is {MAX_ZIP_FILE} bytes)"
            )
        if name == "go.mod" and sz > MAX_GO_MOD:
            invalid.append(
                FileError(zi.filename, f"go.mod file too large (max size is {MAX_GO_MOD} bytes)")
            )
            continue
        if name == "LICENSE" and sz > MAX_LICENSE:
            invalid.append(
                FileError(zi.filename, f"LICENSE file too large (max size is {MAX_LICENSE} bytes)")
            )
            continue
        valid.append(zi.filename)
    cf = CheckedFiles(tuple(valid), (), tuple(invalid), size_error)
    msg = cf.error_message()
    if msg:
        raise ModuleZipError(f"check zip {zp} for {path}@{version}: {msg}")
    return cf

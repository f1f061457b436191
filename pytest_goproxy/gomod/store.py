"""The module store the fake proxy serves from: every byte of ``.info``, ``.mod`` and ``.zip``.

Zips are built **eagerly**, when a version is added: errors (bad file names, size limits) show at
the line of the test that added the module, hashes are known at once, and serving is a plain
file read that any number of server threads can do at the same time. Versions are immutable
:class:`ModuleVersion` values; the store itself is guarded by one lock, and adding the same
``path@version`` again replaces it (old zip files stay on disk until :meth:`ModuleStore.clear`,
so a response being streamed is never cut short).

Sources:

* :meth:`ModuleStore.add_module` — files given in the test (a go.mod is generated when absent);
* :meth:`ModuleStore.add_dir` — a directory, zipped by golang.org/x/mod/zip CreateFromDir rules;
* :meth:`ModuleStore.add_txtar` — cmd/go ``testdata/mod`` / go-internal goproxytest archives;
* :meth:`ModuleStore.add_module_cache` — a ``$GOMODCACHE/cache/download`` tree, bytes as they are.
"""

from __future__ import annotations

import datetime
import json
import os
import pathlib
import re
import shutil
import threading
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pytest_goproxy.errors import (
    InvalidModuleError,
    ModuleError,
    ModuleSourceError,
    ModuleZipError,
    user_facing,
)
from pytest_goproxy.gomod import semver
from pytest_goproxy.gomod.archives import (
    ArchiveFile,
    find_archives,
    parse_archive_name,
    read_archive,
)
from pytest_goproxy.gomod.check import check, check_version_servable, split_path_version
from pytest_goproxy.gomod.dirhash import hash_go_mod, hash_zip
from pytest_goproxy.gomod.escape import (
    escape_path,
    escape_version,
    unescape_path,
    unescape_version,
)
from pytest_goproxy.gomod.gomodfile import (
    DEFAULT_GO_VERSION,
    GoModOptions,
    given_go_mod,
    legacy_go_mod,
    render_go_mod,
)
from pytest_goproxy.gomod.modzip import (
    MAX_GO_MOD,
    ZipResult,
    create_zip_from_dir,
    create_zip_from_files,
    write_raw_zip,
)
from pytest_goproxy.lifecycle import Closing, remove_temp_dir, temp_dir

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack from Python 3.11 (kwargs: 3.12)

__all__ = [
    "DEFAULT_TIME",
    "ModuleStore",
    "ModuleVersion",
    "default_files",
    "format_info",
    "format_time",
]

DEFAULT_TIME = datetime.datetime(2023, 1, 2, 15, 4, 5, tzinfo=datetime.timezone.utc)
"""The ``.info`` Time of a tagged version added without one: fixed, so runs are reproducible."""
#: The time go-internal's goproxytest gives a version whose archive has no ``.info``.
GOPROXYTEST_TIME = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
#: ``add_txtar(defaults=...)``: ``cmdgo`` serves archives as they are (404 for what they lack);
#: ``goproxytest`` fills in a missing ``.info`` (1970) and ``.mod``, as go-internal does.
TxtarDefaults = Literal["cmdgo", "goproxytest"]


#: Methods a test calls raise our ModuleErrors from the test's line (see errors.user_facing).
_user_facing = user_facing(ModuleError)


def _utc(t: datetime.datetime) -> datetime.datetime:
    if t.tzinfo is None:
        return t.replace(tzinfo=datetime.timezone.utc)
    return t.astimezone(datetime.timezone.utc)


def format_time(t: datetime.datetime) -> str:
    """Go's JSON encoding of a UTC time (RFC 3339, fractional seconds only when non-zero)."""
    t = _utc(t)
    s = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        s += f".{t.microsecond:06d}".rstrip("0")
    return s + "Z"


def format_info(version: str, time: datetime.datetime) -> bytes:
    """The ``.info`` body as Go's ``json.Marshal`` of modfetch.RevInfo writes it."""
    return json.dumps(
        {"Version": version, "Time": format_time(time)}, separators=(",", ":")
    ).encode()


_FRACTION_RE = re.compile(r"(\.\d{1,6})\d*")


def _parse_time(s: object) -> datetime.datetime | None:
    if not isinstance(s, str):
        return None
    s = _FRACTION_RE.sub(lambda m: m.group(1), s.replace("Z", "+00:00").replace("z", "+00:00"))
    try:
        return _utc(datetime.datetime.fromisoformat(s))
    except ValueError:
        return None


def _info_time(info: bytes) -> datetime.datetime | None:
    try:
        obj = json.loads(info)
    except ValueError:
        return None
    return _parse_time(obj.get("Time")) if isinstance(obj, dict) else None


def _checks(path: str, version: str) -> bool:
    """Whether ``module.Check`` accepts ``path@version``."""
    try:
        check(path, version)
    except InvalidModuleError:
        return False
    return True


def _served_info(version: str, info: bytes | None) -> tuple[bytes, datetime.datetime]:
    """The ``.info`` to serve for a version read from files, and the version's time: the Time of
    the ``.info`` given, else the time a pseudo-version encodes, else :data:`DEFAULT_TIME`
    (without an ``.info``, one is written from that time)."""
    t = _info_time(info) if info is not None else None
    if t is None:
        t = (
            semver.pseudo_version_time(version)
            if semver.is_pseudo_version(version)
            else DEFAULT_TIME
        )
    return (format_info(version, t) if info is None else info), t


@dataclass(frozen=True)
class ModuleVersion:
    """One version of one module, ready to serve.

    ``zip_path`` is ``None`` only for versions read from a module cache that holds their
    ``.info``/``.mod`` but no (complete) zip: ``go`` often downloads just the go.mod of modules
    in the build graph, and a proxy serving that cache must still answer for them; it should
    answer 404 for the ``.zip``.
    """

    path: str
    version: str
    time: datetime.datetime
    #: None: the source had none (a txtar archive without ``.info``); the proxy answers 404
    info: bytes | None = field(repr=False)
    #: None: the source had none (cmd/go's ``retract/missingmod``); the proxy answers 404
    mod: bytes | None = field(repr=False)
    zip_path: pathlib.Path | None
    zip_size: int
    zip_hash: str | None
    mod_hash: str | None
    source: str = "files"

    @property
    def origin(self) -> dict[str, object]:
        """The ``Origin`` object of the ``.info`` (``VCS``, ``URL``, ``Subdir``, ``Ref``,
        ``Hash``, as go writes it for what it fetched itself and proxy.golang.org keeps for
        what it serves), or ``{}`` when there is none."""
        try:
            info = json.loads(self.info or b"{}")
        except ValueError:
            return {}
        found = info.get("Origin") if isinstance(info, dict) else None
        return found if isinstance(found, dict) else {}

    def go_sum_lines(self) -> tuple[str, str]:
        """The two go.sum lines ``go`` will write for this version, from the served bytes."""
        if self.zip_hash is None:
            raise ModuleSourceError(
                f"{self.path}@{self.version} has no zip (module cache held only .info/.mod), "
                "so it has no zip hash"
            )
        if self.mod_hash is None:
            raise ModuleSourceError(
                f"{self.path}@{self.version} has no .mod (its archive holds none), so it has no "
                "go.mod hash"
            )
        return (
            f"{self.path} {self.version} {self.zip_hash}",
            f"{self.path} {self.version}/go.mod {self.mod_hash}",
        )

    @property
    def escaped_path(self) -> str:
        """The module path as it appears in proxy URLs and cache directories."""
        return escape_path(self.path)

    @property
    def escaped_version(self) -> str:
        """The version as it appears in proxy URLs and cache file names."""
        return escape_version(self.version)

    def zip_bytes(self) -> bytes:
        """The whole zip in memory (small modules in tests; serve large ones from zip_path)."""
        if self.zip_path is None:
            raise ModuleSourceError(f"{self.path}@{self.version} has no zip")
        return self.zip_path.read_bytes()


def default_files(path: str) -> dict[str, str]:
    """The one Go file a module added without files gets, ``package <last path element>`` so
    it builds; FakeGoProxy and FakeOrigin both use it, so the same call gives the same zip."""
    prefix, _, _ = split_path_version(path)
    name = re.sub(r"[^0-9A-Za-z_]", "_", prefix.rsplit("/", 1)[-1])
    name = ("p" + name) if not name or name[0].isdigit() else name
    return {f"{name}.go": f"package {name}\n"}


def _link_or_copy(src: pathlib.Path, dest: pathlib.Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dest)
    except OSError:
        shutil.copyfile(src, dest)


#: The longest file name, in bytes, that common file systems allow (NAME_MAX of ext4, APFS, NTFS);
#: go's module cache must hold a module under the same names, so the store holds itself to it
#: even on a file system that would allow more.
_NAME_MAX = 255
#: What the zip writer appends to a zip's name while it writes it: ``tempfile.mkstemp`` with the
#: prefix ``<name>.``, 8 random characters and the suffix ``.tmp`` (modzip's streaming writer).
_TMP_SUFFIX = len(".XXXXXXXX.tmp")


def _abbrev(text: str, keep: int = 40) -> str:
    """``text`` cut for a message: a 5,000-character module path would bury the rule."""
    return text if len(text) <= keep else f"{text[:keep]}\u2026 ({len(text)} characters)"


def _fs_limits(root: pathlib.Path) -> tuple[int, int]:
    """(longest name, longest path) in bytes that the file system under ``root`` takes."""
    name_max, path_max = _NAME_MAX, 4096
    try:
        name_max = min(name_max, os.pathconf(root, "PC_NAME_MAX"))
        path_max = os.pathconf(root, "PC_PATH_MAX")
    except (AttributeError, OSError, ValueError):  # no pathconf (Windows) or no answer
        pass
    return name_max, path_max


def _a(value: object) -> str:
    name = type(value).__name__
    return ("an " if name[:1] in "aeiou" else "a ") + name


def _content(module: str, what: str, data: object) -> bytes:
    """The bytes of a file a test passed to :meth:`ModuleStore.add_module` (text is UTF-8).

    Anything but str or bytes is refused with the file named: the zip writer's ``bytes(data)``
    would turn ``5`` into five NUL bytes and serve that as the file."""
    if isinstance(data, str):
        return data.encode()
    if isinstance(data, bytes):
        return data
    raise ModuleSourceError(
        f"{module}: {what} is {_a(data)} ({_abbrev(repr(data))}); give the content as "
        "str or bytes (str is written as UTF-8)"
    )


def _checked_files(module: str, files: Mapping[str, str | bytes]) -> dict[str, bytes]:
    """``files`` as given to :meth:`ModuleStore.add_module`, every name a str and every content
    str or bytes (:func:`_content`), so a wrong one is named here and not deep in the zip
    writer."""
    out: dict[str, bytes] = {}
    for name, data in files.items():
        if not isinstance(name, str):
            raise ModuleSourceError(
                f"{module}: file name {name!r} is {_a(name)}; files maps names (str) to "
                "contents (str or bytes)"
            )
        out[name] = _content(module, f"files[{name!r}]", data)
    return out


class ModuleStore(Closing):
    """Thread-safe store of module versions, with the zips on disk in a work directory.

    ``workdir=None`` makes a temporary directory, removed by :meth:`close` (or leaving a
    ``with`` block). With a ``workdir`` the store makes its own subdirectory there and removes
    only that.
    """

    def __init__(self, workdir: pathlib.Path | None = None) -> None:
        if workdir is not None:
            workdir = pathlib.Path(workdir)
            workdir.mkdir(parents=True, exist_ok=True)
        self._root = temp_dir("goproxy-store-", workdir)
        self._lock = threading.RLock()
        self._modules: dict[str, dict[str, ModuleVersion]] = {}
        self._counter = 0
        self._closed = False

    # ---- plumbing -------------------------------------------------------------------------

    @property
    def root(self) -> pathlib.Path:
        """Where the store keeps its zips."""
        return self._root

    def _zip_dest(self, path: str, version: str) -> pathlib.Path:
        """Where the zip of ``path@version`` goes: a new name each time (a zip being served is
        never overwritten), checked by :meth:`_check_fits_on_disk` before anything is written."""
        with self._lock:
            if self._closed:
                raise ModuleSourceError("the module store is closed")
            self._counter += 1
            n = self._counter
        dest = self._root / "zips" / escape_path(path) / "@v" / f"{escape_version(version)}.{n}.zip"
        self._check_fits_on_disk(path, version, dest)
        return dest

    def _check_fits_on_disk(self, path: str, version: str, dest: pathlib.Path) -> None:
        """InvalidModuleError when ``path@version`` is too long to be stored as files.

        golang.org/x/mod/module sets no length limit, but every file system does: a name is at
        most 255 bytes and a path at most PATH_MAX. Without this check a long path
        fails with a bare OSError (ENAMETOOLONG) from deep in the zip writer; and go itself
        keeps a module in its cache under ``<escaped path>@<escaped version>``, so a module
        whose names don't fit could never be downloaded anyway."""
        name_max, path_max = _fs_limits(self._root)
        elements = escape_path(path).split("/")
        cache_dir = f"{elements[-1]}@{escape_version(version)}"
        names = [(f"path element {_abbrev(e)!r}", len(os.fsencode(e))) for e in elements]
        names += [
            (
                f"the store's zip file for version {_abbrev(version)!r}",
                len(os.fsencode(dest.name)) + _TMP_SUFFIX,
            ),
            (f"go's module cache directory {_abbrev(cache_dir)!r}", len(os.fsencode(cache_dir))),
        ]
        where = f"{_abbrev(path)}@{_abbrev(version)}: too long to store on disk"
        for what, n in names:
            if n > name_max:
                raise InvalidModuleError(
                    f"{where}: {what} needs a {n}-byte file name, and a file name may have at "
                    f"most {name_max} bytes (NAME_MAX); use a shorter module path or version"
                )
        n = len(os.fsencode(str(dest))) + _TMP_SUFFIX
        if n >= path_max:
            raise InvalidModuleError(
                f"{where}: the store's zip file would have a {n}-byte path, and this system "
                f"allows {path_max - 1} (PATH_MAX); use a shorter module path with fewer "
                "elements (or a store workdir with a shorter path)"
            )

    def _register_built(
        self,
        path: str,
        version: str,
        t: datetime.datetime,
        mod: bytes,
        built: ZipResult,
        source: str,
    ) -> ModuleVersion:
        """Register a version whose zip this store built (from Python files or a directory)."""
        return self._register(
            ModuleVersion(
                path,
                version,
                t,
                format_info(version, t),
                mod,
                built.path,
                built.size,
                built.h1,
                hash_go_mod(mod),
                source,
            )
        )

    def _register(self, mv: ModuleVersion) -> ModuleVersion:
        with self._lock:
            if self._closed:
                raise ModuleSourceError("the module store is closed")
            self._modules.setdefault(mv.path, {})[mv.version] = mv
        return mv

    @staticmethod
    def _resolve_time(version: str, time: datetime.datetime | None) -> datetime.datetime:
        if semver.is_pseudo_version(version):
            embedded = semver.pseudo_version_time(version)
            if time is not None and _utc(time).replace(microsecond=0) != embedded:
                raise InvalidModuleError(
                    f"{version}: time {format_time(time)} differs from the pseudo-version's "
                    f"timestamp {format_time(embedded)} (module/pseudo.go: the timestamp is the "
                    "commit time)"
                )
            return embedded
        return DEFAULT_TIME if time is None else _utc(time)

    @staticmethod
    def _check_incompatible_go_mod(path: str, version: str, has_go_mod: bool) -> None:
        if has_go_mod and semver.build(version) == "+incompatible":
            raise InvalidModuleError(
                f"{path}@{version}: invalid version: +incompatible suffix not allowed: module "
                "contains a go.mod file, so semantic import versioning is required "
                "(cmd/go/internal/modfetch/coderepo.go)"
            )

    # ---- adding ---------------------------------------------------------------------------

    @_user_facing
    def add_module(
        self,
        path: str,
        version: str,
        files: Mapping[str, str | bytes] | None = None,
        *,
        time: datetime.datetime | None = None,
        **options: Unpack[GoModOptions],
    ) -> ModuleVersion:
        """Add ``path@version`` made of ``files`` (name -> text or bytes).

        The served go.mod is ``go_mod`` if given, else the ``go.mod`` in ``files``, else generated
        from ``requires``/``retracts``/``go_version`` (:class:`GoModOptions`) — except for
        ``+incompatible`` versions, which by definition have no go.mod and get ``module <path>``
        (what cmd/go synthesises). The zip holds the files plus that go.mod (not for
        ``+incompatible``). ``files=None`` gives one Go file ``package <last path element>`` so the
        module builds.
        """
        check_version_servable(path, version)
        module = f"{path}@{version}"
        t = self._resolve_time(version, time)
        incompatible = semver.build(version) == "+incompatible"
        zip_files: dict[str, str | bytes] = (
            dict(default_files(path)) if files is None else dict(_checked_files(module, files))
        )
        given = zip_files.get("go.mod")
        go_mod = options.get("go_mod")
        mod = given_go_mod(
            module,
            None if go_mod is None else _content(module, "go_mod", go_mod),
            given.encode() if isinstance(given, str) else given,
            options,
        )
        if mod is None:
            mod = (
                legacy_go_mod(path)
                if incompatible
                else render_go_mod(
                    path,
                    go_version=options.get("go_version", DEFAULT_GO_VERSION),
                    requires=options.get("requires"),
                    retracts=options.get("retracts"),
                )
            )
        if len(mod) > MAX_GO_MOD:
            raise ModuleZipError(f"go.mod file too large (max size is {MAX_GO_MOD} bytes)")
        if "go.mod" not in zip_files and not incompatible:
            zip_files["go.mod"] = mod
        self._check_incompatible_go_mod(path, version, "go.mod" in zip_files)
        res = create_zip_from_files(self._zip_dest(path, version), path, version, zip_files)
        return self._register_built(path, version, t, mod, res, "files")

    @_user_facing
    def add_dir(
        self,
        directory: str | os.PathLike[str],
        path: str,
        version: str,
        *,
        time: datetime.datetime | None = None,
    ) -> ModuleVersion:
        """Add ``path@version`` from a directory, zipped as golang.org/x/mod/zip CreateFromDir
        would; the served go.mod is the directory's, or ``module <path>`` when it has none."""
        d = pathlib.Path(directory)
        if not d.is_dir():
            raise ModuleSourceError(f"{d}: not a directory (add_dir needs a module source tree)")
        check_version_servable(path, version)
        t = self._resolve_time(version, time)
        gm = d / "go.mod"
        has_go_mod = gm.is_file() and not gm.is_symlink()
        self._check_incompatible_go_mod(path, version, has_go_mod)
        if has_go_mod:
            if gm.stat().st_size > MAX_GO_MOD:
                raise ModuleZipError(f"go.mod file too large (max size is {MAX_GO_MOD} bytes)")
            mod = gm.read_bytes()
        else:
            mod = legacy_go_mod(path)
        res = create_zip_from_dir(self._zip_dest(path, version), path, version, d)
        return self._register_built(path, version, t, mod, res, "dir")

    @staticmethod
    def parse_txtar_name(name: str) -> tuple[str, str]:
        """``rsc.io_!q!u!o!t!e_v1.5.2.txt`` -> ``("rsc.io/QUOTE", "v1.5.2")``: the package's
        archive naming rule (:mod:`pytest_goproxy.gomod.archives`)."""
        return parse_archive_name(name)

    @_user_facing
    def add_txtar(
        self,
        file_or_dir: str | os.PathLike[str],
        *,
        defaults: TxtarDefaults = "cmdgo",
        strict: bool = True,
    ) -> list[ModuleVersion]:
        """Add module archives: cmd/go ``testdata/mod`` files, go-internal ``goproxytest``
        ``.txtar`` files and ``path_vers/`` directories (the rule:
        :mod:`pytest_goproxy.gomod.archives`).

        Served as cmd/go's test proxy serves them: ``.info`` and ``.mod`` as they are, the zip
        made of the other members with no zip rule applied (deliberately broken modules stay
        broken), versions whose path and version ``module.Check`` refuses included (go
        decides; ``@v/list`` leaves them out). What an archive lacks is answered 404, as cmd/go
        does, unless ``defaults="goproxytest"``: a missing ``.info`` is then
        ``{"Version": ..., "Time": "1970-01-01T00:00:00Z"}`` and a missing ``.mod`` the
        ``go.mod`` member, else ``module <path>``.

        ``strict`` (the default): a candidate that breaks the rule is a ModuleSourceError naming
        the file; ``strict=False`` skips it with a warning on the ``pytest_goproxy.modules``
        logger (see :func:`~pytest_goproxy.gomod.archives.find_archives` for what was skipped).
        """
        if defaults not in ("cmdgo", "goproxytest"):
            raise ValueError(f"defaults must be 'cmdgo' or 'goproxytest', got {defaults!r}")
        found, _skipped = find_archives(file_or_dir, strict=strict)
        return [self._add_archive(a, defaults) for a in found]

    def _add_archive(self, found: ArchiveFile, defaults: TxtarDefaults) -> ModuleVersion:
        path, version = found.module, found.version
        archive = read_archive(found.path)
        members = {f.name: f.data for f in archive.files}
        info = members.get(".info")
        mod = members.get(".mod")
        if defaults == "goproxytest":
            if info is None:
                info = format_info(version, GOPROXYTEST_TIME) + b"\n"  # json.Encoder's
            if mod is None:
                mod = members.get("go.mod", legacy_go_mod(path))
        t = (_info_time(info) if info is not None else None) or (
            semver.pseudo_version_time(version)
            if semver.is_pseudo_version(version)
            else DEFAULT_TIME
        )
        prefix = f"{path}@{version}/"
        entries = [
            (f.name[1:] if f.name.startswith("/") else prefix + f.name, f.data)
            for f in archive.files
            if f.name not in (".info", ".mod", ".zip")
        ]
        res = write_raw_zip(self._zip_dest(path, version), entries)
        mod_hash = hash_go_mod(mod) if mod is not None else None
        return self._register(
            ModuleVersion(
                path, version, t, info, mod, res.path, res.size, res.h1, mod_hash, "txtar"
            )
        )

    @_user_facing
    def add_module_cache(self, download_dir: str | os.PathLike[str]) -> list[ModuleVersion]:
        """Add every version in a module cache download tree, bytes as they are.

        ``download_dir`` is ``$GOMODCACHE/cache/download`` (or ``$GOMODCACHE`` itself). Each
        ``<escaped path>/@v/<escaped version>.{info,mod,zip}`` is one version; ``.lock``,
        ``.partial``, ``.ziphash``, ``list`` and temporary files are ignored, as is anything
        whose name does not decode (the ``sumdb`` tree among them). Decisions:

        * a zip that is missing or unreadable (an interrupted download) leaves the version
          served without one (``zip_path=None``): ``go`` downloads only the go.mod of most
          modules in a build graph, and those must still be answered;
        * a missing ``.mod`` is the zip's ``go.mod`` or else ``module <path>``; a missing
          ``.info`` is generated;
        * zips are hard-linked into the store (copied across file systems), so the cache may
          be removed afterwards.
        """
        root = pathlib.Path(download_dir)
        if (root / "cache" / "download").is_dir():
            root = root / "cache" / "download"
        if not root.is_dir():
            raise ModuleSourceError(f"{root}: not a module cache download directory")
        found: list[ModuleVersion] = []
        for vdir in sorted(root.rglob("@v")):
            if not vdir.is_dir():
                continue
            try:
                path = unescape_path(vdir.parent.relative_to(root).as_posix())
            except InvalidModuleError:
                continue
            by_version: dict[str, dict[str, pathlib.Path]] = {}
            for f in vdir.iterdir():
                stem, dot, ext = f.name.rpartition(".")
                if not dot or ext not in ("info", "mod", "zip") or not f.is_file():
                    continue
                try:
                    v = unescape_version(stem)
                    check(path, v)
                except InvalidModuleError:
                    continue
                by_version.setdefault(v, {})[ext] = f
            for v in semver.sort_versions(by_version):
                found.append(self._add_cached(path, v, by_version[v]))
        if not found:
            raise ModuleSourceError(f"{root}: no module versions found in this module cache")
        return found

    def _add_cached(self, path: str, version: str, parts: dict[str, pathlib.Path]) -> ModuleVersion:
        zip_src = parts.get("zip")
        zip_path: pathlib.Path | None = None
        zip_hash: str | None = None
        zip_size = 0
        zip_go_mod: bytes | None = None
        if zip_src is not None:
            try:
                zip_hash = hash_zip(zip_src)
                with zipfile.ZipFile(zip_src) as zf:
                    try:
                        zip_go_mod = zf.read(f"{path}@{version}/go.mod")
                    except KeyError:
                        zip_go_mod = None
            except (ModuleZipError, zipfile.BadZipFile, OSError):
                zip_hash = None
            if zip_hash is not None:
                zip_path = self._zip_dest(path, version)
                _link_or_copy(zip_src, zip_path)
                zip_size = zip_path.stat().st_size
        info, t = _served_info(version, parts["info"].read_bytes() if "info" in parts else None)
        if "mod" in parts:
            mod = parts["mod"].read_bytes()
        else:
            mod = zip_go_mod if zip_go_mod is not None else legacy_go_mod(path)
        return self._register(
            ModuleVersion(
                path,
                version,
                t,
                info,
                mod,
                zip_path,
                zip_size,
                zip_hash,
                hash_go_mod(mod),
                "modcache",
            )
        )

    # ---- queries --------------------------------------------------------------------------

    def get(self, path: str, version: str) -> ModuleVersion | None:
        """The version, or ``None`` when the store does not have it."""
        with self._lock:
            return self._modules.get(path, {}).get(version)

    def versions(self, path: str) -> list[str]:
        """Every version of ``path`` the store has (pseudo-versions too), semver-sorted."""
        with self._lock:
            vs = list(self._modules.get(path, {}))
        return semver.sort_versions(vs)

    def list_versions(self, path: str) -> list[str]:
        """What ``@v/list`` returns: tagged versions only, no pseudo-versions (proxy protocol),
        and none that ``module.Check`` refuses (an archive may serve ``rsc.io/quote@v2.0.0``;
        cmd/go's test proxy serves it but does not list it)."""
        return [
            v for v in self.versions(path) if not semver.is_pseudo_version(v) and _checks(path, v)
        ]

    def latest(self, path: str) -> ModuleVersion | None:
        """What ``@latest`` returns: the highest release, else the highest pre-release, else
        the highest pseudo-version (cmd/go proxy_test.go, "imitate what latest does")."""
        with self._lock:
            mods = dict(self._modules.get(path, {}))
        vs = [v for v in semver.sort_versions(mods) if _checks(path, v)]
        pseudo = [v for v in vs if semver.is_pseudo_version(v)]
        tagged = [v for v in vs if not semver.is_pseudo_version(v)]
        release = [v for v in tagged if not semver.prerelease(v)]
        for group in (release, tagged, pseudo):
            if group:
                return mods[group[-1]]
        return None

    def modules(self) -> list[str]:
        """Every module path in the store, sorted."""
        with self._lock:
            return sorted(p for p, vs in self._modules.items() if vs)

    def __iter__(self) -> Iterator[ModuleVersion]:
        with self._lock:
            items = [mv for vs in self._modules.values() for mv in vs.values()]
        return iter(sorted(items, key=lambda m: (m.path, semver.sort_versions([m.version]))))

    def __len__(self) -> int:
        with self._lock:
            return sum(len(vs) for vs in self._modules.values())

    def go_sum_lines(self, path: str, version: str) -> tuple[str, str]:
        """The go.sum lines of ``path@version`` (see :meth:`ModuleVersion.go_sum_lines`)."""
        mv = self.get(path, version)
        if mv is None:
            raise ModuleSourceError(f"{path}@{version}: not in the module store")
        return mv.go_sum_lines()

    def remove(self, path: str, version: str | None = None) -> None:
        """Forget one version, or every version of ``path`` (zips stay until :meth:`clear`)."""
        with self._lock:
            if version is None:
                self._modules.pop(path, None)
            else:
                self._modules.get(path, {}).pop(version, None)

    # ---- export and lifetime --------------------------------------------------------------

    def export_file_proxy(self, directory: str | os.PathLike[str]) -> pathlib.Path:
        """Write everything as a ``GOPROXY=file://`` tree: ``<esc path>/@v/list``, ``.info``,
        ``.mod``, ``.zip`` (hard-linked when possible) and ``<esc path>/@latest``."""
        out = pathlib.Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        for path in self.modules():
            base = out / escape_path(path)
            vdir = base / "@v"
            vdir.mkdir(parents=True, exist_ok=True)
            listed = self.list_versions(path)
            (vdir / "list").write_text("".join(v + "\n" for v in listed))
            for v in self.versions(path):
                mv = self.get(path, v)
                if mv is None:
                    continue
                ev = escape_version(v)
                if mv.info is not None:  # what the source lacks, file:// lacks too
                    (vdir / f"{ev}.info").write_bytes(mv.info)
                if mv.mod is not None:
                    (vdir / f"{ev}.mod").write_bytes(mv.mod)
                if mv.zip_path is not None:
                    target = vdir / f"{ev}.zip"
                    target.unlink(missing_ok=True)
                    _link_or_copy(mv.zip_path, target)
            latest = self.latest(path)
            if latest is not None and latest.info is not None:
                (base / "@latest").write_bytes(latest.info)
        return out

    def clear(self) -> None:
        """Forget every module and delete the zips."""
        with self._lock:
            self._modules.clear()
            shutil.rmtree(self._root / "zips", ignore_errors=True)

    def close(self) -> None:
        """Forget everything and remove the store's directory. Safe to call twice."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._modules.clear()
        remove_temp_dir(self._root)

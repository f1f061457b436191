"""Module path, import path, file path and version checks (golang.org/x/mod/module/module.go).

Every failure raises :class:`~pytest_goproxy.errors.InvalidModuleError` whose message is the one
Go prints, so the rule that was broken is named, e.g.
``malformed module path "x": missing dot in first path element``.
"""

from __future__ import annotations

from pytest_goproxy.errors import InvalidModuleError
from pytest_goproxy.gomod import semver

_BAD_WINDOWS_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"COM{i}" for i in range(1, 10)]
    + [f"LPT{i}" for i in range(1, 10)]
)
_LOWER = "abcdefghijklmnopqrstuvwxyz"
_DIGITS = "0123456789"
_FIRST_OK = frozenset("-." + _DIGITS + _LOWER)
_MOD_OK = frozenset("-._~" + _DIGITS + _LOWER + _LOWER.upper())
_IMPORT_OK = _MOD_OK | {"+"}
_FILE_OK = frozenset(_DIGITS + _LOWER + _LOWER.upper() + "!#$%&()+,-.=@[]^_{}~ ")

_MODULE, _IMPORT, _FILE = "module", "import", "file"


def _go_quote_rune(r: str) -> str:
    """Go's %q of a rune, close enough for the messages (ASCII printable stays as it is)."""
    if r == "'":
        return "'\\''"
    if r == "\\":
        return "'\\\\'"
    if r.isprintable():
        return f"'{r}'"
    code = ord(r)
    if code < 0x80:
        return f"'\\x{code:02x}'"
    return f"'\\u{code:04x}'" if code <= 0xFFFF else f"'\\U{code:08x}'"


def _go_quote(s: str) -> str:
    out = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{out}"'


def _char_ok(r: str, kind: str) -> bool:
    if kind == _MODULE:
        return r in _MOD_OK
    if kind == _IMPORT:
        return r in _IMPORT_OK
    if r < "\x80":
        return r in _FILE_OK
    return r.isalpha()  # unicode.IsLetter


def _check_elem(elem: str, kind: str) -> str | None:
    if elem == "":
        return "empty path element"
    if elem.count(".") == len(elem):
        return f"invalid path element {_go_quote(elem)}"
    if elem[0] == "." and kind == _MODULE:
        return "leading dot in path element"
    if elem[-1] == ".":
        return "trailing dot in path element"
    for r in elem:
        if not _char_ok(r, kind):
            return f"invalid char {_go_quote_rune(r)}"
    short = elem.split(".", 1)[0]
    if short.upper() in _BAD_WINDOWS_NAMES:
        return f"{_go_quote(short)} disallowed as path element component on Windows"
    if kind == _FILE:
        return None
    # Windows short names (FOO~1) would let two paths collide on disk.
    tilde = short.rfind("~")
    if 0 <= tilde < len(short) - 1 and all(c in _DIGITS for c in short[tilde + 1 :]):
        return "trailing tilde and digits in path element"
    return None


def _check_path(path: str, kind: str) -> str | None:
    if any("\ud800" <= c <= "\udfff" for c in path):  # surrogates: undecodable bytes
        return "invalid UTF-8"
    if path == "":
        return "empty string"
    if path[0] == "-" and kind != _FILE:
        return "leading dash"
    if "//" in path:
        return "double slash"
    if path[-1] == "/":
        return "trailing slash"
    for elem in path.split("/"):
        err = _check_elem(elem, kind)
        if err:
            return err
    return None


def _module_path_error(path: str) -> str | None:
    err = _check_path(path, _MODULE)
    if err:
        return err
    first = path.split("/", 1)[0]
    if first == "":
        return "leading slash"
    if "." not in first:
        return "missing dot in first path element"
    if path[0] == "-":
        return "leading dash in first path element"
    for r in first:
        if r not in _FIRST_OK:
            return f"invalid char {_go_quote_rune(r)} in first path element"
    if not split_path_version(path)[2]:
        return "invalid version"
    return None


def check_module_path(path: str) -> None:
    """module.CheckPath: the rules for a module path (first element a lowercase domain-ish name,
    no ``~1`` short names, no Windows reserved names, a well-formed ``/vN`` suffix)."""
    err = _module_path_error(path)
    if err:
        raise InvalidModuleError(f"malformed module path {_go_quote(path)}: {err}")


def check_import_path(path: str) -> None:
    """module.CheckImportPath: like module paths but ``+`` allowed and no domain rule."""
    err = _check_path(path, _IMPORT)
    if err:
        raise InvalidModuleError(f"malformed import path {_go_quote(path)}: {err}")


def check_file_path(path: str) -> None:
    """module.CheckFilePath: a slash-separated file name inside a module zip."""
    err = _check_path(path, _FILE)
    if err:
        raise InvalidModuleError(f"malformed file path {_go_quote(path)}: {err}")


def split_path_version(path: str) -> tuple[str, str, bool]:
    """module.SplitPathVersion: ``("example.com/m", "/v2", True)`` for ``example.com/m/v2``.

    gopkg.in paths use ``.vN`` (and ``-unstable``); ``ok`` is False for ``/v1``, ``/v0``, ``/v02``.
    """
    if path.startswith("gopkg.in/"):
        return _split_gopkg_in(path)
    i = len(path)
    dot = False
    while i > 0 and (path[i - 1] in _DIGITS or path[i - 1] == "."):
        if path[i - 1] == ".":
            dot = True
        i -= 1
    if i <= 1 or i == len(path) or path[i - 1] != "v" or path[i - 2] != "/":
        return path, "", True
    prefix, path_major = path[: i - 2], path[i - 2 :]
    if dot or len(path_major) <= 2 or path_major[2] == "0" or path_major == "/v1":
        return path, "", False
    return prefix, path_major, True


def _split_gopkg_in(path: str) -> tuple[str, str, bool]:
    i = len(path)
    if path.endswith("-unstable"):
        i -= len("-unstable")
    while i > 0 and path[i - 1] in _DIGITS:
        i -= 1
    if i <= 1 or path[i - 1] != "v" or path[i - 2] != ".":
        return path, "", False
    prefix, path_major = path[: i - 2], path[i - 2 :]
    if len(path_major) <= 2 or (path_major[2] == "0" and path_major != ".v0"):
        return path, "", False
    return prefix, path_major, True


def check_path_major(version: str, path_major: str) -> None:
    """module.CheckPathMajor: does ``version`` fit the path's major suffix (``""``, ``/v2``,
    ``.v1``)? Without a suffix only v0, v1 or ``+incompatible`` versions fit."""
    if path_major.startswith(".v") and path_major.endswith("-unstable"):
        path_major = path_major[: -len("-unstable")]
    if version.startswith("v0.0.0-") and path_major == ".v1":
        return  # gopkg.in/foo.v1 pseudo-versions predate v1 tags
    m = semver.major(version)
    if path_major == "":
        if m in ("v0", "v1") or semver.build(version) == "+incompatible":
            return
        want = "v0 or v1"
    else:
        if m == path_major[1:]:
            return
        want = path_major[1:]
    raise InvalidModuleError(f'version "{version}" invalid: should be {want}, not {m}')


def check(path: str, version: str) -> None:
    """module.Check: a valid module path and a semantic version that fits its major suffix."""
    check_module_path(path)
    if not semver.is_valid(version):
        raise InvalidModuleError(
            f'{path}@{version}: invalid version: version "{version}" invalid: '
            "not a semantic version"
        )
    _, path_major, _ = split_path_version(path)
    try:
        check_path_major(version, path_major)
    except InvalidModuleError as e:
        raise InvalidModuleError(f"{path}@{version}: invalid version: {e}") from None


def check_version_servable(path: str, version: str) -> None:
    """What a proxy may serve: :func:`check` plus the rules cmd/go adds on top.

    * the version must be canonical (``v1.2`` is not; golang.org/x/mod/zip's first check);
    * ``+incompatible`` only for major >= 2 on a path without a major suffix
      (cmd/go/internal/modfetch/coderepo.go: "+incompatible suffix not allowed: major version
      v1 is compatible");
    * other build metadata is never served (coderepo.go: "non-canonical version");
    * pseudo-versions must have a parseable time and base (module/pseudo.go).
    """
    check(path, version)
    cv = semver.canonical_version(version)
    if cv != version:
        raise InvalidModuleError(
            f'{path}@{version}: version "{version}" is not canonical (should be "{cv}")'
        )
    if semver.build(version) == "+incompatible":
        m = semver.major(version)
        if m in ("v0", "v1"):
            raise InvalidModuleError(
                f"{path}@{version}: invalid version: +incompatible suffix not allowed: "
                f"major version {m} is compatible"
            )
    if semver.is_pseudo_version(version):
        try:
            semver.pseudo_version_time(version)
            semver.pseudo_version_base(version)
        except InvalidModuleError as e:
            raise InvalidModuleError(f"{path}@{version}: invalid pseudo-version: {e}") from None

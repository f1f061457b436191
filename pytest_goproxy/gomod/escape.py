"""Case-encoding of module paths and versions for proxy URLs and cache directories.

golang.org/x/mod/module/module.go (EscapePath, UnescapePath, EscapeVersion, UnescapeVersion):
every uppercase ASCII letter becomes ``!`` plus its lowercase form, so that paths differing only
in case stay distinct on case-insensitive file systems. Escaped forms never contain uppercase
letters, and ``!`` is always followed by a lowercase letter.
"""

from __future__ import annotations

from pytest_goproxy.errors import InvalidModuleError
from pytest_goproxy.gomod.check import (
    _check_elem,
    _go_quote,
    _module_path_error,
)

__all__ = [
    "escape_path",
    "escape_version",
    "unescape_path",
    "unescape_string",
    "unescape_version",
]


def _escape(s: str) -> str:
    if s.islower() or not any("A" <= c <= "Z" for c in s):
        return s
    return "".join(f"!{c.lower()}" if "A" <= c <= "Z" else c for c in s)


def unescape_string(escaped: str) -> str | None:
    """module.unescapeString: ``!x`` -> ``X``; None for what no escaping makes (an uppercase
    letter, a ``!`` not before a lowercase letter, non-ASCII). No check of what it spells: the
    checksum database decodes its ``/lookup`` paths with it and answers unknown ones 404."""
    out: list[str] = []
    bang = False
    for r in escaped:
        if r >= "\x80":
            return None
        if bang:
            bang = False
            if not "a" <= r <= "z":
                return None
            out.append(r.upper())
            continue
        if r == "!":
            bang = True
            continue
        if "A" <= r <= "Z":
            return None
        out.append(r)
    return None if bang else "".join(out)


def escape_path(path: str) -> str:
    """module.EscapePath: checks the module path, then case-encodes it."""
    err = _module_path_error(path)
    if err:
        raise InvalidModuleError(f"malformed module path {_go_quote(path)}: {err}")
    return _escape(path)


def escape_version(version: str) -> str:
    """module.EscapeVersion: a version must be a valid file name element without ``!``."""
    if _check_elem(version, "file") is not None or "!" in version:
        raise InvalidModuleError(f'version "{version}" invalid: disallowed version string')
    return _escape(version)


def unescape_path(escaped: str) -> str:
    """module.UnescapePath: rejects uppercase letters, a ``!`` not before a lowercase letter,
    non-ASCII, and results that are not valid module paths."""
    path = unescape_string(escaped)
    if path is None:
        raise InvalidModuleError(f"invalid escaped module path {_go_quote(escaped)}")
    err = _module_path_error(path)
    if err:
        raise InvalidModuleError(
            f"invalid escaped module path {_go_quote(escaped)}: "
            f"malformed module path {_go_quote(path)}: {err}"
        )
    return path


def unescape_version(escaped: str) -> str:
    """module.UnescapeVersion: the inverse of :func:`escape_version`, equally strict."""
    v = unescape_string(escaped)
    if v is None:
        raise InvalidModuleError(f"invalid escaped version {_go_quote(escaped)}")
    err = _check_elem(v, "file")
    if err:
        raise InvalidModuleError(f"invalid escaped version {_go_quote(v)}: {err}")
    return v

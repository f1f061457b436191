"""The txtar archive format (golang.org/x/tools/txtar, also cmd/go/internal/txtar).

An archive is a free-form comment followed by files, each introduced by a marker line
``-- name --``. Parsing never fails: text before the first marker is the comment, the name is
trimmed of surrounding white space, and every file's data (and the comment) gets a final newline
added when it lacks one. Formatting writes the same shape back.
"""

from __future__ import annotations

import os
import pathlib
from dataclasses import dataclass, field

__all__ = ["Archive", "File", "format_archive", "parse", "parse_file"]


@dataclass(frozen=True)
class File:
    """One file of an archive: its name (``a/b.go``) and its content."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Archive:
    """A parsed txtar archive."""

    comment: bytes = b""
    files: tuple[File, ...] = field(default_factory=tuple)


_NEWLINE_MARKER = b"\n-- "
_MARKER = b"-- "
_MARKER_END = b" --"


def _fix_nl(data: bytes) -> bytes:
    if not data or data.endswith(b"\n"):
        return data
    return data + b"\n"


def _is_marker(data: bytes, start: int) -> tuple[str, int] | None:
    """If a marker line starts at ``start``, return its name and where the data after it starts."""
    if not data.startswith(_MARKER, start):
        return None
    nl = data.find(b"\n", start)
    line, after = (data[start:], len(data)) if nl < 0 else (data[start:nl], nl + 1)
    if not (line.endswith(_MARKER_END) and len(line) >= len(_MARKER) + len(_MARKER_END)):
        return None
    name = line[len(_MARKER) : len(line) - len(_MARKER_END)].decode("utf-8", "surrogateescape")
    name = name.strip()
    if not name:
        return None  # Go treats an empty name as "no marker"
    return name, after


def _find_marker(data: bytes, pos: int) -> tuple[bytes, str, int]:
    i = pos
    while True:
        m = _is_marker(data, i)
        if m is not None:
            return data[pos:i], m[0], m[1]
        j = data.find(_NEWLINE_MARKER, i)
        if j < 0:
            return _fix_nl(data[pos:]), "", len(data)
        i = j + 1


def parse(data: bytes | str) -> Archive:
    """Parse a txtar archive (txtar.Parse)."""
    if isinstance(data, str):
        data = data.encode()
    comment, name, pos = _find_marker(data, 0)
    files: list[File] = []
    while name:
        body, next_name, pos = _find_marker(data, pos)
        files.append(File(name, body))
        name = next_name
    return Archive(comment, tuple(files))


def parse_file(path: str | os.PathLike[str]) -> Archive:
    """Read and parse a txtar file (txtar.ParseFile)."""
    return parse(pathlib.Path(path).read_bytes())


def format_archive(archive: Archive) -> bytes:
    """txtar.Format: comment, then ``-- name --`` and data per file, each with a final newline."""
    out = [_fix_nl(archive.comment)]
    for f in archive.files:
        out.append(f"-- {f.name} --\n".encode("utf-8", "surrogateescape"))
        out.append(_fix_nl(f.data))
    return b"".join(out)

"""Go's ``h1:`` hashes (golang.org/x/mod/sumdb/dirhash, Hash1 and HashZip).

Hash1 sorts the file names, writes one line ``"<sha256 hex>  <name>\\n"`` per file into an outer
SHA-256, and base64-encodes that digest behind ``h1:``. For a module zip the names are the full
zip entry names (``path@version/file``), every entry included; for a go.mod line of go.sum the
single name is ``go.mod`` (cmd/go/internal/modfetch/fetch.go, checkGoMod).
"""

from __future__ import annotations

import base64
import hashlib
import os
import zipfile
from collections.abc import Iterable, Mapping

from pytest_goproxy.errors import ModuleZipError

__all__ = ["hash1_from_digests", "hash_bytes_files", "hash_go_mod", "hash_zip"]

_CHUNK = 1 << 20


def hash1_from_digests(digests: Mapping[str, str] | Iterable[tuple[str, str]]) -> str:
    """Hash1 given each file's SHA-256 hex digest (lets a zip writer hash while it streams)."""
    items = list(digests.items()) if isinstance(digests, Mapping) else list(digests)
    items.sort(key=lambda kv: kv[0].encode("utf-8", "surrogateescape"))  # Go sorts bytes
    h = hashlib.sha256()
    for name, digest in items:
        if "\n" in name:
            raise ModuleZipError("dirhash: filenames with newlines are not supported")
        h.update(f"{digest}  {name}\n".encode("utf-8", "surrogateescape"))
    return "h1:" + base64.b64encode(h.digest()).decode("ascii")


def hash_bytes_files(files: Mapping[str, bytes]) -> str:
    """Hash1 over in-memory files (name -> content)."""
    return hash1_from_digests({n: hashlib.sha256(d).hexdigest() for n, d in files.items()})


def hash_go_mod(data: bytes) -> str:
    """The ``/go.mod h1:`` hash of go.sum: Hash1 over the single file named ``go.mod``."""
    return hash_bytes_files({"go.mod": data})


def hash_zip(zip_path: str | os.PathLike[str]) -> str:
    """dirhash.HashZip: Hash1 over every entry of a zip, streamed (never whole in memory).

    Duplicate names are hashed once per entry, as Go's loop over ``z.File`` does (Go then opens
    the last entry of that name for each of them; duplicates are rejected by zip checks anyway).
    """
    try:
        with zipfile.ZipFile(zip_path) as zf:
            last = {info.filename: info for info in zf.infolist()}
            digests: list[tuple[str, str]] = []
            for info in zf.infolist():
                h = hashlib.sha256()
                with zf.open(last[info.filename]) as f:
                    while chunk := f.read(_CHUNK):
                        h.update(chunk)
                digests.append((info.filename, h.hexdigest()))
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise ModuleZipError(f"cannot hash zip {os.fspath(zip_path)!s}: {e}") from e
    return hash1_from_digests(digests)

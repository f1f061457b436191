"""The tamper-evident log behind a Go checksum database: RFC 6962 hashing, tiles, tree notes.

The go command checks every go.sum line it gets from a checksum database against a Merkle tree
whose root the database signs. This module is that tree, as ``golang.org/x/mod/sumdb/tlog`` defines
it (``tlog.go`` for hashing, ``tile.go`` for tiles, ``note.go`` for the tree and record text); the
client side that verifies it is ``golang.org/x/mod/sumdb/client.go``.

* A record's leaf hash is ``SHA-256(0x00 || record)`` and an interior node's is
  ``SHA-256(0x01 || left || right)`` (RFC 6962 section 2.1). The tree of ``n`` records splits into
  a left subtree of the largest power of two below ``n`` and the rest.
* Clients never ask for proofs: they download *tiles*. A tile of height ``H`` at level ``L`` and
  number ``N`` holds the ``W`` (at most ``2**H``) hashes at tree level ``H*L`` starting at
  ``N * 2**H``, concatenated; its path is ``tile/H/L/NNN[.p/W]`` with ``N`` written three digits a
  path element (``x123/456``). Level ``-1`` (written ``data``) holds the record texts themselves.
  The go command uses height 8.
* The signed tree is the note text ``go.sum database tree\\n<N>\\n<base64 root hash>\\n``.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from dataclasses import dataclass

from pytest_goproxy.errors import ChecksumDBError

__all__ = [
    "EMPTY_TREE_HASH",
    "HASH_SIZE",
    "TILE_HEIGHT",
    "Log",
    "Tile",
    "format_record",
    "format_tree",
    "is_valid_record_text",
    "node_hash",
    "parse_record",
    "parse_tile_path",
    "parse_tree",
    "record_hash",
    "tree_hash",
]

#: Size of a SHA-256 hash, the only hash the log uses.
HASH_SIZE = 32
#: The tile height the go command asks for (``Client.tileHeight`` defaults to 8 in client.go).
TILE_HEIGHT = 8
#: The hash of the empty tree: SHA-256 of nothing (RFC 6962 section 2.1).
EMPTY_TREE_HASH = hashlib.sha256(b"").digest()
#: First line of a signed tree head (``treePrefix`` in tlog/note.go).
TREE_PREFIX = "go.sum database tree\n"
#: Tile numbers are written three decimal digits per path element (``pathBase`` in tile.go).
_PATH_BASE = 1000


def record_hash(data: bytes) -> bytes:
    """The leaf hash of a record: ``SHA-256(0x00 || data)``."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _largest_power_below(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n >= 2``): RFC 6962's split point."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def tree_hash(leaves: list[bytes]) -> bytes:
    """The RFC 6962 Merkle tree hash of the given leaf hashes, computed from scratch.

    :class:`Log` computes the same value from stored subtree hashes; this direct recursion is the
    reference the tests compare it against.
    """
    if not leaves:
        return EMPTY_TREE_HASH
    if len(leaves) == 1:
        return leaves[0]
    k = _largest_power_below(len(leaves))
    return node_hash(tree_hash(leaves[:k]), tree_hash(leaves[k:]))


def is_valid_record_text(text: bytes) -> bool:
    """Whether ``text`` may be a record: UTF-8, no control bytes but newline, no blank line,
    ending in a newline (``isValidRecordText`` in tlog/note.go)."""
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if not decoded.endswith("\n") or "\n\n" in decoded:
        return False
    return all(ch == "\n" or ord(ch) >= 0x20 for ch in decoded)


def format_record(record_id: int, text: bytes) -> bytes:
    """A record as a lookup answer carries it: its id, its text and a blank line."""
    if not is_valid_record_text(text):
        raise ChecksumDBError(f"malformed record text {text!r}")
    return b"%d\n" % record_id + text + b"\n"


def parse_record(msg: bytes) -> tuple[int, bytes, bytes]:
    """Split a lookup answer into (record id, record text, the rest: the signed tree note)."""
    head, sep, rest = msg.partition(b"\n")
    if not sep or not head.isdigit():
        raise ChecksumDBError("malformed record data")
    end = rest.find(b"\n\n")
    if end < 0:
        raise ChecksumDBError("malformed record data")
    text = rest[: end + 1]
    if not is_valid_record_text(text):
        raise ChecksumDBError("malformed record data")
    return int(head), text, rest[end + 2 :]


def format_tree(size: int, root: bytes) -> bytes:
    """The text of a tree head, which the database signs as a note."""
    return f"{TREE_PREFIX}{size}\n{base64.b64encode(root).decode()}\n".encode()


def parse_tree(text: bytes) -> tuple[int, bytes]:
    """The (size, root hash) of a tree head text; extra lines after the hash are ignored."""
    lines = text.decode("utf-8", "replace").split("\n", 3)
    if len(lines) < 4 or lines[0] + "\n" != TREE_PREFIX:
        raise ChecksumDBError("malformed tree note")
    if not lines[1].isdigit() or str(int(lines[1])) != lines[1]:
        raise ChecksumDBError("malformed tree note")
    try:
        root = base64.b64decode(lines[2], validate=True)
    except ValueError as exc:
        raise ChecksumDBError("malformed tree note") from exc
    if len(root) != HASH_SIZE:
        raise ChecksumDBError("malformed tree note")
    return int(lines[1]), root


@dataclass(frozen=True)
class Tile:
    """Coordinates of a tile: height ``h``, level ``l`` (``-1`` for record data), number ``n`` and
    width ``w`` (``2**h`` for a full tile)."""

    h: int
    l: int  # noqa: E741 - the name tile.go and the design doc use
    n: int
    w: int

    @property
    def path(self) -> str:
        """The tile's path relative to the database root, without a leading slash."""
        n = self.n
        digits = f"{n % _PATH_BASE:03d}"
        while n >= _PATH_BASE:
            n //= _PATH_BASE
            digits = f"x{n % _PATH_BASE:03d}/{digits}"
        level = "data" if self.l == -1 else str(self.l)
        partial = "" if self.w == 1 << self.h else f".p/{self.w}"
        return f"tile/{self.h}/{level}/{digits}{partial}"

    @property
    def is_data(self) -> bool:
        """Whether the tile holds record texts rather than hashes."""
        return self.l == -1


def parse_tile_path(path: str) -> Tile:
    """Parse ``tile/H/L/NNN[.p/W]`` (no leading slash); only canonical paths are accepted, as
    ``ParseTilePath`` in tile.go does."""
    parts = path.split("/")
    bad = ChecksumDBError(f"malformed tile path {path!r}")
    if len(parts) < 4 or parts[0] != "tile" or not parts[1].isdigit():
        raise bad
    h = int(parts[1])
    if parts[2] == "data":
        level = -1
    elif parts[2].isdigit():
        level = int(parts[2])
    else:
        raise bad
    if not 1 <= h <= 30:
        raise bad
    w = 1 << h
    if parts[-2].endswith(".p"):
        if not parts[-1].isdigit():
            raise bad
        w = int(parts[-1])
        if not 0 < w < 1 << h:
            raise bad
        parts = [*parts[:-2], parts[-2][: -len(".p")]]
    n = 0
    for element in parts[3:]:
        digits = element.removeprefix("x")
        if not digits.isdigit() or len(digits) > 3:
            raise bad
        n = n * _PATH_BASE + int(digits)
    tile = Tile(h, level, n, w)
    if tile.path != path:
        raise bad
    return tile


class Log:
    """An append-only, in-memory transparency log of record texts.

    It keeps, for every level ``k``, the hashes of the complete subtrees of ``2**k`` leaves (the
    same hashes ``StoredHashes`` in tlog.go writes), so a tree hash of any earlier size and any
    tile are cheap to produce. It is thread-safe: the database's server threads read it while a
    test appends to it.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._records: list[bytes] = []
        self._levels: list[list[bytes]] = [[]]

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def append(self, text: bytes) -> int:
        """Add a record; returns its id (its index in the log)."""
        if not is_valid_record_text(text):
            raise ChecksumDBError(f"malformed record text {text!r}")
        with self._lock:
            index = len(self._records)
            self._records.append(text)
            h = record_hash(text)
            level = 0
            self._levels[0].append(h)
            # Each trailing 1 bit of the new leaf's index completes one more subtree.
            while len(self._levels[level]) % 2 == 0:
                row = self._levels[level]
                parent = node_hash(row[-2], row[-1])
                level += 1
                if len(self._levels) == level:
                    self._levels.append([])
                self._levels[level].append(parent)
            return index

    def record(self, index: int) -> bytes:
        """The text of record ``index``."""
        with self._lock:
            return self._records[index]

    def subtree_hash(self, level: int, n: int) -> bytes:
        """The hash of the complete subtree of leaves ``[n * 2**level, (n+1) * 2**level)``."""
        with self._lock:
            if level >= len(self._levels) or n >= len(self._levels[level]):
                raise ChecksumDBError(f"no complete subtree at level {level}, index {n}")
            return self._levels[level][n]

    def tree_hash(self, size: int | None = None) -> bytes:
        """The root hash of the tree of the first ``size`` records (default: all of them)."""
        with self._lock:
            if size is None:
                size = len(self._records)
            if not 0 <= size <= len(self._records):
                raise ChecksumDBError(f"no tree of size {size} in a log of {len(self._records)}")
            if size == 0:
                return EMPTY_TREE_HASH
            # Cut [0, size) into complete subtrees, largest first, then hash right to left.
            pieces: list[bytes] = []
            lo = 0
            while lo < size:
                k = _largest_power_below(size - lo + 1)
                level = k.bit_length() - 1
                pieces.append(self._levels[level][lo >> level])
                lo += k
            root = pieces[-1]
            for piece in reversed(pieces[:-1]):
                root = node_hash(piece, root)
            return root

    def tile_available(self, tile: Tile) -> bool:
        """Whether the log is big enough to fill ``tile`` to its width."""
        with self._lock:
            start = tile.n << tile.h
            if tile.is_data:
                return start + tile.w <= len(self._records)
            level = tile.h * tile.l
            return level < len(self._levels) and start + tile.w <= len(self._levels[level])

    def tile_data(self, tile: Tile) -> bytes:
        """The bytes of ``tile``: concatenated hashes, or for a data tile the record texts each
        followed by a blank line (a formatted record minus its id line, as server.go serves)."""
        with self._lock:
            if not self.tile_available(tile):
                raise ChecksumDBError(f"tile {tile.path} is beyond a log of {len(self)} records")
            start = tile.n << tile.h
            if tile.is_data:
                return b"".join(t + b"\n" for t in self._records[start : start + tile.w])
            return b"".join(self._levels[tile.h * tile.l][start : start + tile.w])

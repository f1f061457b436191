"""RFC 6962 hashing, tiles and tree notes, against known answers from golang.org/x/mod's tests
and the Certificate Transparency reference tree."""

from __future__ import annotations

import pytest

from pytest_goproxy.errors import ChecksumDBError
from pytest_goproxy.sumdb.tlog import (
    EMPTY_TREE_HASH,
    Log,
    Tile,
    format_record,
    format_tree,
    parse_record,
    parse_tile_path,
    parse_tree,
    record_hash,
    tree_hash,
)

# The eight-leaf reference tree of RFC 6962 implementations (certificate-transparency's
# merkletree_test.cc): leaf inputs and the root after each leaf.
CT_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
             "606162636465666768696a6b6c6d6e6f"]  # fmt: skip
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
]


def test_empty_tree_hash() -> None:
    assert EMPTY_TREE_HASH.hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert Log().tree_hash() == EMPTY_TREE_HASH


def test_certificate_transparency_reference_roots() -> None:
    log = Log()
    leaves = [bytes.fromhex(x) for x in CT_LEAVES]
    for size, root in enumerate(CT_ROOTS, start=1):
        # CT leaves are raw bytes; Log holds record texts, so check the pure function too.
        assert tree_hash([record_hash(d) for d in leaves[:size]]).hex() == root
    for i in range(40):
        log.append(f"leaf {i}\n".encode())
        expected = tree_hash([record_hash(f"leaf {j}\n".encode()) for j in range(i + 1)])
        assert log.tree_hash() == expected
    # Every earlier tree is still derivable: the log is append-only.
    for size in range(41):
        want = tree_hash([record_hash(f"leaf {j}\n".encode()) for j in range(size)])
        assert log.tree_hash(size) == want


def test_format_tree_matches_go_golden() -> None:
    text = format_tree(123456789012, record_hash(b"hello world"))
    assert (
        text
        == b"go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n"
    )
    assert parse_tree(text + b"JOE\n") == (123456789012, record_hash(b"hello world"))
    with pytest.raises(ChecksumDBError):
        parse_tree(b"not-" + text)
    with pytest.raises(ChecksumDBError):
        parse_tree(
            b"go.sum database tree\n0xabcdef\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n"
        )


def test_format_and_parse_record_match_go_golden() -> None:
    assert format_record(123456789012, b"hello, world\n") == b"123456789012\nhello, world\n\n"
    assert parse_record(b"123456789012\nhello, world\n\njunk") == (
        123456789012,
        b"hello, world\n",
        b"junk",
    )
    for bad in (b"", b"hello\nworld", b"hello\n\nworld\n", b"hello\x01world\n"):
        with pytest.raises(ChecksumDBError):
            format_record(1, bad)


@pytest.mark.parametrize(
    ("path", "tile"),
    [
        ("tile/4/0/001", Tile(4, 0, 1, 16)),
        ("tile/4/0/001.p/5", Tile(4, 0, 1, 5)),
        ("tile/3/5/x123/x456/078", Tile(3, 5, 123456078, 8)),
        ("tile/3/5/x123/x456/078.p/2", Tile(3, 5, 123456078, 2)),
        ("tile/1/0/x003/x057/500", Tile(1, 0, 3057500, 2)),
        ("tile/1/data/x003/x057/500", Tile(1, -1, 3057500, 2)),
        ("tile/8/data/000.p/3", Tile(8, -1, 0, 3)),
    ],
)
def test_tile_paths_from_go_tests(path: str, tile: Tile) -> None:
    assert tile.path == path
    assert parse_tile_path(path) == tile


@pytest.mark.parametrize(
    "path", ["tile/3/5/123/456/078", "tile/3/-1/123/456/078", "tile/8/0/000.p/256", "tile/8/0/1"]
)
def test_bad_tile_paths(path: str) -> None:
    with pytest.raises(ChecksumDBError):
        parse_tile_path(path)


def test_tiles_rebuild_the_tree() -> None:
    """A tile of level L holds the level-8L subtree hashes, so tiles of one tree recompute it."""
    log = Log()
    texts = [f"example.com/m{i} v1.0.0 h1:x\n".encode() for i in range(300)]
    for t in texts:
        log.append(t)
    full = log.tile_data(Tile(8, 0, 0, 256))
    assert full[:32] == record_hash(texts[0])
    partial = log.tile_data(Tile(8, 0, 1, 44))
    assert len(partial) == 44 * 32
    assert tree_hash([full[i : i + 32] for i in range(0, len(full), 32)]) == log.subtree_hash(8, 0)
    level1 = log.tile_data(Tile(8, 1, 0, 1))
    assert level1 == log.subtree_hash(8, 0)
    assert not log.tile_available(Tile(8, 0, 1, 45))
    assert not log.tile_available(Tile(8, 1, 0, 2))
    data = log.tile_data(Tile(8, -1, 1, 2))
    assert data == texts[256] + b"\n" + texts[257] + b"\n"

"""ChecksumDB without the go command: the protocol answers, known answers from golang.org/x/mod's
client tests, appending, misbehaviour and the request log."""

from __future__ import annotations

import base64
import urllib.error
import urllib.request

import pytest

from pytest_goproxy.errors import ChecksumDBError
from pytest_goproxy.sumdb import ChecksumDB, Verifier, open_note
from pytest_goproxy.sumdb.tlog import Tile, parse_record, parse_tree, record_hash, tree_hash

# The test database of golang.org/x/mod/sumdb/client_test.go.
TEST_NAME = "localhost.localdev/sumdb"
TEST_VKEY = "localhost.localdev/sumdb+00000c67+AcTrnkbUA+TU4heY3hkjiSES/DSQniBqIeQ/YppAUtK6"
TEST_SKEY = (
    "PRIVATE+KEY+localhost.localdev/sumdb+00000c67+AXu6+oaVaOYuQOFrf1V59JK1owcFlJcHwwXHDfDGxSPk"
)

H = "h1:" + base64.b64encode(bytes(32)).decode()
H2 = "h1:" + base64.b64encode(bytes([1] * 32)).decode()


def _verify_lookup(db: ChecksumDB, module: str, version: str) -> tuple[int, bytes, int]:
    """What go's client does with a lookup: open the note, recompute the tree from tiles and
    check the record's leaf. Returns (record id, record text, tree size)."""
    status, _, body = db.handle(f"/lookup/{module}@{version}")
    assert status == 200, body
    rid, text, note = parse_record(body)
    opened = open_note(note, [Verifier(db.key)])
    size, root = parse_tree(opened.text.encode())
    leaves: list[bytes] = []
    for n in range((size + 255) // 256):
        w = min(256, size - n * 256)
        status, _, data = db.handle("/" + Tile(8, 0, n, w).path)
        assert status == 200
        leaves.extend(data[i : i + 32] for i in range(0, len(data), 32))
    assert tree_hash(leaves) == root
    assert leaves[rid] == record_hash(text)
    return rid, text, size


def test_go_client_test_database_known_answers() -> None:
    """The records of client_test.go give the tree hashes and signatures its fork test prints."""
    db = ChecksumDB(name=TEST_NAME, key=TEST_SKEY)
    assert db.key == TEST_VKEY
    records = [
        "rsc.io/quote v1.5.2 h1:w5fcysjrx7yqtD/aO+QwRjYZOKnaM9Uh2b40tElTs3Y=\n"
        "rsc.io/quote v1.5.2/go.mod h1:LzX7hefJvL54yjefDEDHNONDjII0t9xZLPXsUe+TKr0=\n"
        "rsc.io/quote v1.5.2 h2:xyzzy\n",
        "golang.org/x/text v0.0.0-20170915032832-14c0d48ead0c "
        "h1:qgOY6WgZOaTkIIMiVjBQcw93ERBE4m30iBm00nkL0i8=\n"
        "golang.org/x/text v0.0.0-20170915032832-14c0d48ead0c/go.mod "
        "h1:NqM8EUOU14njkJ3fqMW+pc6Ldnwhi/IjpwHt7yyuwOQ=\n",
        "rsc.io/sampler v1.3.0 h1:7uVkIFmeBqHfdjD+gZwtXXI+RODJ2Wc4O7MPEh/QiW4=\n"
        "rsc.io/sampler v1.3.0/go.mod h1:T1hPZKmBbMNahiBKFy5HrXp6adAjACjK9JXDnKaTXpA=\n",
        "rsc.io/Quote v1.5.2 h1:uppercase!=\n",
        "rsc.io/pkg1 v1.5.2 h1:hash!=\n",
    ]
    for text in records:
        db._log.append(text.encode())
    assert db.signed_tree() == (
        "go.sum database tree\n5\nnWzN20+pwMt62p7jbv1/NlN95ePTlHijabv5zO/s36w=\n\n"
        "— localhost.localdev/sumdb AAAMZ5/2FVAdMH58kmnz/0h299pwyskEbzDzoa2/YaPdhvLya4YWDFQQxu2T"
        "Qb5GpwAH4NdWnTwuhILafisyf3CNbgg=\n".encode()
    )
    other = ChecksumDB(name=TEST_NAME, key=TEST_SKEY)
    for text in [*records[:4], "rsc.io/pkg1 v1.5.3 h1:hash!=\n", "rsc.io/pkg1 v1.5.4 h1:hash!=\n"]:
        other._log.append(text.encode())
    assert other.signed_tree().startswith(
        "go.sum database tree\n6\nwc4SkQt52o5W2nQ8To2ARs+mWuUJjss+sdleoiqxMmM=\n\n"
        "— localhost.localdev/sumdb AAAMZ6oRNswlEZ6ZZhxrCvgl1MBy+nusq4JU+TG6Fe2NihWLqOzb+y2c2kzR"
        "LoCr4tvw9o36ucQEnhc20e4nA4Qc/wc=\n".encode()
    )


def test_lookup_answers_record_and_signed_tree() -> None:
    db = ChecksumDB()
    db.add_record("example.com/a", "v1.0.0", zip_hash=H, mod_hash=H2)
    db.add_record("example.com/Upper", "v1.2.0", zip_hash=H2, mod_hash=H)
    rid, text, size = _verify_lookup(db, "example.com/a", "v1.0.0")
    assert (rid, size) == (0, 2)
    assert text == f"example.com/a v1.0.0 {H}\nexample.com/a v1.0.0/go.mod {H2}\n".encode()
    rid, _, _ = _verify_lookup(db, "example.com/!upper", "v1.2.0")
    assert rid == 1
    status, _, _ = db.handle("/lookup/example.com/missing@v1.0.0")
    assert status == 404
    assert db.handle("/lookup/notaversion")[0] == 400
    assert db.handle("/tile/8/0/000.p/3")[0] == 404  # beyond the log
    assert db.handle("/tile/8/data/000.p/2")[2] == text + b"\n" + db._log.record(1) + b"\n"
    assert db.handle("/nonsense")[0] == 404
    assert [r.kind for r in db.requests()][:2] == ["lookup", "tile"]


def test_records_added_later_extend_the_log() -> None:
    db = ChecksumDB()
    db.add_record("example.com/a", "v1.0.0", zip_hash=H, mod_hash=H2)
    first = parse_tree(open_note(db.signed_tree(), [Verifier(db.key)]).text.encode())
    for i in range(300):
        db.add_record(f"example.com/m{i}", "v1.0.0", zip_hash=H, mod_hash=H2)
    rid, _, size = _verify_lookup(db, "example.com/m299", "v1.0.0")
    assert (rid, size) == (300, 301)
    assert db._log.tree_hash(first[0]) == first[1]
    db.add_record("example.com/a", "v1.0.0", zip_hash=H, mod_hash=H2)  # same again: no-op
    assert db.size == 301
    with pytest.raises(ChecksumDBError, match="never changes a record"):
        db.add_record("example.com/a", "v1.0.0", zip_hash=H2, mod_hash=H2)
    with pytest.raises(ChecksumDBError, match="not an h1"):
        db.add_record("example.com/b", "v1.0.0", zip_hash="h1:short", mod_hash=H)


class _Source:
    def __init__(self) -> None:
        self.mods: dict[tuple[str, str], str] = {}

    def modules(self) -> list[str]:
        return sorted({m for m, _ in self.mods})

    def versions(self, path: str) -> list[str]:
        return [v for m, v in self.mods if m == path]

    def go_sum_lines(self, path: str, version: str) -> str:
        return self.mods[(path, version)]


def test_add_from_source_and_follow_it() -> None:
    src = _Source()
    src.mods[("example.com/a", "v1.0.0")] = (
        f"example.com/a v1.0.0 {H}\nexample.com/a v1.0.0/go.mod {H2}\n"
    )
    db = ChecksumDB()
    assert db.add_from(src) == 1
    src.mods[("example.com/b", "v0.1.0")] = (
        f"example.com/b v0.1.0 {H}\nexample.com/b v0.1.0/go.mod {H2}\n"
    )
    _verify_lookup(db, "example.com/b", "v0.1.0")
    assert (
        db.go_sum_lines("example.com/b", "v0.1.0")
        == src.mods[("example.com/b", "v0.1.0")].splitlines()
    )


def test_wrong_hash_keeps_log_consistent() -> None:
    db = ChecksumDB()
    db.add_record("example.com/a", "v1.0.0", zip_hash=H, mod_hash=H2)
    db.misbehave.wrong_hash("example.com/a", "v1.0.0")
    _, text, _ = _verify_lookup(db, "example.com/a", "v1.0.0")
    zip_line, mod_line = text.decode().splitlines()
    assert H not in zip_line
    assert mod_line.endswith(H2)
    db.misbehave.wrong_hash("example.com/late", "v1.0.0", which="mod")
    db.add_record("example.com/late", "v1.0.0", zip_hash=H, mod_hash=H2)
    _, text, _ = _verify_lookup(db, "example.com/late", "v1.0.0")
    assert text.decode().splitlines()[0].endswith(H)
    assert db.records()[("example.com/late", "v1.0.0")].splitlines()[1].endswith(H2)


def test_fork_rewrites_history() -> None:
    db = ChecksumDB()
    db.add_record("example.com/a", "v1.0.0", zip_hash=H, mod_hash=H2)
    before = db._log.tree_hash(1)
    db.misbehave.fork()
    _verify_lookup(db, "example.com/a", "v1.0.0")  # self-consistent ...
    assert db._log.tree_hash(1) != before  # ... but not the history a client saw


def test_failures_supported_and_missing_tiles() -> None:
    db = ChecksumDB()
    db.add_record("example.com/a", "v1.0.0", zip_hash=H, mod_hash=H2)
    assert db.handle("/supported")[0] == 200
    db.misbehave.supported_404 = True
    assert db.handle("/supported")[0] == 404
    db.misbehave.fail("lookup", status=503, times=1)
    assert db.handle("/lookup/example.com/a@v1.0.0")[0] == 503
    assert db.handle("/lookup/example.com/a@v1.0.0")[0] == 200
    db.misbehave.missing_tiles = True
    assert db.handle("/tile/8/0/000.p/1")[0] == 404
    db.misbehave.tamper_lookup("example.com/a", "v1.0.0")
    _, text, _ = parse_record(db.handle("/lookup/example.com/a@v1.0.0")[2])
    assert text != db._log.record(0)
    db.misbehave.reset()
    assert db.handle("/tile/8/0/000.p/1")[0] == 200
    assert [r.status for r in db.requests("lookup")] == [503, 200, 200]
    db.assert_requested("supported")
    with pytest.raises(AssertionError, match="was asked"):
        db.assert_not_requested("tile")
    with pytest.raises(ChecksumDBError):
        db.misbehave.fail("bogus")


def test_served_over_http_on_loopback() -> None:
    with ChecksumDB() as db:
        db.add_record("example.com/a", "v1.0.0", zip_hash=H, mod_hash=H2)
        assert db.url.startswith("http://127.0.0.1:")
        assert db.env == {"GOSUMDB": f"{db.key} {db.url}"}
        with urllib.request.urlopen(db.url + "/latest", timeout=10) as resp:
            assert resp.read() == db.signed_tree()
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(db.url + "/lookup/example.com/b@v1.0.0", timeout=10)
        assert info.value.code == 404
        assert [r.via for r in db.requests()] == ["direct", "direct"]
        db.check()
    with pytest.raises(ChecksumDBError, match="not running"):
        _ = db.url

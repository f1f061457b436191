"""The gosumdb fixture: one server and key a session, an empty database each test."""

from __future__ import annotations

import base64
import urllib.request

from pytest_goproxy.sumdb import ChecksumDB

H = "h1:" + base64.b64encode(bytes(32)).decode()

_seen: list[tuple[str, str]] = []


def test_gosumdb_is_running_and_empty(gosumdb: ChecksumDB) -> None:
    assert gosumdb.size == 0
    assert gosumdb.requests() == []
    gosumdb.add_record("example.com/a", "v1.0.0", zip_hash=H, mod_hash=H)
    gosumdb.misbehave.missing_tiles = True
    with urllib.request.urlopen(gosumdb.url + "/latest", timeout=10) as resp:
        assert b"go.sum database tree\n1\n" in resp.read()
    _seen.append((gosumdb.key, gosumdb.url))


def test_next_test_gets_it_reset(gosumdb: ChecksumDB) -> None:
    assert gosumdb.size == 0
    assert not gosumdb.misbehave.missing_tiles
    assert gosumdb.requests() == []
    assert gosumdb.env["GOSUMDB"].split() == [gosumdb.key, gosumdb.url]
    if _seen:  # same session key and server
        assert _seen[0] == (gosumdb.key, gosumdb.url)


class _Proxy:
    def __init__(self) -> None:
        self.served: list[ChecksumDB] = []
        self.store = self

    def modules(self) -> list[str]:
        return ["example.com/p"]

    def versions(self, path: str) -> list[str]:
        return ["v0.1.0"]

    def go_sum_lines(self, path: str, version: str) -> tuple[str, str]:
        return (f"{path} {version} {H}", f"{path} {version}/go.mod {H}")

    def serve_sumdb(self, db: ChecksumDB) -> None:
        self.served.append(db)


def test_attach_reads_store_and_registers_with_proxy(gosumdb: ChecksumDB) -> None:
    proxy = _Proxy()
    gosumdb.attach(proxy)
    assert proxy.served == [gosumdb]
    assert gosumdb.go_sum_lines("example.com/p", "v0.1.0") == list(
        proxy.go_sum_lines("example.com/p", "v0.1.0")
    )

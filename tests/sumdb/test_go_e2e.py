"""The real go command against ChecksumDB: it trusts it, and reports each misbehaviour.

Every test runs go in a hermetic environment (fresh GOPATH, caches and GOENV; an HTTP proxy trap
on loopback so nothing leaves the machine) against a small module proxy (tests/sumdb/gohelp.py).
The error texts asserted here are go's own, from cmd/go/internal/modfetch/fetch.go (checksum
mismatch) and golang.org/x/mod/sumdb/client.go (misbehaviour).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pytest_goproxy.sumdb import ChecksumDB

from .gohelp import GO, MiniProxy, Module, ProxyTrap, go_env, make_module, run_go, write_main

pytestmark = pytest.mark.skipif(GO is None, reason="needs the go command")


@dataclass
class World:
    tmp: Path
    proxy: MiniProxy
    db: ChecksumDB
    trap: ProxyTrap
    hello: Module
    upper: Module

    @property
    def project(self) -> Path:
        return self.tmp / "project"

    def env(self, **extra: str) -> dict[str, str]:
        settings = {"GOPROXY": self.proxy.url, **self.db.env}
        settings.update(extra)
        return go_env(self.tmp, self.trap, **settings)

    def tidy(self, **extra: str) -> tuple[int, str]:
        result = run_go(["mod", "tidy"], self.project, self.env(**extra))
        return result.returncode, result.stderr

    def go_sum(self) -> list[str]:
        path = self.project / "go.sum"
        return sorted(path.read_text().splitlines()) if path.exists() else []


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with ProxyTrap() as trap, MiniProxy() as proxy, ChecksumDB() as db:
        hello = proxy.add(make_module("example.com/hello", "v1.0.0"))
        upper = proxy.add(make_module("example.com/Upper", "v1.2.0"))
        proxy.sumdbs[db.name] = db
        db.add_from(proxy)
        write_main(tmp_path / "project", [hello, upper])
        yield World(tmp_path, proxy, db, trap, hello, upper)
        db.check()
        assert trap.requests == [] or all("CONNECT" in r for r in trap.requests)


def test_tidy_verifies_and_writes_the_database_records(world: World) -> None:
    code, err = world.tidy()
    assert code == 0, err
    expected = sorted(line for text in world.db.records().values() for line in text.splitlines())
    assert world.go_sum() == expected
    assert world.go_sum() == sorted(world.hello.go_sum + world.upper.go_sum)
    world.db.assert_requested("lookup", via="direct", module="example.com/Upper")
    world.db.assert_requested("tile", via="direct")
    world.db.assert_not_requested(via="proxy")


def test_records_added_later_extend_the_tree_go_already_trusts(world: World) -> None:
    assert world.tidy()[0] == 0
    later = world.proxy.add(make_module("example.com/later", "v0.1.0"))
    world.db.add_from(world.proxy)  # a new record: a new tree head extending the old one
    write_main(world.project, [world.hello, world.upper, later])
    code, err = world.tidy()
    assert code == 0, err
    assert set(later.go_sum) <= set(world.go_sum())


def test_modules_added_to_the_source_later_are_found_on_lookup(world: World) -> None:
    later = world.proxy.add(make_module("example.com/later", "v0.1.0"))
    write_main(world.project, [world.hello, later])
    code, err = world.tidy()
    assert code == 0, err
    assert world.db.go_sum_lines(later.path, later.version) == later.go_sum


@pytest.mark.parametrize(
    ("which", "what"), [("zip", "verifying module"), ("mod", "verifying go.mod")]
)
def test_wrong_hash_is_a_checksum_mismatch(world: World, which: str, what: str) -> None:
    world.db.misbehave.wrong_hash("example.com/hello", "v1.0.0", which=which)
    code, err = world.tidy()
    assert code == 1
    assert f"example.com/hello@v1.0.0: {what}: checksum mismatch" in err
    assert f"\t{world.db.name}: h1:" in err
    assert (
        "SECURITY ERROR\nThis download does NOT match the one reported by the checksum server."
        in err
    )
    assert world.go_sum() == []


def test_lookup_5xx_is_reported_with_the_server_response(world: World) -> None:
    world.db.misbehave.fail("lookup", status=503)
    code, err = world.tidy()
    assert code == 1
    assert (
        "verifying module: example.com/hello@v1.0.0: reading "
        f"{world.db.url}/lookup/example.com/hello@v1.0.0: 503 SERVICE UNAVAILABLE"
    ) in err
    assert "server response: 503 injected failure" in err


def test_tile_5xx_and_missing_tiles(world: World) -> None:
    world.db.misbehave.fail("tile", status=502)
    code, err = world.tidy()
    assert code == 1
    assert f"reading {world.db.url}/tile/8/0/000.p/2: 502 BAD GATEWAY" in err
    world.db.misbehave.reset()
    world.db.misbehave.missing_tiles = True
    code, err = world.tidy()
    assert code == 1
    assert f"reading {world.db.url}/tile/8/0/000.p/2: 404 NOT FOUND" in err
    # go falls back from the partial tile to the full one before giving up (client.go readTile)
    assert {r.path for r in world.db.requests("tile")} >= {"/tile/8/0/000.p/2", "/tile/8/0/000"}


def test_tampered_lookup_cannot_be_authenticated(world: World) -> None:
    world.db.misbehave.tamper_lookup("example.com/hello", "v1.0.0")
    code, err = world.tidy()
    assert code == 1
    assert (
        "verifying module: example.com/hello@v1.0.0: "
        "cannot authenticate record data in server response"
    ) in err


def test_forked_tree_is_server_misbehavior(world: World) -> None:
    assert world.tidy()[0] == 0  # go remembers tree #2 in $GOPATH/pkg/sumdb
    world.db.misbehave.fork()
    later = world.proxy.add(make_module("example.com/later", "v0.1.0"))
    write_main(world.project, [world.hello, world.upper, later])
    code, err = world.tidy()
    assert code == 1
    assert "SECURITY ERROR\ngo.sum database server misbehavior detected!" in err
    assert "old database:\n\tgo.sum database tree\n\t2\n" in err
    assert "proof of misbehavior:" in err


def test_unknown_module_is_404(world: World) -> None:
    stranger = world.proxy.add(make_module("example.com/stranger", "v1.0.0"))
    world.db._sources.clear()  # the database no longer follows the proxy
    write_main(world.project, [stranger])
    code, err = world.tidy()
    assert code == 1
    assert f"reading {world.db.url}/lookup/example.com/stranger@v1.0.0: 404 NOT FOUND" in err


@pytest.mark.parametrize(
    "settings",
    [
        {"GONOSUMDB": "example.com"},
        {"GOPRIVATE": "example.com/*"},
        {"GOSUMDB": "off"},
    ],
    ids=["GONOSUMDB", "GOPRIVATE", "GOSUMDB=off"],
)
def test_settings_that_skip_the_database(world: World, settings: dict[str, str]) -> None:
    env = dict(settings)
    if "GOPRIVATE" in env:
        env["GONOPROXY"] = "none"  # GOPRIVATE would also bypass the proxy; keep using it
    code, err = world.tidy(**env)
    assert code == 0, err
    assert world.go_sum() == sorted(world.hello.go_sum + world.upper.go_sum)
    world.db.assert_not_requested()


def test_through_proxy_when_supported(world: World) -> None:
    code, err = world.tidy(**world.db.env_via_proxy)
    assert code == 0, err
    assert world.go_sum() == sorted(world.hello.go_sum + world.upper.go_sum)
    assert world.db.requests()[0].path == "/supported"
    world.db.assert_requested("lookup", via="proxy")
    world.db.assert_not_requested(via="direct")
    assert world.trap.requests == []


def test_supported_404_makes_go_contact_the_database_directly(world: World) -> None:
    world.db.misbehave.supported_404 = True
    code, err = world.tidy(**world.db.env_via_proxy)
    assert code == 1
    # go went for https://<name> itself; the loopback proxy trap caught the attempt.
    assert set(world.trap.requests) == {f"CONNECT {world.db.name}:443 HTTP/1.1"}
    assert f'Get "https://{world.db.name}/lookup/example.com/' in err
    assert [(r.path, r.status) for r in world.db.requests()] == [("/supported", 404)]

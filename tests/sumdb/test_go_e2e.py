"""The real go command against ChecksumDB: it trusts it, and reports each misbehaviour.

Every test runs go through the plugin's hermetic ``go`` fixture (fresh HOME and go env file; its
network guard refuses anything that is not loopback) against the ``goproxy`` fixture, with one
module cache and one GOPATH shared by the test's runs, as on a developer's machine: go remembers
the database's signed tree head in ``$GOPATH/pkg/sumdb``. The error texts asserted here are go's
own, from cmd/go/internal/modfetch/fetch.go (checksum mismatch) and golang.org/x/mod/sumdb/client.go
(misbehaviour).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from pytest_goproxy.gomod.store import ModuleVersion
from pytest_goproxy.gorun import GoProject, GoResult, GoRunner
from pytest_goproxy.proxy import FakeGoProxy
from pytest_goproxy.sumdb import ChecksumDB


def add_module(proxy: FakeGoProxy, path: str, version: str) -> ModuleVersion:
    """``path@version`` with one package whose ``Hello()`` says who it is."""
    pkg = path.rsplit("/", 1)[-1].lower()
    src = f'package {pkg}\n\nfunc Hello() string {{ return "{path} {version}" }}\n'
    return proxy.add_module(path, version, {f"{pkg}.go": src})


def go_sum(module: ModuleVersion) -> list[str]:
    return list(module.go_sum_lines())


def write_main(project: GoProject, requires: list[ModuleVersion]) -> None:
    """go.mod (one ``require`` line each) and a main.go calling every module's Hello()."""
    req = "".join(f"require {m.path} {m.version}\n" for m in requires)
    project.write("go.mod", f"module example.com/main\n\ngo 1.21\n\n{req}")
    imports = "".join(f'\t"{m.path}"\n' for m in requires)
    calls = "".join(f"\tprintln({m.path.rsplit('/', 1)[-1].lower()}.Hello())\n" for m in requires)
    project.write("main.go", f"package main\n\nimport (\n{imports})\n\nfunc main() {{\n{calls}}}\n")


@dataclass
class World:
    go: GoRunner
    project: GoProject
    proxy: FakeGoProxy
    db: ChecksumDB
    hello: ModuleVersion
    upper: ModuleVersion

    def tidy(self, **extra: str) -> GoResult:
        return self.project.tidy(env={"GOPROXY": self.proxy.url, **self.db.env, **extra})

    def go_sum(self) -> list[str]:
        text = self.project.go_sum
        return sorted(text.splitlines()) if text is not None else []


@pytest.fixture
def world(go: GoRunner, goproxy: FakeGoProxy, gosumdb: ChecksumDB) -> Iterator[World]:
    hello = add_module(goproxy, "example.com/hello", "v1.0.0")
    upper = add_module(goproxy, "example.com/Upper", "v1.2.0")
    gosumdb.attach(goproxy)  # records from the served bytes; /sumdb/<name>/ on the proxy
    project = go.project(
        module="example.com/main", files={}, modcache=go.module_cache(), gopath=go.gopath()
    )
    write_main(project, [hello, upper])
    yield World(go, project, goproxy, gosumdb, hello, upper)
    # go only ever tried to leave for the database's own host (CONNECT name:443, refused)
    assert go.guard is not None
    assert all(e.method == "CONNECT" for e in go.guard.escapes), go.guard.escapes


def test_tidy_verifies_and_writes_the_database_records(world: World) -> None:
    world.tidy().assert_ok()
    expected = sorted(line for text in world.db.records().values() for line in text.splitlines())
    assert world.go_sum() == expected
    assert world.go_sum() == sorted(go_sum(world.hello) + go_sum(world.upper))
    world.db.assert_requested("lookup", via="direct", module="example.com/Upper")
    world.db.assert_requested("tile", via="direct")
    world.db.assert_not_requested(via="proxy")


def test_records_added_later_extend_the_tree_go_already_trusts(world: World) -> None:
    world.tidy().assert_ok()  # go remembers tree #2 in $GOPATH/pkg/sumdb
    later = add_module(world.proxy, "example.com/later", "v0.1.0")
    world.db.add_from(world.proxy.store)  # a new record: a new tree head extending the old one
    write_main(world.project, [world.hello, world.upper, later])
    world.tidy().assert_ok()
    assert set(go_sum(later)) <= set(world.go_sum())


def test_modules_added_to_the_source_later_are_found_on_lookup(world: World) -> None:
    later = add_module(world.proxy, "example.com/later", "v0.1.0")
    write_main(world.project, [world.hello, later])
    world.tidy().assert_ok()
    assert world.db.go_sum_lines(later.path, later.version) == go_sum(later)


@pytest.mark.parametrize(
    ("which", "what"), [("zip", "verifying module"), ("mod", "verifying go.mod")]
)
def test_wrong_hash_is_a_checksum_mismatch(world: World, which: str, what: str) -> None:
    world.db.misbehave.wrong_hash("example.com/hello", "v1.0.0", which=which)
    result = world.tidy()
    code, err = result.returncode, result.stderr
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
    result = world.tidy()
    code, err = result.returncode, result.stderr
    assert code == 1
    assert (
        "verifying module: example.com/hello@v1.0.0: reading "
        f"{world.db.url}/lookup/example.com/hello@v1.0.0: 503 Service Unavailable"
    ) in err
    assert "server response: 503 injected failure" in err


def test_tile_5xx_and_missing_tiles(world: World) -> None:
    world.db.misbehave.fail("tile", status=502)
    result = world.tidy()
    code, err = result.returncode, result.stderr
    assert code == 1
    assert f"reading {world.db.url}/tile/8/0/000.p/2: 502 Bad Gateway" in err
    world.db.misbehave.reset()
    world.db.misbehave.missing_tiles = True
    result = world.tidy()
    code, err = result.returncode, result.stderr
    assert code == 1
    assert f"reading {world.db.url}/tile/8/0/000.p/2: 404 Not Found" in err
    # go falls back from the partial tile to the full one before giving up (client.go readTile)
    assert {r.path for r in world.db.requests("tile")} >= {"/tile/8/0/000.p/2", "/tile/8/0/000"}


def test_tampered_lookup_cannot_be_authenticated(world: World) -> None:
    world.db.misbehave.tamper_lookup("example.com/hello", "v1.0.0")
    result = world.tidy()
    code, err = result.returncode, result.stderr
    assert code == 1
    assert (
        "verifying module: example.com/hello@v1.0.0: "
        "cannot authenticate record data in server response"
    ) in err


def test_forked_tree_is_server_misbehavior(world: World) -> None:
    world.tidy().assert_ok()  # go remembers tree #2 in $GOPATH/pkg/sumdb
    world.db.misbehave.fork()
    later = add_module(world.proxy, "example.com/later", "v0.1.0")
    write_main(world.project, [world.hello, world.upper, later])
    result = world.tidy()
    code, err = result.returncode, result.stderr
    assert code == 1
    assert "SECURITY ERROR\ngo.sum database server misbehavior detected!" in err
    assert "old database:\n\tgo.sum database tree\n\t2\n" in err
    assert "proof of misbehavior:" in err


def test_unknown_module_is_404(world: World) -> None:
    stranger = add_module(world.proxy, "example.com/stranger", "v1.0.0")
    world.db._sources.clear()  # the database no longer follows the proxy
    write_main(world.project, [stranger])
    result = world.tidy()
    code, err = result.returncode, result.stderr
    assert code == 1
    assert f"reading {world.db.url}/lookup/example.com/stranger@v1.0.0: 404 Not Found" in err


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
    world.tidy(**env).assert_ok()
    assert world.go_sum() == sorted(go_sum(world.hello) + go_sum(world.upper))
    world.db.assert_not_requested()


def test_through_proxy_when_supported(world: World) -> None:
    world.tidy(**world.db.env_via_proxy).assert_ok()
    assert world.go_sum() == sorted(go_sum(world.hello) + go_sum(world.upper))
    assert world.db.requests()[0].path == "/supported"
    world.db.assert_requested("lookup", via="proxy")
    world.db.assert_not_requested(via="direct")
    assert world.go.guard is not None and world.go.guard.escapes == []


def test_supported_404_makes_go_contact_the_database_directly(world: World) -> None:
    world.db.misbehave.supported_404 = True
    result = world.tidy(**world.db.env_via_proxy)
    code, err = result.returncode, result.stderr
    assert code == 1
    # go went for https://<name> itself; the network guard caught (and refused) the attempt.
    assert {str(e) for e in result.escapes} == {f"CONNECT {world.db.name}:443"}
    assert f'Get "https://{world.db.name}/lookup/example.com/' in err
    assert [(r.path, r.status) for r in world.db.requests()] == [("/supported", 404)]

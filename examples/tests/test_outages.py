"""The suite a Go team writes to prove its build survives module-proxy outages.

Every test runs the real ``go`` command, hermetically, on a copy of the bundled example whose four
public dependencies (example.test/greet -> example.test/words, example.test/colour/v2,
example.test/clock) come from the fake proxy and whose private one (corp.example/vault, a new
import that go.mod does not name yet) from its origin, as GOPRIVATE says. Faults are real:
toxiproxy in front of the proxy (refused connections, blackholes) or HTTP errors the proxy plays
itself. The module is marked
``network_faults``, so ``pytest -m network_faults`` selects it.

What the tests pin down is Go's documented behaviour (``go help goproxy``): in a GOPROXY list,
``,`` falls back to the next entry only on 404/410, ``|`` on any error; go has no request timeout,
so a blackholed proxy hangs the build; go does not retry, so a brief 502 burst needs a retry
around the command; a warm module cache needs no proxy at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from pytest_goproxy import (
    ChecksumDB,
    Failure,
    FakeGoProxy,
    FakeOrigin,
    GoProject,
    GoResult,
    GoRunner,
    Network,
)

# Every test here is about an outage, HTTP faults included (only tests using the network or
# toxiproxy fixtures are marked automatically), so `pytest -m network_faults` selects them all.
pytestmark = pytest.mark.network_faults

#: The app's private module, and what the team's CI sets for it (conftest.py serves it).
PRIVATE_MODULE = "corp.example/vault"
PRIVATE_ENV = {"GOPRIVATE": "corp.example"}

#: Short on purpose: a blackhole never answers, so "hung" is proved by reaching the deadline.
HANG_TIMEOUT = 5.0


def test_builds_through_the_proxy_and_the_origin(
    app: GoProject, modules: FakeGoProxy, vault: FakeOrigin, app_dir: Path
) -> None:
    """No fault: tidy adds the new private import (fetched from its origin with git) and
    changes nothing else, and the program builds."""
    env = {"GOPROXY": modules.url}
    tidy = app.tidy(env=env).assert_ok()
    added = f"\t{PRIVATE_MODULE} v1.0.0\n"
    assert added in tidy.go_mod
    assert tidy.go_mod.replace(added, "") == (app_dir / "go.mod").read_text(encoding="utf-8")
    committed = (app_dir / "go.sum").read_text(encoding="utf-8").splitlines()
    new = sorted(set(tidy.go_sum.splitlines()) - set(committed))
    assert [line.split()[0] for line in new] == [PRIVATE_MODULE] * 2  # its zip and go.mod
    app.build(env=env).assert_ok()
    # the transitive dependency came from the proxy, the private module from its origin only
    modules.assert_requested("zip", "example.test/words")
    modules.assert_not_requested("zip", PRIVATE_MODULE)
    assert vault.requests("upload_pack", repo="corp.example/vault")


def test_refused_primary_comma_fails_pipe_recovers(
    app: GoProject,
    modules: FakeGoProxy,
    network: Network,
    goproxy_factory: Callable[..., FakeGoProxy],
) -> None:
    """``primary,backup`` stops at a refused primary; ``primary|backup`` gets past it."""
    primary = network.front(modules)
    backup = goproxy_factory(store=modules.store)  # a mirror serving the same modules
    primary.inject("refused")

    app.tidy(env={"GOPROXY": f"{primary.url},{backup.url}"}).assert_failure(Failure.REFUSED)
    backup.assert_not_requested("zip")

    app.tidy(env={"GOPROXY": f"{primary.url}|{backup.url}"}).assert_ok()
    backup.assert_requested("zip", "example.test/greet")


def test_blackholed_primary_hangs_even_with_a_pipe_backup(
    app: GoProject,
    modules: FakeGoProxy,
    network: Network,
    goproxy_factory: Callable[..., FakeGoProxy],
) -> None:
    """A proxy that accepts and never answers hangs go: it has no timeout to fall back on."""
    primary = network.front(modules)
    backup = goproxy_factory(store=modules.store)
    primary.inject("blackhole")
    result = app.tidy(env={"GOPROXY": f"{primary.url}|{backup.url}"}, timeout=HANG_TIMEOUT)
    result.assert_hung()
    backup.assert_not_requested("zip")


def with_retries(
    run: Callable[[], GoResult], *, attempts: int = 3, backoff: float = 0.2
) -> list[GoResult]:
    """Run a go command until it succeeds or ``attempts`` runs failed, doubling the pause.

    The wrapper a CI job puts around ``go mod download``: go itself never retries a 5xx.
    """
    results = [run()]
    while not results[-1].ok and len(results) < attempts:
        time.sleep(backoff * 2 ** (len(results) - 1))
        results.append(run())
    return results


def test_a_502_burst_needs_a_retry(app: GoProject, modules: FakeGoProxy) -> None:
    """Two 502s on module zips: one go run gives up, a retry around it recovers."""
    burst = modules.inject("status", code=502, kind="zip", times=2)
    results = with_retries(lambda: app.tidy(env={"GOPROXY": modules.url}))
    results[0].assert_failure(Failure.HTTP_STATUS, status_code=502)
    results[-1].assert_ok()
    assert burst.hits == 2


def test_checksum_database_verifies_new_downloads(
    app: GoProject, modules: FakeGoProxy, gosumdb: ChecksumDB, app_dir: Path
) -> None:
    """Without go.sum (a fresh dependency), go checks every module against GOSUMDB."""
    gosumdb.attach(modules)  # the database vouches for exactly what the proxy serves
    (app.path / "go.sum").unlink()
    result = app.tidy(env={"GOPROXY": modules.url, **gosumdb.env}).assert_ok()
    committed = (app_dir / "go.sum").read_text(encoding="utf-8").splitlines()
    assert set(committed) < set(result.go_sum.splitlines())  # and the private module's lines
    gosumdb.assert_requested("lookup", module="example.test/colour/v2")
    gosumdb.assert_not_requested("lookup", module=PRIVATE_MODULE)  # GOPRIVATE: never asked


def test_checksum_database_catches_a_tampered_module(
    app: GoProject, modules: FakeGoProxy, gosumdb: ChecksumDB
) -> None:
    """A proxy serving different bytes than the database recorded fails the build loudly."""
    gosumdb.attach(modules)
    (app.path / "go.sum").unlink()
    modules.inject("wrong_zip", module="example.test/greet")
    result = app.tidy(env={"GOPROXY": modules.url, **gosumdb.env})
    result.assert_failure(Failure.CHECKSUM_MISMATCH)


def test_warm_cache_survives_a_blackholed_proxy(
    go: GoRunner, modules: FakeGoProxy, vault: FakeOrigin, network: Network, app_dir: Path
) -> None:
    """Once ``go mod download`` has warmed the module cache, tidy and build need no answer from
    the proxy (the private module still comes from its origin)."""
    app = go.project_from_dir(app_dir, env=PRIVATE_ENV, modcache=go.warm_cache())
    primary = network.front(modules)
    env: Mapping[str, str] = {"GOPROXY": primary.url}
    app.download(env=env).assert_ok()  # .info, .mod and .zip of every module, into the cache

    primary.inject("blackhole")
    app.tidy(env=env, timeout=60).assert_ok()
    app.build(env=env, timeout=60).assert_ok()  # a cold build cache compiles the stdlib: slow
    app.build(env={"GOPROXY": "off"}).assert_ok()  # and fully offline


def test_a_cache_warmed_by_tidy_alone_hangs_build_on_a_blackhole(
    go: GoRunner, modules: FakeGoProxy, vault: FakeOrigin, network: Network, app_dir: Path
) -> None:
    """A pitfall, measured: tidy saves .mod and .zip but not .info, and ``go build`` then asks
    the proxy for each module's .info. A refused connection it shrugs off; a blackhole it waits
    on forever. Warm caches with ``go mod download`` (above), or build with GOPROXY=off."""
    app = go.project_from_dir(app_dir, env=PRIVATE_ENV, modcache=go.warm_cache())
    primary = network.front(modules)
    env: Mapping[str, str] = {"GOPROXY": primary.url}
    app.tidy(env=env).assert_ok()

    primary.inject("blackhole")
    app.build(env=env, timeout=HANG_TIMEOUT).assert_hung()
    app.build(env={"GOPROXY": "off"}).assert_ok()

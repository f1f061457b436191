"""Faults on the toolchain download, with the real go: each one with ``,`` and with ``|``.

A project whose go.mod says ``toolchain go1.99.0`` and requires nothing, run with
``GOTOOLCHAIN=auto``: the only proxy request go makes is the toolchain zip (it asks no ``.info``
or ``.mod`` for a toolchain; the checksum database is reached directly), so a fault on the primary
endpoint is a fault on that zip. Network faults go through a real toxiproxy in front of the fake
proxy (the ``network`` fixture), HTTP faults are the proxy's own (``inject``); the backup is a
second proxy serving the same store. What go does is the same as for any module zip: ``,`` falls
back only on 404/410 and stops with the fault, ``|`` falls back on anything and switches, and a
blackhole hangs whatever the separator (go has no timeout for proxy requests).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pytest_goproxy.gomod.toolchain import TOOLCHAIN_MODULE
from pytest_goproxy.gorun import Failure, GoProject, GoResult, GoRunner
from pytest_goproxy.network.endpoint import Endpoint, Network
from pytest_goproxy.proxy import FakeGoProxy
from pytest_goproxy.sumdb import ChecksumDB

TOOLCHAIN = "go1.99.0"
#: Short: a hang is proved by reaching it; go would otherwise wait forever.
HANG_TIMEOUT = 4.0


@pytest.fixture
def backup(
    go: GoRunner, goproxy: FakeGoProxy, goproxy_factory: Callable[..., FakeGoProxy]
) -> FakeGoProxy:
    """A second proxy serving what ``goproxy`` serves, the synthetic go1.99.0 among it."""
    goproxy.add_toolchain(TOOLCHAIN, go=go.binary)
    return goproxy_factory(store=goproxy.store)


@pytest.fixture
def app(go: GoRunner) -> GoProject:
    return go.project(toolchain=TOOLCHAIN)


def switch(
    app: GoProject, gosumdb: ChecksumDB, goproxy: str, timeout: float | None = None
) -> GoResult:
    env = {"GOPROXY": goproxy, **gosumdb.env}
    return app.tidy(env=env, gotoolchain="auto", timeout=timeout)


def stopped(result: GoResult, cause: Failure, url: str) -> None:
    """The switch failed on the primary's zip, as TOOLCHAIN naming go1.99.0 with ``cause``."""
    result.assert_failure(Failure.TOOLCHAIN)
    assert result.cause is cause, result.describe()
    assert result.classification is not None and result.classification.toolchain == TOOLCHAIN
    assert result.url is not None and result.url.startswith(f"{url}/golang.org/toolchain/@v/")
    assert result.switched_to is None


@pytest.mark.parametrize(
    ("fault", "cause"), [("refused", Failure.REFUSED), ("reset", Failure.RESET)]
)
def test_network_fault_on_the_toolchain_zip(
    network: Network,
    goproxy: FakeGoProxy,
    backup: FakeGoProxy,
    gosumdb: ChecksumDB,
    app: GoProject,
    fault: str,
    cause: Failure,
) -> None:
    endpoint: Endpoint = network.front(goproxy)
    with endpoint.fault(fault):
        stopped(switch(app, gosumdb, f"{endpoint.url},{backup.url}"), cause, endpoint.url)
        backup.assert_not_requested(module=TOOLCHAIN_MODULE)
        fell_back = switch(app, gosumdb, f"{endpoint.url}|{backup.url}").assert_ok()
    assert fell_back.switched_to == TOOLCHAIN
    backup.assert_requested("zip", TOOLCHAIN_MODULE, count=1)


@pytest.mark.parametrize(
    ("fault", "params", "cause", "status"),
    [
        ("status", {"code": 504}, Failure.HTTP_STATUS, 504),
        ("cut_body", {}, Failure.TRUNCATED, None),
    ],
)
def test_http_fault_on_the_toolchain_zip(
    goproxy: FakeGoProxy,
    backup: FakeGoProxy,
    gosumdb: ChecksumDB,
    app: GoProject,
    fault: str,
    params: dict[str, object],
    cause: Failure,
    status: int | None,
) -> None:
    with goproxy.inject(fault, kind="zip", module=TOOLCHAIN_MODULE, **params) as played:
        broken = switch(app, gosumdb, f"{goproxy.url},{backup.url}")
        stopped(broken, cause, goproxy.url)
        assert broken.status_code == status
        backup.assert_not_requested(module=TOOLCHAIN_MODULE)
        fell_back = switch(app, gosumdb, f"{goproxy.url}|{backup.url}").assert_ok()
    assert played.hits == 2
    assert fell_back.switched_to == TOOLCHAIN
    backup.assert_requested("zip", TOOLCHAIN_MODULE, count=1)


def test_a_504_is_what_users_quote(
    go: GoRunner, goproxy: FakeGoProxy, backup: FakeGoProxy, gosumdb: ChecksumDB, app: GoProject
) -> None:
    """The report behind Athens and Nexus, word for word but for the URL."""
    (version,) = goproxy.store.versions(TOOLCHAIN_MODULE)
    with goproxy.inject("status", code=504, kind="zip", module=TOOLCHAIN_MODULE):
        result = switch(app, gosumdb, goproxy.url)
    platform = f"{go.binary.goos}/{go.binary.goarch}"
    assert f"go: downloading go1.99.0 ({platform})" in result.stderr.splitlines()
    assert result.classification is not None
    assert result.classification.line == (
        f"go: download go1.99.0: golang.org/toolchain@{version}: reading "
        f"{goproxy.url}/golang.org/toolchain/@v/{version}.zip: 504 Gateway Timeout"
    )


@pytest.mark.parametrize("separator", [",", "|"])
def test_blackhole_hangs_the_switch_whatever_the_separator(
    network: Network,
    goproxy: FakeGoProxy,
    backup: FakeGoProxy,
    gosumdb: ChecksumDB,
    app: GoProject,
    separator: str,
) -> None:
    endpoint = network.front(goproxy)
    with endpoint.fault("blackhole"):
        result = switch(app, gosumdb, f"{endpoint.url}{separator}{backup.url}", HANG_TIMEOUT)
    result.assert_hung()
    assert result.toolchain_download == TOOLCHAIN and result.switched_to is None
    backup.assert_not_requested(module=TOOLCHAIN_MODULE)


def test_a_404_falls_back_with_a_comma(
    goproxy_factory: Callable[..., FakeGoProxy],
    backup: FakeGoProxy,
    gosumdb: ChecksumDB,
    app: GoProject,
) -> None:
    """A proxy without the toolchain (404) is passed by ``,`` as by ``|``."""
    empty = goproxy_factory()
    result = switch(app, gosumdb, f"{empty.url},{backup.url}").assert_ok()
    assert result.switched_to == TOOLCHAIN
    empty.assert_requested("zip", TOOLCHAIN_MODULE, count=1)

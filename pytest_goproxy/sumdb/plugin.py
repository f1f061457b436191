"""The fake checksum database's pytest plugin: ``gosumdb`` and its session-wide server.

One Ed25519 key and one server serve the whole session (key generation and server start are
cheap, but stopping a werkzeug server waits up to half a second); each test gets the database
emptied, with no misbehaviour and an empty request log.

The main plugin (:mod:`pytest_goproxy.plugin`) registers this module. The server (werkzeug,
cryptography) is imported when a fixture first needs it, so loading the plugin stays cheap.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pytest_goproxy.sumdb.server import ChecksumDB

__all__ = ["TEST_SUMDB", "gosumdb", "gosumdb_listen_host", "gosumdb_name", "gosumdb_session"]

#: The checksum database of the running test, where proxies made in that test (the
#: ``goproxy_factory`` ones) find it to be known by it.
TEST_SUMDB = pytest.StashKey["ChecksumDB"]()


@pytest.fixture(scope="session")
def gosumdb_listen_host() -> str:
    """The loopback address the checksum database binds to. Override to use another."""
    return "127.0.0.1"


@pytest.fixture(scope="session")
def gosumdb_name() -> str:
    """The checksum database's name (``host[/path]``), the name go prints in its errors."""
    from pytest_goproxy.sumdb.server import DEFAULT_NAME

    return DEFAULT_NAME


@pytest.fixture(scope="session")
def gosumdb_session(gosumdb_listen_host: str, gosumdb_name: str) -> Iterator[ChecksumDB]:
    """The session's checksum database server, with a key generated for this session."""
    from pytest_goproxy.sumdb.server import ChecksumDB

    db = ChecksumDB(name=gosumdb_name, host=gosumdb_listen_host)
    db.start()
    yield db
    db.stop()


@pytest.fixture
def gosumdb(request: pytest.FixtureRequest, gosumdb_session: ChecksumDB) -> Iterator[ChecksumDB]:
    """A fake Go checksum database the real go command trusts; empty at the start of each test.

    It knows every module of the test's ``goproxy`` and of the proxies ``goproxy_factory`` makes
    in the test, now and as they are added (as sum.golang.org looks up what proxy.golang.org
    serves). Put ``gosumdb.env`` (``GOSUMDB="<key> <url>"``) in go's environment, or
    ``gosumdb.env_via_proxy`` to reach it through a proxy that serves it
    (``gosumdb.attach(proxy)`` also makes a proxy serve it, and logs another proxy's modules).
    ``gosumdb.misbehave`` lies or fails on demand; ``gosumdb.requests(...)`` and
    ``assert_not_requested()`` tell what go asked. A bug inside the server fails the test.
    """
    gosumdb_session.reset()
    request.node.stash[TEST_SUMDB] = gosumdb_session
    if "goproxy" in request.fixturenames:  # the test's proxy, set up now if not yet
        gosumdb_session.add_from(request.getfixturevalue("goproxy").store)
    yield gosumdb_session
    try:
        gosumdb_session.check()
    finally:
        del request.node.stash[TEST_SUMDB]
        gosumdb_session.reset()

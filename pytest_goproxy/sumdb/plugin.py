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

__all__ = ["gosumdb", "gosumdb_listen_host", "gosumdb_name", "gosumdb_session"]


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
def gosumdb(gosumdb_session: ChecksumDB) -> Iterator[ChecksumDB]:
    """A fake Go checksum database the real go command trusts; empty at the start of each test.

    Put ``gosumdb.env`` (``GOSUMDB="<key> <url>"``) in go's environment, or
    ``gosumdb.env_via_proxy`` to reach it through a proxy that serves it.
    ``gosumdb.attach(goproxy)`` logs every module the proxy serves, now and later.
    ``gosumdb.misbehave`` lies or fails on demand; ``gosumdb.requests(...)`` and
    ``assert_not_requested()`` tell what go asked. A bug inside the server fails the test.
    """
    gosumdb_session.reset()
    yield gosumdb_session
    try:
        gosumdb_session.check()
    finally:
        gosumdb_session.reset()

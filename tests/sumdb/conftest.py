"""The sumdb fixtures, loaded here until (and harmlessly after) plugin.py re-exports them."""

from __future__ import annotations

from pytest_goproxy.sumdb.fixtures import (  # noqa: F401
    gosumdb,
    gosumdb_listen_host,
    gosumdb_name,
    gosumdb_session,
)

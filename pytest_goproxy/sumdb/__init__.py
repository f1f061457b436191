"""A fake Go checksum database (GOSUMDB) that the real go command trusts.

:class:`ChecksumDB` serves the ``golang.org/x/mod/sumdb`` protocol: signed tree heads (``note``),
an RFC 6962 log with tiles (``tlog``), and misbehaviour on demand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_goproxy.exports import lazy_exports

if TYPE_CHECKING:
    from pytest_goproxy.sumdb.note import Signer as Signer
    from pytest_goproxy.sumdb.note import Verifier as Verifier
    from pytest_goproxy.sumdb.note import generate_key as generate_key
    from pytest_goproxy.sumdb.note import open_note as open_note
    from pytest_goproxy.sumdb.note import sign_note as sign_note
    from pytest_goproxy.sumdb.server import DEFAULT_NAME as DEFAULT_NAME
    from pytest_goproxy.sumdb.server import ChecksumDB as ChecksumDB
    from pytest_goproxy.sumdb.server import GoSumSource as GoSumSource
    from pytest_goproxy.sumdb.server import Misbehaviour as Misbehaviour
    from pytest_goproxy.sumdb.server import SumDBRequest as SumDBRequest
    from pytest_goproxy.sumdb.server import make_record as make_record

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "note": ("Signer", "Verifier", "generate_key", "open_note", "sign_note"),
        "server": (
            "DEFAULT_NAME",
            "ChecksumDB",
            "GoSumSource",
            "Misbehaviour",
            "SumDBRequest",
            "make_record",
        ),
    },
)

"""A fake Go checksum database (GOSUMDB) that the real go command trusts.

:class:`ChecksumDB` serves the ``golang.org/x/mod/sumdb`` protocol: signed tree heads (``note``),
an RFC 6962 log with tiles (``tlog``), and misbehaviour on demand.
"""

from __future__ import annotations

from pytest_goproxy.sumdb.note import Signer, Verifier, generate_key, open_note, sign_note
from pytest_goproxy.sumdb.server import (
    DEFAULT_NAME,
    ChecksumDB,
    GoSumSource,
    Misbehaviour,
    SumDBRequest,
    make_record,
)

__all__ = [
    "DEFAULT_NAME",
    "ChecksumDB",
    "GoSumSource",
    "Misbehaviour",
    "Signer",
    "SumDBRequest",
    "Verifier",
    "generate_key",
    "make_record",
    "open_note",
    "sign_note",
]

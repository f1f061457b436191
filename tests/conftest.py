"""Shared test configuration: the plugin under test is loaded through its pytest11 entry point.

httpx (0.28) imports httpcore lazily, at the first client. Should that happen inside a pytester
run, pytester's sys.modules snapshot drops httpcore afterwards, a later import makes new exception
classes, and httpx stops translating the old ones (an ``httpcore.RemoteProtocolError`` escapes
where ``httpx.RemoteProtocolError`` is expected). Importing it here, before any pytester run,
keeps one httpcore for the whole session.
"""

from __future__ import annotations

import httpcore  # noqa: F401  (see the docstring)

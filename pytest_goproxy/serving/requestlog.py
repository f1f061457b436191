"""What the fake proxy was asked: one :class:`ProxyRequest` per request, with selectors.

Its own module because the proxy, the HTTP faults and the reports all read it.
"""

from __future__ import annotations

import fnmatch
import time
from dataclasses import dataclass, field
from enum import Enum

__all__ = ["ProxyRequest", "RequestKind"]


class RequestKind(str, Enum):
    """What a request asked the proxy for (the endpoints of ``go help goproxy``)."""

    LIST = "list"
    INFO = "info"
    MOD = "mod"
    ZIP = "zip"
    LATEST = "latest"
    SUMDB = "sumdb"
    OTHER = "other"


@dataclass
class ProxyRequest:
    """One request the proxy received, and what it answered.

    ``status``, ``bytes_sent`` and ``duration`` are final once the body has been sent (or the client
    went away); ``faulted`` says a fault played on this request instead of the normal answer.
    """

    method: str
    path: str
    kind: RequestKind
    module: str | None = None
    version: str | None = None
    status: int = 0
    bytes_sent: int = 0
    duration: float = 0.0
    faulted: bool = False
    error: str | None = None
    started: float = field(default_factory=time.monotonic)

    def matches(
        self,
        kind: RequestKind | str | None = None,
        module: str | None = None,
        version: str | None = None,
    ) -> bool:
        """True when every given selector matches; ``module`` may be a glob (``example.test/*``)."""
        if kind is not None and self.kind != RequestKind(kind):
            return False
        if module is not None and (
            self.module is None or not fnmatch.fnmatchcase(self.module, module)
        ):
            return False
        return version is None or self.version == version

"""What our servers were asked: one :class:`ProxyRequest` per proxy request, with selectors, and
the :class:`RequestLog` both the proxy and the checksum database keep them in.

Its own module because the proxy, the HTTP faults and the reports all read it.
"""

from __future__ import annotations

import fnmatch
import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Generic, Protocol, TypeVar

__all__ = ["LoggedBody", "ProxyRequest", "RequestKind", "RequestLog", "Timed"]

R = TypeVar("R")
K = TypeVar("K", bound=Hashable)


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
    #: ``"HTTP/2"`` or ``"HTTP/1.1"`` (``"HTTP/1.0"``): what the client spoke
    protocol: str = "HTTP/1.1"
    #: the request's number on its connection (1 for the first; 0 when not known)
    connection_request: int = 0

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


class RequestLog(list[R], Generic[R, K]):
    """A server's requests, oldest first: every one (the default, what a test asserts on), or
    with :attr:`limit` set only the last ``limit`` of them, with counts of every one.

    A test reads the whole log, so nothing is dropped unless asked; a long-running ``serve``
    would otherwise keep every request it was ever sent (a fuzzer's 60 KiB paths took hundreds
    of MB), so it sets a limit and summarises from :meth:`tally` instead of the entries.

    It is a ``list`` so that ``proxy.request_log == []``, indexing and slicing keep working;
    entries go in through :meth:`append` only (the servers'), under the log's own lock.
    ``key`` says what :meth:`tally` counts a request by; it is read when the request leaves the
    ring (or at the tally, for one still in it), so a record the server is still filling in is
    counted as it ends, not as it began.
    """

    def __init__(self, key: Callable[[R], K], *, limit: int | None = None) -> None:
        super().__init__()
        self._key = key
        self._lock = threading.Lock()
        #: counts of the requests that left the ring (see :meth:`tally`)
        self._dropped: Counter[K] = Counter()
        self._limit: int | None = None
        self.limit = limit

    @property
    def limit(self) -> int | None:
        """How many requests are kept (None: all). Setting it drops the oldest beyond it at once."""
        return self._limit

    @limit.setter
    def limit(self, value: int | None) -> None:
        if value is not None and (isinstance(value, bool) or value < 1):
            raise ValueError(f"a request log limit is a positive number or None, not {value!r}")
        with self._lock:
            self._limit = value
            self._trim()

    def append(self, record: R) -> None:
        with self._lock:
            super().append(record)
            self._trim()

    def clear(self) -> None:
        """Forget every request, counts included."""
        with self._lock:
            super().clear()
            self._dropped.clear()

    def snapshot(self) -> list[R]:
        """The entries now, as a plain list (safe to filter while requests keep coming)."""
        with self._lock:
            return list(self)

    @property
    def total(self) -> int:
        """Every request appended since the last :meth:`clear`, dropped from the ring or not."""
        with self._lock:
            return len(self) + self._dropped.total()

    def tally(self) -> Counter[K]:
        """Every request since the last :meth:`clear`, counted by ``key``."""
        with self._lock:
            counts = Counter(map(self._key, self))
            counts.update(self._dropped)
            return counts

    def _trim(self) -> None:
        if self._limit is None or len(self) <= self._limit:
            return
        gone = len(self) - self._limit
        self._dropped.update(map(self._key, self[:gone]))
        del self[:gone]


class Timed(Protocol):
    """A request record that learns what its answer cost: bytes sent, and when it ended."""

    started: float
    bytes_sent: int
    duration: float


class LoggedBody:
    """A response body as an iterable that records in ``record`` what was really sent and when
    it ended (at ``close``, which the server calls when the client is done or gone), and closes
    what produces the chunks (a file, a git process)."""

    def __init__(self, record: Timed, chunks: Iterable[bytes]) -> None:
        self._record = record
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self._record.bytes_sent += len(chunk)
            yield chunk

    def close(self) -> None:
        closer = getattr(self._chunks, "close", None)
        if closer is not None:
            closer()
        self._record.duration = time.monotonic() - self._record.started

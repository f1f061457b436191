"""What the origin was asked: one :class:`OriginRequest` per request, with selectors.

go reaches a VCS host in two steps, and the kinds follow them: ``meta`` is the ``?go-get=1`` page
naming the repository (cmd/go/internal/vcs ``repoRootForImportDynamic``); ``info_refs`` and
``upload_pack`` are git's smart HTTP protocol (``git ls-remote``/``git fetch`` under go), each
answered by ``git http-backend``. A test asserts on them as on the proxy's request log: "go asked
the origin for this module, and never the proxy", or the other way round.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum

__all__ = ["OriginRequest", "OriginRequestKind"]


class OriginRequestKind(str, Enum):
    """What a request asked the origin for."""

    #: ``GET /<import path>?go-get=1``: the go-import meta tag
    META = "meta"
    #: ``GET /<repo>/info/refs?service=git-upload-pack``: the ref advertisement (ls-remote)
    INFO_REFS = "info_refs"
    #: ``POST /<repo>/git-upload-pack``: a fetch (or a protocol v2 command)
    UPLOAD_PACK = "upload_pack"
    #: ``POST /<repo>/git-receive-pack``: a push, which the origin refuses (403)
    RECEIVE_PACK = "receive_pack"
    #: anything else (dumb-HTTP files, unknown repositories, stray paths)
    OTHER = "other"


@dataclass
class OriginRequest:
    """One request the origin received, and what it answered.

    ``host`` is the origin host the request was for (its ``Host`` header, or the first host
    when the header names none of them, e.g. ``127.0.0.1:PORT``); ``repo`` the repository name
    (``lib``), None when the path names none. ``status``, ``bytes_sent`` and ``duration`` are
    final once the body has been sent.
    """

    method: str
    path: str
    query: str
    kind: OriginRequestKind
    host: str
    repo: str | None = None
    #: ``service=`` of an info/refs request (``git-upload-pack``)
    service: str | None = None
    #: the ``Git-Protocol`` header (``version=2``), None when git sent none (protocol v0)
    git_protocol: str | None = None
    #: ``"HTTP/2"`` or ``"HTTP/1.1"``: what the client (go, git) spoke
    protocol: str = "HTTP/1.1"
    status: int = 0
    bytes_sent: int = 0
    duration: float = 0.0
    started: float = field(default_factory=time.monotonic)

    @property
    def root(self) -> str | None:
        """The repository root as go names it, ``corp.example/lib``."""
        return None if self.repo is None else f"{self.host}/{self.repo}"

    def matches(
        self,
        kind: OriginRequestKind | str | None = None,
        host: str | None = None,
        repo: str | None = None,
    ) -> bool:
        """True when every given selector matches; ``repo`` is a name (``lib``) or a root
        (``corp.example/lib``)."""
        if kind is not None and self.kind != OriginRequestKind(kind):
            return False
        if host is not None and self.host != host:
            return False
        return repo is None or repo in (self.repo, self.root)

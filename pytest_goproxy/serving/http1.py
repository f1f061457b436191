"""The connection layer's HTTP/1.1 heads: read one, split it, write a short answer.

The guard (a proxy: it reads a request head, then pipes bytes) and the small endpoints need no
more than this; the fakes' full HTTP (bodies, keep-alive, chunking) is werkzeug's. A head is
read up to its blank line (CRLF or a bare LF, as servers accept), within a size limit and the
connection's read deadline.
"""

from __future__ import annotations

import http
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate

from pytest_goproxy.serving.tcp import CHUNK, Connection

__all__ = ["MAX_HEAD", "Head", "InputLines", "answer", "http_date", "read_head", "split_head"]

#: The longest head read (http.server reads up to 64 KiB too).
MAX_HEAD = 64 * 1024


def split_head(data: bytes) -> tuple[bytes, bytes] | None:
    """``(head, rest)`` at the first blank line (CRLF or bare LF), None if there is none yet."""
    ends = [(i, len(sep)) for sep in (b"\r\n\r\n", b"\n\n") if (i := data.find(sep)) >= 0]
    if not ends:
        return None
    i, n = min(ends)
    return data[:i], data[i + n :]


@dataclass
class Head:
    """A request (or response) head as it came: its lines, and what came after it."""

    #: the bytes before the blank line (all that came, when ``complete`` is False)
    raw: bytes
    #: the bytes after the blank line (the start of a body, or of a tunnel's stream)
    rest: bytes = b""
    #: whether the blank line came (not the end of data, the deadline or the size limit first)
    complete: bool = False
    lines: list[str] = field(default_factory=list)

    @property
    def start_line(self) -> list[str]:
        """The first line's words: ``["CONNECT", "host:443", "HTTP/1.1"]``."""
        return self.lines[0].split() if self.lines else []

    @property
    def header_lines(self) -> list[str]:
        """The header lines as sent (no blank ones)."""
        return [line for line in self.lines[1:] if line.strip()]

    def headers(self) -> dict[str, str]:
        """Header name (lower case) -> value; the last of a repeated name wins."""
        found: dict[str, str] = {}
        for line in self.header_lines:
            name, sep, value = line.partition(":")
            if sep:
                found[name.strip().lower()] = value.strip()
        return found


def read_head(conn: Connection, limit: int = MAX_HEAD) -> Head:
    """Read a head from ``conn`` (see the module docstring)."""
    data = b""
    while split_head(data) is None and len(data) < limit:
        chunk = conn.recv(CHUNK)
        if not chunk:
            break
        data += chunk
    split = split_head(data)
    raw, rest = split if split is not None else (data, b"")
    lines = raw.decode("latin-1").replace("\r\n", "\n").split("\n") if raw else []
    return Head(raw, rest, split is not None, lines)


def answer(conn: Connection, status: int, text: str, *, version: str = "HTTP/1.1") -> bool:
    """A short plain-text answer (no body for an empty ``text``) that closes the connection;
    False if it could not be sent."""
    body = (text + "\n").encode() if text else b""
    phrase = http.HTTPStatus(status).phrase
    head = (
        f"{version} {status} {phrase}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Connection: close\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return conn.sendall(head.encode("latin-1") + body)


_DATE: list[tuple[int, str]] = [(0, "")]


def http_date() -> str:
    """The ``Date`` header's value, made once a second (formatting it was a tenth of the fast
    path's time per answer; nginx caches it the same way)."""
    now = int(time.time())
    second, text = _DATE[0]
    if second != now:
        text = formatdate(now, usegmt=True)
        _DATE[0] = (now, text)
    return text


class InputLines:
    """The line reading WSGI's ``wsgi.input`` must offer (``readline``, ``readlines``,
    iteration), made from a subclass's ``read(size)``: one place for the HTTP/1.1 body reader
    and the HTTP/2 stream's (git's POSTs are read with ``read``; these are for the spec)."""

    def read(self, size: int = -1) -> bytes:
        raise NotImplementedError

    def readline(self, size: int = -1) -> bytes:
        out = bytearray()
        while (size < 0 or len(out) < size) and not out.endswith(b"\n"):
            data = self.read(1)
            if not data:
                break
            out += data
        return bytes(out)

    def readlines(self, hint: int = -1) -> list[bytes]:
        return list(iter(self.readline, b""))

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.readline, b"")

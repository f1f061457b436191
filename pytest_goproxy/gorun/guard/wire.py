"""What the guard reads and writes on the wire: a proxy request's target and token, and a
plain-HTTP request forwarded in origin form (one request per connection, ``Connection: close``).

Heads are read and split by the connection layer (:mod:`pytest_goproxy.serving.http1`).
"""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

from pytest_goproxy.serving.http1 import Head, read_head
from pytest_goproxy.serving.tcp import CHUNK, Connection

__all__ = [
    "HOST_PORT_METHODS",
    "closing_response",
    "forward_response",
    "origin_form",
    "parse_target",
    "routed_port",
    "run_token",
]

#: Methods whose target is ``host:port``: the proxy's ``CONNECT`` and the ssh stub's ``SSH``.
HOST_PORT_METHODS = ("CONNECT", "SSH")


def parse_target(method: str, target: str, headers: dict[str, str]) -> tuple[str, int | None]:
    if method in HOST_PORT_METHODS:
        host, _, port = target.rpartition(":")
        return host.strip("[]").lower(), int(port) if port.isdigit() else None
    if "://" in target:
        parts = urlsplit(target)
        try:
            url_port = parts.port
        except ValueError:
            url_port = None
        return (parts.hostname or "").lower(), url_port
    header = headers.get("host", "")
    host, _, port = header.rpartition(":") if ":" in header else (header, "", "")
    return host.lower(), int(port) if port.isdigit() else None


def routed_port(method: str, target: str, port: int | None) -> int | None:
    """The port a route is looked up for: a ``CONNECT``'s, or a plain-HTTP proxy request's
    (80 by default); None for what is never routed (ssh, a request not meant for a proxy)."""
    if method == "CONNECT":
        return port
    if target.lower().startswith("http://"):
        return 80 if port is None else port
    return None


def run_token(headers: dict[str, str]) -> str | None:
    value = headers.get("proxy-authorization", "")
    scheme, _, data = value.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user = base64.b64decode(data.strip(), validate=True).decode("utf-8", "replace")
    except (ValueError, UnicodeError):
        return None
    return user.partition(":")[0] or None


#: Hop-by-hop headers of a forwarded plain-HTTP request or response (RFC 9110 7.6.1), replaced by
#: ``Connection: close``, and the proxy credentials that name the run, not the request.
HOP_BY_HOP = ("connection", "keep-alive", "proxy-connection", "proxy-authorization")


def without_hop_headers(lines: list[str]) -> list[str]:
    return [ln for ln in lines if ln.partition(":")[0].strip().lower() not in HOP_BY_HOP]


def origin_form(method: str, target: str, version: str, header_lines: list[str]) -> bytes:
    """A proxy request ``GET http://host/p?q`` as the server expects it: ``GET /p?q``, the same
    headers (``Host`` kept, one added if missing) and ``Connection: close``.

    One request per connection: Go sends plain-HTTP requests for several hosts down one proxy
    connection (net/http keys them by proxy alone), so the guard must see each request's head,
    and closing after each response is how it does (HTTP/1.1 allows either side to close)."""
    parts = urlsplit(target)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lines = [f"{method} {path} {version}", *without_hop_headers(header_lines)]
    if not any(ln.partition(":")[0].strip().lower() == "host" for ln in lines[1:]):
        lines.append(f"Host: {parts.netloc.rpartition('@')[2]}")
    return ("\r\n".join([*lines, "Connection: close"]) + "\r\n\r\n").encode("latin-1")


def closing_response(head: Head) -> bytes:
    """The server's response head with ``Connection: close`` (see :func:`origin_form`), and
    what came after it; what came, as it came, when it was no whole head."""
    if not head.complete:
        return head.raw
    lines = [head.lines[0], *without_hop_headers(head.lines[1:]), "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + head.rest


def forward_response(upstream: Connection, client: Connection) -> None:
    """Copy a forwarded plain request's response to the client, its head with
    ``Connection: close`` (see :func:`origin_form`), then end the client's side."""
    if client.sendall(closing_response(read_head(upstream))):
        while data := upstream.recv(CHUNK):
            if not client.sendall(data):
                break

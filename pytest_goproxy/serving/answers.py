"""Answers the way Go's net/http writes them, for every fake server of the package.

go prints what a server sends: the status line in its errors (``reading <url>: 404 Not Found``)
and, for a text body, its first lines after ``server response:``. werkzeug would write ``404 NOT
FOUND``; Go servers write ``http.StatusText`` (``404 Not Found``). A plain miss is answered as
``http.NotFound`` answers it (``404 page not found``), which is what cmd/go's test proxy sends
and what cmd/go's own test scripts match; why it was a miss goes in the ``X-Goproxy-Reason``
header (go ignores it; a person with curl, or a test, can read it).
"""

from __future__ import annotations

import http

from werkzeug.wrappers import Response

__all__ = ["NOT_FOUND_BODY", "REASON_HEADER", "not_found", "status_line", "text_answer"]

#: The body of Go's ``http.NotFound``.
NOT_FOUND_BODY = "404 page not found\n"
#: Where a miss says why (never seen by go).
REASON_HEADER = "X-Goproxy-Reason"
_TEXT = "text/plain; charset=utf-8"
_MAX_REASON = 512


def status_line(code: int) -> str:
    """``502 Bad Gateway`` (Go's ``http.StatusText``), ``599 Error`` for a code it lacks."""
    try:
        return f"{code} {http.HTTPStatus(code).phrase}"
    except ValueError:
        return f"{code} Error"


def text_answer(status: int, body: str, headers: dict[str, str] | None = None) -> Response:
    """A ``text/plain; charset=utf-8`` answer with Go's status line, as ``http.Error`` writes
    one (with ``X-Content-Type-Options: nosniff``)."""
    all_headers = {"X-Content-Type-Options": "nosniff", **(headers or {})}
    return Response(body, status=status_line(status), headers=all_headers, content_type=_TEXT)


def not_found(reason: str) -> Response:
    """Go's ``http.NotFound`` answer, with ``reason`` in :data:`REASON_HEADER` (printable ASCII
    only, at most 512 characters: a header must not carry what a request path may hold, a NUL
    made clients refuse the whole answer)."""
    ascii_only = reason.encode("ascii", "backslashreplace").decode()
    safe = "".join(c if " " <= c <= "~" else " " for c in ascii_only)  # no NUL, CR, LF, DEL
    if len(safe) > _MAX_REASON:
        safe = safe[: _MAX_REASON - 3] + "..."
    return text_answer(404, NOT_FOUND_BODY, {REASON_HEADER: safe})

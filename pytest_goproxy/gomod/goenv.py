"""GOPROXY as cmd/go reads it (cmd/go/internal/modfetch/proxy.go ``proxyList``), in one place.

A GOPROXY value is a list of entries, each followed by ``,`` (go falls back to the next entry
only when this one answers 404 or 410) or ``|`` (go falls back on any error). Like cmd/go:

* the separator that decides an entry's fallback is the one *after* it, and the last entry has
  none (a trailing ``,`` or ``|`` changes nothing);
* entries are trimmed and empty ones skipped (``a,,b`` is ``a,b``);
* ``direct`` and ``off`` end the list: go never reads what follows them.

:func:`split_goproxy` applies only those rules, so it also reads our configuration templates
(``{primary},direct``) and rendered environments. :func:`parse_goproxy` adds what go checks of a
user's value (a bare host gets ``https://``; only http, https and file URLs, with a host) and
raises :class:`~pytest_goproxy.errors.ProbeError`, the error for go settings that cannot be used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from pytest_goproxy.errors import ProbeError

__all__ = ["ProxyEntry", "Separator", "parse_goproxy", "split_goproxy"]

#: ``,`` (fall back only on 404/410), ``|`` (fall back on any error), ``""`` (the last entry).
Separator = Literal[",", "|", ""]


@dataclass(frozen=True)
class ProxyEntry:
    """One GOPROXY entry: ``url`` (or ``direct`` / ``off``) and the separator after it.

    ``sep`` is ``,`` (fall back only on 404/410), ``|`` (fall back on any error) or ``""`` for
    the last entry; like cmd/go, ``fall_back_on_error`` is decided by the separator *after* it.
    """

    url: str
    sep: Separator = ""

    @property
    def fall_back_on_error(self) -> bool:
        return self.sep == "|"

    @property
    def is_proxy(self) -> bool:
        return self.url not in ("direct", "off")


def split_goproxy(value: str) -> list[ProxyEntry]:
    """The entries go reads from ``value``, as written: separators, skipping and the end of the
    list at ``direct``/``off`` as ``proxyList`` does them, with no check of the URLs."""
    entries: list[ProxyEntry] = []
    rest = value
    while rest:
        cut = min((i for i in (rest.find(","), rest.find("|")) if i >= 0), default=-1)
        sep: Separator = ""
        if cut >= 0:
            url, sep, rest = rest[:cut], "," if rest[cut] == "," else "|", rest[cut + 1 :]
        else:
            url, rest = rest, ""
        url = url.strip()
        if not url:
            continue
        if url in ("off", "direct"):
            entries.append(ProxyEntry(url, ""))
            break
        entries.append(ProxyEntry(url, sep))
    if entries and entries[-1].sep:
        entries[-1] = ProxyEntry(entries[-1].url, "")
    return entries


def parse_goproxy(value: str) -> list[ProxyEntry]:
    """GOPROXY as cmd/go's ``proxyList`` reads it; :class:`ProbeError` for what go rejects.

    Empty entries are skipped, ``direct`` and ``off`` end the list (later entries are ignored
    by go), a bare host gets ``https://``, and only http, https and file URLs are allowed.
    """
    entries: list[ProxyEntry] = []
    for entry in split_goproxy(value):
        url = entry.url
        if not entry.is_proxy:
            entries.append(entry)
            continue
        if any(c in url for c in ".:/") and ":/" not in url and not url.startswith("/"):
            url = "https://" + url
        scheme = urlsplit(url).scheme
        if scheme == "":
            raise ProbeError(f"GOPROXY={value!r}: invalid proxy URL missing scheme: {url}")
        if scheme not in ("http", "https", "file"):
            raise ProbeError(
                f"GOPROXY={value!r}: invalid proxy URL scheme (must be https, http, file): {url}"
            )
        if scheme != "file" and not urlsplit(url).hostname:
            raise ProbeError(f"GOPROXY={value!r}: proxy URL without a host: {url}")
        entries.append(ProxyEntry(url.rstrip("/"), entry.sep))
    if not entries:
        raise ProbeError(
            f"GOPROXY={value!r}: the list is not the empty string, but contains no entries "
            "(go says the same); e.g. GOPROXY=https://proxy.golang.org,direct"
        )
    return entries

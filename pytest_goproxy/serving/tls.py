"""The session's test certificate authority: HTTPS for every fake server, trusted by every go run.

Real module proxies and checksum databases speak HTTPS, and real networks break TLS in ways plain
HTTP cannot show (an intercepting firewall's CA, an expired certificate, a stalled handshake). One
CA per Python process (trustme, made at first use, ECDSA keys: a few milliseconds) signs the
certificate of every HTTPS fake; the hermetic go environment points ``SSL_CERT_FILE`` (and git's
and curl's variables) at :meth:`SessionCA.bundle`, a PEM file holding that CA alone while the
network guard is on, so nothing but our servers can be trusted.

:func:`foreign_ca` is a second, unrelated CA: the corporate firewall's, for the ``intercepted``
fault (a certificate for the right host, from an authority go does not trust) and for the
``corporate_ca`` configuration, which trusts it as people do when they meet that firewall.
"""

from __future__ import annotations

import atexit
import datetime
import functools
import ssl
import threading
from collections.abc import Sequence
from pathlib import Path

import trustme

from pytest_goproxy.lifecycle import remove_temp_dir, temp_dir

__all__ = [
    "ALPN_HTTP2",
    "LOOPBACK_NAMES",
    "SessionCA",
    "corporate_bundle",
    "foreign_ca",
    "named_context",
    "server_context",
    "session_ca",
    "system_roots_file",
]

#: What an HTTPS fake offers by ALPN: HTTP/2 first, as proxy.golang.org and every CDN do.
ALPN_HTTP2: tuple[str, ...] = ("h2", "http/1.1")
#: What a fake server's certificate covers: every name go may use for this machine.
LOOPBACK_NAMES: tuple[str, ...] = ("127.0.0.1", "::1", "localhost")

_lock = threading.Lock()
_dir: Path | None = None


def _files_dir() -> Path:
    """One temp dir per process for the PEM bundles (removed at exit, or by the watchdog)."""
    global _dir
    with _lock:
        if _dir is None:
            _dir = temp_dir("pytest-goproxy-tls-")
            atexit.register(remove_temp_dir, _dir)
        return _dir


def system_roots_file() -> Path | None:
    """The system's CA bundle (OpenSSL's default ``cafile``, else Debian's and Red Hat's
    usual places), or None when there is none."""
    paths = ssl.get_default_verify_paths()
    candidates = [
        paths.cafile,
        paths.openssl_cafile,
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


class SessionCA:
    """A test CA (trustme) with the files and contexts the fakes and go runs need."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.ca = trustme.CA(organization_name=f"pytest-goproxy {name}")
        self._lock = threading.Lock()
        self._bundles: dict[bool, Path] = {}

    @property
    def pem(self) -> bytes:
        """The CA certificate, PEM: what a client adds to trust this CA."""
        return self.ca.cert_pem.bytes()

    def issue(
        self,
        *hosts: str,
        not_before: datetime.datetime | None = None,
        not_after: datetime.datetime | None = None,
    ) -> trustme.LeafCert:
        """A server certificate for ``hosts`` (default: :data:`LOOPBACK_NAMES`), valid from
        ``not_before`` to ``not_after`` (default: now, a year; past dates make an expired one)."""
        return self.ca.issue_cert(
            *(hosts or LOOPBACK_NAMES), not_before=not_before, not_after=not_after
        )

    def server_context(
        self,
        *hosts: str,
        not_before: datetime.datetime | None = None,
        not_after: datetime.datetime | None = None,
        http2: bool = False,
    ) -> ssl.SSLContext:
        """A server ``SSLContext`` presenting a certificate of this CA for ``hosts`` (default:
        :data:`LOOPBACK_NAMES`); made once per set of arguments. ``http2`` offers ``h2`` and
        ``http/1.1`` by ALPN, as real proxies do (a client that picks ``h2`` is served
        HTTP/2); without it no ALPN protocol is offered and clients speak HTTP/1.1."""
        alpn = ALPN_HTTP2 if http2 else ()
        return _server_context(self, tuple(hosts or LOOPBACK_NAMES), not_before, not_after, alpn)

    def client_context(self) -> ssl.SSLContext:
        """A client ``SSLContext`` trusting this CA alone (for httpx, urllib, a relay)."""
        ctx = ssl.create_default_context(purpose=ssl.Purpose.SERVER_AUTH, cafile=None)
        ctx.load_verify_locations(cadata=self.pem.decode())
        return ctx

    def bundle(self, *, system_roots: bool = False) -> Path:
        """A PEM file for ``SSL_CERT_FILE``: this CA, and with ``system_roots`` the system's
        trusted roots after it (a run without the network guard reaches real servers)."""
        with self._lock:
            path = self._bundles.get(system_roots)
            if path is not None:
                return path
            text = self.pem
            roots = system_roots_file() if system_roots else None
            if roots is not None:
                text += b"\n" + roots.read_bytes()
            suffix = "-with-system-roots" if system_roots else ""
            path = _files_dir() / f"{self.name}-ca{suffix}.pem"
            path.write_bytes(text)
            self._bundles[system_roots] = path
            return path

    def __repr__(self) -> str:
        return f"<SessionCA {self.name}>"


@functools.lru_cache(maxsize=64)
def _server_context(
    ca: SessionCA,
    hosts: tuple[str, ...],
    not_before: datetime.datetime | None,
    not_after: datetime.datetime | None,
    alpn: tuple[str, ...],
) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue(*hosts, not_before=not_before, not_after=not_after).configure_cert(ctx)
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    return ctx


def server_context(
    tls: bool | ssl.SSLContext, *, http2: bool = True, names: Sequence[str] = ()
) -> ssl.SSLContext | None:
    """What a fake server's ``tls=`` argument means: False plain HTTP, True a session-CA
    certificate for ``names`` (the host names go reaches it by: ``goproxy.cn``, an origin's
    hosts) and :data:`LOOPBACK_NAMES` (offering ``h2`` by ALPN unless ``http2`` is False), a
    context itself (its own ALPN protocols decide: HTTP/2 is served when a client picks
    ``h2``)."""
    if isinstance(tls, ssl.SSLContext):
        return tls
    return named_context(*names, http2=http2) if tls else None


def named_context(*names: str, http2: bool = True) -> ssl.SSLContext:
    """A session-CA server context for ``names`` and :data:`LOOPBACK_NAMES`: what a fake
    served under a host name presents (go reaches it by that name, a test by address)."""
    return session_ca().server_context(*names, *LOOPBACK_NAMES, http2=http2)


_cas: dict[str, SessionCA] = {}
_corporate: Path | None = None


def _ca(name: str) -> SessionCA:
    # Under the lock: two threads starting the first HTTPS servers of a matrix at once must
    # get the same CA (functools.lru_cache may call the function twice), or one server's
    # certificate comes from a CA the bundle go trusts does not hold.
    with _lock:
        ca = _cas.get(name)
        if ca is None:
            ca = _cas[name] = SessionCA(name)
        return ca


def session_ca() -> SessionCA:
    """The CA every HTTPS fake of this process uses and every hermetic go run trusts."""
    return _ca("session")


def foreign_ca() -> SessionCA:
    """Another CA, which go does not trust: the intercepting firewall's."""
    return _ca("firewall")


def corporate_bundle() -> Path:
    """What people put in ``SSL_CERT_FILE`` when a firewall intercepts HTTPS: the CAs they
    trusted before (here the session CA) plus the firewall's (:func:`foreign_ca`)."""
    global _corporate
    pem = session_ca().pem + b"\n" + foreign_ca().pem
    directory = _files_dir()
    with _lock:
        if _corporate is None:
            path = directory / "corporate-ca.pem"
            path.write_bytes(pem)
            _corporate = path
        return _corporate

"""What went wrong in a ``go`` run, recognised from the error text Go really prints.

Go has no machine-readable error output for module fetching, so :func:`classify` reads stderr. The
texts come from these places in the Go sources (checked against go1.26; the tests replay texts
recorded from real runs):

* cmd/go/internal/web/api.go ``HTTPError.Error``: ``reading URL: 404 Not Found`` and, when the
  server sent a short text body, ``\\n\\tserver response: ...``. Go treats only 404 and 410 as
  "does not exist" (``HTTPError.Is``); everything else is an outage to it.
* net/http (client.go, transport.go): ``Get "URL": <net error>`` for dial/request errors,
  ``proxyconnect tcp: ...`` when the proxy itself is unreachable, just the reason phrase
  (``Get "URL": Forbidden``) when a proxy refuses ``CONNECT`` (the network guard does: that is
  HTTP_STATUS 403 here, and :class:`~pytest_goproxy.gorun.result.GoResult` tells it apart
  through ``escapes``), and ``Get "URL": stopped after 10 redirects``.
* net (dial.go, dnsclient_unix.go, net.go): ``dial tcp H:P: connect: connection refused``,
  ``lookup H on S: no such host`` / ``server misbehaving``, ``i/o timeout``.
* crypto/tls and crypto/x509 (verify.go), for an ``https://`` URL: ``tls: failed to verify
  certificate: x509: <why>`` wraps ``certificate signed by unknown authority``
  (``UnknownAuthorityError``), ``certificate has expired or is not yet valid: current time T is
  after T'`` (``CertificateInvalidError``) and the ``HostnameError`` texts ``certificate is valid
  for N, not H``, ``cannot validate certificate for IP because it doesn't contain any IP SANs``,
  ``certificate is not valid for any names``; ``tls: first record does not look like a TLS
  handshake`` for a peer that is no TLS server. net/http transport.go: ``net/http: TLS handshake
  timeout`` (``TLSHandshakeTimeout``, 10 s in cmd/go's client) and ``http: server gave HTTP
  response to HTTPS client`` (the first record began ``HTTP/``). :class:`TLSProblem` names which;
  the network catalogue's TLS faults (network/faults.py) make each one through a real middlebox.
* cmd/go/internal/modfetch/proxy.go: ``invalid response from proxy "URL": <json error>`` and
  ``read "URL": unexpected EOF`` (a body shorter than its Content-Length); archive/zip: ``zip: not
  a valid zip file``, ``zip: checksum error``; compress/flate: ``flate: corrupt input before
  offset N``.
* cmd/go/internal/modfetch/fetch.go: ``verifying M@V: checksum mismatch`` + ``SECURITY ERROR``;
  ``verifying module: ...`` / ``verifying go.mod: ...`` wrap checksum-database errors
  (modfetch/sumdb.go), ``invalid GOSUMDB: ...``.
* cmd/go/internal/modfetch/repo.go: ``module lookup disabled by GOPROXY=off``.
* cmd/go/internal/gover and toolchain: ``go.mod requires go >= 1.99 (running go 1.26.8;
  GOTOOLCHAIN=local)``; Go before 1.21 said ``note: module requires Go 1.99``.
* git, for a direct VCS fetch (go prints its stderr): curl's ``fatal: unable to access 'URL':
  CONNECT tunnel failed, response 403`` (older curl: ``Received HTTP code 403 from proxy after
  CONNECT``) when a proxy, such as the network guard, refuses ``CONNECT``, and ``The
  requested URL returned error: 404`` (``error: RPC failed; HTTP 404`` once a fetch is under
  way) for a server's status: HTTP_STATUS or NOT_FOUND with that code. The guard's ssh stub says
  ``network guard: refused SSH host:22``: REFUSED. git's transport and TLS texts are below.
* cmd/go/internal/vcs/vcs.go: ``PATH: no secure protocol found for repository`` (``no protocol``
  with GOINSECURE) when every scheme go tried failed; go hides why (``-v`` shows git's output),
  so it stays UNKNOWN, with ``host`` the first element of the path.

Refused by a rule or for want of credentials (measured with go1.26.8 and git 2.39.5 against a
FakeOrigin, tests/origin/test_vcs_rules.py):

* AUTH: the repository wants credentials git does not have, or refused the ones it had. git
  2.3+ with ``GIT_TERMINAL_PROMPT=0`` (the runner's, and what go sets when it is unset):
  ``fatal: could not read Username for 'https://corp.example': terminal prompts disabled``;
  with prompts allowed but no terminal (a go run has none): ``... for 'URL': No such device or
  address``; wrong credentials (a credential helper's): ``remote: 401 Unauthorized`` (the 401's
  body) then ``fatal: Authentication failed for 'https://corp.example/lib/'``. go adds ``Confirm
  the import path was entered correctly.`` and its FAQ link (``If this is a private repository,
  see https://golang.org/doc/faq#git_https ...``) after a prompt failure: the reported ``line``
  is git's, and ``url``/``host`` come from git's URL. From ssh's sources, not measured (the
  network guard refuses ssh): ``git@H: Permission denied (publickey).``. A *status* 401 or 403
  (a GOPROXY's ``reading URL: 401 Unauthorized``, curl's ``The requested URL returned error:
  403``) stays HTTP_STATUS: go's ``,`` and ``|`` react to the status, and ``status_code`` is
  what users read; AUTH is git's own words, which carry no status.
* POLICY: a local rule refused the fetch, before or instead of any connection (no fault of the
  network or of a server, and no retry helps): vcs.go ``checkGOVCS``'s ``unrecognized import
  path "corp.example/lib": GOVCS disallows using git for private corp.example/lib; see 'go help
  vcs'`` (``host`` is the first element of the repository root; go read the meta tag, then ran
  no git), and git's protocol allow-list (``GIT_ALLOW_PROTOCOL``, which the runner sets to
  ``https:ssh:git+ssh``, or ``protocol.<name>.allow``; transport.c): ``fatal: transport 'http'
  not allowed`` (``url``/``host`` from the ``git ls-remote ... URL in DIR`` go ran, when it
  names one). git's documentation calls these allow-lists a policy, hence the name; GOPROXY=off
  is such a rule too, but keeps PROXY_OFF, its older and more telling name.

An origin behind a faulty network (tests/origin/test_origin_faults.py measures each fault with
go1.26.8 and git 2.39.5 on libcurl-gnutls 7.88.1, through a real toxiproxy in front of a
FakeOrigin). go fetches the ``?go-get=1`` page itself first, so a fault on the whole origin is
met by net/http and reads as above (``https fetch: Get "https://corp.example/lib?go-get=1":
EOF`` for ``reset``, ``unexpected EOF`` for ``truncate``, the ``x509:`` texts for the TLS
faults). When only the git host is faulty (a vanity name serving the page, the repository
elsewhere) go prints git's stderr under ``invalid version: git ls-remote ... exit status 128:``
or ``git fetch ...``, and these are curl's and git's texts:

* ``reset``: ``gnutls_handshake() failed: The TLS connection was non-properly terminated.``:
  RESET (closed before any answer, what go calls ``Get URL: EOF``);
* ``truncate`` cutting the handshake: ``gnutls_handshake() failed: Error decoding the received
  TLS packet.``: TRUNCATED (a TLS record cut short; go says ``unexpected EOF``);
* ``truncate`` cutting the pack: ``error: RPC failed; curl 56 GnuTLS recv error (-9): Error
  decoding the received TLS packet.``, then ``error: N bytes of body are still expected``,
  ``fetch-pack: unexpected disconnect while reading sideband packet`` and ``fatal: early EOF``
  (or ``fatal: protocol error: bad pack header``): TRUNCATED;
* ``intercepted`` and ``expired_cert``: ``server certificate verification failed. CAfile: F
  CRLfile: none``: TLS with ``tls_problem`` OTHER (GnuTLS's curl does not say why: an unknown CA
  and an expired certificate read the same);
* ``wrong_host``: ``SSL: certificate subject name () does not match target host name
  'git.corp.example'``: TLS, WRONG_HOST;
* ``plain_http``: ``gnutls_handshake() failed: An unexpected TLS packet was received.``: TLS,
  NOT_TLS;
* ``blackhole`` and ``tls_stall``: nothing, ever: git has no timeout of its own (curl's connect
  timeout, which covers the handshake, is 300 s), so the run hangs until the runner's timeout.
  go's own meta fetch under them gives up after net/http's 10 s ``TLS handshake timeout``
  (DIAL_TIMEOUT), as toxiproxy's blackhole swallows the ClientHello.

curl built with OpenSSL (macOS, Fedora, Alpine's git) says the same things in other words; these
come from curl's sources (lib/vtls/openssl.c, lib/vtls/gtls.c) and are classified alike without
having been measured here: ``SSL certificate problem: unable to get local issuer certificate`` /
``self-signed certificate in certificate chain`` (UNKNOWN_AUTHORITY), ``SSL certificate
problem: certificate has expired`` (EXPIRED), ``SSL: no alternative certificate subject name
matches target host name 'H'`` (WRONG_HOST), ``SSL routines::wrong version number`` (NOT_TLS),
``OpenSSL SSL_connect: SSL_ERROR_SYSCALL`` and ``Recv failure: Connection reset by peer``
(RESET), ``unexpected eof while reading`` and ``curl 18 transfer closed with outstanding read
data remaining`` (TRUNCATED), ``Could not resolve host: H`` (DNS). git's own ``early EOF``,
``unexpected disconnect while reading sideband packet`` and ``the remote end hung up
unexpectedly`` are TRUNCATED only when nothing more specific is in the text (git also prints the
last after an HTTP error status, which then wins).

An origin behind a corporate HTTP proxy that cannot reach it
    go and git never see the origin's own failure, only the proxy's answer to ``CONNECT``: go
    prints the reason phrase alone (``https fetch: Get "https://corp.example/lib?go-get=1": Bad
    Gateway``, ``Service Unavailable``, ``Gateway Timeout``; net/http keeps nothing else of a
    refused ``CONNECT``), git (curl) ``fatal: unable to access 'https://git.corp.example/lib/':
    CONNECT tunnel failed, response 502`` (``503``, ``504``). That is HTTP_STATUS with the code,
    because an HTTP status is what go got; ``cause`` names the transport failure the proxy's
    status stands for: 502 REFUSED, 503 DNS, 504 DIAL_TIMEOUT (:data:`PROXY_CONNECT_CAUSES`).
    Proxies do not agree on these numbers (Squid answers 503 for ``ERR_DNS_FAIL`` and for
    ``ERR_CONNECT_FAIL`` alike and 504 for a connect timeout; nginx- and Apache-style gateways
    502 for a refused connection and for a name that does not resolve), so the cause is the
    network guard's convention, which plays ``refused`` as 502 (the gateway's answer) and
    ``dns`` as 503 (Squid's ``ERR_DNS_FAIL``), and a reading, not a fact: ``status_code`` is
    the fact. A 403 (the guard's refusal of a host that is not routed) and any other status get
    no cause. A server's own 502 (``reading URL: 502 Bad Gateway``) gets none either: it
    answered.

Rules are tried in a fixed priority order on the whole text and the first that matches wins:
toolchain, checksum mismatch, checksum database, GOPROXY=off, then the transport (TLS handshake
timeout, TLS, DNS, refused, timeout, reset, truncated), then an invalid body, then HTTP status,
then git's own words for a cut transfer (``early EOF``...), then "no such version", then
missing or refused credentials (AUTH), then ``no secure protocol found`` (UNKNOWN with its
host), then a local rule (POLICY). AUTH and POLICY come late because their words also turn up
as by-products of go trying alternatives: ``go -v`` shows the output of go's scheme pings
(``git ls-remote git://...``: ``transport 'git' not allowed`` on the way to an ssh attempt the
network guard refuses), and ``go mod tidy`` reports GOVCS's refusal of the hg, svn... modules
next to the git one whose fetch the test is about; whatever else failed says more.
So a wrapped error is named by what the go command was doing (``SUMDB``, ``TOOLCHAIN``) and
:attr:`Classification.cause` tells the network failure inside it.

:attr:`Classification.tls_problem` says which TLS problem it was, whether TLS is the failure or the
cause under ``SUMDB``/``TOOLCHAIN``. It is a field of its own rather than a finer ``cause``:
``cause`` is a :class:`Failure` (what a ``|`` list, a retry or a user reacts to), and a TLS problem
is a detail of one of them, which a test asserts when the kind of certificate trouble matters.

``net/http: TLS handshake timeout`` is ``DIAL_TIMEOUT`` with ``tls_problem`` ``HANDSHAKE_TIMEOUT``,
not ``TLS``: no certificate was refused, the connection was not set up in time (net/http counts
the handshake as part of dialling), it costs the same wait on every request as a dropped SYN,
and trusting a CA cannot fix it, while every ``TLS`` failure is an answer about trust or
protocol that comes at once.
"""

from __future__ import annotations

import dataclasses
import enum
import http
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["PROXY_CONNECT_CAUSES", "Classification", "Failure", "TLSProblem", "classify"]


class Failure(enum.Enum):
    """Kinds of failure of a ``go`` command, each recognised from Go's own error text."""

    DNS = "dns"
    """The host name did not resolve: ``no such host``, ``server misbehaving``, lookup timeout."""
    REFUSED = "refused"
    """Nothing listens: ``connect: connection refused``; or the address cannot be reached from
    here, and go fails at once as for a refusal: ``connect: network is unreachable`` (no route
    to it, as for an IPv6-only name on an IPv4-only host) or ``connect: cannot assign requested
    address`` (no address of that family at all); both measured with go1.26.8 in
    tests/network/test_resolver_faults.py."""
    DIAL_TIMEOUT = "dial_timeout"
    """The connection was not established in time: ``dial tcp ...: i/o timeout``,
    ``connection timed out``, ``net/http: TLS handshake timeout`` (then ``tls_problem`` is
    ``HANDSHAKE_TIMEOUT``; why it is no ``TLS``: see the module docstring)."""
    RESET = "reset"
    """The peer dropped the connection: ``connection reset by peer``, ``broken pipe``, or
    ``Get "URL": EOF`` (closed before any response); over HTTP/2, the server reset the stream
    or sent GOAWAY and closed the connection before the answer's headers (``Get "URL": stream
    error: stream ID 1; INTERNAL_ERROR; received from peer``, ``http2: server sent GOAWAY and
    closed the connection; LastStreamID=1, ErrCode=NO_ERROR``; ``h2_error`` has the code)."""
    TRUNCATED = "truncated"
    """A response cut short: ``unexpected EOF`` (body shorter than Content-Length), malformed
    chunked encoding; over HTTP/2, a stream reset or a GOAWAY-and-close in the middle of the
    body (``read "URL": stream error: stream ID 5; INTERNAL_ERROR; received from peer``, which
    go never retries; ``h2_error`` has the code)."""
    TLS = "tls"
    """The TLS handshake failed: ``tls: ...``, ``x509: ...`` (unknown CA, expired, wrong name), a
    plain HTTP server behind an ``https://`` URL; ``tls_problem`` says which."""
    HTTP_STATUS = "http_status"
    """The server answered with an error status other than 404/410 (5xx, 403, 429...);
    ``status_code`` has it. When it is a proxy's 502/503/504 for a ``CONNECT`` it could not
    carry out (an origin it cannot reach), ``cause`` says what that status stands for (see
    :data:`PROXY_CONNECT_CAUSES`)."""
    NOT_FOUND = "not_found"
    """404 or 410, which Go takes as "this module or version does not exist"
    (cmd/go/internal/web ``HTTPError.Is``), or an empty version list."""
    AUTH = "auth"
    """The repository wants credentials git could not get or refused those it had: ``could not
    read Username for 'URL': terminal prompts disabled`` (or ``No such device or address``:
    no terminal), ``Authentication failed for 'URL'``, ssh's ``Permission denied
    (publickey)``; ``url``/``host`` are git's. A bare 401/403 status stays HTTP_STATUS."""
    CHECKSUM_MISMATCH = "checksum_mismatch"
    """``checksum mismatch`` / ``SECURITY ERROR``: downloaded bits differ from go.sum or from
    the checksum database."""
    SUMDB = "sumdb"
    """The checksum database could not be consulted (``verifying module: ...``,
    ``invalid GOSUMDB``, a misbehaving database); ``cause`` says why."""
    PROXY_OFF = "proxy_off"
    """``module lookup disabled by GOPROXY=off``: go needed the network but may not use it."""
    POLICY = "policy"
    """A local rule refused the fetch, no network involved: ``GOVCS disallows using git for
    ...`` (``host`` from the module path), git's ``transport 'http' not allowed``
    (``GIT_ALLOW_PROTOCOL``, ``protocol.<name>.allow``)."""
    INVALID_RESPONSE = "invalid_response"
    """An answer go cannot use: bad JSON for ``.info``/``@latest``, a ``.zip`` that is not a zip
    or is damaged (``zip: checksum error``, ``flate: corrupt input``), a ``.mod`` for another
    module, a redirect loop (``stopped after 10 redirects``), HTTP/2 frames that break the
    protocol (go resets the stream itself: ``stream error: stream ID 1; PROTOCOL_ERROR``)."""
    TOOLCHAIN = "toolchain"
    """The module needs a newer Go than the one running with ``GOTOOLCHAIN=local``, or a
    toolchain switch failed."""
    UNKNOWN = "unknown"
    """The command failed and none of the above was recognised."""


class TLSProblem(enum.Enum):
    """Which TLS problem go reported, each from its own text (see the module docstring)."""

    UNKNOWN_AUTHORITY = "unknown_authority"
    """``x509: certificate signed by unknown authority``: no trusted CA signed the certificate,
    as behind an intercepting firewall whose CA ``SSL_CERT_FILE`` lacks."""
    EXPIRED = "expired"
    """``x509: certificate has expired or is not yet valid``."""
    WRONG_HOST = "wrong_host"
    """The certificate does not name the host of the URL: ``x509: certificate is valid for N,
    not H``, ``... doesn't contain any IP SANs``, ``... is not valid for any names``."""
    HANDSHAKE_TIMEOUT = "handshake_timeout"
    """``net/http: TLS handshake timeout``: the peer did not finish the handshake within 10 s
    (the failure is then ``DIAL_TIMEOUT``)."""
    NOT_TLS = "not_tls"
    """The peer does not speak TLS: ``http: server gave HTTP response to HTTPS client`` (it
    answered plain HTTP) or ``tls: first record does not look like a TLS handshake``."""
    OTHER = "other"
    """Another ``tls:``/``x509:`` error (a TLS alert from the server, a bad signature...), or a
    refused certificate whose reason the TLS library does not tell (curl with GnuTLS, as
    Debian's and Ubuntu's git use it: ``server certificate verification failed. CAfile: ...``,
    for an unknown CA and an expired certificate alike); the text is in ``line``."""


@dataclass(frozen=True)
class Classification:
    """The failure named by a stderr text, and where it happened when Go says so."""

    failure: Failure
    url: str | None = None
    host: str | None = None
    status_code: int | None = None
    #: for SUMDB and TOOLCHAIN the network failure underneath; for an HTTP_STATUS that is a
    #: proxy's refused ``CONNECT`` (502, 503, 504) the failure that status stands for
    cause: Failure | None = None
    line: str | None = None
    #: which TLS problem, when the failure or its ``cause`` is ``TLS`` or a TLS handshake timeout
    tls_problem: TLSProblem | None = None
    #: for TOOLCHAIN, the toolchain go wanted: ``go1.99.0`` (see :func:`_toolchain_named`)
    toolchain: str | None = None
    #: the HTTP/2 error code go reported (``INTERNAL_ERROR``, ``NO_ERROR`` of a GOAWAY,
    #: ``PROTOCOL_ERROR``...), when the failure happened on an HTTP/2 stream or connection
    h2_error: str | None = None


_F = Failure
_TOOLCHAIN = re.compile(
    r"requires go >= \S+ \(running go \S+|module requires Go \d|go: download go\d\S*:"
    r"|toolchain not available|invalid toolchain|GOTOOLCHAIN=\S+: (?:invalid|unknown)"
    r"|cannot find \"go\d[^\"]*\" in PATH"
)
#: Where go names the toolchain it wanted (select.go ``Exec``, gover's ``TooNewError``), measured
#: with go1.26.8 (tests/gorun/test_toolchain_real.py): ``go: download go1.99.0 for linux/amd64:
#: toolchain not available`` (the proxy's 404/410, GOPROXY=off), ``go: download go1.99.0:
#: golang.org/toolchain@v0.0.1-go1.99.0.linux-amd64: verifying module: checksum database
#: disabled by GOSUMDB=off``, ``go: download go1.99.0: ...: reading URL: 504 Gateway Timeout``,
#: ``go: go.mod requires go >= 1.99.0 (running go 1.26.8; GOTOOLCHAIN=local)``, ``go: cannot
#: find "go1.99.0" in PATH`` (GOTOOLCHAIN=path).
_TOOLCHAIN_NAME = re.compile(
    r"go: download (go\S+?)(?: for \S+)?:|requires go >= (\S+) \(running go"
    r"|cannot find \"(go[^\"]+)\" in PATH|invalid toolchain: (go\S+) is a language version"
)
_SUMDB_MISBEHAVIOR = re.compile(r"server misbehavior|verifying tree|inconsistent tree")
_CHECKSUM = re.compile(r"SECURITY ERROR|checksum mismatch")
_SUMDB = re.compile(
    r"verifying (?:module|go\.mod): |invalid GOSUMDB|checksum database|malformed verifier id"
)
_PROXY_OFF = re.compile(r"disabled by GOPROXY=off")
#: A local rule that refused the fetch: go's GOVCS check (vcs.go ``checkGOVCS``; group 1 is the
#: repository root) and git's protocol allow-list (transport.c ``transport_check_allowed``).
_POLICY = re.compile(
    r"GOVCS disallows using \S+ for (?:private|public) (\S+);|\btransport '[^']+' not allowed"
)
#: The URL of the git command go ran (``git ls-remote -q --end-of-options URL in DIR``), which
#: git's own refusal of its transport does not repeat.
_GIT_COMMAND_URL = re.compile(r"\bgit [a-z-]+ (?:-\S+ )*(\w+://\S+) in ")
#: git's words for credentials it could not get (no prompt, no terminal) or that were refused;
#: ssh's refusal of every key.
_AUTH = re.compile(
    r"could not read (?:Username|Password) for '[^']+'|Authentication failed for '[^']+'"
    r"|\S+: Permission denied \(publickey"
)

#: Each TLS problem, the failure it is, and its texts; tried in order, before the other transport
#: rules (a TLS error may quote a network error, never the other way round).
_TLS: tuple[tuple[TLSProblem, Failure, re.Pattern[str]], ...] = (
    (TLSProblem.HANDSHAKE_TIMEOUT, _F.DIAL_TIMEOUT, re.compile(r"TLS handshake timeout")),
    (
        TLSProblem.UNKNOWN_AUTHORITY,
        _F.TLS,
        re.compile(
            r"certificate signed by unknown authority"
            # curl with OpenSSL (X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, self-signed...)
            r"|SSL certificate problem: (?:unable to get (?:local )?issuer certificate"
            r"|self[- ]signed certificate)"
        ),
    ),
    (
        TLSProblem.EXPIRED,
        _F.TLS,
        re.compile(
            r"\bx509: certificate has expired or is not yet valid"
            r"|SSL certificate problem: certificate (?:has expired|is not yet valid)"
            # curl with GnuTLS, when verification itself is off but dates are checked
            r"|server certificate (?:expiration date has passed|activation date is in the future)"
        ),
    ),
    (
        TLSProblem.WRONG_HOST,
        _F.TLS,
        re.compile(
            r"\bx509: (?:certificate is valid for \S.* not \S|certificate is not valid for any "
            r"names|cannot validate certificate for \S+ because it doesn't contain any IP SANs)"
            # curl: GnuTLS (measured) and OpenSSL say the certificate's names do not match
            r"|SSL: (?:certificate subject name .* does not match|no alternative certificate "
            r"subject name matches) target host name"
        ),
    ),
    (
        TLSProblem.NOT_TLS,
        _F.TLS,
        re.compile(
            r"server gave HTTP response to HTTPS client"
            r"|\btls: first record does not look like a TLS handshake"
            # curl: GnuTLS (measured, a plain HTTP answer to the ClientHello) and OpenSSL
            r"|gnutls_handshake\(\) failed: An unexpected TLS packet was received"
            r"|SSL routines:[^\n]*(?:wrong version number|unknown protocol)"
        ),
    ),
    (
        TLSProblem.OTHER,
        _F.TLS,
        re.compile(
            r"\btls: |\bx509: |remote error: tls"
            r"|server certificate verification failed|SSL certificate problem: "
            r"|gnutls_handshake\(\) failed: A TLS fatal alert has been received"
        ),
    ),
)

#: What go says when an HTTP/2 server ended a stream (RST_STREAM: ``stream error: stream ID 5;
#: INTERNAL_ERROR; received from peer``) or the connection with the stream in flight (``http2:
#: server sent GOAWAY and closed the connection; LastStreamID=5, ErrCode=NO_ERROR, debug=""``).
_H2_PEER = (
    r"(?:stream error: stream ID \d+; [A-Z_]+; received from peer"
    r"|server sent GOAWAY and closed the connection)"
)
#: The HTTP/2 error code in go's text: a stream error's, or a GOAWAY's ``ErrCode``.
_H2_CODE = re.compile(r"stream error: stream ID \d+; ([A-Z_]+)\b|GOAWAY[^\n]*ErrCode=([A-Z_]+)")

_TRANSPORT: tuple[tuple[Failure, re.Pattern[str]], ...] = (
    (
        _F.DNS,
        re.compile(
            r"no such host|server misbehaving|lookup \S+(?: on \S+)?: .*timeout"
            r"|Temporary failure in name resolution|nodename nor servname|getaddrinfow"
            r"|Could not resolve host: "  # curl
        ),
    ),
    (
        _F.REFUSED,
        # curl capitalises what Go does not: ``Failed to connect to H port 443: Connection refused``
        re.compile(
            r"(?i:connection refused)|actively refused|network guard: refused SSH "
            r"|connect: (?:network is unreachable|cannot assign requested address)"
        ),
    ),
    (
        _F.DIAL_TIMEOUT,
        re.compile(
            r"dial tcp\S* \S+: (?:connect: )?(?:i/o timeout|connection timed out)"
            r"|i/o timeout|(?i:connection timed out)|Client\.Timeout exceeded"
            r"|context deadline exceeded"
        ),
    ),
    (
        _F.RESET,
        # HTTP/2 (net/http's h2_bundle.go, measured with go1.26.8 against serving/http2.py):
        # the server reset the stream, or sent GOAWAY and closed the connection, before the
        # answer's headers came (``Get "URL": ...``); after them (``read "URL": ...``), the
        # body was cut: TRUNCATED below
        re.compile(r"(?:Get|Head) \"[^\"]+\": (?:http2: )?" + _H2_PEER),
    ),
    (
        _F.RESET,
        re.compile(
            r"(?i:connection reset by peer)|forcibly closed by the remote host|broken pipe"
            r"|(?:Get|Head) \"[^\"]+\": EOF$|connection was aborted"
            # curl with GnuTLS: the peer closed (or reset) before the handshake was done, what
            # go calls ``Get URL: EOF`` (measured under toxiproxy's reset_peer); ``Error in the
            # pull function`` is GnuTLS's failed read (ECONNRESET); OpenSSL's SSL_ERROR_SYSCALL
            r"|gnutls_handshake\(\) failed: (?:The TLS connection was non-properly terminated"
            r"|Error in the pull function)|SSL_connect: SSL_ERROR_SYSCALL",
            re.MULTILINE,
        ),
    ),
    (
        _F.TRUNCATED,
        re.compile(
            r"unexpected EOF|malformed chunked encoding|invalid byte in chunk length"
            r"|unexpected end of JSON input|" + _H2_PEER +
            # curl: a TLS record cut short (GnuTLS -9, measured under toxiproxy's limit_data, in
            # the handshake and in the pack), the peer gone mid-answer (GnuTLS -110 on a read,
            # OpenSSL 3), a body shorter than announced (curl 18)
            r"|Error decoding the received TLS packet|GnuTLS recv error \(-110\)"
            r"|(?i:unexpected eof while reading)|transfer closed with outstanding read data"
        ),
    ),
)
# A server that answered, but with something go cannot use. ``flate: corrupt input before offset
# N`` (compress/flate) is a zip whose deflated data is damaged, the sibling of archive/zip's ``zip:
# checksum error``. ``stopped after 10 redirects`` (net/http client.go; cmd/go/internal/web keeps
# that limit) is a redirect loop: the server did answer (3xx), so it is no transport failure, and
# go reports no status code, so it is not HTTP_STATUS either (whose ``status_code`` users read);
# like a bad body it is a server answering wrongly, and a ``|`` list falls back past it.
_INVALID = re.compile(
    r"invalid response from proxy|(?<![.\w])zip: |malformed HTTP|flate: corrupt input"
    # go reset an HTTP/2 stream itself, as the server's frames broke the protocol (``stream
    # error: stream ID 1; PROTOCOL_ERROR``, after ``protocol error: received DATA before a
    # HEADERS frame``): the server answered with something go cannot use
    r"|stream error: stream ID \d+; [A-Z_]+\b(?!; received from peer)"
    r"|stopped after \d+ redirects"
    r"|@\S+: parsing go\.mod:|unexpected module path|invalid character .* looking for"
)
_STATUS_LINE = re.compile(
    r"reading (\S+): (\d{3})\b|unable to access '([^']+)': (?:CONNECT tunnel failed, response"
    r"|Received HTTP code|The requested URL returned error:) (\d{3})\b"
    r"|()RPC failed; HTTP (\d{3})\b"
)
#: git's own words for a transfer that stopped short, whatever cut it; tried after the HTTP status
#: (git says ``the remote end hung up unexpectedly`` after an error status too) and after curl's
#: more precise texts (the transport rules)
_GIT_CUT = re.compile(
    r"fatal: early EOF|unexpected disconnect while reading sideband packet"
    r"|the remote end hung up unexpectedly|bytes of body are still expected"
)
#: A proxy's refusal of ``CONNECT``: go keeps the reason phrase alone (``Get "URL": Bad
#: Gateway``, matched by ``_REASON``), curl names it.
_CONNECT_REFUSAL = re.compile(
    r"CONNECT tunnel failed, response \d{3}|Received HTTP code \d{3} from proxy after CONNECT"
)
#: What a proxy's status for a ``CONNECT`` it could not carry out stands for: the ``cause`` of such
#: an HTTP_STATUS (the module docstring says why these numbers and how far to trust them).
PROXY_CONNECT_CAUSES: dict[int, Failure] = {
    502: _F.REFUSED,
    503: _F.DNS,
    504: _F.DIAL_TIMEOUT,
}
_REASON = re.compile(r"(?:Get|Head|Post) \"([^\"]+)\": ([A-Z][A-Za-z' -]+)$")
_NO_VERSIONS = re.compile(
    r"no matching versions for query|reading file://\S+: no such file or directory"
    # git, when a go-import tag names a repository its host does not have (a 404 to git)
    r"|fatal: repository '[^']+' not found"
)
#: The repository path whose every scheme failed (vcs.go); its first element is the host.
_NO_PROTOCOL = re.compile(r"(\S+): no (?:secure )?protocol found for repository")
_URL_PATTERNS = (
    re.compile(r"(?:Get|Head|Post) \"([^\"]+)\""),
    re.compile(r"unable to access '([^']+)'"),
    re.compile(r"fatal: repository '([^']+)' not found"),
    re.compile(r"could not read (?:Username|Password) for '([^']+)'"),
    re.compile(r"Authentication failed for '([^']+)'"),
    re.compile(r"reading (file://\S+?): "),
    re.compile(r"reading (\w+://\S+?):"),
    re.compile(r"read \"([^\"]+)\""),
    re.compile(r"from proxy \"([^\"]+)\""),
)
_HOST_PATTERNS = (
    re.compile(r"lookup (\S+?)(?: on |: )"),
    re.compile(r"dial tcp\S* (\S+):"),
    re.compile(r"network guard: refused SSH (\S+):\d+"),
    re.compile(r"(?:^|\s)(?:[\w.-]+@)?([\w.-]+): Permission denied \(publickey"),
)
_PHRASES = {s.phrase: s.value for s in http.HTTPStatus}


def _line_at(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return text[start : end if end >= 0 else len(text)].strip()


def _status(line: str) -> tuple[str | None, int | None]:
    m = _STATUS_LINE.search(line)
    if m:
        return m.group(1) or m.group(3) or None, int(m.group(2) or m.group(4) or m.group(6))
    m = _REASON.search(line)
    if m and m.group(2).strip() in _PHRASES:
        return m.group(1), _PHRASES[m.group(2).strip()]
    return None, None


def _url(line: str) -> str | None:
    for pattern in _URL_PATTERNS:
        m = pattern.search(line)
        if m:
            return m.group(1)
    return None


def _host(url: str | None, line: str) -> str | None:
    if url:
        with_scheme = url if "://" in url else "//" + url
        try:
            host = urlsplit(with_scheme).hostname
        except ValueError:
            host = None
        if host:
            return host
    for pattern in _HOST_PATTERNS:
        m = pattern.search(line)
        if m:
            host = m.group(1)
            if pattern is _HOST_PATTERNS[1]:  # dial tcp H:P
                host = host.rpartition(":")[0]
            return host.strip("[]")
    return None


@dataclass(frozen=True)
class _Found:
    """A network failure found in a text: what, where, and which TLS problem if one."""

    failure: Failure
    pos: int
    tls_problem: TLSProblem | None = None


def _network(text: str) -> _Found | None:
    """The transport, body or status failure in ``text`` and where it is, if any."""
    for tls_problem, failure, pattern in _TLS:
        m = pattern.search(text)
        if m:
            return _Found(failure, m.start(), tls_problem)
    for failure, pattern in _TRANSPORT:
        m = pattern.search(text)
        if m:
            return _Found(failure, m.start())
    m = _INVALID.search(text)
    if m:
        return _Found(_F.INVALID_RESPONSE, m.start())
    for line_match in re.finditer(r"[^\n]+", text):
        _, code = _status(line_match.group(0))
        if code is not None and code >= 400:
            return _Found(
                _F.NOT_FOUND if code in (404, 410) else _F.HTTP_STATUS, line_match.start()
            )
    m = _GIT_CUT.search(text)
    if m:
        return _Found(_F.TRUNCATED, m.start())
    m = _NO_VERSIONS.search(text)
    if m:
        return _Found(_F.NOT_FOUND, m.start())
    return None


def _proxy_cause(line: str, code: int | None) -> Failure | None:
    """The transport failure behind a proxy's refused ``CONNECT`` (502, 503, 504), if ``line``
    is one: see :data:`PROXY_CONNECT_CAUSES`."""
    if code is None or code not in PROXY_CONNECT_CAUSES:
        return None
    reason = _REASON.search(line)
    if _CONNECT_REFUSAL.search(line) or (reason and _PHRASES.get(reason.group(2).strip())):
        return PROXY_CONNECT_CAUSES[code]
    return None


def _result(
    failure: Failure,
    line: str,
    *,
    cause: Failure | None = None,
    tls_problem: TLSProblem | None = None,
) -> Classification:
    url, code = _status(line)
    url = url or _url(line)
    if failure is _F.HTTP_STATUS and cause is None:
        cause = _proxy_cause(line, code)
    h2 = _H2_CODE.search(line)
    return Classification(
        failure=failure,
        url=url,
        host=_host(url, line),
        status_code=code,
        cause=cause,
        line=line,
        tls_problem=tls_problem,
        h2_error=None if h2 is None else h2.group(1) or h2.group(2),
    )


def _toolchain_named(text: str, line: str, inner: _Found | None) -> Classification:
    """TOOLCHAIN with the toolchain go wanted and why it could not have it: ``cause`` is the
    network failure underneath (as for SUMDB), else NOT_FOUND for ``toolchain not available``
    (what go makes of a 404/410 from every proxy, and of GOPROXY=off), else SUMDB for
    ``verifying module: checksum database disabled by GOSUMDB=off``: go verifies a toolchain
    in the checksum database even when GOSUMDB=off or GONOSUMDB says not to (modfetch/sumdb.go
    ``useSumDB``), and GOSUMDB=off makes that lookup fail."""
    named = _TOOLCHAIN_NAME.search(text)
    name = next((g for g in named.groups() if g), None) if named else None
    if name is not None and not name.startswith("go"):
        name = "go" + name
    if inner is not None:
        found = _result(_F.TOOLCHAIN, line, cause=inner.failure, tls_problem=inner.tls_problem)
    elif "toolchain not available" in text:
        found = _result(_F.TOOLCHAIN, line, cause=_F.NOT_FOUND)
    elif _SUMDB.search(text):
        found = _result(_F.TOOLCHAIN, line, cause=_F.SUMDB)
    else:
        found = _result(_F.TOOLCHAIN, line)
    return dataclasses.replace(found, toolchain=name)


def _policy(text: str) -> Classification | None:
    """POLICY, if a local rule refused the fetch: the line is the rule's, the host the module's
    (GOVCS) or that of the URL git was given (its transport refused)."""
    m = _POLICY.search(text)
    if m is None:
        return None
    line = _line_at(text, m.start())
    if m.group(1):
        return Classification(_F.POLICY, host=m.group(1).split("/", 1)[0].lower(), line=line)
    commands = list(_GIT_COMMAND_URL.finditer(text, 0, m.start()))
    url = commands[-1].group(1) if commands else None
    return Classification(_F.POLICY, url=url, host=_host(url, line), line=line)


def classify(stderr: str) -> Classification:
    """Name the failure in a ``go`` command's stderr (``Failure.UNKNOWN`` if none is known).

    ``url``, ``host`` (without port) and ``status_code`` come from the line that decided, when Go
    names them there. For ``SUMDB`` and ``TOOLCHAIN``, ``cause`` is the network failure Go
    reported underneath (for example ``REFUSED`` for an unreachable checksum database); for an
    ``HTTP_STATUS`` that is a proxy's 502, 503 or 504 to ``CONNECT`` (``Get "URL": Bad Gateway``,
    git's ``CONNECT tunnel failed, response 502``) it is REFUSED, DNS or DIAL_TIMEOUT.
    ``tls_problem`` names the TLS problem of a ``TLS`` failure or cause (and of a TLS handshake
    timeout, a ``DIAL_TIMEOUT``). ``AUTH`` and ``POLICY`` report git's (or GOVCS's) line, not
    the hints go prints after it.
    """
    text = stderr.replace("\r\n", "\n")
    for failure, pattern in (
        (_F.TOOLCHAIN, _TOOLCHAIN),
        (_F.SUMDB, _SUMDB_MISBEHAVIOR),
        (_F.CHECKSUM_MISMATCH, _CHECKSUM),
        (_F.SUMDB, _SUMDB),
        (_F.PROXY_OFF, _PROXY_OFF),
    ):
        m = pattern.search(text)
        if not m:
            continue
        line = _line_at(text, m.start())
        if failure is _F.CHECKSUM_MISMATCH:
            first = re.search(r"[^\n]*checksum mismatch[^\n]*", text)
            return _result(failure, first.group(0).strip() if first else line)
        end = text.find("\n", m.end())
        inner = _network(text[m.end() : end if end >= 0 else len(text)])
        if inner is None and failure in (_F.TOOLCHAIN, _F.SUMDB):
            rest = text[m.start() :]
            inner = _network(rest)
            if inner is not None:
                line = _line_at(rest, inner.pos)
        if failure is _F.TOOLCHAIN:
            return _toolchain_named(text, line, inner)
        if inner is None:
            return _result(failure, line)
        return _result(failure, line, cause=inner.failure, tls_problem=inner.tls_problem)
    found = _network(text)
    if found is None:
        m = _AUTH.search(text)
        if m:
            return _result(_F.AUTH, _line_at(text, m.start()))
        m = _NO_PROTOCOL.search(text)
        if m:
            host = m.group(1).split("/", 1)[0].lower()
            return Classification(_F.UNKNOWN, host=host, line=_line_at(text, m.start()))
        policy = _policy(text)
        if policy is not None:
            return policy
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        return Classification(_F.UNKNOWN, line=lines[-1] if lines else None)
    return _result(found.failure, _line_at(text, found.pos), tls_problem=found.tls_problem)

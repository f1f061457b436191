"""classify() on what go and git print when an origin (a VCS host) is behind a faulty network.

Every text marked *measured* was printed by go1.26.8 running git 2.39.5 (libcurl-gnutls 7.88.1)
against a FakeOrigin behind a real toxiproxy or behind the network guard playing a corporate
proxy (tests/origin/test_origin_faults.py runs the same faults for real). The vcs cache path is
shortened. Texts marked *curl source* are curl's own words with OpenSSL, from its sources, not
measured here (Debian's git links GnuTLS); they are classified alike.
"""

from __future__ import annotations

import pytest

from pytest_goproxy.gorun.failure import (
    PROXY_CONNECT_CAUSES,
    Classification,
    Failure,
    TLSProblem,
    classify,
)

VCS = "/tmp/run/modcache/cache/vcs/4b9998c9cc26"
#: go's words around git's stderr, for the first git command (ls-remote) and for the fetch
LS_REMOTE = (
    "corp.example/lib@v1.0.0: invalid version: git ls-remote -q --end-of-options "
    f"https://git.corp.example/lib in {VCS}: exit status 128:\n"
)
FETCH = (
    "corp.example/lib@v1.0.0: invalid version: git fetch -f --end-of-options origin "
    f"refs/heads/*:refs/heads/* refs/tags/*:refs/tags/* in {VCS}: exit status 128:\n"
)
UNABLE = "\tfatal: unable to access 'https://git.corp.example/lib/': "
GIT_URL = "https://git.corp.example/lib/"
#: go's own meta fetch, which meets a fault on the whole origin first
META = (
    'corp.example/lib@v1.0.0: unrecognized import path "corp.example/lib": https fetch: '
    'Get "https://corp.example/lib?go-get=1": '
)
META_URL = "https://corp.example/lib?go-get=1"


# -- git through go: measured -----------------------------------------------------------------

GIT_MEASURED: dict[str, tuple[str, Failure, TLSProblem | None]] = {
    "reset": (
        LS_REMOTE + UNABLE + "gnutls_handshake() failed: The TLS connection was non-properly "
        "terminated.",
        Failure.RESET,
        None,
    ),
    "truncate-in-handshake": (
        LS_REMOTE + UNABLE + "gnutls_handshake() failed: Error decoding the received TLS packet.",
        Failure.TRUNCATED,
        None,
    ),
    "intercepted": (
        LS_REMOTE + UNABLE + "server certificate verification failed. CAfile: "
        "/tmp/pytest-goproxy-tls-mmumgdic/session-ca.pem CRLfile: none",
        Failure.TLS,
        TLSProblem.OTHER,
    ),
    "wrong_host": (
        LS_REMOTE + UNABLE + "SSL: certificate subject name () does not match target host name "
        "'git.corp.example'",
        Failure.TLS,
        TLSProblem.WRONG_HOST,
    ),
    "plain_http": (
        LS_REMOTE + UNABLE + "gnutls_handshake() failed: An unexpected TLS packet was received.",
        Failure.TLS,
        TLSProblem.NOT_TLS,
    ),
}


@pytest.mark.parametrize("case", list(GIT_MEASURED))
def test_git_texts_at_its_first_request(case: str) -> None:
    """git's first request (``ls-remote``) meets the fault: curl's ``unable to access`` line
    decides, and names the repository's URL and host."""
    text, failure, tls_problem = GIT_MEASURED[case]
    c = classify(text)
    assert (c.failure, c.tls_problem, c.url, c.host) == (
        failure,
        tls_problem,
        GIT_URL,
        "git.corp.example",
    )
    assert c.line is not None and c.line.startswith("fatal: unable to access")


@pytest.mark.parametrize(
    "tail",
    [
        # measured: the cut in the pack, early
        "\terror: RPC failed; curl 56 GnuTLS recv error (-9): Error decoding the received TLS "
        "packet.\n\terror: 16383 bytes of body are still expected\n\tfetch-pack: unexpected "
        "disconnect while reading sideband packet\n\tfatal: protocol error: bad pack header",
        # measured: the cut in the pack, later
        "\terror: RPC failed; curl 56 GnuTLS recv error (-9): Error decoding the received TLS "
        "packet.\n\terror: 8192 bytes of body are still expected\n\tfetch-pack: unexpected "
        "disconnect while reading sideband packet\n\tfatal: early EOF\n\tfatal: unpack-objects "
        "failed",
    ],
    ids=["bad-pack-header", "early-eof"],
)
def test_a_pack_cut_short_is_truncated(tail: str) -> None:
    """``limit_data`` past the handshake and the refs: ``git fetch`` loses its pack. Was
    UNKNOWN (the last line, ``unpack-objects failed``, says nothing of the network)."""
    c = classify(FETCH + tail)
    assert c.failure is Failure.TRUNCATED
    assert c.tls_problem is None
    assert c.line == (
        "error: RPC failed; curl 56 GnuTLS recv error (-9): Error decoding the received TLS packet."
    )


def test_expired_reads_like_an_unknown_authority_with_gnutls() -> None:
    """GnuTLS's curl does not say why it refused the certificate: the expired_cert text is the
    intercepted one (measured), so both are TLS with ``tls_problem`` OTHER."""
    expired = classify(
        LS_REMOTE + UNABLE + "server certificate verification failed. CAfile: "
        "/tmp/ca.pem CRLfile: none"
    )
    assert (expired.failure, expired.tls_problem) == (Failure.TLS, TLSProblem.OTHER)


def test_go_get_prints_the_same_under_go_colon() -> None:
    """``go get`` writes the error to stderr with ``go: `` before it (measured)."""
    c = classify(
        "go: " + LS_REMOTE + UNABLE + "gnutls_handshake() failed: An unexpected TLS "
        "packet was received.\n"
    )
    assert (c.failure, c.tls_problem, c.host) == (
        Failure.TLS,
        TLSProblem.NOT_TLS,
        "git.corp.example",
    )


# -- go's meta fetch under the same faults: measured (these were right already) ---------------


@pytest.mark.parametrize(
    ("tail", "failure", "tls_problem"),
    [
        ("EOF", Failure.RESET, None),
        ("unexpected EOF", Failure.TRUNCATED, None),
        (
            "tls: failed to verify certificate: x509: certificate is valid for localhost, not "
            "corp.example",
            Failure.TLS,
            TLSProblem.WRONG_HOST,
        ),
        (
            "tls: failed to verify certificate: x509: certificate has expired or is not yet "
            "valid: current time 2026-12-01T18:35:04Z is after 2021-01-01T00:00:00Z",
            Failure.TLS,
            TLSProblem.EXPIRED,
        ),
        ("http: server gave HTTP response to HTTPS client", Failure.TLS, TLSProblem.NOT_TLS),
        ("net/http: TLS handshake timeout", Failure.DIAL_TIMEOUT, TLSProblem.HANDSHAKE_TIMEOUT),
    ],
    ids=["reset", "truncate", "intercepted", "expired", "plain_http", "tls_stall"],
)
def test_go_meta_fetch_texts(tail: str, failure: Failure, tls_problem: TLSProblem | None) -> None:
    c = classify(META + tail)
    assert (c.failure, c.tls_problem, c.url, c.host) == (
        failure,
        tls_problem,
        META_URL,
        "corp.example",
    )


# -- an origin the corporate proxy cannot reach: measured -------------------------------------


@pytest.mark.parametrize(
    ("status", "phrase", "cause"),
    [
        (502, "Bad Gateway", Failure.REFUSED),
        (503, "Service Unavailable", Failure.DNS),
        (504, "Gateway Timeout", Failure.DIAL_TIMEOUT),
    ],
)
def test_a_refused_connect_is_the_status_with_what_it_stands_for(
    status: int, phrase: str, cause: Failure
) -> None:
    """go keeps the reason phrase alone, git (curl) says ``CONNECT tunnel failed``: both are
    HTTP_STATUS with the code, and ``cause`` reads the code (PROXY_CONNECT_CAUSES)."""
    go_side = classify(META + phrase)
    assert (go_side.failure, go_side.status_code, go_side.cause, go_side.url) == (
        Failure.HTTP_STATUS,
        status,
        cause,
        META_URL,
    )
    git_side = classify(LS_REMOTE + UNABLE + f"CONNECT tunnel failed, response {status}")
    assert (git_side.failure, git_side.status_code, git_side.cause, git_side.url) == (
        Failure.HTTP_STATUS,
        status,
        cause,
        GIT_URL,
    )
    old_curl = classify(UNABLE + f"Received HTTP code {status} from proxy after CONNECT")
    assert (old_curl.status_code, old_curl.cause) == (status, cause)
    assert PROXY_CONNECT_CAUSES[status] is cause


@pytest.mark.parametrize(
    "text",
    [
        META + "Forbidden",  # the guard's refusal of a host nobody routes
        UNABLE + "CONNECT tunnel failed, response 403",
        UNABLE + "CONNECT tunnel failed, response 407",
        # a server's own answer (a GOPROXY's 502, a plain-HTTP origin forwarded by a proxy)
        "reading http://127.0.0.1:4/example.test/lib/@v/v1.2.0.zip: 502 Bad Gateway",
        "reading http://corp.example/lib?go-get=1: 503 Service Unavailable",
        UNABLE + "The requested URL returned error: 502",
    ],
)
def test_other_statuses_have_no_cause(text: str) -> None:
    c = classify(text)
    assert c.failure is Failure.HTTP_STATUS
    assert c.cause is None


# -- curl's other words: curl source, classified alike ----------------------------------------


@pytest.mark.parametrize(
    ("reason", "failure", "tls_problem"),
    [
        (
            "SSL certificate problem: unable to get local issuer certificate",
            Failure.TLS,
            TLSProblem.UNKNOWN_AUTHORITY,
        ),
        (
            "SSL certificate problem: self-signed certificate in certificate chain",
            Failure.TLS,
            TLSProblem.UNKNOWN_AUTHORITY,
        ),
        ("SSL certificate problem: certificate has expired", Failure.TLS, TLSProblem.EXPIRED),
        (
            "SSL: no alternative certificate subject name matches target host name "
            "'git.corp.example'",
            Failure.TLS,
            TLSProblem.WRONG_HOST,
        ),
        (
            "OpenSSL/3.0.13: error:0A00010B:SSL routines::wrong version number",
            Failure.TLS,
            TLSProblem.NOT_TLS,
        ),
        (
            "SSL certificate problem: unable to get certificate CRL",
            Failure.TLS,
            TLSProblem.OTHER,
        ),
        (
            "OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to git.corp.example:443 ",
            Failure.RESET,
            None,
        ),
        ("Recv failure: Connection reset by peer", Failure.RESET, None),
        (
            "Failed to connect to git.corp.example port 443 after 2 ms: Connection refused",
            Failure.REFUSED,
            None,
        ),
        ("Could not resolve host: git.corp.example", Failure.DNS, None),
        (
            "Failed to connect to git.corp.example port 443 after 130001 ms: Connection timed out",
            Failure.DIAL_TIMEOUT,
            None,
        ),
        (
            "OpenSSL SSL_read: error:0A000126:SSL routines::unexpected eof while reading, errno 0",
            Failure.TRUNCATED,
            None,
        ),
    ],
)
def test_curl_with_openssl(reason: str, failure: Failure, tls_problem: TLSProblem | None) -> None:
    c = classify(LS_REMOTE + UNABLE + reason)
    assert (c.failure, c.tls_problem, c.host) == (failure, tls_problem, "git.corp.example")


@pytest.mark.parametrize(
    ("tail", "failure", "status"),
    [
        (
            "\terror: RPC failed; curl 18 transfer closed with outstanding read data remaining\n"
            "\tfatal: the remote end hung up unexpectedly\n\tfatal: early EOF",
            Failure.TRUNCATED,
            None,
        ),
        # git's "hung up" after an HTTP error: the status wins
        (
            "\terror: RPC failed; HTTP 502 curl 22 The requested URL returned error: 502\n"
            "\tfatal: the remote end hung up unexpectedly",
            Failure.HTTP_STATUS,
            502,
        ),
        (
            "\terror: RPC failed; HTTP 404 curl 22 The requested URL returned error: 404\n"
            "\tfatal: the remote end hung up unexpectedly",
            Failure.NOT_FOUND,
            404,
        ),
        ("\tfatal: the remote end hung up unexpectedly", Failure.TRUNCATED, None),
    ],
    ids=["curl-18", "http-502", "http-404", "hung-up-alone"],
)
def test_git_fetch_words(tail: str, failure: Failure, status: int | None) -> None:
    c = classify(FETCH + tail)
    assert (c.failure, c.status_code) == (failure, status)


def test_nothing_of_the_network_stays_unknown() -> None:
    c = classify(FETCH + "\tfatal: unpack-objects failed")
    assert c == Classification(Failure.UNKNOWN, line="fatal: unpack-objects failed")


# -- credentials and local rules: measured (tests/origin/test_vcs_rules.py runs them) -----------

#: go's words after git's prompt failure (modfetch/codehost), which must not be the reported line
GO_HINT = (
    "\nConfirm the import path was entered correctly.\nIf this is a private repository, see "
    "https://golang.org/doc/faq#git_https for additional information."
)
ORIGIN_LS_REMOTE = (
    "corp.example/lib@v1.0.0: invalid version: git ls-remote -q --end-of-options "
    f"https://corp.example/lib in {VCS}: exit status 128:\n"
)

AUTH_MEASURED: dict[str, tuple[str, str, str]] = {
    # GIT_TERMINAL_PROMPT=0 (the runner's) or unset (go sets 0)
    "no-prompt": (
        ORIGIN_LS_REMOTE + "\tfatal: could not read Username for 'https://corp.example': "
        "terminal prompts disabled" + GO_HINT,
        "fatal: could not read Username for 'https://corp.example': terminal prompts disabled",
        "https://corp.example",
    ),
    # GIT_TERMINAL_PROMPT=1: git opens /dev/tty, which a go run does not have
    "no-terminal": (
        ORIGIN_LS_REMOTE + "\tfatal: could not read Username for 'https://corp.example': "
        "No such device or address" + GO_HINT,
        "fatal: could not read Username for 'https://corp.example': No such device or address",
        "https://corp.example",
    ),
    # a credential helper's wrong password: the 401's body, then git's verdict (no go hint)
    "wrong-credentials": (
        ORIGIN_LS_REMOTE + "\tremote: 401 Unauthorized\n"
        "\tfatal: Authentication failed for 'https://corp.example/lib/'",
        "fatal: Authentication failed for 'https://corp.example/lib/'",
        "https://corp.example/lib/",
    ),
}


@pytest.mark.parametrize("case", list(AUTH_MEASURED))
def test_credentials_git_cannot_get_or_that_are_refused_are_auth(case: str) -> None:
    """Were UNKNOWN (the last line was go's FAQ hint). The line is git's, the host its URL's."""
    text, line, url = AUTH_MEASURED[case]
    for printed in (text, "go: " + text + "\n"):  # go mod download -json / go get
        c = classify(printed)
        assert c == Classification(Failure.AUTH, url=url, host="corp.example", line=line)


def test_ssh_refusing_every_key_is_auth() -> None:
    """ssh's words (from its sources; the guard refuses ssh, so not measured here)."""
    c = classify(
        "go: corp.example/lib@v1.0.0: invalid version: git ls-remote -q --end-of-options "
        f"ssh://git@corp.example/lib in {VCS}: exit status 128:\n"
        "\tgit@corp.example: Permission denied (publickey).\n"
        "\tfatal: Could not read from remote repository.\n"
    )
    assert (c.failure, c.host, c.line) == (
        Failure.AUTH,
        "corp.example",
        "git@corp.example: Permission denied (publickey).",
    )


@pytest.mark.parametrize(
    "text",
    [
        "reading https://proxy.corp.example/example.test/lib/@v/list: 401 Unauthorized",
        UNABLE + "The requested URL returned error: 403",
    ],
)
def test_a_bare_401_or_403_status_stays_http_status(text: str) -> None:
    """A status is what go's ``,``/``|`` react to and what ``status_code`` reports; AUTH is
    git's words about credentials."""
    c = classify(text)
    assert c.failure is Failure.HTTP_STATUS
    assert c.status_code in (401, 403)


@pytest.mark.parametrize("which", ["private", "public"])
def test_govcs_refusing_git_is_policy(which: str) -> None:
    """vcs.go checkGOVCS: go read the meta tag, then a local rule stopped it (was UNKNOWN)."""
    line = (
        'corp.example/lib@v1.0.0: unrecognized import path "corp.example/lib": GOVCS disallows '
        f"using git for {which} corp.example/lib; see 'go help vcs'"
    )
    tidy = (
        "go: example.test/app imports\n\tcorp.example/lib: unrecognized import path "
        f'"corp.example/lib": GOVCS disallows using git for {which} corp.example/lib; '
        "see 'go help vcs'\n"
    )
    assert classify(line) == Classification(Failure.POLICY, host="corp.example", line=line)
    c = classify(tidy)
    assert (c.failure, c.host, c.url) == (Failure.POLICY, "corp.example", None)
    assert c.line is not None and c.line.startswith("corp.example/lib: unrecognized import path")


def test_git_refusing_its_transport_is_policy() -> None:
    """GOINSECURE sent go to http://, the hermetic GIT_ALLOW_PROTOCOL stops git (was UNKNOWN);
    the URL is the one go gave ``git ls-remote``."""
    c = classify(
        "corp.example/lib@v1.0.0: invalid version: git ls-remote -q --end-of-options "
        f"http://corp.example/lib in {VCS}: exit status 128:\n\tfatal: transport 'http' not allowed"
    )
    assert c == Classification(
        Failure.POLICY,
        url="http://corp.example/lib",
        host="corp.example",
        line="fatal: transport 'http' not allowed",
    )
    alone = classify("fatal: transport 'ext' not allowed")
    assert (alone.failure, alone.url, alone.host) == (Failure.POLICY, None, None)


def test_policy_and_auth_words_of_go_trying_alternatives_do_not_hide_the_failure() -> None:
    """``go -v`` prints its scheme pings (git's allow-list refusing ``git://``) and ``tidy`` the
    GOVCS refusal of other modules: what else failed decides (module docstring: the order)."""
    pings = (
        "# cd /tmp/w; git ls-remote git://example.test/a\nfatal: transport 'git' not allowed\n"
        "# cd /tmp/w; git ls-remote https://example.test/a\nfatal: could not read Username for "
        "'https://example.test': terminal prompts disabled\n"
    )
    refused = classify(pings + "network guard: refused SSH example.test:22\n")
    assert (refused.failure, refused.host) == (Failure.REFUSED, "example.test")
    assert classify(pings).failure is Failure.AUTH
    hidden = classify(
        "go: example.test/app imports\n\texample.test/repo.hg: unrecognized import path "
        '"example.test/repo.hg": GOVCS disallows using hg for public example.test/repo.hg; '
        "see 'go help vcs'\ngo: example.test/app imports\n\texample.test/repo.git: no secure "
        "protocol found for repository\n"
    )
    assert (hidden.failure, hidden.host) == (Failure.UNKNOWN, "example.test")


def test_a_firewall_at_a_named_origin_is_an_unknown_authority() -> None:
    """Measured since the middlebox mints its certificate for the SNI name (``intercepted`` at
    corp.example): go names the CA; the ``intercepted`` case of test_go_meta_fetch_texts is the
    text of the loopback-only certificate it presented before (a wrong host)."""
    c = classify(
        META + "tls: failed to verify certificate: x509: certificate signed by unknown authority"
    )
    assert (c.failure, c.tls_problem, c.url, c.host) == (
        Failure.TLS,
        TLSProblem.UNKNOWN_AUTHORITY,
        META_URL,
        "corp.example",
    )

"""Faults at a fake VCS origin: the real go and the real git through a real toxiproxy, and the
network guard playing a corporate proxy that cannot reach the origin.

Two places for a fault, because go and git each fetch something from an origin:

``origin``
    corp.example serves the ``?go-get=1`` page and the git repository (one FakeOrigin), and its
    route leads to a toxiproxy proxy in front of it. go's own meta fetch (net/http) meets the
    fault first, so what is measured is go's text.
``git host``
    corp.example is a vanity name whose page (a plain HTTPS server, no fault) sends go to the
    repository at git.corp.example, as ``go.uber.org`` sends it to GitHub; git.corp.example is
    the FakeOrigin behind toxiproxy. git meets the fault, and go prints git's (curl's) text.

The texts asserted are the ones measured with go1.26.8 and git 2.39.5 on libcurl-gnutls (the
table is in :mod:`pytest_goproxy.gorun.failure`); git built on OpenSSL words TLS problems
differently, so for git the classification is asserted everywhere and the GnuTLS text only when
git's curl is GnuTLS. No assertion is about time: a hang is the runner's verdict ``hung`` at a
short timeout.
"""

from __future__ import annotations

import functools
import json
import random
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from pytest_goproxy.gorun import Failure, GoResult, GoRunner
from pytest_goproxy.gorun.failure import PROXY_CONNECT_CAUSES, TLSProblem
from pytest_goproxy.gorun.guard import Routed
from pytest_goproxy.network.endpoint import Endpoint, Network
from pytest_goproxy.origin import FakeOrigin
from pytest_goproxy.origin.log import OriginRequestKind
from pytest_goproxy.serving.tls import corporate_bundle, session_ca

pytestmark = pytest.mark.network_faults

MODULE = "corp.example/lib"
VERSION = "v1.0.0"
#: go fetches corp.example itself (no proxy, no checksum database)
DIRECT = {"GOPROXY": "direct", "GOPRIVATE": "corp.example", "GOSUMDB": "off"}
#: Incompressible, so git's pack is big on the wire (bandwidth, truncate) whatever git does.
BLOB = random.Random(16).randbytes(64 * 1024)
FILES = {"lib.go": "package lib\n\nfunc Answer() int { return 42 }\n", "blob.bin": BLOB}
#: Short: a hang is proved by reaching it.
HANG_TIMEOUT = 4.0
#: Above net/http's 10 s TLS handshake limit, which the meta fetch under tls_stall waits for.
STALL_TIMEOUT = 40.0
#: The bytes ``truncate`` lets through per connection so that git's handshake and ``ls-remote``
#: pass and its pack is cut (the pack is over 64 KiB)
PACK_CUT = 20000
META_URL = f"https://{MODULE}?go-get=1"
GIT_URL = "https://git.corp.example/lib/"
#: go's words before its meta fetch's error
META = f'unrecognized import path "{MODULE}": https fetch: Get "{META_URL}": '


@functools.cache
def git_uses_gnutls() -> bool:
    """Whether git's https helper is linked with libcurl-gnutls (Debian, Ubuntu), whose texts
    were measured; elsewhere only the classification is asserted."""
    exec_path = subprocess.run(
        ["git", "--exec-path"], capture_output=True, text=True, check=True
    ).stdout.strip()
    helper = Path(exec_path) / "git-remote-https"
    try:
        linked = subprocess.run(["ldd", str(helper)], capture_output=True, text=True, check=False)
    except OSError:
        return False
    return "gnutls" in linked.stdout


def meta_page(repo: str) -> str:
    return (
        f'<html><head><meta name="go-import" content="{MODULE} git {repo}"></head>'
        "<body></body></html>"
    )


@pytest.fixture
def vanity() -> Iterator[HTTPServer]:
    """corp.example as a vanity name: its page sends go to git.corp.example (and 404 for the
    rest); HTTPS with the session CA, never faulted."""
    context = session_ca().server_context("corp.example")
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context, threaded=True)
    server.no_handler_status_code = 404
    server.expect_request("/lib", query_string="go-get=1").respond_with_data(
        meta_page("https://git.corp.example/lib"), content_type="text/html"
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def faulty_origin(go: GoRunner, network: Network, origin: FakeOrigin) -> Endpoint:
    """corp.example/lib served by the origin, routed through toxiproxy: go meets the fault."""
    origin.add_module(MODULE, VERSION, FILES)
    endpoint = network.front(origin)
    go.route("corp.example", endpoint)
    return endpoint


@pytest.fixture
def faulty_git_host(
    go: GoRunner, network: Network, origin: FakeOrigin, vanity: HTTPServer
) -> Endpoint:
    """The repository of corp.example/lib at git.corp.example, routed through toxiproxy, the
    page at corp.example routed straight to the vanity server: git meets the fault."""
    go_mod = f"module {MODULE}\n\ngo 1.21\n"
    origin.add_module("git.corp.example/lib", VERSION, FILES, go_mod=go_mod)
    go.route("corp.example", vanity)
    endpoint = network.front(origin)
    go.route("git.corp.example", endpoint)
    return endpoint


@pytest.fixture(params=["origin", "git_host"])
def where(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def faulty(where: str, request: pytest.FixtureRequest) -> Endpoint:
    """The endpoint a fault goes on, for either place (see the module docstring)."""
    endpoint = request.getfixturevalue(f"faulty_{where}")
    assert isinstance(endpoint, Endpoint)
    return endpoint


def download(go: GoRunner, timeout: float | None = None) -> GoResult:
    """``go mod download -json corp.example/lib@v1.0.0`` (the error is in its JSON ``Error``,
    which the result classifies)."""
    return go.run(["mod", "download", "-json", f"{MODULE}@{VERSION}"], env=DIRECT, timeout=timeout)


def error_of(result: GoResult) -> str:
    assert not result.ok and not result.hung, result.describe()
    error = json.loads(result.stdout)["Error"]
    assert isinstance(error, str)
    return error


def git_fetches(origin: FakeOrigin) -> list[OriginRequestKind]:
    return [r.kind for r in origin.request_log if r.kind is not OriginRequestKind.META]


# -- no fault, and faults that only slow things down ------------------------------------------


@pytest.mark.parametrize(
    ("fault", "params"),
    [(None, {}), ("latency", {"ms": 100}), ("bandwidth", {"rate": 64})],
    ids=["none", "latency", "bandwidth"],
)
def test_slow_faults_at_the_origin_succeed(
    go: GoRunner,
    origin: FakeOrigin,
    faulty: Endpoint,
    fault: str | None,
    params: dict[str, object],
) -> None:
    """Slowness is no error to go or git: both get everything, through toxiproxy."""
    if fault is not None:
        faulty.inject(fault, **params)
    result = download(go).assert_ok()
    assert json.loads(result.stdout)["Version"] == VERSION
    assert OriginRequestKind.UPLOAD_PACK in git_fetches(origin)
    assert result.routed and all(r.reached for r in result.routed)
    result.assert_no_escapes()


# -- faults go meets at the meta fetch --------------------------------------------------------

#: fault -> what go prints after ``Get "URL": `` and the failure / TLS problem it is
AT_THE_ORIGIN: dict[str, tuple[str, Failure, TLSProblem | None]] = {
    "reset": ("EOF", Failure.RESET, None),
    "truncate": ("unexpected EOF", Failure.TRUNCATED, None),
    # the firewall mints its certificate for the name go asked for (SNI), as a real one does:
    # the untrusted CA is what go reports (a loopback-only certificate read as a wrong host,
    # go checking the name before the chain)
    "intercepted": (
        "tls: failed to verify certificate: x509: certificate signed by unknown authority",
        Failure.TLS,
        TLSProblem.UNKNOWN_AUTHORITY,
    ),
    "expired_cert": (
        "tls: failed to verify certificate: x509: certificate has expired or is not yet valid: "
        "current time ",
        Failure.TLS,
        TLSProblem.EXPIRED,
    ),
    "wrong_host": (
        "tls: failed to verify certificate: x509: certificate is valid for wrong.example, not "
        "corp.example",
        Failure.TLS,
        TLSProblem.WRONG_HOST,
    ),
    "plain_http": (
        "http: server gave HTTP response to HTTPS client",
        Failure.TLS,
        TLSProblem.NOT_TLS,
    ),
}


@pytest.mark.parametrize("fault", list(AT_THE_ORIGIN))
def test_go_meets_a_fault_at_the_origin_in_its_meta_fetch(
    go: GoRunner, origin: FakeOrigin, faulty_origin: Endpoint, fault: str
) -> None:
    """Before any git, go asks corp.example for its ``?go-get=1`` page; the fault stops it
    there, and git never runs."""
    text, failure, tls_problem = AT_THE_ORIGIN[fault]
    faulty_origin.inject(fault)
    result = download(go)
    assert META + text in error_of(result)
    result.assert_failure(failure)
    assert (result.tls_problem, result.url, result.host) == (tls_problem, META_URL, "corp.example")
    assert git_fetches(origin) == []
    result.assert_no_escapes()


# -- faults git meets -------------------------------------------------------------------------

#: fault (and its parameters) -> git's text with GnuTLS, the failure, the TLS problem; every one
#: at git's first request (ls-remote) but the pack cut, which comes in ``git fetch``
AT_THE_GIT_HOST: dict[str, tuple[dict[str, object], str, Failure, TLSProblem | None]] = {
    "reset": (
        {},
        "gnutls_handshake() failed: The TLS connection was non-properly terminated.",
        Failure.RESET,
        None,
    ),
    "truncate": (
        {},
        "gnutls_handshake() failed: Error decoding the received TLS packet.",
        Failure.TRUNCATED,
        None,
    ),
    "truncate-pack": (
        {"bytes": PACK_CUT},
        "error: RPC failed; curl 56 GnuTLS recv error (-9): Error decoding the received TLS "
        "packet.",
        Failure.TRUNCATED,
        None,
    ),
    "intercepted": (
        {},
        "server certificate verification failed. CAfile: ",
        Failure.TLS,
        TLSProblem.OTHER,
    ),
    "expired_cert": (
        {},
        "server certificate verification failed. CAfile: ",
        Failure.TLS,
        TLSProblem.OTHER,
    ),
    "wrong_host": (
        {},
        "SSL: certificate subject name () does not match target host name 'git.corp.example'",
        Failure.TLS,
        TLSProblem.WRONG_HOST,
    ),
    "plain_http": (
        {},
        "gnutls_handshake() failed: An unexpected TLS packet was received.",
        Failure.TLS,
        TLSProblem.NOT_TLS,
    ),
}
#: What go says before git's stderr, for git's first command
LS_REMOTE = "invalid version: git ls-remote -q --end-of-options https://git.corp.example/lib in "


@pytest.mark.parametrize("case", list(AT_THE_GIT_HOST))
def test_git_meets_a_fault_at_the_git_host(
    go: GoRunner, origin: FakeOrigin, faulty_git_host: Endpoint, case: str
) -> None:
    """go found the repository through the vanity page; git's requests meet the fault and go
    passes git's stderr on. A fault before any answer is met by ``ls-remote``; the pack cut
    lets the refs through and cuts ``git fetch``'s pack."""
    params, text, failure, tls_problem = AT_THE_GIT_HOST[case]
    faulty_git_host.inject(case.removesuffix("-pack"), **params)
    result = download(go)
    error = error_of(result)
    result.assert_failure(failure)
    assert result.tls_problem is tls_problem
    if git_uses_gnutls():
        assert text in error
    if case == "truncate-pack":
        assert "invalid version: git fetch -f" in error
        assert "fatal: early EOF" in error or "fatal: protocol error: bad pack header" in error
        assert OriginRequestKind.UPLOAD_PACK in git_fetches(origin)
    else:
        assert LS_REMOTE in error
        assert (result.url, result.host) == (GIT_URL, "git.corp.example")
        assert f"fatal: unable to access '{GIT_URL}': " in error
    result.assert_no_escapes()


def test_go_get_prints_git_text_on_stderr(go: GoRunner, faulty_git_host: Endpoint) -> None:
    """``go get`` says the same on stderr, after ``go: ``, and is classified the same."""
    faulty_git_host.inject("plain_http")
    project = go.project(module="example.test/app")
    result = project.run("get", f"{MODULE}@{VERSION}", env=DIRECT)
    result.assert_failure(Failure.TLS)
    assert result.tls_problem is TLSProblem.NOT_TLS
    assert f"go: {MODULE}@{VERSION}: {LS_REMOTE}" in result.stderr


# -- hangs ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["blackhole", "tls_stall"])
def test_a_silent_origin_hangs_go_until_the_runners_timeout(
    go: GoRunner, faulty: Endpoint, where: str, fault: str
) -> None:
    """Nothing comes back: go's meta fetch waits for net/http's 10 s TLS handshake limit (see
    the next test), git for curl's 300 s connect timeout; a runner timeout shorter than both
    is what ends the run."""
    faulty.inject(fault)
    result = download(go, timeout=HANG_TIMEOUT)
    result.assert_hung()
    assert result.failure is None


@pytest.mark.parametrize(
    "fault",
    [
        "blackhole",
        # the same wait, for the same reason; tests/network proves tls_stall's text already
        pytest.param("tls_stall", marks=pytest.mark.slow),
    ],
)
def test_go_gives_up_a_silent_origin_after_its_tls_handshake_limit(
    go: GoRunner, faulty_origin: Endpoint, fault: str
) -> None:
    """Unlike an ``http://`` GOPROXY under blackhole (which hangs go for good), an origin is
    HTTPS, and net/http bounds the handshake: go's meta fetch fails after 10 s with ``TLS
    handshake timeout``, a DIAL_TIMEOUT. (toxiproxy's blackhole swallows the ClientHello the
    way the stalled middlebox ignores it.)"""
    faulty_origin.inject(fault)
    result = download(go, timeout=STALL_TIMEOUT)
    assert META + "net/http: TLS handshake timeout" in error_of(result)
    result.assert_failure(Failure.DIAL_TIMEOUT)
    assert result.tls_problem is TLSProblem.HANDSHAKE_TIMEOUT


# -- refused and dns: the corporate proxy cannot reach the origin -----------------------------


@pytest.mark.parametrize(
    ("status", "phrase"),
    [(502, "Bad Gateway"), (503, "Service Unavailable"), (504, "Gateway Timeout")],
    ids=["refused-502", "dns-503", "timeout-504"],
)
def test_an_unreachable_origin_is_the_proxys_status_and_what_it_stands_for(
    go: GoRunner, origin: FakeOrigin, status: int, phrase: str
) -> None:
    """``refused`` and ``dns`` at an origin are what a corporate proxy answers to ``CONNECT``:
    502 (an nginx- or Apache-style gateway whose connection was refused) and 503 (Squid's
    ``ERR_DNS_FAIL``); 504 is a proxy whose own dial timed out. go keeps the reason phrase
    alone. HTTP_STATUS with the code, ``cause`` the failure the code stands for, and no escape:
    the host is routed, its origin is down."""
    origin.add_module(MODULE, VERSION, FILES)
    go.route("corp.example", None, status=status)
    result = download(go)
    assert META + phrase in error_of(result)
    result.assert_failure(Failure.HTTP_STATUS, status_code=status)
    assert (result.cause, result.host) == (PROXY_CONNECT_CAUSES[status], "corp.example")
    assert not result.refused_by_guard and result.escapes == ()
    assert [(str(r), r.status) for r in result.routed] == [("CONNECT corp.example:443", status)]
    assert list(origin.request_log) == []


@pytest.mark.parametrize("status", [502, 503, 504])
def test_an_unreachable_git_host_is_the_proxys_status_to_git(
    go: GoRunner, origin: FakeOrigin, vanity: HTTPServer, status: int
) -> None:
    """The page is reached, the repository's host is not: curl says ``CONNECT tunnel failed,
    response N``, go passes it on, classified as go's own refused CONNECT is."""
    go.route("corp.example", vanity)
    go.route("git.corp.example", None, status=status)
    result = download(go)
    error = error_of(result)
    assert LS_REMOTE in error
    assert f"fatal: unable to access '{GIT_URL}': CONNECT tunnel failed, response {status}" in error
    result.assert_failure(Failure.HTTP_STATUS, status_code=status)
    assert (result.cause, result.url) == (PROXY_CONNECT_CAUSES[status], GIT_URL)
    assert not result.refused_by_guard and result.escapes == ()
    assert result.routed == (
        Routed("CONNECT", "corp.example:443", "corp.example", 443, result.routed[0].address),
        Routed("CONNECT", "git.corp.example:443", "git.corp.example", 443, None, status),
    )


# -- a firewall intercepting a named origin ---------------------------------------------------


def test_a_firewall_at_a_named_origin_mints_for_the_name_and_works_once_its_ca_is_trusted(
    go: GoRunner, origin: FakeOrigin, faulty_origin: Endpoint
) -> None:
    """``intercepted`` at corp.example (routed by the guard to toxiproxy, whose upstream is the
    box): the box presents a firewall-CA certificate for the name go sent in its ClientHello,
    so go refuses the CA, not the name. With the firewall's CA trusted by go and git (what
    people do behind such a firewall: ``SSL_CERT_FILE``, and ``GIT_SSL_CAINFO`` for git's
    curl), the meta fetch and git's whole fetch go through the box, which decrypted them."""
    handle = faulty_origin.inject("intercepted")
    assert handle.middlebox is not None
    box = handle.middlebox
    refused = download(go)
    assert META + "tls: failed to verify certificate: x509: certificate signed by unknown " in (
        error_of(refused)
    )
    refused.assert_failure(Failure.TLS)
    assert (refused.tls_problem, refused.host) == (TLSProblem.UNKNOWN_AUTHORITY, "corp.example")
    assert set(box.server_names) == {"corp.example"}
    assert box.requests == [] and git_fetches(origin) == []

    bundle = str(corporate_bundle())
    trusted = go.run(
        ["mod", "download", "-json", f"{MODULE}@{VERSION}"],
        env={**DIRECT, "SSL_CERT_FILE": bundle, "GIT_SSL_CAINFO": bundle},
    ).assert_ok()
    assert json.loads(trusted.stdout)["Version"] == VERSION
    assert "GET /lib?go-get=1" in box.requests
    assert "POST /lib/git-upload-pack" in box.requests  # git's fetch, decrypted by the box
    assert OriginRequestKind.UPLOAD_PACK in git_fetches(origin)
    assert set(box.server_names) == {"corp.example"}  # git asked for the name too
    trusted.assert_no_escapes()

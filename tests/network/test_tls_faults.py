"""The TLS faults: the real go command through a real toxiproxy whose upstream is a TLS middlebox.

Every go run goes to an HTTPS FakeGoProxy through ``network.front(...)``: ``GOPROXY=a,b`` and
``GOPROXY=a|b`` with ``a`` the faulted endpoint and ``b`` the same server reached directly. The
texts asserted here are the ones the catalogue quotes (network/faults.py), measured with go1.26.8;
the second Go release (``PYTEST_GOPROXY_SECOND_GO``, go1.27.3 in CI) is held to the same texts.
No assertion is about time: a stalled handshake is proved by go's own text, and by the number of
connections the middlebox accepted.
"""

from __future__ import annotations

import os
import socket
import ssl
import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest
from cryptography import x509

from pytest_goproxy import ChecksumDB
from pytest_goproxy.ci import in_ci
from pytest_goproxy.errors import FaultError
from pytest_goproxy.gorun import Failure, GoBinary, GoResult, GoRunner, find_go
from pytest_goproxy.gorun.failure import TLSProblem
from pytest_goproxy.network.endpoint import Endpoint, FaultHandle, Network
from pytest_goproxy.network.faults import FAULTS
from pytest_goproxy.network.tlsbox import TLSBox
from pytest_goproxy.proxy import FakeGoProxy
from pytest_goproxy.serving.tls import corporate_bundle, foreign_ca, session_ca

pytestmark = pytest.mark.network_faults

LIB = "example.test/lib"
VERSION = "v1.2.0"
ZIP_PATH = f"/{LIB}/@v/{VERSION}.zip"
MOD_PATH = f"/{LIB}/@v/{VERSION}.mod"
#: Well above net/http's 10 s TLS handshake limit, which the tls_stall runs wait for.
STALL_TIMEOUT = 60.0
#: What go prints for each fault that fails at once, and what classify() makes of it.
AT_ONCE: dict[str, tuple[str, TLSProblem]] = {
    "intercepted": (
        "tls: failed to verify certificate: x509: certificate signed by unknown authority",
        TLSProblem.UNKNOWN_AUTHORITY,
    ),
    "expired_cert": (
        "tls: failed to verify certificate: x509: certificate has expired or is not yet valid: "
        "current time ",
        TLSProblem.EXPIRED,
    ),
    "wrong_host": (
        "tls: failed to verify certificate: x509: certificate is valid for 127.0.0.2, not "
        "127.0.0.1",
        TLSProblem.WRONG_HOST,
    ),
    "plain_http": ("http: server gave HTTP response to HTTPS client", TLSProblem.NOT_TLS),
}
#: The alert go sends when it refuses a certificate, as OpenSSL names it on the box's side.
BAD_CERTIFICATE = "SSLV3_ALERT_BAD_CERTIFICATE"


@pytest.fixture(scope="module")
def https_proxy() -> Iterator[FakeGoProxy]:
    with FakeGoProxy(tls=True) as proxy:
        proxy.add_module(LIB, VERSION, files={"lib.go": "package lib\n"})
        yield proxy


@pytest.fixture
def endpoint(network: Network, https_proxy: FakeGoProxy) -> Endpoint:
    return network.front(https_proxy)


def tidy(go: GoRunner, goproxy: str, timeout: float | None = None, **env: str) -> GoResult:
    project = go.project(module="example.test/app", requires={LIB: VERSION})
    return project.tidy(env={"GOPROXY": goproxy, "GOSUMDB": "off", **env}, timeout=timeout)


def box_of(handle: FaultHandle) -> TLSBox:
    assert handle.middlebox is not None
    return handle.middlebox


def tlsbox_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("pytest-goproxy-tlsbox-")]


def assert_tls_failure(result: GoResult, endpoint: Endpoint, text: str, kind: TLSProblem) -> None:
    result.assert_failure(Failure.TLS)
    assert text in result.stderr
    assert result.tls_problem is kind
    assert result.url == f"{endpoint.url}{ZIP_PATH}"  # go's first request, at the URL it was given


def assert_go_gave_up_at_the_box(fault: str, box: TLSBox) -> None:
    """From the box's side: go came (once for ``a,b``, once a request for ``a|b``) and refused
    the certificate with an alert, or got the plain HTTP answer; no request got through."""
    assert box.accepted >= 2
    if fault == "plain_http":
        assert box.handshakes == []  # no TLS was spoken to go at all
    else:
        assert set(settled_handshakes(box)) == {BAD_CERTIFICATE}
    assert box.requests == []


def settled_handshakes(box: TLSBox) -> list[str]:
    """The box's handshakes once every connection it accepted has one: go may have exited while
    the box's thread still reads its alert (a wait of at most 5 s, asserting nothing on time)."""
    deadline = time.monotonic() + 5.0
    while len(box.handshakes) < box.accepted and time.monotonic() < deadline:
        time.sleep(0.01)
    return box.handshakes


@pytest.mark.parametrize("fault", sorted(AT_ONCE))
def test_comma_list_stops_and_pipe_list_falls_back(
    go: GoRunner, endpoint: Endpoint, https_proxy: FakeGoProxy, fault: str
) -> None:
    """Each fault fails go at once with its own text; ``a|b`` gets past it, ``a,b`` does not
    (these are no 404/410). The URL go uses never changes: the middlebox is put in toxiproxy's
    upstream, and out again when the fault is removed."""
    url, upstream = endpoint.url, endpoint.upstream
    text, kind = AT_ONCE[fault]
    with endpoint.fault(fault) as handle:
        box = box_of(handle)
        assert endpoint.url == url
        assert endpoint.client.proxy(endpoint.name).upstream == box.address
        assert_tls_failure(tidy(go, f"{url},{https_proxy.url}"), endpoint, text, kind)
        tidy(go, f"{url}|{https_proxy.url}").assert_ok()
        assert_go_gave_up_at_the_box(fault, box)
    assert endpoint.client.proxy(endpoint.name).upstream == upstream
    tidy(go, url).assert_ok()


def test_intercepted_works_through_the_firewall_when_its_ca_is_trusted(
    go: GoRunner, endpoint: Endpoint, https_proxy: FakeGoProxy
) -> None:
    """With the firewall's CA in ``SSL_CERT_FILE`` (beside the session CA, as people set it up
    behind such a firewall) go succeeds through the box, which decrypted go's requests: the
    interception is proved from its side, and the server got them from the box."""
    bundle = corporate_bundle()
    text = bundle.read_bytes()
    assert foreign_ca().pem in text and session_ca().pem in text
    handle = endpoint.inject("intercepted")
    box = box_of(handle)
    before = len(https_proxy.requests(kind="zip"))
    result = tidy(go, endpoint.url, SSL_CERT_FILE=str(bundle)).assert_ok()
    assert result.go_sum is not None and LIB in result.go_sum
    assert f"GET {ZIP_PATH}" in box.requests and f"GET {MOD_PATH}" in box.requests
    assert "ok" in box.handshakes
    assert len(https_proxy.requests(kind="zip")) == before + 1


def test_wrong_host_names_the_certificate_names_for_a_host_name(
    go: GoRunner, endpoint: Endpoint
) -> None:
    """For a URL with a host name (not an address) go lists the certificate's DNS names."""
    url = endpoint.url.replace("127.0.0.1", "localhost")
    with endpoint.fault("wrong_host"):
        result = tidy(go, url).assert_failure(Failure.TLS)
    assert "x509: certificate is valid for wrong.example, not localhost" in result.stderr
    assert result.tls_problem is TLSProblem.WRONG_HOST


def test_tls_stall_is_a_handshake_timeout(go: GoRunner, endpoint: Endpoint) -> None:
    """The box reads the ClientHello and never answers: net/http gives up after its 10 s
    ``TLSHandshakeTimeout``, classified DIAL_TIMEOUT with the TLS detail in ``tls_problem``."""
    with endpoint.fault("tls_stall") as handle:
        result = tidy(go, endpoint.url, timeout=STALL_TIMEOUT)
        result.assert_failure(Failure.DIAL_TIMEOUT)
        assert f'Get "{endpoint.url}{ZIP_PATH}": net/http: TLS handshake timeout' in result.stderr
        assert result.tls_problem is TLSProblem.HANDSHAKE_TIMEOUT
        assert box_of(handle).accepted == 1
        assert box_of(handle).handshakes == []  # it never answered one


@pytest.mark.slow  # two of net/http's 10 s TLS handshake timeouts, one per request
def test_tls_stall_pipe_list_falls_back_after_every_request_stalls(
    go: GoRunner, endpoint: Endpoint, https_proxy: FakeGoProxy
) -> None:
    """``a|b`` gets past a stalled handshake, but every request tries ``a`` first: the box
    accepted one connection for each of the .zip and the .mod that the backup then served."""
    zips, mods = len(https_proxy.requests(kind="zip")), len(https_proxy.requests(kind="mod"))
    with endpoint.fault("tls_stall") as handle:
        tidy(go, f"{endpoint.url}|{https_proxy.url}", timeout=STALL_TIMEOUT).assert_ok()
        assert box_of(handle).accepted == 2
    assert len(https_proxy.requests(kind="zip")) == zips + 1
    assert len(https_proxy.requests(kind="mod")) == mods + 1


def test_checksum_database_behind_the_firewall_is_a_sumdb_failure_caused_by_tls(
    go: GoRunner, network: Network, https_proxy: FakeGoProxy
) -> None:
    """A TLS fault in front of the checksum database: go names what it was doing (SUMDB), the
    cause is TLS and ``tls_problem`` says which TLS problem, as for a proxy."""
    with ChecksumDB(tls=True) as db:
        db.add_from(https_proxy.store)
        front = network.front(db)
        front.inject("intercepted")
        result = go.project(module="example.test/app", requires={LIB: VERSION}).tidy(
            env={"GOPROXY": https_proxy.url, "GOSUMDB": f"{db.key} {front.url}"}
        )
    result.assert_failure(Failure.SUMDB)
    assert "x509: certificate signed by unknown authority" in result.stderr
    assert (result.cause, result.tls_problem) == (Failure.TLS, TLSProblem.UNKNOWN_AUTHORITY)


# -- the endpoint's side: refusals, clean-up, and what stays as it was ---------------------------


def test_the_catalogue_makes_exactly_the_tls_faults_with_a_middlebox() -> None:
    tls = {name for name, fault in FAULTS.items() if fault.mechanism == "tls"}
    assert tls == {*AT_ONCE, "tls_stall"}
    for name, fault in FAULTS.items():
        assert (fault.tls is not None) == (name in tls), name


def test_the_box_forwards_in_plain_to_a_plain_http_server() -> None:
    """Standalone, a terminating box in front of an HTTP server is an HTTPS front whose
    certificate is the firewall's: a client trusting that CA gets the server's answer."""
    with FakeGoProxy() as plain:
        plain.add_module(LIB, VERSION, files={"lib.go": "package lib\n"})
        upstream = (plain.host, plain.port)
        with TLSBox("foreign_ca", upstream, upstream_tls=False) as box:
            context = ssl.create_default_context(cadata=foreign_ca().pem.decode())
            url = f"https://127.0.0.1:{box.port}/{LIB}/@v/list"
            with urllib.request.urlopen(url, context=context, timeout=10) as answer:
                assert answer.read().decode().split() == [VERSION]
            assert box.requests == [f"GET /{LIB}/@v/list"]
            assert box.handshakes == ["ok"]
        assert plain.requests(kind="list")


def test_a_plain_http_endpoint_refuses_tls_faults(network: Network) -> None:
    with FakeGoProxy() as plain:
        endpoint = network.front(plain)
        with pytest.raises(FaultError, match=r"breaks TLS.*without TLS.*tls=True"):
            endpoint.inject("expired_cert")
        assert endpoint.faults == []
        assert endpoint.client.proxy(endpoint.name).upstream == endpoint.upstream


def test_one_middlebox_at_a_time(endpoint: Endpoint) -> None:
    first = endpoint.inject("intercepted")
    with pytest.raises(FaultError, match="'intercepted' already puts a TLS middlebox"):
        endpoint.inject("wrong_host")
    assert endpoint.faults == [first]
    assert endpoint.client.proxy(endpoint.name).upstream == box_of(first).address
    first.remove()
    second = endpoint.inject("wrong_host")  # free again once the first is gone
    assert endpoint.client.proxy(endpoint.name).upstream == box_of(second).address


def test_a_disabled_proxy_stays_disabled_under_a_tls_fault(endpoint: Endpoint) -> None:
    """toxiproxy keeps the enabled state across an upstream change (api.go ProxyUpdate fills
    what the body leaves out), so ``refused`` and a TLS fault combine."""
    refused = endpoint.inject("refused")
    tls = endpoint.inject("plain_http")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((endpoint.host, endpoint.port), timeout=5).close()
    refused.remove()
    with socket.create_connection((endpoint.host, endpoint.port), timeout=5) as sock:
        sock.sendall(b"\x16\x03\x01\x00\x01\x01")  # a (tiny) TLS handshake record
        sock.settimeout(5)
        assert sock.recv(100).startswith(b"HTTP/1.1 400 Bad Request\r\n")
    tls.remove()
    assert endpoint.client.proxy(endpoint.name).enabled


def test_removal_and_network_close_end_every_box_thread_and_socket(
    network: Network, https_proxy: FakeGoProxy
) -> None:
    """A stalled connection is held open by the box until the fault goes; then its threads
    end and its port is closed. ``network.close()`` (the fixture's clean-up) does the same."""
    endpoint = network.front(https_proxy)
    handle = endpoint.inject("tls_stall")
    box = box_of(handle)
    client = socket.create_connection((endpoint.host, endpoint.port), timeout=5)
    client.sendall(b"\x16\x03\x01\x00\x01\x01")
    client.settimeout(5)
    try:
        assert tlsbox_threads()
        handle.remove()
        try:
            answer = client.recv(100)
        except ConnectionResetError:  # toxiproxy closed it before reading what was sent
            answer = b""
        assert answer == b""  # closed, not answered
    finally:
        client.close()
    assert not [n for n in tlsbox_threads() if f"-{box.port}-" in n]
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((box.host, box.port), timeout=5).close()

    other = network.front(https_proxy).inject("intercepted")
    network.close()
    assert not other.active
    assert not [n for n in tlsbox_threads() if f"-{box_of(other).port}-" in n]


# -- the second Go release ---------------------------------------------------------------------

SECOND = os.environ.get("PYTEST_GOPROXY_SECOND_GO")


@pytest.fixture(scope="module")
def second_go() -> GoBinary:
    """As tests/test_second_go.py: CI must name a second go, locally it is optional."""
    if not SECOND:
        if in_ci():
            pytest.fail("CI must set PYTEST_GOPROXY_SECOND_GO (see .ci/run)")
        pytest.skip("set PYTEST_GOPROXY_SECOND_GO to a second go binary to run these")
    return find_go(SECOND)


@pytest.mark.parametrize("fault", sorted(AT_ONCE))
def test_second_release_prints_the_same_texts(
    second_go: GoBinary,
    go_binary: GoBinary,
    endpoint: Endpoint,
    https_proxy: FakeGoProxy,
    fault: str,
) -> None:
    assert second_go.version != go_binary.version
    text, kind = AT_ONCE[fault]
    with GoRunner(second_go) as go, endpoint.fault(fault) as handle:
        assert_tls_failure(tidy(go, f"{endpoint.url},{https_proxy.url}"), endpoint, text, kind)
        tidy(go, f"{endpoint.url}|{https_proxy.url}").assert_ok()
        assert_go_gave_up_at_the_box(fault, box_of(handle))


def test_second_release_times_out_a_stalled_handshake_the_same_way(
    second_go: GoBinary, endpoint: Endpoint
) -> None:
    with GoRunner(second_go) as go, endpoint.fault("tls_stall"):
        result = tidy(go, endpoint.url, timeout=STALL_TIMEOUT)
    result.assert_failure(Failure.DIAL_TIMEOUT)
    assert f'Get "{endpoint.url}{ZIP_PATH}": net/http: TLS handshake timeout' in result.stderr
    assert result.tls_problem is TLSProblem.HANDSHAKE_TIMEOUT


#: The names (DNS names and addresses) a certificate of each terminating fault holds, for a
#: client asking for ``corp.example`` (SNI) and for one sending no name (an address URL): the
#: firewall's and the expired certificate name what was asked for, as a real firewall mints
#: its certificate for it; a wrong host's names other hosts whatever was asked.
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
NAMED: dict[str, tuple[set[str], set[str]]] = {
    "intercepted": ({"corp.example"}, LOOPBACK),
    "expired_cert": ({"corp.example"}, LOOPBACK),
    "wrong_host": ({"wrong.example", "127.0.0.2"}, {"wrong.example", "127.0.0.2"}),
}


def certificate_names(endpoint: Endpoint, server_name: str | None) -> set[str]:
    """The subjectAltNames of the certificate presented through toxiproxy to a client that
    asks for ``server_name`` (None: no SNI), read without verifying it (``getpeercert`` only
    decodes a verified one, hence cryptography)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with (
        socket.create_connection((endpoint.host, endpoint.port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=server_name) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    sans = x509.load_der_x509_certificate(der).extensions
    names = sans.get_extension_for_class(x509.SubjectAlternativeName).value
    return {*names.get_values_for_type(x509.DNSName)} | {
        str(address) for address in names.get_values_for_type(x509.IPAddress)
    }


@pytest.mark.parametrize("fault", sorted(NAMED))
def test_the_certificate_names_the_host_asked_for_or_another_for_wrong_host(
    endpoint: Endpoint, fault: str
) -> None:
    """Through the real toxiproxy: the name in the ClientHello decides the certificate of
    ``intercepted`` and ``expired_cert`` (and is recorded), never that of ``wrong_host``; with no
    name it is the loopback certificate, as before SNI was read."""
    named, unnamed = NAMED[fault]
    with endpoint.fault(fault) as handle:
        box = box_of(handle)
        assert certificate_names(endpoint, "corp.example") == named
        assert certificate_names(endpoint, None) == unnamed
        assert certificate_names(endpoint, "localhost") == (
            {"localhost"} if fault != "wrong_host" else unnamed
        )
        assert box.server_names == ["corp.example", None, "localhost"]


def test_blackhole_before_an_https_proxy_fails_at_the_tls_handshake_limit(
    go: GoRunner, endpoint: Endpoint, https_proxy: FakeGoProxy
) -> None:
    """What the catalogue says of ``blackhole`` over https: toxiproxy swallows the ClientHello,
    so net/http's 10 s ``TLSHandshakeTimeout`` ends the wait that over http never ends (the
    same text and classification as ``tls_stall``); nothing reached the server."""
    zips = len(https_proxy.requests(kind="zip"))
    with endpoint.fault("blackhole"):
        result = tidy(go, f"{endpoint.url},{https_proxy.url}", timeout=STALL_TIMEOUT)
    result.assert_failure(Failure.DIAL_TIMEOUT)
    assert f'Get "{endpoint.url}{ZIP_PATH}": net/http: TLS handshake timeout' in result.stderr
    assert result.tls_problem is TLSProblem.HANDSHAKE_TIMEOUT
    assert len(https_proxy.requests(kind="zip")) == zips
    assert "TLS handshake timeout" in FAULTS["blackhole"].comma

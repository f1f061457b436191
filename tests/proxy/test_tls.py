"""HTTPS fakes: go really negotiates TLS with them, trusting the session CA and nothing else
(issue 15)."""

from __future__ import annotations

import socket
import ssl
import threading
from pathlib import Path

from pytest_goproxy import ChecksumDB, Failure, FakeGoProxy, GoBinary, GoRunner
from pytest_goproxy.serving.tls import SessionCA, foreign_ca

LIB = "example.test/lib"


def test_go_downloads_over_tls_and_the_server_saw_the_handshakes(
    go: GoRunner, goproxy_ca: SessionCA
) -> None:
    """From the server side: the context's SNI callback runs once per TLS handshake, and
    only TLS is spoken on that port, so every logged request came over TLS."""
    handshakes: list[str | None] = []
    lock = threading.Lock()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    goproxy_ca.issue().configure_cert(ctx)

    def seen(_sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        with lock:
            handshakes.append(name)

    ctx.sni_callback = seen
    with FakeGoProxy(tls=ctx) as proxy:
        proxy.add_module(LIB, "v1.0.0", files={"lib.go": "package lib\n"})
        assert proxy.url.startswith("https://127.0.0.1:")
        result = go.project(requires={LIB: "v1.0.0"}).tidy(env={"GOPROXY": proxy.url})
        result.assert_ok()
        assert proxy.requests(kind="zip")
    assert handshakes, "go never completed a TLS handshake with the proxy"
    assert set(handshakes) == {None}  # go sends no SNI for an IP address


def test_plain_http_to_the_tls_port_gets_no_http_answer(goproxy_tls: FakeGoProxy) -> None:
    port = int(goproxy_tls.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"GET /example.test/lib/@v/list HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.settimeout(5)
        try:
            answer = sock.recv(100)
        except (ConnectionResetError, TimeoutError):
            answer = b""
    assert not answer.startswith(b"HTTP/1.1 200")


def test_the_https_fixture_serves_go(goproxy_tls: FakeGoProxy, go: GoRunner) -> None:
    goproxy_tls.add_module(LIB, "v1.0.0", files={"lib.go": "package lib\n"})
    go.project(requires={LIB: "v1.0.0"}).tidy(env={"GOPROXY": goproxy_tls.url}).assert_ok()


def test_a_ca_go_does_not_trust_is_an_x509_failure(goproxy_tls: FakeGoProxy, go: GoRunner) -> None:
    goproxy_tls.add_module(LIB, "v1.0.0", files={"lib.go": "package lib\n"})
    untrusted = foreign_ca().bundle()  # another CA only: not the one that signed the server's
    result = go.project(requires={LIB: "v1.0.0"}).tidy(
        env={"GOPROXY": goproxy_tls.url, "SSL_CERT_FILE": str(untrusted)}
    )
    assert "x509: certificate signed by unknown authority" in result.stderr
    result.assert_failure(Failure.TLS)
    assert not goproxy_tls.requests()  # go gave up in the handshake: no request was made


def test_a_checksum_database_over_tls_verifies(go: GoRunner, goproxy_tls: FakeGoProxy) -> None:
    goproxy_tls.add_module(LIB, "v1.0.0", files={"lib.go": "package lib\n"})
    with ChecksumDB(tls=True) as db:
        db.add_from(goproxy_tls.store)
        assert db.url.startswith("https://127.0.0.1:")
        result = go.project(requires={LIB: "v1.0.0"}).tidy(
            env={"GOPROXY": goproxy_tls.url, **db.env}
        )
        result.assert_ok()
        assert any(r.kind == "lookup" for r in db.request_log)


def test_the_hermetic_run_trusts_the_session_ca_alone(go: GoRunner, goproxy_ca: SessionCA) -> None:
    result = go.run(["env", "GOROOT"])
    bundle = result.env["SSL_CERT_FILE"]
    assert result.env["GIT_SSL_CAINFO"] == result.env["CURL_CA_BUNDLE"] == bundle
    with open(bundle, "rb") as f:
        assert f.read() == goproxy_ca.pem  # the guard is on: no system root


def test_without_the_guard_the_system_roots_are_trusted_too(
    go_binary: GoBinary, goproxy_ca: SessionCA, tmp_path: Path
) -> None:
    with GoRunner(go_binary, guard=False, workdir=tmp_path) as runner:
        result = runner.run(["env", "GOROOT"])
    with open(result.env["SSL_CERT_FILE"], "rb") as f:
        text = f.read()
    assert text.startswith(goproxy_ca.pem)
    assert text.count(b"BEGIN CERTIFICATE") > 1


def test_threads_asking_for_the_session_ca_at_once_get_one_ca() -> None:
    """The first HTTPS cells of a matrix start side by side: two CAs made at once would give
    one server a certificate go's bundle does not trust."""
    from concurrent.futures import ThreadPoolExecutor

    from pytest_goproxy.serving import tls

    saved = dict(tls._cas)
    tls._cas.clear()
    try:
        with ThreadPoolExecutor(8) as pool:
            cas = list(pool.map(lambda _: tls.session_ca(), range(8)))
        assert len({id(ca) for ca in cas}) == 1
    finally:
        tls._cas.clear()
        tls._cas.update(saved)

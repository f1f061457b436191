"""``serve --tls``: the proxy and the checksum database over HTTPS, so a shell's go speaks HTTP/2
to them and the HTTP/2 (and TLS) faults can be switched on, as in the matrix and scenarios."""

from __future__ import annotations

from pytest_goproxy import Failure, GoRunner, Toxiproxy
from pytest_goproxy.scenarios import BUNDLED
from pytest_goproxy.serve import OutageServer
from pytest_goproxy.serving.tls import session_ca


def test_serve_tls_speaks_http2_and_plays_the_http2_faults(
    toxiproxy: Toxiproxy, go: GoRunner
) -> None:
    with OutageServer(toxiproxy=toxiproxy, summary_every=0, tls=True) as server:
        env = server.env
        assert env["GOPROXY"].startswith("https://") and "https://" in env["GOSUMDB"]
        assert env["SSL_CERT_FILE"] == str(session_ca().bundle(system_roots=True))
        assert any(line.startswith("export SSL_CERT_FILE=") for line in server.export_lines())
        go.project_from_dir(BUNDLED / "project").tidy(env=env, timeout=30).assert_ok()
        assert {r.protocol for r in server.proxy.request_log} == {"HTTP/2"}

        added = server.add_fault("rst_stream", {"kind": "zip", "after_bytes": 100})
        assert added["layer"] == "http"
        result = go.project_from_dir(BUNDLED / "project").tidy(env=env, timeout=30)
        result.assert_failure(Failure.TRUNCATED)
        assert result.h2_error == "INTERNAL_ERROR"


def test_serve_without_tls_refuses_an_http2_fault_with_the_way_out(toxiproxy: Toxiproxy) -> None:
    import pytest

    from pytest_goproxy.errors import FaultError

    with OutageServer(toxiproxy=toxiproxy, summary_every=0) as server:
        with pytest.raises(FaultError, match="never speaks HTTP/2"):
            server.add_fault("goaway")
        assert "SSL_CERT_FILE" not in server.env

"""A TLS failure the probe saw is written as the TLS fault that makes go see the same."""

from __future__ import annotations

import pytest

from pytest_goproxy.probe.scenario import tls_fault


@pytest.mark.parametrize(
    ("detail", "fault"),
    [
        (
            "tls: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local "
            "issuer certificate (_ssl.c:1006)",
            "intercepted",
        ),
        (
            "tls: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has "
            "expired (_ssl.c:1006)",
            "expired_cert",
        ),
        (
            "tls: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, "
            "certificate is not valid for 'proxy.example'. (_ssl.c:1006)",
            "wrong_host",
        ),
        ("tls: [SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)", "plain_http"),
        ("tls: [SSL: RECORD_LAYER_FAILURE] record layer failure (_ssl.c:1006)", "plain_http"),
        ("tls: something nobody has seen", "intercepted"),
    ],
)
def test_each_handshake_error_is_played_by_its_fault(detail: str, fault: str) -> None:
    assert tls_fault(detail) == fault

"""classify() on TLS failures: the failure, and which TLS problem (``tls_problem``).

Texts marked "recorded" were printed by go1.26.8 (and identically by go1.27.3) linux/amd64
through the network catalogue's TLS faults (tests/network/test_tls_faults.py runs them with the
real go; ports as they were). Texts marked "composed" are built from the format strings in Go's
sources (crypto/x509 verify.go ``HostnameError.Error``, crypto/tls alert.go), for messages that
no fault here makes.
"""

from __future__ import annotations

import pytest

from pytest_goproxy.gorun import Failure, GoResult, classify
from pytest_goproxy.gorun.failure import TLSProblem

IMPORTS = "go: downloading example.test/lib v1.2.0\ngo: example.test/app imports\n\t"
URL = "https://127.0.0.1:34317/example.test/lib/@v/v1.2.0.zip"
GET = f'example.test/lib: example.test/lib@v1.2.0: Get "{URL}": '
VERIFY = "tls: failed to verify certificate: x509: "


@pytest.mark.parametrize(
    ("error", "failure", "tls_problem"),
    [
        pytest.param(
            VERIFY + "certificate signed by unknown authority",
            Failure.TLS,
            TLSProblem.UNKNOWN_AUTHORITY,
            id="recorded-intercepted",
        ),
        pytest.param(
            VERIFY + "certificate has expired or is not yet valid: current time "
            "2026-12-01T16:47:38Z is after 2021-01-01T00:00:00Z",
            Failure.TLS,
            TLSProblem.EXPIRED,
            id="recorded-expired_cert",
        ),
        pytest.param(
            VERIFY + "certificate is valid for 127.0.0.2, not 127.0.0.1",
            Failure.TLS,
            TLSProblem.WRONG_HOST,
            id="recorded-wrong_host",
        ),
        pytest.param(
            VERIFY + "certificate is valid for wrong.example, not localhost",
            Failure.TLS,
            TLSProblem.WRONG_HOST,
            id="recorded-wrong_host-by-name",
        ),
        pytest.param(
            VERIFY + "cannot validate certificate for 127.0.0.1 because it doesn't contain any "
            "IP SANs",
            Failure.TLS,
            TLSProblem.WRONG_HOST,
            id="composed-no-ip-sans",
        ),
        pytest.param(
            VERIFY + "certificate is not valid for any names, but wanted to match localhost",
            Failure.TLS,
            TLSProblem.WRONG_HOST,
            id="composed-no-names",
        ),
        pytest.param(
            "http: server gave HTTP response to HTTPS client",
            Failure.TLS,
            TLSProblem.NOT_TLS,
            id="recorded-plain_http",
        ),
        pytest.param(
            "tls: first record does not look like a TLS handshake",
            Failure.TLS,
            TLSProblem.NOT_TLS,
            id="recorded-no-http-answer (test_gorun_failures_real)",
        ),
        pytest.param(
            "net/http: TLS handshake timeout",
            Failure.DIAL_TIMEOUT,
            TLSProblem.HANDSHAKE_TIMEOUT,
            id="recorded-tls_stall",
        ),
        pytest.param(
            "remote error: tls: handshake failure",
            Failure.TLS,
            TLSProblem.OTHER,
            id="composed-alert-from-the-server",
        ),
    ],
)
def test_each_tls_problem_is_named(error: str, failure: Failure, tls_problem: TLSProblem) -> None:
    result = classify(IMPORTS + GET + error + "\n")
    assert (result.failure, result.tls_problem, result.cause) == (failure, tls_problem, None)
    assert (result.url, result.host) == (URL, "127.0.0.1")


@pytest.mark.parametrize(
    "error",
    [
        "dial tcp 127.0.0.1:34317: connect: connection refused",
        "dial tcp 127.0.0.1:34317: i/o timeout",
        "read tcp 127.0.0.1:1->127.0.0.1:34317: read: connection reset by peer",
    ],
)
def test_other_network_failures_have_no_tls_error(error: str) -> None:
    assert classify(IMPORTS + GET + error + "\n").tls_problem is None


@pytest.mark.parametrize(
    ("error", "tls_problem"),
    [
        (VERIFY + "certificate signed by unknown authority", TLSProblem.UNKNOWN_AUTHORITY),
        ("http: server gave HTTP response to HTTPS client", TLSProblem.NOT_TLS),
    ],
)
def test_checksum_database_over_broken_tls_is_sumdb_caused_by_tls(
    error: str, tls_problem: TLSProblem
) -> None:
    """Recorded: a TLS fault in front of ChecksumDB(tls=True). The failure is what go was doing,
    the cause the network failure, ``tls_problem`` the TLS problem under both."""
    text = (
        IMPORTS + "example.test/lib: example.test/lib@v1.2.0: verifying module: "
        'example.test/lib@v1.2.0: Get "https://127.0.0.1:33945/lookup/example.test/lib@v1.2.0": '
        + error
        + "\n"
    )
    result = classify(text)
    assert (result.failure, result.cause, result.tls_problem) == (
        Failure.SUMDB,
        Failure.TLS,
        tls_problem,
    )


def test_the_result_shows_the_tls_error() -> None:
    result = GoResult.create(
        args=("mod", "tidy"),
        command=("go", "mod", "tidy"),
        env={},
        cwd=None,
        returncode=1,
        stdout="",
        stderr=IMPORTS + GET + VERIFY + "certificate signed by unknown authority\n",
        duration=0.1,
        hung=False,
        timeout=60.0,
    )
    assert result.tls_problem is TLSProblem.UNKNOWN_AUTHORITY
    assert "tls_problem=TLSProblem.UNKNOWN_AUTHORITY" in result.describe()
    with pytest.raises(AssertionError, match=r"expected failure DIAL_TIMEOUT, got TLS"):
        result.assert_failure(Failure.DIAL_TIMEOUT)


def test_a_successful_run_has_no_tls_error() -> None:
    result = GoResult.create(
        args=("version",),
        command=("go", "version"),
        env={},
        cwd=None,
        returncode=0,
        stdout="go version go1.26.8 linux/amd64\n",
        stderr="",
        duration=0.1,
        hung=False,
        timeout=60.0,
    )
    assert result.tls_problem is None

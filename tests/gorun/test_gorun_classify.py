"""classify() on texts recorded from real runs.

Unless a case says otherwise the text was printed by go1.26.8 linux/amd64 against the loopback
servers of test_gorun_failures_real.py (ports and temp paths as they were). Cases marked
"composed" are built from the format strings in the Go sources named in
pytest_goproxy/gorun/failure.py, for messages no loopback test here can make (other OSes, older
Go).
"""

from __future__ import annotations

import pytest

from pytest_goproxy.gorun import Failure, classify
from pytest_goproxy.gorun.result import json_errors

IMPORTS = "go: downloading example.test/lib v1.2.0\ngo: example.test/app imports\n\t"
ZIP = "http://127.0.0.1:{port}/example.test/lib/@v/v1.2.0.zip"

CASES: list[tuple[str, str, Failure, str | None, str | None, int | None]] = [
    # (id, stderr, failure, url, host, status)
    (
        "refused",
        IMPORTS + 'example.test/lib: example.test/lib@v1.2.0: Get "http://127.0.0.1:43599/'
        'example.test/lib/@v/v1.2.0.zip": dial tcp 127.0.0.1:43599: connect: connection refused\n',
        Failure.REFUSED,
        ZIP.format(port=43599),
        "127.0.0.1",
        None,
    ),
    (
        "dns-nxdomain",
        IMPORTS + 'example.test/lib: example.test/lib@v1.2.0: Get "http://proxy.example.invalid/'
        'example.test/lib/@v/v1.2.0.zip": dial tcp: lookup proxy.example.invalid on '
        "10.255.255.53:53: no such host\n",
        Failure.DNS,
        "http://proxy.example.invalid/example.test/lib/@v/v1.2.0.zip",
        "proxy.example.invalid",
        None,
    ),
    (
        "dns-servfail (composed: net/dnsclient_unix.go errServerMisbehaving)",
        'go: example.test/lib@v1.2.0: Get "https://goproxy.example.com/example.test/lib/@v/'
        'v1.2.0.info": dial tcp: lookup goproxy.example.com on 127.0.0.53:53: server misbehaving',
        Failure.DNS,
        "https://goproxy.example.com/example.test/lib/@v/v1.2.0.info",
        "goproxy.example.com",
        None,
    ),
    (
        "dns-timeout (composed: lookup timeout is DNS, not DIAL_TIMEOUT)",
        'go: example.test/lib@v1.2.0: Get "https://goproxy.example.com/x": dial tcp: lookup '
        "goproxy.example.com on 127.0.0.53:53: read udp 127.0.0.1:5->127.0.0.53:53: i/o timeout",
        Failure.DNS,
        "https://goproxy.example.com/x",
        "goproxy.example.com",
        None,
    ),
    (
        "reset",
        IMPORTS + 'example.test/lib: example.test/lib@v1.2.0: Get "http://127.0.0.1:57445/'
        'example.test/lib/@v/v1.2.0.zip": read tcp 127.0.0.1:48802->127.0.0.1:57445: read: '
        "connection reset by peer\n",
        Failure.RESET,
        ZIP.format(port=57445),
        "127.0.0.1",
        None,
    ),
    (
        "closed-before-response",
        IMPORTS + 'example.test/lib: example.test/lib@v1.2.0: Get "http://127.0.0.1:39311/'
        'example.test/lib/@v/v1.2.0.zip": EOF\n',
        Failure.RESET,
        ZIP.format(port=39311),
        "127.0.0.1",
        None,
    ),
    (
        "dial-timeout (opt-in slow test, full accept queue)",
        IMPORTS + 'example.test/lib: example.test/lib@v1.2.0: Get "http://127.0.0.1:40001/'
        'example.test/lib/@v/v1.2.0.zip": dial tcp 127.0.0.1:40001: i/o timeout\n',
        Failure.DIAL_TIMEOUT,
        ZIP.format(port=40001),
        "127.0.0.1",
        None,
    ),
    (
        "tls-handshake-timeout",
        IMPORTS + 'example.test/lib: example.test/lib@v1.2.0: Get "https://127.0.0.1:41234/'
        'example.test/lib/@v/v1.2.0.zip": net/http: TLS handshake timeout\n',
        Failure.DIAL_TIMEOUT,
        "https://127.0.0.1:41234/example.test/lib/@v/v1.2.0.zip",
        "127.0.0.1",
        None,
    ),
    (
        "truncated-zip",
        IMPORTS + 'example.test/lib: example.test/lib@v1.2.0: read "http://127.0.0.1:37599/'
        'example.test/lib/@v/v1.2.0.zip": unexpected EOF\n',
        Failure.TRUNCATED,
        ZIP.format(port=37599),
        "127.0.0.1",
        None,
    ),
    (
        "tls-plain-http-port",
        IMPORTS + 'example.test/lib: example.test/lib@v1.2.0: Get "https://127.0.0.1:33755/'
        'example.test/lib/@v/v1.2.0.zip": tls: first record does not look like a TLS handshake\n',
        Failure.TLS,
        "https://127.0.0.1:33755/example.test/lib/@v/v1.2.0.zip",
        "127.0.0.1",
        None,
    ),
    (
        "tls-unknown-ca (trustme CA)",
        IMPORTS + 'example.test/lib: example.test/lib@v1.2.0: Get "https://127.0.0.1:39187/'
        'example.test/lib/@v/v1.2.0.zip": tls: failed to verify certificate: x509: certificate '
        "signed by unknown authority\n",
        Failure.TLS,
        "https://127.0.0.1:39187/example.test/lib/@v/v1.2.0.zip",
        "127.0.0.1",
        None,
    ),
    *[
        (
            f"status-{code}",
            IMPORTS + "example.test/lib: example.test/lib@v1.2.0: reading "
            f"http://127.0.0.1:42471/example.test/lib/@v/v1.2.0.zip: {code} {text}\n"
            "\tserver response: pytest-goproxy says no\n",
            failure,
            ZIP.format(port=42471),
            "127.0.0.1",
            code,
        )
        for code, text, failure in [
            (404, "Not Found", Failure.NOT_FOUND),
            (410, "Gone", Failure.NOT_FOUND),
            (500, "Internal Server Error", Failure.HTTP_STATUS),
            (502, "Bad Gateway", Failure.HTTP_STATUS),
            (403, "Forbidden", Failure.HTTP_STATUS),
            (429, "Too Many Requests", Failure.HTTP_STATUS),
        ]
    ],
    (
        "list-404",
        "go: module example.test/lib: reading http://127.0.0.1:38307/example.test/lib/@v/list: "
        "404 Not Found\n",
        Failure.NOT_FOUND,
        "http://127.0.0.1:38307/example.test/lib/@v/list",
        "127.0.0.1",
        404,
    ),
    (
        "empty-list",
        'go: module example.test/lib: no matching versions for query "latest"\n',
        Failure.NOT_FOUND,
        None,
        None,
        None,
    ),
    (
        "file-proxy-missing-version",
        "go: example.test/lib@v1.3.0: reading file:///tmp/tmppjizy_vm/example.test/lib/@v/"
        "v1.3.0.info: no such file or directory\n",
        Failure.NOT_FOUND,
        "file:///tmp/tmppjizy_vm/example.test/lib/@v/v1.3.0.info",
        None,
        None,
    ),
    (
        "guard-connect-refused",
        IMPORTS + 'example.test/lib: example.test/lib@v1.2.0: Get "https://proxy.golang.org/'
        'example.test/lib/@v/v1.2.0.zip": Forbidden\n',
        Failure.HTTP_STATUS,
        "https://proxy.golang.org/example.test/lib/@v/v1.2.0.zip",
        "proxy.golang.org",
        403,
    ),
    (
        "guard-direct-vcs",
        IMPORTS + 'example.test/lib: unrecognized import path "example.test/lib": https fetch: '
        'Get "https://example.test/lib?go-get=1": Forbidden\n',
        Failure.HTTP_STATUS,
        "https://example.test/lib?go-get=1",
        "example.test",
        403,
    ),
    (
        "redirect-loop (the redirect fault with n=11 on the zip)",
        'go: example.test/lib@v1.0.0: Get "http://127.0.0.1:44375/example.test/lib/@v/v1.0.0.zip'
        '?pytest-goproxy-hop=redirect-1.10": stopped after 10 redirects\n',
        Failure.INVALID_RESPONSE,
        "http://127.0.0.1:44375/example.test/lib/@v/v1.0.0.zip?pytest-goproxy-hop=redirect-1.10",
        "127.0.0.1",
        None,
    ),
    (
        "flate-corrupt (deflated data of a zip member damaged)",
        "go: flate: corrupt input before offset 5\n",
        Failure.INVALID_RESPONSE,
        None,
        None,
        None,
    ),
    (
        "zip-checksum (the corrupt_zip fault: every CRC-32 inverted)",
        "go: zip: checksum error\n",
        Failure.INVALID_RESPONSE,
        None,
        None,
        None,
    ),
    (
        "bad-json",
        'go: module example.test/lib: invalid response from proxy "http://127.0.0.1:36597": '
        "invalid character 'n' looking for beginning of object key string\n",
        Failure.INVALID_RESPONSE,
        "http://127.0.0.1:36597",
        "127.0.0.1",
        None,
    ),
    (
        "not-a-zip",
        IMPORTS + "example.test/lib: zip: not a valid zip file\n",
        Failure.INVALID_RESPONSE,
        None,
        None,
        None,
    ),
    (
        "malformed-http-response",
        IMPORTS + 'example.test/lib: example.test/lib@v1.2.0: Get "http://127.0.0.1:33855/'
        'example.test/lib/@v/v1.2.0.zip": net/http: HTTP/1.x transport connection broken: '
        'malformed HTTP response "GARBAGE"\n',
        Failure.INVALID_RESPONSE,
        ZIP.format(port=33855),
        "127.0.0.1",
        None,
    ),
    (
        "proxy-off",
        IMPORTS + "example.test/lib: module lookup disabled by GOPROXY=off\n",
        Failure.PROXY_OFF,
        None,
        None,
        None,
    ),
    (
        "proxy-off-download",
        "go: example.test/lib@v1.2.0: module lookup disabled by GOPROXY=off\n",
        Failure.PROXY_OFF,
        None,
        None,
        None,
    ),
    (
        "git-connect-refused (git 2.39.5/curl 7.88 through the guard, GOPROXY=direct)",
        "go: downloading github.com/foo/bar v1.0.0\ngo: example.test/app imports\n"
        "\tgithub.com/foo/bar: reading github.com/foo/bar/go.mod at revision v1.0.0: git "
        "ls-remote -q --end-of-options https://github.com/foo/bar in /tmp/gv/w/gorun-26l25mof/runs/"
        "0002-mod-tidy/modcache/cache/vcs/191432c660eecedd0faf8d7c7fc9350ab7594eb327c200b0eb58361e"
        "27d0a0d4: exit status 128:\n"
        "\tfatal: unable to access 'https://github.com/foo/bar/': CONNECT tunnel failed, "
        "response 403\n",
        Failure.HTTP_STATUS,
        "https://github.com/foo/bar/",
        "github.com",
        403,
    ),
    (
        "git-connect-refused-older-curl (composed: curl's message before the CONNECT rewrite)",
        "\tfatal: unable to access 'https://github.com/foo/bar/': Received HTTP code 403 from "
        "proxy after CONNECT\n",
        Failure.HTTP_STATUS,
        "https://github.com/foo/bar/",
        "github.com",
        403,
    ),
    (
        "git-http-status (git 2.39.5 ls-remote http:// through the guard)",
        "remote: pytest-goproxy network guard: refused GET http://example.test/a/info/refs?"
        "service=git-upload-pack; a test may only reach loopback servers (pass guard=False to "
        "GoRunner to opt out)\nfatal: unable to access 'http://example.test/a/': The requested "
        "URL returned error: 403\n",
        Failure.HTTP_STATUS,
        "http://example.test/a/",
        "example.test",
        403,
    ),
    (
        "git-http-404 (composed: git's text for a server's 404)",
        "\tfatal: unable to access 'https://git.example.test/a/': The requested URL returned "
        "error: 404\n",
        Failure.NOT_FOUND,
        "https://git.example.test/a/",
        "git.example.test",
        404,
    ),
    (
        "no-secure-protocol (GOPROXY=direct, every scheme of a .git path refused)",
        "go: downloading example.com/nosuch.git v1.0.0\ngo: example.test/app imports\n"
        "\texample.com/nosuch.git: no secure protocol found for repository\n",
        Failure.UNKNOWN,
        None,
        "example.com",
        None,
    ),
    (
        "guard-ssh-refusal (go mod tidy -v, GOINSECURE: the pings' output)",
        "# cd /tmp/w/modcache; git ls-remote git://example.test/a\n"
        "fatal: transport 'git' not allowed\n"
        "# cd /tmp/w/modcache; git ls-remote https://example.test/a\n"
        "fatal: unable to access 'https://example.test/a/': CONNECT tunnel failed, response 403\n"
        "# cd /tmp/w/modcache; git ls-remote git+ssh://example.test/a\n"
        "pytest-goproxy network guard: refused SSH example.test:22; a test may only reach "
        "loopback servers (pass guard=False to GoRunner to opt out)\n"
        "fatal: Could not read from remote repository.\n"
        "go: example.test/app imports\n\texample.test/a.git: no protocol found for repository\n",
        Failure.REFUSED,
        None,
        "example.test",
        None,
    ),
    (
        "toolchain-go-line",
        "go: go.mod requires go >= 1.99 (running go 1.26.8; GOTOOLCHAIN=local)\n",
        Failure.TOOLCHAIN,
        None,
        None,
        None,
    ),
    (
        "toolchain-go1.20 (composed: Go before 1.21 adds a note to the build error)",
        "# example.test/app\n./main.go:3:8: undefined: x\nnote: module requires Go 1.99\n",
        Failure.TOOLCHAIN,
        None,
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("text", "failure", "url", "host", "status"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_recorded_texts(
    text: str, failure: Failure, url: str | None, host: str | None, status: int | None
) -> None:
    result = classify(text)
    assert (result.failure, result.url, result.host, result.status_code) == (
        failure,
        url,
        host,
        status,
    )


CHECKSUM = """go: downloading example.test/lib v1.2.0
verifying example.test/lib@v1.2.0: checksum mismatch
	downloaded: h1:/7Y4isuBQonFBMrg48x9iJbebERGnVKC6B5UTQetUGQ=
	go.sum:     h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=

SECURITY ERROR
This download does NOT match an earlier download recorded in go.sum.
The bits may have been replaced on the origin server, or an attacker may
have intercepted the download attempt.

For more information, see 'go help module-auth'.
"""


def test_checksum_mismatch_is_not_a_sumdb_failure() -> None:
    result = classify(CHECKSUM)
    assert result.failure is Failure.CHECKSUM_MISMATCH
    assert result.line == "verifying example.test/lib@v1.2.0: checksum mismatch"


@pytest.mark.parametrize(
    ("text", "cause", "status"),
    [
        pytest.param(
            IMPORTS + "example.test/lib: example.test/lib@v1.2.0: verifying module: "
            'example.test/lib@v1.2.0: Get "http://127.0.0.1:40487/lookup/example.test/lib@v1.2.0":'
            " dial tcp 127.0.0.1:40487: connect: connection refused\n",
            Failure.REFUSED,
            None,
            id="refused",
        ),
        pytest.param(
            IMPORTS + "example.test/lib: example.test/lib@v1.2.0: verifying module: "
            "example.test/lib@v1.2.0: reading http://127.0.0.1:40665/lookup/"
            "example.test/lib@v1.2.0: 404 Not Found\n",
            Failure.NOT_FOUND,
            404,
            id="404",
        ),
        pytest.param(
            IMPORTS + "example.test/lib: example.test/lib@v1.2.0: verifying module: "
            "example.test/lib@v1.2.0: reading http://127.0.0.1:40543/lookup/"
            "example.test/lib@v1.2.0: 500 Internal Server Error\n",
            Failure.HTTP_STATUS,
            500,
            id="500",
        ),
        pytest.param(
            IMPORTS + "example.test/lib: example.test/lib@v1.2.0: verifying module: "
            'example.test/lib@v1.2.0: Get "https://sum.golang.org/lookup/example.test/lib@v1.2.0":'
            " proxyconnect tcp: dial tcp 127.0.0.1:47059: connect: connection refused\n",
            Failure.REFUSED,
            None,
            id="proxyconnect",
        ),
        pytest.param(
            IMPORTS + "example.test/lib: example.test/lib@v1.2.0: verifying module: invalid "
            "GOSUMDB: malformed verifier id\n",
            None,
            None,
            id="bad-key",
        ),
    ],
)
def test_sumdb(text: str, cause: Failure | None, status: int | None) -> None:
    result = classify(text)
    assert result.failure is Failure.SUMDB
    assert result.cause is cause
    assert result.status_code == status


def test_toolchain_download_names_the_network_cause() -> None:
    text = (
        "go: downloading go1.99.1 (linux/amd64)\ngo: download go1.99.1: golang.org/toolchain@"
        "v0.0.1-go1.99.1.linux-amd64: reading https://proxy.golang.org/golang.org/toolchain/@v/"
        "v0.0.1-go1.99.1.linux-amd64.zip: 403 Forbidden\n"
        "\tserver response: This module version is not available.\n"
    )
    result = classify(text)
    assert (result.failure, result.cause, result.status_code, result.host) == (
        Failure.TOOLCHAIN,
        Failure.HTTP_STATUS,
        403,
        "proxy.golang.org",
    )


@pytest.mark.parametrize(
    ("text", "failure"),
    [
        ("go: updates to go.mod needed; to update it:\n\tgo mod tidy\n", Failure.UNKNOWN),
        ("", Failure.UNKNOWN),
        # composed: Windows texts of the same net errors (net/fd_windows.go, wsaerror strings)
        (
            'Get "http://127.0.0.1:1/x": dial tcp 127.0.0.1:1: connectex: No connection could be '
            "made because the target machine actively refused it.",
            Failure.REFUSED,
        ),
        (
            'Get "http://127.0.0.1:1/x": read tcp 127.0.0.1:2->127.0.0.1:1: wsarecv: An existing '
            "connection was forcibly closed by the remote host.",
            Failure.RESET,
        ),
        ("zip: not a valid zip file", Failure.INVALID_RESPONSE),
        # a status line that mentions ".zip:" must not be read as a zip error
        ("reading http://h/m/@v/v1.0.0.zip: 503 Service Unavailable", Failure.HTTP_STATUS),
        (
            "\r\n".join(["go: example.test/lib@v1.2.0: module lookup disabled by GOPROXY=off"]),
            Failure.PROXY_OFF,
        ),
    ],
)
def test_other_texts(text: str, failure: Failure) -> None:
    assert classify(text).failure is failure


def test_unknown_keeps_the_last_line() -> None:
    assert classify("first\nsecond\n\n").line == "second"


def test_json_errors_from_go_mod_download_json() -> None:
    stdout = (
        '{\n\t"Path": "example.test/lib",\n\t"Version": "v1.2.0",\n\t"Error": "example.test/lib'
        '@v1.2.0: invalid response from proxy \\"http://127.0.0.1:1\\": invalid character"\n}\n'
    )
    assert json_errors(stdout) == [
        'example.test/lib@v1.2.0: invalid response from proxy "http://127.0.0.1:1": invalid '
        "character"
    ]
    assert classify("\n".join(json_errors(stdout))).failure is Failure.INVALID_RESPONSE

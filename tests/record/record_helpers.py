"""Helpers for the record tests: a user's shell environment, and one behind a routing proxy.

``record`` inherits the user's environment on purpose (their GOPROXY, GOPRIVATE, proxy
variables, certificates). A user who reaches a private code host through a corporate proxy has
``HTTPS_PROXY`` and ``SSL_CERT_FILE`` set; :func:`behind_guard` gives a test the same shape,
with the test runner's network guard as that proxy, routing host names to fake origins.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from pytest_goproxy import GoRunner
from pytest_goproxy.gorun.environment import CA_VARIABLES, GUARD_NO_PROXY
from pytest_goproxy.serving.tls import session_ca


def user_env(tmp: Path, **settings: str) -> dict[str, str]:
    """The environment of a user's shell: a home of its own, the Go settings given (GOPROXY,
    GOSUMDB, GOPRIVATE...) and nothing of this machine's Go setup."""
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "GOPATH": str(tmp / "gopath"),
        "GOCACHE": str(tmp / "gocache"),
        "GOENV": "off",
        "GOTOOLCHAIN": "local",
        "GOTELEMETRY": "off",
        "GOFLAGS": "-mod=mod",
        "GIT_CONFIG_NOSYSTEM": "1",
        **settings,
    }


@contextmanager
def behind_guard(
    go: GoRunner, env: Mapping[str, str], routes: Mapping[str, object]
) -> Iterator[dict[str, str]]:
    """``env`` with the proxy and certificate variables of a shell behind a corporate proxy
    that routes ``routes`` (host -> fake server): the guard of ``go`` through a door of its own
    (closed on exit), and the session CA trusted by go and git."""
    guard = go.guard
    assert guard is not None, "the go runner has no network guard"
    guard.start()
    with guard.door("record", routes) as door:
        proxy = door.url()
        yield {
            **env,
            **dict.fromkeys(("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"), proxy),
            **dict.fromkeys(("NO_PROXY", "no_proxy"), GUARD_NO_PROXY),
            **dict.fromkeys(CA_VARIABLES, str(session_ca().bundle())),
        }

"""Fixtures of the peer tests: other module proxies to hold FakeGoProxy against.

``cmd_go_test_binary`` builds cmd/go's test binary from the GOROOT of the go under test (once,
cached per GOVERSION: see :mod:`peers.cmdgo`); ``cmd_go_reference_proxy`` runs the proxy inside
it for the whole session. When either cannot be had the tests skip with the reason, except in
CI, where that is a failure (``pytest_goproxy.ci.skip_or_fail``): a comparison that silently
never ran would read as agreement.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_goproxy.ci import skip_or_fail
from pytest_goproxy.gorun import GoBinary

from .cmdgo import BuildError, CmdGoProxy, build_cmd_go_test, cmd_go_dir, cmd_go_proxy


@pytest.fixture(scope="session")
def cmd_go_source(go_binary: GoBinary) -> Path:
    """``$GOROOT/src/cmd/go`` of the go under test (holds ``testdata/mod``)."""
    try:
        return cmd_go_dir(go_binary)
    except BuildError as exc:
        skip_or_fail(str(exc))


@pytest.fixture(scope="session")
def cmd_go_test_binary(go_binary: GoBinary, cmd_go_source: Path) -> Path:
    """cmd/go's test binary for ``go_binary``'s release, built once and cached."""
    try:
        return build_cmd_go_test(go_binary)
    except BuildError as exc:
        skip_or_fail(str(exc))


@pytest.fixture(scope="session")
def cmd_go_reference_proxy(cmd_go_test_binary: Path, cmd_go_source: Path) -> Iterator[CmdGoProxy]:
    """cmd/go's test proxy over the Go distribution's ``testdata/mod``, on 127.0.0.1.

    Verbose (``-test.v``), so its log names every archive it was asked for and did not have:
    a failing comparison prints that log's tail."""
    with contextlib.ExitStack() as stack:
        try:
            running = stack.enter_context(
                cmd_go_proxy(cmd_go_test_binary, cmd_go_source, verbose=True)
            )
        except BuildError as exc:
            skip_or_fail(str(exc))
        yield running

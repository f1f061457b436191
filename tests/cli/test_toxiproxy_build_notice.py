"""The first ``toxiproxy`` fixture may build toxiproxy (seconds to minutes): it says so on the
terminal while it builds, through pytest's terminal reporter, past output capture."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pytest_goproxy.network.server import find_toxiproxy


def test_the_build_is_announced_on_the_terminal(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real = os.environ.get("TOXIPROXY_BIN") or find_toxiproxy()
    if not real:
        pytest.skip("needs a toxiproxy binary to stand in for the build's result")
    # A `go` whose `install` "builds" toxiproxy by copying a real one into GOBIN.
    fake_go = tmp_path / "bin" / "go"
    fake_go.parent.mkdir()
    fake_go.write_text(f'#!/bin/sh\ncp {real} "$GOBIN/server"\n')
    fake_go.chmod(fake_go.stat().st_mode | stat.S_IXUSR)
    for name in ("TOXIPROXY_URL", "TOXIPROXY_BIN", "CI"):
        monkeypatch.delenv(name, raising=False)
    path = os.pathsep.join(
        d
        for d in os.environ["PATH"].split(os.pathsep)
        if not (Path(d) / "toxiproxy-server").exists() and not (Path(d) / "toxiproxy").exists()
    )
    monkeypatch.setenv("PATH", path)
    monkeypatch.setenv("GO_BINARY", str(fake_go))
    monkeypatch.setenv("TOXIPROXY_CACHE_DIR", str(tmp_path / "cache"))
    pytester.makepyfile("def test_a(toxiproxy):\n    assert toxiproxy.url\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["pytest-goproxy: building toxiproxy (*) into *", "pytest-goproxy: built * in *s"]
    )

"""Toolchain names, module versions, GOTOOLCHAIN values and the synthetic toolchain's files.

The rules are cmd/go's (toolchain/select.go, gover); tests/gorun/test_toolchain_real.py shows the
real go agreeing with them.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pytest_goproxy.errors import InvalidModuleError
from pytest_goproxy.gomod.gomodfile import render_go_mod
from pytest_goproxy.gomod.toolchain import (
    check_gotoolchain,
    check_toolchain_name,
    compare_go,
    is_toolchain_name,
    parse_toolchain_version,
    synthetic_toolchain_files,
    toolchain_version,
    wanted_toolchain,
)


@pytest.mark.parametrize(
    "name", ["go1.99.0", "go1.21.0", "go1.22rc1", "go1.20", "go1.9", "go1.2.3"]
)
def test_toolchain_names_go_downloads(name: str) -> None:
    assert is_toolchain_name(name)
    assert check_toolchain_name(name) == name


@pytest.mark.parametrize("name", ["go1.99", "go1.21", "1.99.0", "go2.0.0", "go1.2.3.4", "gox", ""])
def test_names_go_would_not_download(name: str) -> None:
    assert not is_toolchain_name(name)
    with pytest.raises(ValueError, match="is not a Go toolchain name"):
        check_toolchain_name(name)


def test_module_version_round_trip() -> None:
    version = toolchain_version("go1.99.0", "linux", "amd64")
    assert version == "v0.0.1-go1.99.0.linux-amd64"
    assert parse_toolchain_version(version) == ("go1.99.0", "linux", "amd64")
    assert parse_toolchain_version("v0.0.1-go1.22rc1.darwin-arm64") == (
        "go1.22rc1",
        "darwin",
        "arm64",
    )
    assert parse_toolchain_version("v1.2.0") is None


@pytest.mark.parametrize(
    "value", ["local", "auto", "path", "go1.99.0", "go1.99.0+auto", "go1.99.0+path", "local+auto"]
)
def test_gotoolchain_values_go_accepts(value: str) -> None:
    assert check_gotoolchain(value) == value


@pytest.mark.parametrize("value", ["", "go1.99", "auto+go1.99.0", "go1.99.0+local", "bash", None])
def test_gotoolchain_values_go_refuses(value: object) -> None:
    with pytest.raises(ValueError, match="is not one go accepts"):
        check_gotoolchain(value)


def test_go_mod_toolchain_line() -> None:
    text = render_go_mod("example.test/app", go_version="1.21", toolchain="go1.99.0")
    assert text == b"module example.test/app\n\ngo 1.21\n\ntoolchain go1.99.0\n"
    with pytest.raises(InvalidModuleError, match="invalid toolchain version"):
        render_go_mod("example.test/app", toolchain="1.99.0")


def test_synthetic_go_prints_its_name_and_execs_the_go_given(tmp_path: Path) -> None:
    """The script itself, run by sh: ``version`` alone answers the synthetic name; anything
    else runs the local go with GOROOT and the switch variable set (here ``env`` stands in for
    go and prints them)."""
    files = synthetic_toolchain_files(
        "go1.99.0",
        go="/usr/bin/env",
        goroot="/opt/my go",
        local_toolchain="go1.26.8",
        goos="linux",
        goarch="amd64",
    )
    assert set(files) == {"bin/go", "bin/gofmt", "pkg/tool/fake", "lib/wasm/go_js_wasm_exec"}
    script = tmp_path / "go"
    script.write_text(files["bin/go"])
    version = subprocess.run(["sh", str(script), "version"], capture_output=True, text=True)
    assert version.stdout == "go version go1.99.0 linux/amd64\n"
    env = subprocess.run(
        ["sh", str(script)],
        capture_output=True,
        text=True,
        env={"GOTOOLCHAIN_INTERNAL_SWITCH_VERSION": "go1.99.0", "GOROOT": str(tmp_path)},
        check=True,
    ).stdout.splitlines()
    assert "GOROOT=/opt/my go" in env
    assert "GOTOOLCHAIN_INTERNAL_SWITCH_VERSION=go1.26.8" in env


@pytest.mark.parametrize(
    ("x", "y", "want"),
    [
        ("1.21", "1.21rc1", -1),  # from 1.21 on, the language version comes first
        ("1.21rc1", "1.21.0", -1),
        ("1.21beta1", "1.21rc1", -1),
        ("1.20", "1.20.0", 0),  # before 1.21, "1.20" is 1.20.0
        ("1.9", "1.10", -1),
        ("1.27.3", "1.26.8", 1),
        ("1.27.3", "1.27.3", 0),
    ],
)
def test_compare_go_as_gover_does(x: str, y: str, want: int) -> None:
    assert compare_go(x, y) == want
    assert compare_go(y, x) == -want


@pytest.mark.parametrize(
    ("go_mod", "want"),
    [
        ("module m\n\ngo 1.21\n\ntoolchain go1.27.3\n", "go1.27.3"),
        ("module m\n\ngo 1.27\n", "go1.27.0"),  # a language version: its first release
        ("module m\n\ngo 1.27.3\n\ntoolchain go1.28.1\n", "go1.28.1"),
        ("module m\n\ngo 1.28.2\n\ntoolchain go1.27.3\n", "go1.28.2"),  # the go line wins
        ("module m\n\ngo 1.21\n\ntoolchain go1.22.0\n", None),  # older than the local go
        ("module m\n\ngo 1.30.0\n\ntoolchain default\n", None),
        ("module m\n", None),
    ],
)
def test_wanted_toolchain_as_select_decides(go_mod: str, want: str | None) -> None:
    assert wanted_toolchain(go_mod, "go1.26.8") == want

"""gosumdb with the project's own FakeGoProxy: records come from the very bytes it serves."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_goproxy.sumdb import ChecksumDB

from .gohelp import GO, ProxyTrap, go_env, run_go

proxy_mod = pytest.importorskip("pytest_goproxy.proxy")
pytestmark = pytest.mark.skipif(GO is None, reason="needs the go command")

MAIN = 'package main\n\nimport "example.com/greet"\n\nfunc main() { println(greet.Hi()) }\n'


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "go.mod").write_text(
        "module example.com/main\n\ngo 1.21\n\nrequire example.com/greet v1.0.0\n"
    )
    (project / "main.go").write_text(MAIN)
    return project


@pytest.mark.parametrize("via_proxy", [False, True], ids=["direct", "through-proxy"])
def test_tidy_against_gosumdb_fed_by_fake_proxy(
    tmp_path: Path, gosumdb: ChecksumDB, via_proxy: bool
) -> None:
    with proxy_mod.FakeGoProxy(workdir=tmp_path / "store") as proxy, ProxyTrap() as trap:
        proxy.add_module(
            "example.com/greet",
            "v1.0.0",
            {"greet.go": 'package greet\n\nfunc Hi() string { return "hi" }\n'},
        )
        gosumdb.attach(proxy)
        project = _project(tmp_path)
        sumdb_env = gosumdb.env_via_proxy if via_proxy else gosumdb.env
        env = go_env(tmp_path, trap, GOPROXY=proxy.url, **sumdb_env)
        result = run_go(["mod", "tidy"], project, env)
        assert result.returncode == 0, result.stderr
        go_sum = sorted((project / "go.sum").read_text().splitlines())
        assert go_sum == sorted(gosumdb.go_sum_lines("example.com/greet", "v1.0.0"))
        assert go_sum == sorted(proxy.go_sum_lines("example.com/greet", "v1.0.0"))
        gosumdb.assert_requested("lookup", via="proxy" if via_proxy else "direct")
        gosumdb.assert_not_requested(via="direct" if via_proxy else "proxy")
        assert trap.requests == []

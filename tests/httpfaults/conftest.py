"""Fixtures of the HTTP fault tests: the modules the fake proxy serves and a download helper.

go runs through the plugin's ``go`` fixture (a fresh module cache per run, so every run really
downloads; the session's build cache is shared).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest

from pytest_goproxy.gorun import GoResult, GoRunner
from pytest_goproxy.proxy import FakeGoProxy

LIB = "example.test/lib"
OTHER = "example.test/other"

Download = Callable[..., GoResult]


@pytest.fixture
def modules(goproxy: FakeGoProxy) -> FakeGoProxy:
    """``goproxy`` serving example.test/lib v1.0.0 and v1.1.0, and example.test/other v0.1.0."""
    for version in ("v1.0.0", "v1.1.0"):
        goproxy.add_module(LIB, version, files={"lib.go": f"package lib\n\n// {version}\n"})
    goproxy.add_module(OTHER, "v0.1.0", files={"other.go": "package other\n"})
    return goproxy


@pytest.fixture
def download(go: GoRunner, modules: FakeGoProxy) -> Download:
    """``download(requires=..., goproxy=..., go_sum=True)``: ``go mod download`` in a new
    project (GOSUMDB=off); ``go_sum`` writes the right go.sum lines first."""

    def run(
        requires: Mapping[str, str] | None = None,
        *,
        goproxy: str | None = None,
        go_sum: bool = False,
    ) -> GoResult:
        requires = dict(requires or {LIB: "v1.0.0"})
        project = go.project(requires=requires)
        if go_sum:
            lines = [line for m, v in requires.items() for line in modules.go_sum_lines(m, v)]
            project.write("go.sum", "\n".join(lines) + "\n")
        env = {"GOPROXY": goproxy or modules.url, "GOSUMDB": "off"}
        return project.download(env=env)

    return run

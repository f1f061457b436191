"""Fixtures of the HTTP fault tests: a go runner and the modules the fake proxy serves.

``gorunner`` is a session-wide :class:`~pytest_goproxy.gorun.GoRunner` (one build cache, a fresh
module cache per run, so every run really downloads). It stands in for the ``go`` fixture until
that is wired into the plugin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import pytest

from pytest_goproxy.errors import GoNotFoundError
from pytest_goproxy.gorun import GoResult, GoRunner
from pytest_goproxy.network.fixtures import in_ci
from pytest_goproxy.proxy import FakeGoProxy

LIB = "example.test/lib"
OTHER = "example.test/other"

Download = Callable[..., GoResult]


@pytest.fixture(scope="session")
def gorunner() -> Iterator[GoRunner]:
    try:
        runner = GoRunner(timeout=60)
    except GoNotFoundError as exc:
        if in_ci():
            raise
        pytest.skip(f"no go command: {exc}")
    with runner:
        yield runner


@pytest.fixture
def modules(goproxy: FakeGoProxy) -> FakeGoProxy:
    """``goproxy`` serving example.test/lib v1.0.0 and v1.1.0, and example.test/other v0.1.0."""
    for version in ("v1.0.0", "v1.1.0"):
        goproxy.add_module(LIB, version, files={"lib.go": f"package lib\n\n// {version}\n"})
    goproxy.add_module(OTHER, "v0.1.0", files={"other.go": "package other\n"})
    return goproxy


@pytest.fixture
def download(gorunner: GoRunner, modules: FakeGoProxy) -> Download:
    """``download(requires=..., goproxy=..., go_sum=True)``: ``go mod download`` in a new
    project (GOSUMDB=off); ``go_sum`` writes the right go.sum lines first."""

    def run(
        requires: Mapping[str, str] | None = None,
        *,
        goproxy: str | None = None,
        go_sum: bool = False,
    ) -> GoResult:
        requires = dict(requires or {LIB: "v1.0.0"})
        project = gorunner.project(requires=requires)
        if go_sum:
            lines = [line for m, v in requires.items() for line in modules.go_sum_lines(m, v)]
            project.write("go.sum", "\n".join(lines) + "\n")
        env = {"GOPROXY": goproxy or modules.url, "GOSUMDB": "off"}
        return project.download(env=env)

    return run

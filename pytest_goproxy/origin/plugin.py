"""The fake VCS host's pytest plugin: ``goorigin`` and ``goorigin_hosts``.

``goorigin`` is a :class:`~pytest_goproxy.origin.FakeOrigin` whose host names the test's ``go``
runner routes to it (:meth:`~pytest_goproxy.gorun.GoRunner.route`), so ``GOPROXY=...,direct``,
``GOPRIVATE`` and ``GONOPROXY`` reach it by name, over HTTPS with the session CA. The server is
imported when the fixture is first used, so loading the plugin stays cheap.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pytest_goproxy.gorun import GoRunner
    from pytest_goproxy.origin.server import FakeOrigin

__all__ = ["goorigin", "goorigin_hosts"]


@pytest.fixture(scope="session")
def goorigin_hosts() -> tuple[str, ...]:
    """The host names ``goorigin`` serves (default ``corp.example``). Override to serve others."""
    return ("corp.example",)


@pytest.fixture
def goorigin(
    go: GoRunner, goorigin_hosts: tuple[str, ...], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FakeOrigin]:
    """A fake VCS host (go-import meta tags, git over HTTPS) for ``goorigin_hosts``, reached by
    name from the test's ``go`` runs. ``goorigin.add_module(path, version, files)`` commits and
    tags a module; ``goorigin.add_commit(path, files=...)`` an untagged commit (a
    pseudo-version); ``goorigin.requests("upload_pack", repo=...)`` tells what git fetched."""
    from pytest_goproxy.origin.server import FakeOrigin

    origin = FakeOrigin(goorigin_hosts, workdir=tmp_path_factory.mktemp("origin"))
    origin.start()
    try:
        for host in origin.hosts:
            go.route(host, origin)
        yield origin
    finally:
        for host in origin.hosts:
            with contextlib.suppress(KeyError, RuntimeError):
                go.unroute(host)
        origin.close()

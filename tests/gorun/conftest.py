"""Fixtures of the gorun tests: a module tree and loopback servers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from gorun_servers import Behaviour, RawServer, TreeServer, write_module_tree


@pytest.fixture(scope="session")
def module_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A GOPROXY file tree with example.test/lib v1.2.0."""
    return write_module_tree(tmp_path_factory.mktemp("modtree"))


@pytest.fixture
def tree_server(module_tree: Path) -> Iterator[Callable[[Behaviour | None], TreeServer]]:
    """Start HTTP servers over the module tree with a behaviour; all stopped afterwards."""
    servers: list[TreeServer] = []

    def start(behaviour: Behaviour | None = None) -> TreeServer:
        server = TreeServer(module_tree, behaviour)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def raw_server() -> Iterator[Callable[..., RawServer]]:
    """Start raw TCP servers (reset, silent...); all closed afterwards."""
    servers: list[RawServer] = []

    def start(action: Callable[..., None], **kwargs: int) -> RawServer:
        server = RawServer(action, **kwargs)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()

"""``add_module`` takes one definition of its go.mod options (GoModOptions) on the store, the
proxy and the origin, so the three cannot drift apart again (``retracts`` once had two types)."""

from __future__ import annotations

import inspect

import pytest

from pytest_goproxy.gomod.store import ModuleStore
from pytest_goproxy.origin.server import FakeOrigin
from pytest_goproxy.proxy.server import FakeGoProxy


@pytest.mark.parametrize("owner", [ModuleStore, FakeGoProxy, FakeOrigin])
def test_add_module_options_are_written_once(owner: type) -> None:
    params = list(inspect.signature(owner.add_module).parameters.values())
    assert [p.name for p in params[:4]] == ["self", "path", "version", "files"]
    options = params[-1]
    assert options.kind is inspect.Parameter.VAR_KEYWORD
    assert options.annotation == "Unpack[GoModOptions]"

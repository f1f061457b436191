"""The public surface: `import pytest_goproxy` is cheap; every name in `__all__` resolves."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import types

import pytest

import pytest_goproxy

HEAVY = ("pytest", "_pytest", "rich", "werkzeug", "httpx", "cryptography", "pytest_httpserver")


def _loaded_after(statement: str) -> list[str]:
    """The heavy top-level packages a fresh interpreter has loaded after ``statement``."""
    code = (
        f"import sys, json\n{statement}\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    loaded: list[str] = json.loads(out)
    return loaded


def test_import_loads_no_heavy_dependency() -> None:
    assert _loaded_after("import pytest_goproxy") == []


def test_an_error_class_loads_no_heavy_dependency() -> None:
    assert _loaded_after("from pytest_goproxy import GoProxyError, ScenarioFailed") == []


def test_every_public_name_resolves() -> None:
    assert len(set(pytest_goproxy.__all__)) == len(pytest_goproxy.__all__)
    for name in pytest_goproxy.__all__:
        assert getattr(pytest_goproxy, name) is not None, name
    assert set(pytest_goproxy.__all__) <= set(dir(pytest_goproxy))


def test_star_import_gives_all() -> None:
    namespace: dict[str, object] = {}
    exec("from pytest_goproxy import *", namespace)
    assert set(pytest_goproxy.__all__) <= set(namespace)


def test_error_groups_are_exported() -> None:
    from pytest_goproxy import errors

    for name in ("ModuleError", "UsageError", "ToolUnavailable", "ScenarioFailed", "RecordError"):
        assert getattr(pytest_goproxy, name) is getattr(errors, name)
        assert issubclass(getattr(pytest_goproxy, name), pytest_goproxy.GoProxyError)


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        pytest_goproxy.nope  # type: ignore[attr-defined]  # noqa: B018


def test_functions_named_like_submodules_stay_functions() -> None:
    """``probe`` and ``record`` are functions even once their submodules have been imported."""
    importlib.import_module("pytest_goproxy.probe.observe")
    importlib.import_module("pytest_goproxy.record")

    assert isinstance(pytest_goproxy.probe, types.FunctionType)
    assert isinstance(pytest_goproxy.record, types.FunctionType)
    assert isinstance(sys.modules["pytest_goproxy.probe"], types.ModuleType)
    assert isinstance(sys.modules["pytest_goproxy.record"], types.ModuleType)
    from pytest_goproxy.probe import probe

    assert probe is pytest_goproxy.probe

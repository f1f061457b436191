"""The public surface: `import pytest_goproxy` is cheap; every name in `__all__` resolves."""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

import pytest_goproxy
from pytest_goproxy.exports import stub_names

PACKAGE = Path(pytest_goproxy.__file__).parent

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


def test_submodules_are_modules() -> None:
    """``pytest_goproxy.probe`` and ``pytest_goproxy.record`` are their sub-packages, whatever was
    imported first: the functions ``probe`` and ``record`` live inside them."""
    from pytest_goproxy.probe import probe
    from pytest_goproxy.record import record

    assert isinstance(importlib.import_module("pytest_goproxy.probe"), types.ModuleType)
    assert isinstance(pytest_goproxy.probe, types.ModuleType)  # type: ignore[attr-defined]
    assert isinstance(pytest_goproxy.record, types.ModuleType)  # type: ignore[attr-defined]
    assert callable(probe) and callable(record)


# -- the top level: about 35 names, each written once -------------------------------------------

#: The public API, by what a user meets: the fixtures' classes, the outcome of a run, the
#: catalogue look-ups, the matrix and scenario files, and every error of pytest_goproxy.errors.
TOP_LEVEL = {
    # fixtures: goproxy, goorigin, gosumdb, go (project, result), go_binary, toxiproxy, network
    # (front() returns an Endpoint), matrix_cell (a Cell)
    "FakeGoProxy",
    "FakeOrigin",
    "ChecksumDB",
    "GoRunner",
    "GoProject",
    "GoResult",
    "GoBinary",
    "Toxiproxy",
    "Network",
    "Endpoint",
    "Cell",
    "Failure",
    "get_config",
    "get_fault",
    "get_http_fault",
    "run_matrix",
    "MatrixProject",
    "Scenario",
}


def test_the_top_level_is_the_fixtures_classes_the_lookups_and_the_errors() -> None:
    from pytest_goproxy import errors

    error_names = {n for n in errors.__all__ if isinstance(getattr(errors, n), type)}
    assert set(pytest_goproxy.__all__) == TOP_LEVEL | error_names
    assert len(pytest_goproxy.__all__) <= 40
    assert isinstance(pytest_goproxy.__version__, str)


def test_every_top_level_name_is_importable_in_a_fresh_interpreter() -> None:
    """Each name through ``from pytest_goproxy import NAME``, as a user writes it, in an
    interpreter that has imported nothing else of ours first."""
    code = (
        "import pytest_goproxy\n"
        "for n in pytest_goproxy.__all__:\n"
        "    exec(f'from pytest_goproxy import {n}')"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def _exported_names(path: Path) -> list[str]:
    """Every name a package's ``__init__`` files bind by import or assignment, in order."""
    names: list[str] = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom):
            names += [a.asname or a.name for a in node.names]
        elif isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
            names += [
                e.id
                for t in node.targets
                if isinstance(t, ast.Tuple)
                for e in t.elts
                if isinstance(e, ast.Name)
            ]
    return names


@pytest.mark.parametrize(
    "package", sorted(p.parent.name for p in PACKAGE.rglob("__init__.pyi")), ids=str
)
def test_a_lazy_package_writes_each_name_once(package: str) -> None:
    """A package with a stub lists its names there, once each, and its ``__init__.py`` binds no
    public name of its own: no ``TYPE_CHECKING`` copy, no table beside the stub."""
    root = PACKAGE if package == "pytest_goproxy" else PACKAGE / package
    stub = _exported_names(root / "__init__.pyi")
    assert len(stub) == len(set(stub)), sorted(n for n in stub if stub.count(n) > 1)
    assert stub_names(root / "__init__.pyi").keys() == set(stub)
    own = _exported_names(root / "__init__.py")
    assert set(own) <= {
        "annotations",
        "stub_exports",
        "Any",
        "_exported",
        "__getattr__",
        "__dir__",
        "__all__",
    }
    module = importlib.import_module(root.relative_to(PACKAGE.parent).as_posix().replace("/", "."))
    assert sorted(module.__all__) == sorted(stub)
    for name in stub:
        assert getattr(module, name) is not None


def test_no_init_keeps_type_checking_imports() -> None:
    """``if TYPE_CHECKING:`` in an ``__init__.py`` was the second copy of every name."""
    for init in PACKAGE.rglob("__init__.py"):
        assert "TYPE_CHECKING" not in init.read_text(encoding="utf-8"), init


def test_a_stub_line_that_is_not_a_re_export_is_refused(tmp_path: Path) -> None:
    stub = tmp_path / "__init__.pyi"
    stub.write_text("from pytest_goproxy.errors import UsageError\n")
    with pytest.raises(ImportError, match="UsageError as UsageError"):
        stub_names(stub)
    stub.write_text("from pytest_goproxy.errors import UsageError as UsageError\n" * 2)
    with pytest.raises(ImportError, match="exported twice"):
        stub_names(stub)

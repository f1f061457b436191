"""What the distributions hold: the wheel has the bundled example and scenarios (package data,
so an installed pytest-goproxy finds them), the sdist has the tests and examples a packager
runs, and the bundled example is found inside the package.

The test suite imports the source tree, so only a built wheel shows what users get; the built
wheel is also installed and used from an empty directory by scripts/smoke_installed.sh in CI.
"""

from __future__ import annotations

import email
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import pytest_goproxy
from pytest_goproxy.matrix import DEFAULT_EXAMPLE, MatrixProject
from pytest_goproxy.scenarios import BUNDLED

CHECKOUT = Path(__file__).resolve().parents[2]
PACKAGE = Path(pytest_goproxy.__file__).resolve().parent
#: What a build reads; copied, so building never writes build/ or *.egg-info into the checkout.
SOURCES = ("pyproject.toml", "MANIFEST.in", "README.md", "LICENSE", "CHANGELOG.md", "tox.ini")
SOURCE_DIRS = ("pytest_goproxy", "tests", "examples", "scripts")


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(sdist, wheel), the wheel built from the sdist as ``python -m build`` does."""
    pytest.importorskip("build", reason="python -m build is in the test extra")
    tmp = tmp_path_factory.mktemp("dists")
    src = tmp / "src"
    src.mkdir()
    for name in SOURCES:
        shutil.copy2(CHECKOUT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".*_cache")
    for name in SOURCE_DIRS:
        shutil.copytree(CHECKOUT / name, src / name, ignore=ignore)
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(tmp / "dist"), str(src)],
        check=True,
        capture_output=True,
        text=True,
    )
    [sdist] = (tmp / "dist").glob("pytest_goproxy-*.tar.gz")
    [wheel] = (tmp / "dist").glob("pytest_goproxy-*.whl")
    return sdist, wheel


def _package_data(root: Path) -> set[str]:
    """The bundled example and scenario files under ``root``, as wheel paths."""
    return {
        path.relative_to(root.parent).as_posix()
        for path in (root / "scenarios" / "outages").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_wheel_holds_the_bundled_example_and_scenarios(dists: tuple[Path, Path]) -> None:
    _, wheel = dists
    names = set(zipfile.ZipFile(wheel).namelist())
    bundled = _package_data(PACKAGE)
    assert {
        "pytest_goproxy/scenarios/outages/project/go.mod",
        "pytest_goproxy/scenarios/outages/project/go.sum",
        "pytest_goproxy/scenarios/outages/project/main.go",
        "pytest_goproxy/scenarios/outages/modules/example.test_clock_v0.3.0.txt",
        "pytest_goproxy/scenarios/outages/proxy_refused.toml",
    } <= bundled
    assert bundled <= names, f"missing from the wheel: {sorted(bundled - names)}"
    assert "pytest_goproxy/py.typed" in names
    # scripts kept as real files, run by a child python from the installed package
    assert "pytest_goproxy/lifecycle/watchdog.py" in names


def test_wheel_metadata(dists: tuple[Path, Path]) -> None:
    _, wheel = dists
    with zipfile.ZipFile(wheel) as whl:
        [meta] = [n for n in whl.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = email.message_from_string(whl.read(meta).decode())
        assert any(n.endswith(".dist-info/licenses/LICENSE") for n in whl.namelist())
    assert metadata["Version"] == pytest_goproxy.__version__
    assert metadata["License-Expression"] == "MIT"
    urls = dict(url.split(", ", 1) for url in metadata.get_all("Project-URL", []))
    assert set(urls) == {"Homepage", "Source", "Issues", "Changelog"}


def test_sdist_holds_tests_examples_and_docs(dists: tuple[Path, Path]) -> None:
    sdist, _ = dists
    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    assert {"README.md", "LICENSE", "CHANGELOG.md", "pyproject.toml"} <= names
    tests = {
        path.relative_to(CHECKOUT).as_posix()
        for top in ("tests", "examples")
        for path in (CHECKOUT / top).rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert "tests/packaging/test_distribution.py" in tests
    assert "examples/tests/test_outages.py" in tests
    assert tests <= names, f"missing from the sdist: {sorted(tests - names)}"
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


def test_default_matrix_project_is_package_data() -> None:
    """One copy of the bundled example, inside the package: the matrix's default project is the
    bundled scenarios' project, with their modules."""
    project = MatrixProject.of(None)
    assert project.path == DEFAULT_EXAMPLE == BUNDLED / "project"
    assert project.modules == BUNDLED / "modules"
    assert project.path.is_relative_to(PACKAGE)
    assert (project.path / "go.mod").is_file()
    assert (project.path / "go.sum").is_file()
    assert project.private == "corp.example"
    assert sorted(p.name for p in Path(project.modules).glob("*.txt")) == [
        "corp.example_vault_v1.0.0.txt",
        "example.test_clock_v0.3.0.txt",
        "example.test_colour_v2_v2.1.0.txt",
        "example.test_greet_v1.1.0.txt",
        "example.test_greet_v1.2.0.txt",
        "example.test_words_v1.0.0.txt",
    ]

"""The version users see: ``pytest_goproxy.__version__`` and ``pytest-goproxy --version``, both from
the installed package's metadata."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest

import pytest_goproxy
from pytest_goproxy.cli import main


def test_version_is_the_package_metadata() -> None:
    assert pytest_goproxy.__version__ == importlib.metadata.version("pytest-goproxy")


def test_version_without_an_installed_distribution_is_unknown() -> None:
    """A source tree on sys.path that was never installed has no metadata to read."""
    code = (
        "import importlib.metadata as m\n"
        "def missing(name):\n"
        "    raise m.PackageNotFoundError(name)\n"
        "m.version = missing\n"
        "import pytest_goproxy\n"
        "print(pytest_goproxy.__version__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    assert out == "0+unknown\n"


def test_version_is_read_only_when_asked_for() -> None:
    """importlib.metadata costs tens of milliseconds: ``import pytest_goproxy`` does not pay it."""
    code = (
        "import sys, pytest_goproxy\n"
        "print('importlib.metadata' in sys.modules, pytest_goproxy.__version__ != '')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    assert out == "False True\n"


def test_cli_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"pytest-goproxy {pytest_goproxy.__version__}\n"


def test_cli_version_from_the_console_script() -> None:
    """The ``pytest-goproxy`` command installed beside this Python, as a user types it."""
    script = Path(sys.executable).parent / "pytest-goproxy"
    done = subprocess.run([str(script), "--version"], check=False, capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, f"pytest-goproxy {pytest_goproxy.__version__}\n")

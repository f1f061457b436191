"""The ``pytest-goproxy`` command's surface: cheap to import, one module per subcommand, errors as
one line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pytest_goproxy.cli import main
from pytest_goproxy.cli.main import COMMANDS
from pytest_goproxy.cli.matrix import DEFAULT_CONFIGS, DEFAULT_FAULTS, DEFAULT_TLS_FAULTS

HEAVY = ("pytest", "_pytest", "werkzeug", "cryptography", "rich", "httpx", "toxiproxy")


def _loaded_after(code: str) -> list[str]:
    report = f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    probe = f"import sys, json\n{code}\n{report}"
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    loaded: list[str] = json.loads(out)
    return loaded


def test_importing_the_cli_and_building_its_parser_is_cheap() -> None:
    assert _loaded_after("import pytest_goproxy.cli") == []
    assert _loaded_after("from pytest_goproxy.cli.main import _parser; _parser()") == []


def test_python_m_runs_the_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest_goproxy.cli", "--help"],
        check=True,
        capture_output=True,
        text=True,
    )
    for command in ("install-toxiproxy", "docs", "record", "run", "serve", "probe", "matrix"):
        assert command in result.stdout


def test_every_subcommand_has_its_module() -> None:
    names = [module.__name__.rsplit(".", 1)[1] for module in COMMANDS]
    assert names == ["install_toxiproxy", "docs", "record", "run", "serve", "probe", "matrix"]


def test_default_matrix_cells_name_catalogue_entries() -> None:
    from pytest_goproxy.matrix.runner import check_names
    from pytest_goproxy.outage.faults import NO_FAULT

    assert DEFAULT_FAULTS[0] == NO_FAULT
    check_names(DEFAULT_FAULTS, DEFAULT_CONFIGS)
    check_names(DEFAULT_TLS_FAULTS, DEFAULT_CONFIGS)


def test_tls_defaults_add_the_http2_faults_and_only_them() -> None:
    from pytest_goproxy.httpfaults import HTTP_FAULTS

    added = DEFAULT_TLS_FAULTS[len(DEFAULT_FAULTS) :]
    assert DEFAULT_TLS_FAULTS[: len(DEFAULT_FAULTS)] == DEFAULT_FAULTS
    assert added and all(HTTP_FAULTS[name].http2_only for name in added)


def test_a_usage_error_is_one_line_and_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", "--format", "table,nope"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("pytest-goproxy: error: ") and err.count("\n") == 1, err

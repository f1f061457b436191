"""``pytest-goproxy docs``: README's and the docs pages' generated tables, written once by the
code, checked in CI; the example matrices found in the checkout beside the pages, so the check
works from an installed wheel (``tox -e lint``), and a clear error where there is none."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_helpers import cli

from pytest_goproxy.errors import UsageError
from pytest_goproxy.report.readme import EXAMPLE_MATRIX, example_file, render_readme

STALE = (
    "# t\n\n<!-- BEGIN generated: example-matrix -->\nold\n<!-- END generated: example-matrix -->\n"
)


def test_the_example_matrix_is_found_upward_from_the_page(tmp_path: Path) -> None:
    (tmp_path / "examples").mkdir()
    shutil.copyfile(EXAMPLE_MATRIX, tmp_path / "examples" / "matrix.json")
    page_dir = tmp_path / "docs" / "explanation"
    page_dir.mkdir(parents=True)
    missing = tmp_path / "site-packages" / "examples" / "matrix.json"  # what a wheel has
    assert example_file(missing, page_dir) == tmp_path / "examples" / "matrix.json"
    elsewhere = tmp_path / "site-packages" / "pytest_goproxy"
    elsewhere.mkdir(parents=True)
    (tmp_path / "examples" / "matrix.json").unlink()
    with pytest.raises(UsageError, match=r"examples/matrix.json not found above .* nor at"):
        example_file(missing, elsewhere)


def test_check_names_each_stale_page_and_docs_rewrites_it(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (tmp_path / "README.md").write_text(STALE)
    (docs / "page.md").write_text(STALE)
    (docs / "plain.md").write_text("# nothing generated\n")
    (tmp_path / "examples").mkdir()
    shutil.copyfile(EXAMPLE_MATRIX, tmp_path / "examples" / "matrix.json")

    check = cli("docs", "--check", cwd=tmp_path)  # default: README.md and docs/
    assert check.returncode == 1, check.stderr
    assert "README.md is out of date" in check.stderr
    assert f"{Path('docs') / 'page.md'} is out of date" in check.stderr
    assert "plain.md" not in check.stderr
    assert (docs / "page.md").read_text() == STALE  # --check writes nothing

    update = cli("docs", cwd=tmp_path)
    assert update.returncode == 0, update.stderr
    text = (docs / "page.md").read_text()
    assert "Outage matrix of the bundled example" in text and "old" not in text
    assert render_readme(text, base=docs) == text
    assert cli("docs", "--check", "README.md", "docs", cwd=tmp_path).returncode == 0

"""README and the docs site are part of the product: their generated tables are current, their
examples run, README states the test command CI runs, and every docs page is in the site's nav."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from pytest_goproxy.cli.docs import sections
from pytest_goproxy.cli.main import _parser
from pytest_goproxy.report.readme import render_readme

#: The command line's own blocks (its reference), written from its parser.
SECTIONS = sections(_parser())
ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
#: Every Markdown file a user reads: README, then the docs site's pages.
PAGES = [README, *sorted(DOCS.rglob("*.md"))]


def name(page: Path) -> str:
    return str(page.relative_to(ROOT))


@pytest.mark.parametrize("page", PAGES, ids=name)
def test_generated_tables_are_current(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert render_readme(text, base=page.parent, sections=SECTIONS) == text, (
        f"{name(page)} is out of date: run `pytest-goproxy docs`"
    )


def page_tests() -> dict[str, str]:
    """test id -> source of every Python block that is a whole test, once each (the first test
    is in README and in the tutorial: the same text runs once)."""
    found: dict[str, str] = {}
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for block in re.findall(r"```python\n(.*?)```", text, re.DOTALL):
            if not block.lstrip().startswith(("from ", "import ", "def test_")):
                continue
            if block in found.values() or "def test_" not in block:
                continue
            test = re.findall(r"def (test_\w+)", block)[0]
            found[f"{name(page)}::{test}"] = block
    return found


def test_pages_have_runnable_examples() -> None:
    tests = page_tests()
    assert len(tests) >= 4
    assert any(key.startswith("README.md::") for key in tests)


@pytest.mark.parametrize("source", list(page_tests().values()), ids=list(page_tests()))
def test_page_example_passes(pytester: pytest.Pytester, source: str) -> None:
    """Each example that is a whole test runs green, as a user would paste it."""
    pytester.makepyfile(source)
    outcomes = pytester.runpytest("-p", "no:cacheprovider").parseoutcomes()
    assert outcomes.get("passed", 0) >= 1, outcomes
    assert set(outcomes) <= {"passed", "seconds"}, outcomes  # nothing failed, skipped or erred


def test_readme_states_the_test_command_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = "python -m pytest -n 2"
    assert re.search(rf"^{re.escape(command)}$", ci, re.M), ".ci/run no longer runs it"
    assert f"    {command}\n" in README.read_text(encoding="utf-8")


def nav_pages(entries: object) -> list[str]:
    if isinstance(entries, str):
        return [entries]
    if isinstance(entries, list):
        return [page for entry in entries for page in nav_pages(entry)]
    if isinstance(entries, dict):
        return [page for value in entries.values() for page in nav_pages(value)]
    return []


def test_every_docs_page_is_in_the_nav() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    listed = nav_pages(config["nav"])
    pages = sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md"))
    assert sorted(listed) == pages

"""README is part of the product: its generated tables are current and its examples run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pytest_goproxy.report.readme import render_readme

README = Path(__file__).resolve().parent.parent / "README.md"


def test_generated_tables_are_current() -> None:
    text = README.read_text(encoding="utf-8")
    assert render_readme(text) == text, "README.md is out of date: run `pytest-goproxy docs`"


def readme_tests() -> list[str]:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    return [b for b in blocks if b.lstrip().startswith(("from ", "import ", "def test_"))]


def test_readme_has_runnable_examples() -> None:
    assert len(readme_tests()) >= 4


@pytest.mark.parametrize(
    "source", readme_tests(), ids=lambda s: re.findall(r"def (test_\w+)", s)[0]
)
def test_readme_example_passes(pytester: pytest.Pytester, source: str) -> None:
    """Each README example that is a whole test runs green, as a user would paste it."""
    pytester.makepyfile(source)
    outcomes = pytester.runpytest("-p", "no:cacheprovider").parseoutcomes()
    assert outcomes.get("passed", 0) >= 1, outcomes
    assert set(outcomes) <= {"passed", "seconds"}, outcomes  # nothing failed, skipped or erred

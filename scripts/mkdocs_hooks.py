"""MkDocs hooks of the docs site (mkdocs.yml ``hooks``).

The generated tables are written once, for GitHub and MkDocs alike. GitHub needs ``\\|`` for a
pipe inside a code span in a table cell (``{primary}\\|{backup}``), and shows ``|``;
Python-Markdown's tables already leave code spans whole, so there the backslash would show. In
a table row's code spans, the escaped pipe becomes a plain one before MkDocs reads the page.
"""

from __future__ import annotations

import re
from typing import Any

_CODE = re.compile(r"(`+)(.+?)\1")


def _unescape(match: re.Match[str]) -> str:
    return match.group(1) + match.group(2).replace("\\|", "|") + match.group(1)


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Every table row (a line starting with ``|``) with its code spans' ``\\|`` unescaped."""
    return "\n".join(
        _CODE.sub(_unescape, line) if line.startswith("|") else line
        for line in markdown.split("\n")
    )

"""GOPRIVATE-style patterns: which module paths a comma-separated list of globs covers.

One rule, Go's (golang.org/x/mod/module ``MatchPrefixPatterns``, used for GOPRIVATE, GONOPROXY,
GONOSUMDB and GOINSECURE): each glob matches as many leading path elements of the module path as
it has elements itself, with ``path.Match`` syntax per element, so ``*`` never crosses a ``/``;
``corp.example`` covers ``corp.example/lib/v2``, ``*.corp.example`` covers
``git.corp.example/x`` but not ``corp.example/x``. Empty entries are ignored.
"""

from __future__ import annotations

import fnmatch

__all__ = ["match_prefix_patterns"]


def match_prefix_patterns(patterns: str, module: str) -> str | None:
    """The first glob of ``patterns`` that matches a prefix of ``module``, or None."""
    elems = module.split("/")
    for pattern in patterns.split(","):
        pattern = pattern.strip().rstrip("/")
        if not pattern:
            continue
        parts = pattern.split("/")
        if len(parts) <= len(elems) and all(
            fnmatch.fnmatchcase(e, p) for e, p in zip(elems, parts, strict=False)
        ):
            return pattern
    return None

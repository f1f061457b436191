"""Rewrite go.mod and go.sum of the bundled example project by running the real ``go mod tidy``.

The example (``pytest_goproxy/scenarios/outages/project``, the default project of
``pytest-goproxy matrix`` and of the bundled scenarios) takes its modules from the txtar files
beside it in ``outages/modules``. This serves them with FakeGoProxy, verifies them against a fake
checksum database, runs ``go mod tidy`` on a copy of the project and writes the resulting go.mod
and go.sum back. Run it after changing a module or an import::

    python scripts/regenerate_example.py

Hashes are those of the zips FakeGoProxy builds, which match what ``go mod download`` computes
(tests/proxy checks that), so the committed go.sum is exactly what go would write.

The private module (``corp.example/vault``, :data:`DEFAULT_EXAMPLE_PRIVATE`) is then taken out of
both files again: the example is the moment right after its import was added to main.go.
"""

from __future__ import annotations

from pytest_goproxy import ChecksumDB, FakeGoProxy, GoRunner
from pytest_goproxy.gomod.patterns import match_prefix_patterns
from pytest_goproxy.matrix.runner import (
    DEFAULT_EXAMPLE,
    DEFAULT_EXAMPLE_MODULES,
    DEFAULT_EXAMPLE_PRIVATE,
)


def without_private(text: str) -> str:
    """go.mod or go.sum text without the lines naming a private module."""
    kept = []
    for line in text.splitlines(keepends=True):
        words = line.split()
        module = words[0] if words and words[0] != "require" else (words[1:2] or [""])[0]
        if module and match_prefix_patterns(DEFAULT_EXAMPLE_PRIVATE, module):
            continue
        kept.append(line)
    return "".join(kept)


def main() -> None:
    with FakeGoProxy() as proxy, ChecksumDB() as sumdb, GoRunner() as go:
        proxy.add_txtar(DEFAULT_EXAMPLE_MODULES)
        sumdb.attach(proxy)
        project = go.project_from_dir(DEFAULT_EXAMPLE, modcache=go.warm_cache())
        project.tidy(env={"GOPROXY": proxy.url, **sumdb.env}).assert_ok()
        # the program must build from what tidy fetched, with no proxy at all
        project.build(env={"GOPROXY": "off", **sumdb.env}).assert_ok()
        for name in ("go.mod", "go.sum"):
            text = without_private(project.read(name))
            (DEFAULT_EXAMPLE / name).write_text(text, encoding="utf-8", newline="\n")
            print(f"wrote {DEFAULT_EXAMPLE / name}")


if __name__ == "__main__":
    main()

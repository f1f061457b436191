"""The tables of README and of the docs site's pages, generated from the catalogues, so the docs
cannot drift from the behaviour.

A page marks each generated block::

    <!-- BEGIN generated: network-faults -->
    ...
    <!-- END generated: network-faults -->

``pytest-goproxy docs`` rewrites the blocks of README.md and docs/; ``pytest-goproxy docs
--check`` (and a test) fails when one is out of date. Each table is written by one function
(:data:`SECTIONS`), whichever page shows it.

The example matrices are measurements kept in the checkout (``examples/*.json``), not package
data: a page's blocks read them from the checkout the page is in (found upward from the page),
so ``docs --check`` works from an installed wheel too (``tox -e lint``), and says which file it
needs when there is none.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path

from pytest_goproxy.configs import config_table_markdown
from pytest_goproxy.entries import markdown_table
from pytest_goproxy.errors import GoProxyError, UsageError
from pytest_goproxy.exports import stub_names
from pytest_goproxy.httpfaults import http_fault_table_markdown
from pytest_goproxy.network import fault_table_markdown
from pytest_goproxy.report.jsonfile import cells_from_json
from pytest_goproxy.report.markdown import to_markdown

__all__ = [
    "EXAMPLE_MATRIX",
    "EXAMPLE_MATRIX_TLS",
    "EXAMPLE_MATRIX_TOOLCHAIN",
    "SECTIONS",
    "example_file",
    "render_readme",
    "update_readme",
]

#: The measured matrix of the bundled example, written by
#: ``pytest-goproxy matrix --timeout 10 --format json --out DIR`` and checked by the test suite,
#: which runs the same cells again (tests/matrix/test_example_matrix.py).
EXAMPLE_MATRIX = Path(__file__).resolve().parents[2] / "examples" / "matrix.json"
#: The bundled example over HTTPS with the HTTP/2 faults, written by ``pytest-goproxy matrix
#: --tls --private '' --faults none,rst_stream,goaway,goaway_graceful,refused_stream,
#: h2_protocol_error,h2_stall,cut_body --configs single,comma_backup,pipe_backup,http1_only
#: --timeout 10 --format json --out DIR`` and run again by tests/matrix/test_example_matrix_tls.py.
EXAMPLE_MATRIX_TLS = EXAMPLE_MATRIX.with_name("matrix_tls.json")
#: The bundled example with every cell switching to a synthetic go1.99.0, written by
#: ``pytest-goproxy matrix --toolchain go1.99.0 --private '' --faults none,refused,status,cut_body,
#: blackhole --configs single,comma_backup,pipe_backup,comma_direct,pipe_direct,gosumdb_off,
#: warm_cache,toolchain_cached,gotoolchain_local --timeout 10 --format json --out DIR`` and run
#: again by tests/matrix/test_toolchain_example_matrix.py.
EXAMPLE_MATRIX_TOOLCHAIN = EXAMPLE_MATRIX.with_name("matrix_toolchain.json")


def example_file(known: Path, base: Path | None = None) -> Path:
    """``examples/<name>`` of the checkout holding ``base`` (the page's directory, searched
    upward), else ``known`` (this source tree's); a UsageError naming both when neither is
    there (an installed wheel has no examples/)."""
    relative = Path(known.parent.name) / known.name
    if base is not None:
        for directory in [base.resolve(), *base.resolve().parents]:
            if (directory / relative).is_file():
                return directory / relative
    if known.is_file():
        return known
    where = f" above {base}" if base is not None else ""
    raise UsageError(
        f"{relative} not found{where} nor at {known}: the example matrices are in a checkout "
        "of pytest-goproxy; run `pytest-goproxy docs` there"
    )


def _example_matrix(base: Path | None) -> str:
    text = example_file(EXAMPLE_MATRIX, base).read_text(encoding="utf-8")
    return to_markdown(
        cells_from_json(text),
        title="Outage matrix of the bundled example (example.test/outage-demo)",
    )


def _example_matrix_tls(base: Path | None) -> str:
    text = example_file(EXAMPLE_MATRIX_TLS, base).read_text(encoding="utf-8")
    return to_markdown(
        cells_from_json(text),
        title="The bundled example over HTTPS and HTTP/2 (--tls, no private module)",
    )


def _example_matrix_toolchain(base: Path | None) -> str:
    text = example_file(EXAMPLE_MATRIX_TOOLCHAIN, base).read_text(encoding="utf-8")
    return to_markdown(
        cells_from_json(text),
        title="The bundled example, every cell switching to a synthetic go1.99.0 (--toolchain)",
    )


#: The top-level stub: the public API, grouped by ``# -- what --`` comments.
PUBLIC_API = Path(__file__).resolve().parents[1] / "__init__.pyi"
_GROUP = re.compile(r"^# -- (?P<title>.+?) --$")
_EXPORT = re.compile(r"^from (?P<module>[\w.]+) import (?P<name>\w+) as (?P=name)$")


def _public_api() -> str:
    """The top-level names, in the stub's groups and order: README lists exactly what
    ``from pytest_goproxy import ...`` gives, with the sub-package each comes from."""
    rows: list[tuple[str, list[str]]] = []
    for line in PUBLIC_API.read_text(encoding="utf-8").splitlines():
        if group := _GROUP.match(line):
            rows.append((group["title"], []))
        elif (export := _EXPORT.match(line)) and rows:
            rows[-1][1].append(f"`{export['name']}`")
    listed = {name.strip("`") for _, names in rows for name in names}
    if listed != set(stub_names(PUBLIC_API)):  # a line in a form this reader does not know
        raise GoProxyError(f"{PUBLIC_API}: every export belongs under a `# -- group --` line")
    return markdown_table(("what", "names"), [(title, ", ".join(names)) for title, names in rows])


#: Generated section name -> the function that writes its Markdown, given the directory of the
#: page it goes into (where the example matrices are looked for; None: this source tree).
SECTIONS: dict[str, Callable[[Path | None], str]] = {
    "public-api": lambda _: _public_api(),
    "network-faults": lambda _: fault_table_markdown(),
    "http-faults": lambda _: http_fault_table_markdown(),
    "configs": lambda _: config_table_markdown(),
    "example-matrix": _example_matrix,
    "example-matrix-tls": _example_matrix_tls,
    "example-matrix-toolchain": _example_matrix_toolchain,
}

_BLOCK = re.compile(
    r"(<!-- BEGIN generated: (?P<name>[\w-]+) -->\n)"
    r"(?P<body>.*?)"
    r"(<!-- END generated: (?P=name) -->)",
    re.DOTALL,
)


#: What writes a generated block: the page's directory -> Markdown.
Section = Callable[[Path | None], str]


def render_readme(
    text: str, *, base: Path | None = None, sections: Mapping[str, Section] | None = None
) -> str:
    """``text`` (a page in directory ``base``) with every generated block replaced by its
    current content; ``sections`` adds the blocks of higher layers (the command line's
    reference, which :mod:`pytest_goproxy.cli.docs` writes)."""
    known = {**SECTIONS, **(sections or {})}

    def replace(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in known:
            raise GoProxyError(
                f"unknown generated block {name!r}; known: {', '.join(sorted(known))}"
            )
        return f"{match.group(1)}{known[name](base).rstrip()}\n{match.group(4)}"

    return _BLOCK.sub(replace, text)


def update_readme(
    path: Path, *, check: bool = False, sections: Mapping[str, Section] | None = None
) -> bool:
    """Regenerate the blocks of the page at ``path``; True when it changed (with ``check``,
    nothing is written)."""
    old = path.read_text(encoding="utf-8")
    new = render_readme(old, base=path.parent, sections=sections)
    if new != old and not check:
        path.write_text(new, encoding="utf-8")
    return new != old

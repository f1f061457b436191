"""Write the go.mod files the fake proxy serves, and read the module path out of one.

Rendering follows the layout ``go mod tidy`` produces (golang.org/x/mod/modfile/print.go):
``module``, a blank line, ``go``, then one ``require`` line or a parenthesised block, then
``retract`` directives, each retraction's rationale as a ``//`` comment above it (modfile reads
the comment lines right before a retract as its Rationale).

Reading handles what modfile/read.go accepts around the module path: ``//`` comments, quoted
paths (``"..."`` with Go escapes, or back-quoted raw strings) and the rare block form
``module ( path )``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TypedDict

from pytest_goproxy.errors import InvalidModuleError, ModuleSourceError
from pytest_goproxy.gomod import semver
from pytest_goproxy.gomod.check import check_import_path, check_module_path
from pytest_goproxy.gomod.toolchain import is_toolchain_name

__all__ = [
    "DEFAULT_GO_VERSION",
    "GoModOptions",
    "Retract",
    "auto_quote",
    "given_go_mod",
    "legacy_go_mod",
    "parse_module_path",
    "render_go_mod",
]

Retract = str | tuple[str, str]
"""A retraction: ``"v1.0.0"``, ``"[v1.0.0, v1.2.0]"``, either optionally followed by
``" // rationale"``, or a ``(versions, rationale)`` pair."""

#: The ``go`` directive of a generated go.mod.
DEFAULT_GO_VERSION = "1.21"


class GoModOptions(TypedDict, total=False):
    """What shapes a module version's go.mod in ``add_module``: written once here so that
    ModuleStore, FakeGoProxy and FakeOrigin take the same options, and the same call on each
    gives the same go.mod (and so the same module zip and ``h1:`` hash).

    ``go_mod``
        the go.mod as it is (text or bytes); ``files['go.mod']`` does the same, and giving
        both is an error unless they are equal.
    ``requires``
        module path -> version, the ``require`` lines of a generated go.mod.
    ``retracts``
        the ``retract`` directives of a generated go.mod (:data:`Retract`).
    ``go_version``
        the ``go`` directive of a generated go.mod (default :data:`DEFAULT_GO_VERSION`).
    """

    go_mod: str | bytes | None
    requires: Mapping[str, str] | None
    retracts: Sequence[Retract] | None
    go_version: str


def given_go_mod(
    module: str, go_mod: bytes | None, in_files: bytes | None, options: GoModOptions
) -> bytes | None:
    """The go.mod the caller gave for ``module`` (``go_mod``, or ``in_files``, the files'
    ``go.mod``), None when there is none; :class:`ModuleSourceError` when both are given and
    differ, or when ``requires``/``retracts`` would shape a go.mod that is given as it is."""
    if (go_mod is not None or in_files is not None) and (
        options.get("requires") or options.get("retracts")
    ):
        raise ModuleSourceError(
            f"{module}: requires/retracts only shape a generated go.mod; "
            "put them in the go.mod you pass instead"
        )
    if go_mod is not None and in_files is not None and go_mod != in_files:
        raise ModuleSourceError(f"{module}: go_mod differs from files['go.mod']; give only one")
    return go_mod if go_mod is not None else in_files


_GO_VERSION_RE = re.compile(r"1(\.(0|[1-9][0-9]*)){0,2}((rc|beta)[1-9][0-9]*)?")


def auto_quote(s: str) -> str:
    """modfile.AutoQuote: quote a token only when it would not survive unquoted."""
    must = (
        s == ""
        or any(c.isspace() or c in "\"'`" for c in s)
        or "//" in s
        or "/*" in s
        or any(not c.isprintable() for c in s)
    )
    if not must:
        return s
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def legacy_go_mod(path: str) -> bytes:
    """The go.mod a proxy serves for a version without one (modfetch/coderepo.go LegacyGoMod)."""
    return f"module {auto_quote(path)}\n".encode()


def _retract_line(item: Retract) -> tuple[str, str]:
    if isinstance(item, tuple):
        spec, rationale = item
    else:
        spec, _, rationale = item.partition("//")
    spec, rationale = spec.strip(), rationale.strip()
    if spec.startswith("["):
        if not spec.endswith("]") or spec.count(",") != 1:
            raise InvalidModuleError(f"retract {spec!r}: a range is written [low, high]")
        low, high = (p.strip() for p in spec[1:-1].split(","))
        for v in (low, high):
            _check_go_mod_version("retract", v)
        if semver.compare(low, high) > 0:
            raise InvalidModuleError(
                f"retract {spec!r}: version {low} is greater than {high} "
                "(modfile: invalid version interval)"
            )
        spec = f"[{low}, {high}]"
    else:
        _check_go_mod_version("retract", spec)
    return spec, rationale


def _check_go_mod_version(what: str, v: str) -> None:
    if semver.canonical_version(v) != v:
        raise InvalidModuleError(
            f"{what} {v!r}: go.mod versions must be canonical semantic versions "
            f"(modfile: version must be of the form v1.2.3)"
        )


def render_go_mod(
    path: str,
    *,
    go_version: str | None = "1.21",
    requires: Mapping[str, str] | None = None,
    retracts: Sequence[Retract] | None = None,
    main_module: bool = False,
    toolchain: str | None = None,
) -> bytes:
    """A go.mod for ``path``: module, go and toolchain directives, requires (sorted), retracts
    (given order).

    With ``main_module`` the path is the module being built (a project's own go.mod), which only
    has to be an import path: ``module app`` builds, but cannot be fetched from a proxy.
    ``toolchain`` is a toolchain name (``go1.99.0``) or ``default``; with ``GOTOOLCHAIN=auto`` a
    newer one than the running go makes go switch to it (cmd/go/internal/toolchain).
    """
    (check_import_path if main_module else check_module_path)(path)
    lines = [f"module {auto_quote(path)}"]
    if go_version is not None:
        if not _GO_VERSION_RE.fullmatch(go_version):
            raise InvalidModuleError(
                f'invalid go version "{go_version}": must match format 1.23.0 (modfile)'
            )
        lines += ["", f"go {go_version}"]
    if toolchain is not None:
        if toolchain != "default" and not is_toolchain_name(toolchain):
            raise InvalidModuleError(
                f'invalid toolchain version "{toolchain}": must be a toolchain name such as '
                "go1.23.0, or default (modfile)"
            )
        lines += ["", f"toolchain {toolchain}"]
    reqs = sorted((requires or {}).items())
    for mod, v in reqs:
        check_module_path(mod)
        _check_go_mod_version(f"require {mod}", v)
    if len(reqs) == 1:
        lines += ["", f"require {auto_quote(reqs[0][0])} {reqs[0][1]}"]
    elif reqs:
        lines += ["", "require ("]
        lines += [f"\t{auto_quote(m)} {v}" for m, v in reqs]
        lines.append(")")
    for item in retracts or ():
        spec, rationale = _retract_line(item)
        lines.append("")
        if rationale:
            lines += [f"// {r}".rstrip() for r in rationale.splitlines()]
        lines.append(f"retract {spec}")
    return ("\n".join(lines) + "\n").encode()


_TOOLCHAIN_LINE = re.compile(r"^toolchain[ \t]+\S+[ \t]*(?://.*)?$", re.M)
_GO_LINE = re.compile(r"^go[ \t]+\S+[ \t]*(?://.*)?$", re.M)


def with_toolchain_line(text: str, toolchain: str) -> str:
    """``text`` (a go.mod) with its ``toolchain`` line set to ``toolchain``: the line replaced
    when there is one, else written after the ``go`` line (or at the end), as ``go get
    toolchain@...`` writes it."""
    if toolchain != "default" and not is_toolchain_name(toolchain):
        raise InvalidModuleError(f'invalid toolchain version "{toolchain}"')
    line = f"toolchain {toolchain}"
    if _TOOLCHAIN_LINE.search(text):
        return _TOOLCHAIN_LINE.sub(line, text, count=1)
    go = _GO_LINE.search(text)
    if go is None:
        return text.rstrip("\n") + f"\n\n{line}\n"
    return f"{text[: go.end()]}\n\n{line}{text[go.end() :]}"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "a": "\a",
            "b": "\b", "f": "\f", "v": "\v"}  # fmt: skip


def _unquote(tok: str) -> str:
    if tok.startswith("`"):
        if not tok.endswith("`") or len(tok) < 2:
            raise ModuleSourceError(f"go.mod: unterminated raw string {tok!r}")
        return tok[1:-1]
    body, out, i = tok[1:-1], [], 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            if nxt in "xuU":
                width = {"x": 2, "u": 4, "U": 8}[nxt]
                out.append(chr(int(body[i + 2 : i + 2 + width], 16)))
                i += 2 + width
                continue
            raise ModuleSourceError(f"go.mod: invalid quoted string {tok}")
        out.append(c)
        i += 1
    return "".join(out)


_TOKEN_RE = re.compile(r'\s*("(?:[^"\\\n]|\\.)*"|`[^`]*`|//[^\n]*|\(|\)|[^\s()"`]+|\n)')


def _tokens(line_text: str) -> list[str]:
    toks: list[str] = []
    pos = 0
    while pos < len(line_text):
        m = _TOKEN_RE.match(line_text, pos)
        if m is None:
            break
        tok = m.group(1)
        pos = m.end()
        if tok.startswith("//"):
            break
        toks.append(tok)
    return toks


def parse_module_path(data: bytes | str) -> str | None:
    """The path named by the ``module`` directive of a go.mod, or ``None`` if it has none."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    lines = text.splitlines()
    for idx, line in enumerate(lines):
        toks = _tokens(line)
        if not toks or toks[0] != "module":
            continue
        rest = toks[1:]
        if rest[:1] == ["("]:
            rest = rest[1:]
            j = idx + 1
            while not rest and j < len(lines):
                rest = _tokens(lines[j])
                j += 1
            rest = [t for t in rest if t != ")"]
        if not rest:
            return None
        tok = rest[0]
        return _unquote(tok) if tok[0] in '"`' else tok
    return None


def parse_go_version(data: bytes | str) -> str | None:
    """The version in the ``go`` directive (``"1.21"``), or ``None``: zip rules depend on it."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    for line in text.splitlines():
        toks = _tokens(line)
        if len(toks) >= 2 and toks[0] == "go":
            return toks[1]
    return None

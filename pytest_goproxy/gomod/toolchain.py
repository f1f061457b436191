"""Go toolchains as modules: names, module versions and the synthetic toolchain's files.

Since Go 1.21 the go command downloads a toolchain it needs as an ordinary module through GOPROXY
(cmd/go/internal/toolchain/select.go ``Exec``): ``golang.org/toolchain`` at version
``v0.0.1-<toolchain>.<GOOS>-<GOARCH>``, for example ``v0.0.1-go1.99.0.linux-amd64``. The zip is a
GOROOT (``bin/go``, ``pkg/tool/...``); go verifies it against the checksum database like any
module, sets the execute bits itself (zips carry no modes) and then execs ``<dir>/bin/go`` with
``GOROOT=<dir>`` and ``GOTOOLCHAIN_INTERNAL_SWITCH_VERSION=<toolchain>``. The child checks that it
*is* that toolchain (``gover.LocalToolchain() == target``) and runs the command without switching
again.

A **synthetic** toolchain is what cmd/go's own tests serve
(``testdata/mod/golang.org_toolchain_*``): a zip whose ``bin/go`` is a shell script. Ours runs
the local go instead of a newer one: it puts GOROOT back to the local go's and sets the switch
variable to the *local* toolchain's name, so the local go's check passes and it runs the command
as the switched-to toolchain would, the user's GOTOOLCHAIN left as it was. ``go version`` (the
command alone) prints the synthetic name, so a test sees from inside the switched run which
toolchain answered. What it cannot show is anything of the newer Go itself: every other command
is the local go's, so a project whose ``go`` line is newer than the local go needs a real
toolchain. ``bin/go`` is a ``/bin/sh`` script, so it runs on Unix only (on Windows go would look
for ``bin/go.exe``), and it holds the local go's paths: the zip serves this machine alone.
"""

from __future__ import annotations

import re
import shlex

__all__ = [
    "TOOLCHAIN_MODULE",
    "check_gotoolchain",
    "check_toolchain_name",
    "compare_go",
    "is_toolchain_name",
    "parse_toolchain_version",
    "synthetic_toolchain_files",
    "toolchain_version",
    "wanted_toolchain",
]

#: The module path of every downloadable toolchain (select.go ``gotoolchainModule``).
TOOLCHAIN_MODULE = "golang.org/toolchain"
#: The packaging version every toolchain module version starts with (``gotoolchainVersion``).
_PACKAGING = "v0.0.1"
#: A toolchain name as cmd/go/internal/gover ``FromToolchain`` accepts it for download:
#: ``go1.21.0``, ``go1.22rc1``, ``go1.9``; a release, never a bare language version from 1.21 on.
_NAME_RE = re.compile(r"go1(?:\.(?:0|[1-9][0-9]*)){1,2}(?:(?:rc|beta)[1-9][0-9]*)?")
_VERSION_RE = re.compile(
    re.escape(_PACKAGING) + r"-(" + _NAME_RE.pattern + r")\.([a-z0-9]+)-([a-z0-9]+)"
)


def is_toolchain_name(name: str) -> bool:
    """Whether go could download ``name`` as a toolchain (``go1.99.0``, ``go1.22rc1``)."""
    if not _NAME_RE.fullmatch(name):
        return False
    # From 1.21 on, "go1.22" is a language version, and go refuses to download it: "invalid
    # toolchain: go1.22 is a language version but not a toolchain version (go1.22.x)".
    language = re.fullmatch(r"go1\.(\d+)", name)
    return language is None or int(language.group(1)) < 21


def check_toolchain_name(name: object) -> str:
    """``name`` when it names a downloadable toolchain, else ValueError saying what would."""
    __tracebackhide__ = True
    if not isinstance(name, str) or not is_toolchain_name(name):
        raise ValueError(
            f"{name!r} is not a Go toolchain name: give a release such as 'go1.99.0' or "
            "'go1.99rc1' (from Go 1.21 on, 'go1.99' is a language version, which go never "
            "downloads)"
        )
    return name


def toolchain_version(name: str, goos: str, goarch: str) -> str:
    """The ``golang.org/toolchain`` version of toolchain ``name`` for one platform:
    ``toolchain_version("go1.99.0", "linux", "amd64") == "v0.0.1-go1.99.0.linux-amd64"``."""
    return f"{_PACKAGING}-{check_toolchain_name(name)}.{goos}-{goarch}"


def parse_toolchain_version(version: str) -> tuple[str, str, str] | None:
    """``(name, goos, goarch)`` of a ``golang.org/toolchain`` version, None for another one."""
    m = _VERSION_RE.fullmatch(version)
    return (m.group(1), m.group(2), m.group(3)) if m else None


def synthetic_toolchain_files(
    name: str, *, go: str, goroot: str, local_toolchain: str, goos: str, goarch: str
) -> dict[str, str]:
    """The files of a synthetic toolchain ``name`` whose ``bin/go`` runs the go at ``go``
    (GOROOT ``goroot``, toolchain name ``local_toolchain``, e.g. ``go1.26.8``).

    The shape is cmd/go's fakes': ``bin/go`` and ``bin/gofmt`` scripts, an empty
    ``pkg/tool/fake`` (go sets execute bits under pkg/tool before bin/go) and ``lib/wasm`` for
    ``go_js_wasm_exec``. The local paths are baked in: the zip serves this machine only, which is
    the only one a test's go runs on."""
    q_go, q_root, q_local = shlex.quote(go), shlex.quote(goroot), shlex.quote(local_toolchain)
    gofmt = shlex.quote(f"{goroot}/bin/gofmt")
    go_script = f"""#!/bin/sh
# pytest-goproxy synthetic toolchain {name} ({goos}/{goarch}):
# it runs {local_toolchain} from {goroot}.
# go set GOROOT to this directory and GOTOOLCHAIN_INTERNAL_SWITCH_VERSION={name} before exec'ing
# it; the local go checks that variable against its own name, so it gets its own name (it then
# runs the command without switching again, GOTOOLCHAIN untouched).
if [ "$#" -eq 1 ] && [ "$1" = version ]; then
  echo "go version {name} {goos}/{goarch}"
  exit 0
fi
GOROOT={q_root}
GOTOOLCHAIN_INTERNAL_SWITCH_VERSION={q_local}
export GOROOT GOTOOLCHAIN_INTERNAL_SWITCH_VERSION
exec {q_go} "$@"
"""
    return {
        "bin/go": go_script,
        "bin/gofmt": f'#!/bin/sh\nexec {gofmt} "$@"\n',
        "pkg/tool/fake": "",
        "lib/wasm/go_js_wasm_exec": "",
    }


#: The fixed values of ``GOTOOLCHAIN`` (cmd/go/internal/toolchain/select.go ``Select``).
_GOTOOLCHAIN_WORDS = ("local", "auto", "path")


def check_gotoolchain(value: object) -> str:
    """``value`` when go accepts it as ``GOTOOLCHAIN`` (``local``, ``auto``, ``path``, a
    toolchain name, ``<name>+auto``, ``<name>+path``, ``local+auto``...), else ValueError with
    go's rule, so a typo fails at the test's line instead of as go's ``invalid GOTOOLCHAIN``."""
    __tracebackhide__ = True
    if isinstance(value, str):
        minimum, plus, suffix = value.partition("+")
        if not plus and value in _GOTOOLCHAIN_WORDS:
            return value
        if (minimum == "local" or is_toolchain_name(minimum)) and (
            not plus or suffix in ("auto", "path")
        ):
            return value
    raise ValueError(
        f"GOTOOLCHAIN {value!r} is not one go accepts: give 'local', 'auto', 'path', a "
        "toolchain name such as 'go1.99.0', or '<name>+auto' / '<name>+path'"
    )


def _cut_int(x: str) -> tuple[str, str] | None:
    m = re.match(r"(0|[1-9][0-9]*)", x)
    return (m.group(1), x[m.end() :]) if m else None


def _parse_go(x: str) -> tuple[str, str, str, str, str]:
    """cmd/go/internal/gover ``Parse``: (major, minor, patch, kind, pre), all empty when ``x``
    is not a Go version (``1.21.0``, ``1.21rc1``, ``1.21``, ``1``)."""
    bad = ("", "", "", "", "")
    cut = _cut_int(x)
    if cut is None:
        return bad
    major, x = cut
    if x == "":
        return (major, "0", "0", "", "")
    if not x.startswith("."):
        return bad
    cut = _cut_int(x[1:])
    if cut is None:
        return bad
    minor, x = cut
    if x == "":  # from 1.21 on, "1.21" is the language, older than 1.21rc1 and 1.21.0
        return (major, minor, "0" if _cmp_int(minor, "21") < 0 else "", "", "")
    if x.startswith("."):
        cut = _cut_int(x[1:])
        return bad if cut is None or cut[1] else (major, minor, cut[0], "", "")
    m = re.fullmatch(r"([a-z]+)(0|[1-9][0-9]*)?", x)
    return (major, minor, "", m.group(1), m.group(2) or "") if m else bad


def _cmp_int(x: str, y: str) -> int:
    """gover ``CmpInt``: decimal strings compared as numbers ("" is the smallest)."""
    if x == y:
        return 0
    return -1 if (len(x), x) < (len(y), y) else 1


def compare_go(x: str, y: str) -> int:
    """cmd/go/internal/gover ``Compare`` of two Go versions without the ``go`` prefix
    (``1.27.3``, ``1.22rc1``): -1, 0 or 1, and ``1.21 < 1.21rc1 < 1.21.0``."""
    vx, vy = _parse_go(x), _parse_go(y)
    for a, b in zip(vx[:3], vy[:3], strict=True):
        if c := _cmp_int(a, b):
            return c
    if vx[3] != vy[3]:
        return -1 if vx[3] < vy[3] else 1
    return _cmp_int(vx[4], vy[4])


def wanted_toolchain(go_mod: str, local: str) -> str | None:
    """The toolchain go switches to for ``go_mod`` with ``GOTOOLCHAIN=auto`` when the local
    toolchain is ``local`` (``go1.26.8``), or None when it runs the local one: the ``toolchain``
    line if newer, then the ``go`` line if newer still (a language version from 1.21 on means
    its first release, ``go1.27`` -> ``go1.27.0``), as toolchain/select.go ``Select`` decides.
    ``toolchain default`` keeps the local one."""
    current = local.removeprefix("go")
    chosen: str | None = None
    toolchain = re.search(r"^toolchain[ \t]+(\S+)", go_mod, re.M)
    if toolchain and toolchain.group(1) == "default":
        return None
    if toolchain and toolchain.group(1).startswith("go"):
        named = toolchain.group(1).removeprefix("go")
        if compare_go(named, current) > 0:
            chosen, current = toolchain.group(1), named
    go_line = re.search(r"^go[ \t]+(\S+)", go_mod, re.M)
    if go_line and compare_go(go_line.group(1), current) > 0:
        version = go_line.group(1)
        language = re.fullmatch(r"1\.(\d+)", version)
        chosen = f"go{version}" + (".0" if language and int(language.group(1)) >= 21 else "")
    return chosen

"""Unit tests of the pure rules: escaping, path checks, semver, pseudo-versions, txtar, go.mod."""

from __future__ import annotations

import datetime
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_goproxy.errors import InvalidModuleError
from pytest_goproxy.gomod import semver, txtar
from pytest_goproxy.gomod.check import (
    check,
    check_file_path,
    check_import_path,
    check_module_path,
    check_path_major,
    check_version_servable,
    split_path_version,
)
from pytest_goproxy.gomod.dirhash import hash_bytes_files, hash_go_mod
from pytest_goproxy.gomod.escape import (
    escape_path,
    escape_version,
    unescape_path,
    unescape_version,
)
from pytest_goproxy.gomod.gomodfile import parse_module_path, render_go_mod

# ---- escaping ----------------------------------------------------------------------------


def test_escape_examples() -> None:
    assert escape_path("github.com/Azure/azure-sdk") == "github.com/!azure/azure-sdk"
    assert escape_path("rsc.io/QUOTE") == "rsc.io/!q!u!o!t!e"
    assert escape_version("v1.5.3-PRE") == "v1.5.3-!p!r!e"
    assert unescape_path("github.com/!azure/azure-sdk") == "github.com/Azure/azure-sdk"
    assert unescape_version("v1.5.3-!p!r!e") == "v1.5.3-PRE"


@pytest.mark.parametrize("bad", ["github.com/Azure/x", "a.com/!", "a.com/!A", "a.com/!1", "é.com"])
def test_unescape_path_rejects(bad: str) -> None:
    with pytest.raises(InvalidModuleError, match="invalid escaped module path"):
        unescape_path(bad)


def test_unescape_path_rejects_invalid_module_path() -> None:
    with pytest.raises(InvalidModuleError, match="missing dot in first path element"):
        unescape_path("nodot/x")


@pytest.mark.parametrize("bad", ["v1.0.0-A", "v1!", "v1!!a"])
def test_unescape_version_rejects(bad: str) -> None:
    with pytest.raises(InvalidModuleError, match="invalid escaped version"):
        unescape_version(bad)


def test_escape_version_rejects_bang() -> None:
    with pytest.raises(InvalidModuleError, match="disallowed version string"):
        escape_version("v1.0.0!x")


_elem = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,8}", fullmatch=True)


@given(st.from_regex(r"[a-z0-9]{1,6}\.[a-z]{2,4}", fullmatch=True), st.lists(_elem, max_size=4))
def test_escape_path_roundtrip(host: str, elems: list[str]) -> None:
    path = "/".join([host, *elems])
    try:
        check_module_path(path)
    except InvalidModuleError:
        return
    esc = escape_path(path)
    assert esc == esc.lower()
    assert unescape_path(esc) == path


@given(st.from_regex(r"v[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(-[A-Za-z0-9]{1,8})?", fullmatch=True))
def test_escape_version_roundtrip(v: str) -> None:
    esc = escape_version(v)
    assert not any(c.isupper() for c in esc)
    assert unescape_version(esc) == v


# ---- path checks -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "rule"),
    [
        ("", "empty string"),
        ("x", "missing dot in first path element"),
        ("-x.com", "leading dash"),
        ("x.com//a", "double slash"),
        ("x.com/", "trailing slash"),
        ("/x.com", "empty path element"),  # Go checks elements before the slash rule
        ("x.com/.a", "leading dot in path element"),
        ("x.com/a.", "trailing dot in path element"),
        ("x.com/..", 'invalid path element ".."'),
        ("x.com/a b", "invalid char ' '"),
        ("X.com/a", "invalid char 'X' in first path element"),
        ("x.com/con", '"con" disallowed as path element component on Windows'),
        ("x.com/ab~1", "trailing tilde and digits in path element"),
        ("x.com/v1", "invalid version"),
        ("x.com/m/v1", "invalid version"),
        ("x.com/m/v02", "invalid version"),
        ("gopkg.in/yaml", "invalid version"),
    ],
)
def test_module_path_rules(path: str, rule: str) -> None:
    with pytest.raises(InvalidModuleError) as e:
        check_module_path(path)
    assert rule in str(e.value)
    assert str(e.value).startswith("malformed module path")


@pytest.mark.parametrize(
    "path",
    [
        "example.com/m",
        "example.com/m/v2",
        "gopkg.in/yaml.v3",
        "gopkg.in/check.v1-unstable",
        "example.com/A_b~c",
    ],
)
def test_module_path_ok(path: str) -> None:
    check_module_path(path)


def test_import_and_file_paths() -> None:
    check_import_path("example.com/a+b")
    check_file_path("a/.dotfile/ü x!#.go")
    check_file_path("-dash.go")
    with pytest.raises(InvalidModuleError, match='malformed file path "a/b:c": invalid char'):
        check_file_path("a/b:c")
    with pytest.raises(InvalidModuleError, match="malformed import path"):
        check_import_path("x.com/a b")


def test_split_path_version() -> None:
    assert split_path_version("example.com/m/v2") == ("example.com/m", "/v2", True)
    assert split_path_version("example.com/m") == ("example.com/m", "", True)
    assert split_path_version("gopkg.in/yaml.v2") == ("gopkg.in/yaml", ".v2", True)
    assert split_path_version("example.com/m/v1")[2] is False


def test_path_major_and_check() -> None:
    check_path_major("v2.0.0", "/v2")
    check_path_major("v3.0.0+incompatible", "")
    check_path_major("v0.0.0-20200101000000-abcdefabcdef", ".v1")
    with pytest.raises(InvalidModuleError, match=r'version "v2\.0\.0" invalid: should be v0 or v1'):
        check_path_major("v2.0.0", "")
    with pytest.raises(InvalidModuleError, match="should be v2, not v1"):
        check("example.com/m/v2", "v1.0.0")
    with pytest.raises(InvalidModuleError, match="not a semantic version"):
        check("example.com/m", "1.0.0")


def test_servable_rules() -> None:
    with pytest.raises(InvalidModuleError, match="not canonical"):
        check_version_servable("example.com/m", "v1.2")
    with pytest.raises(InvalidModuleError, match="major version v1 is compatible"):
        check_version_servable("example.com/m", "v1.0.0+incompatible")
    with pytest.raises(InvalidModuleError, match="should be v3, not v2"):
        check_version_servable("example.com/m/v3", "v2.0.0+incompatible")
    with pytest.raises(InvalidModuleError, match="malformed time"):
        check_version_servable("example.com/m", "v0.0.0-20231302150405-abcdefabcdef")
    with pytest.raises(InvalidModuleError, match="negative patch"):
        check_version_servable("example.com/m", "v1.2.0-0.20230102150405-abcdefabcdef")


# ---- semver ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("v", "canon"),
    [
        ("v1", "v1.0.0"),
        ("v1.2", "v1.2.0"),
        ("v1.2.3+meta", "v1.2.3"),
        ("v1.2.3-pre+meta", "v1.2.3-pre"),
        ("v1.0.0-01", ""),
        ("1.0.0", ""),
        ("v1.2-pre", ""),
        ("v01.0.0", ""),
        ("v1.0.0-", ""),
        ("v1.0.0+", ""),
        ("v1.0.0-a..b", ""),
    ],
)
def test_canonical(v: str, canon: str) -> None:
    assert semver.canonical(v) == canon
    assert semver.is_valid(v) == bool(canon)


def test_semver_parts() -> None:
    assert semver.major("v2.1.0") == "v2"
    assert semver.major_minor("v2.1.0") == "v2.1"
    assert semver.prerelease("v1.0.0-rc.1+b") == "-rc.1"
    assert semver.build("v2.0.0+incompatible") == "+incompatible"
    assert semver.canonical_version("v2.0.0+incompatible") == "v2.0.0+incompatible"


def test_compare_orders_like_go() -> None:
    order = [
        "bad",
        "v1.0.0-alpha",
        "v1.0.0-alpha.1",
        "v1.0.0-alpha.beta",
        "v1.0.0-beta",
        "v1.0.0-beta.2",
        "v1.0.0-beta.11",
        "v1.0.0-rc.1",
        "v1.0.0",
        "v1.0.1",
        "v1.10.0",
        "v2.0.0+incompatible",
        "v10.0.0",
    ]
    assert semver.sort_versions(reversed(order)) == order
    assert semver.compare("v1.0.0+a", "v1.0.0+b") == 0
    assert semver.sort_versions(["v1.0.0+b", "v1.0.0+a"]) == ["v1.0.0+a", "v1.0.0+b"]


_vers = st.builds(
    lambda a, b, c, pre: f"v{a}.{b}.{c}{pre}",
    st.integers(0, 30),
    st.integers(0, 30),
    st.integers(0, 30),
    st.sampled_from(["", "-alpha", "-alpha.1", "-1", "-rc.2", "-0.20230102150405-abc"]),
)


@settings(max_examples=200)
@given(_vers, _vers, _vers)
def test_compare_is_a_total_order(a: str, b: str, c: str) -> None:
    assert semver.compare(a, b) == -semver.compare(b, a)
    assert (semver.compare(a, b) == 0) == (a == b)
    if semver.compare(a, b) <= 0 and semver.compare(b, c) <= 0:
        assert semver.compare(a, c) <= 0


@given(st.lists(_vers, max_size=12))
def test_sort_is_sorted_and_stable_under_shuffle(vs: list[str]) -> None:
    s = semver.sort_versions(vs)
    assert semver.sort_versions(reversed(vs)) == s
    assert all(semver.compare(x, y) <= 0 for x, y in itertools.pairwise(s))


def test_pseudo_versions() -> None:
    p1 = "v0.0.0-20230102150405-abcdefabcdef"
    p2 = "v1.2.4-0.20230102150405-abcdefabcdef"
    p3 = "v1.2.3-pre.0.20230102150405-abcdefabcdef"
    p4 = "v2.0.1-0.20230102150405-abcdefabcdef+incompatible"
    for p in (p1, p2, p3, p4):
        assert semver.is_pseudo_version(p)
        assert semver.pseudo_version_time(p) == datetime.datetime(
            2023, 1, 2, 15, 4, 5, tzinfo=datetime.timezone.utc
        )
        assert semver.pseudo_version_rev(p) == "abcdefabcdef"
    assert semver.pseudo_version_base(p1) == ""
    assert semver.pseudo_version_base(p2) == "v1.2.3"
    assert semver.pseudo_version_base(p3) == "v1.2.3-pre"
    assert semver.pseudo_version_base(p4) == "v2.0.0+incompatible"
    assert not semver.is_pseudo_version("v1.0.0")
    assert semver.is_pseudo_version("v1.0.0-20230102150405-abcdefabcdef")  # form vX.0.0
    assert not semver.is_pseudo_version("v1.0.1-20230102150405-abcdefabcdef")
    t = datetime.datetime(2023, 1, 2, 15, 4, 5, tzinfo=datetime.timezone.utc)
    assert semver.pseudo_version("", "", t, "abcdefabcdef") == p1
    assert semver.pseudo_version("v1", "v1.2.3", t, "abcdefabcdef") == p2
    assert semver.pseudo_version("v1", "v1.2.3-pre", t, "abcdefabcdef") == p3
    assert semver.is_zero_pseudo_version("v0.0.0-00010101000000-000000000000")
    with pytest.raises(InvalidModuleError, match="syntax error"):
        semver.pseudo_version_time("v1.0.0")


# ---- txtar -------------------------------------------------------------------------------


def test_txtar_parse_and_format() -> None:
    a = txtar.parse(b"comment\n-- a.txt --\nhello\n-- b/c.go --\nno newline")
    assert a.comment == b"comment\n"
    assert [(f.name, f.data) for f in a.files] == [
        ("a.txt", b"hello\n"),
        ("b/c.go", b"no newline\n"),
    ]
    assert txtar.format_archive(a) == b"comment\n-- a.txt --\nhello\n-- b/c.go --\nno newline\n"
    assert txtar.parse(b"-- x --\n-- y --\n").files == (txtar.File("x", b""), txtar.File("y", b""))
    # not markers: missing trailing " --", empty name, marker not at line start
    a = txtar.parse(b"--  --\n-- x\nx -- y --\n--   spaced   --\n")
    assert a.comment == b"--  --\n-- x\nx -- y --\n"
    assert a.files == (txtar.File("spaced", b""),)


# ---- go.mod and dirhash ------------------------------------------------------------------


def test_render_go_mod() -> None:
    got = render_go_mod(
        "example.com/m",
        requires={"example.com/b": "v1.0.0", "example.com/a": "v1.2.0"},
        retracts=["v1.0.0", ("[v1.1.0, v1.2.0]", "broken build"), "v0.9.0 // oops"],
    )
    assert got.decode() == (
        "module example.com/m\n\ngo 1.21\n\nrequire (\n\texample.com/a v1.2.0\n"
        "\texample.com/b v1.0.0\n)\n\nretract v1.0.0\n\n// broken build\n"
        "retract [v1.1.0, v1.2.0]\n\n// oops\nretract v0.9.0\n"
    )
    one = render_go_mod("example.com/m", requires={"example.com/a": "v1.0.0"}, go_version=None)
    assert one == b"module example.com/m\n\nrequire example.com/a v1.0.0\n"
    with pytest.raises(InvalidModuleError, match="canonical"):
        render_go_mod("example.com/m", retracts=["v1.0"])
    with pytest.raises(InvalidModuleError, match="invalid go version"):
        render_go_mod("example.com/m", go_version="go1.21")


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("module example.com/m\n", "example.com/m"),
        ("// hi\nmodule   example.com/m // trailing\n", "example.com/m"),
        ('module "example.com/q"\n', "example.com/q"),
        ("module `example.com/raw`\n", "example.com/raw"),
        ("module (\n\texample.com/block\n)\n", "example.com/block"),
        ('module "example.com/\\u0041"\n', "example.com/A"),
        ("go 1.21\n", None),
        ("// module example.com/commented\n", None),
    ],
)
def test_parse_module_path(text: str, path: str | None) -> None:
    assert parse_module_path(text.encode()) == path


def test_dirhash_known_value() -> None:
    # sha256("") listed for one file; fixed expectations guard the line format
    h = hash_bytes_files({"go.mod": b""})
    assert h == hash_go_mod(b"")
    assert h.startswith("h1:") and len(h) == 47
    assert hash_bytes_files({"b": b"1", "a": b"2"}) == hash_bytes_files({"a": b"2", "b": b"1"})

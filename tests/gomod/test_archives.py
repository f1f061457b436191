"""The module archive rule: .txtar, .txt and path_vers/ directories, strictness, and serving
archives as they are (issue 14)."""

from __future__ import annotations

import logging
import pathlib
import zipfile

import httpx
import pytest

from pytest_goproxy.errors import ModuleSourceError
from pytest_goproxy.gomod.archives import find_archives, parse_archive_name
from pytest_goproxy.proxy import FakeGoProxy

MOD = '-- .mod --\nmodule {path}\n-- .info --\n{{"Version":"{version}"}}\n-- x.go --\npackage x\n'


def _txt(directory: pathlib.Path, name: str, path: str, version: str) -> pathlib.Path:
    f = directory / name
    f.write_text(MOD.format(path=path, version=version))
    return f


def test_txtar_txt_and_directories_all_load(tmp_path: pathlib.Path) -> None:
    _txt(tmp_path, "example.com_foo_v1.0.0.txtar", "example.com/foo", "v1.0.0")
    _txt(tmp_path, "example.com_!bar_v1.0.0.txt", "example.com/Bar", "v1.0.0")
    d = tmp_path / "example.com_baz_v1.1.0"
    (d / "sub").mkdir(parents=True)
    (d / ".mod").write_text("module example.com/baz\n")
    (d / ".info").write_text('{"Version":"v1.1.0","Time":"2020-01-01T00:00:00Z"}')
    (d / "sub" / "y.go").write_text("package sub\n")
    (tmp_path / "README.txt").write_text("not a module: no _v in the name\n")
    (tmp_path / "store").mkdir()
    with FakeGoProxy() as proxy:
        added = proxy.store.add_txtar(tmp_path)
        assert sorted((m.path, m.version) for m in added) == [
            ("example.com/Bar", "v1.0.0"),
            ("example.com/baz", "v1.1.0"),
            ("example.com/foo", "v1.0.0"),
        ]
        with httpx.Client(base_url=proxy.url) as http:
            assert http.get("/example.com/baz/@v/v1.1.0.mod").text == "module example.com/baz\n"
            assert http.get("/example.com/!bar/@v/list").text == "v1.0.0\n"
        baz = proxy.store.get("example.com/baz", "v1.1.0")
        assert baz is not None and baz.zip_path is not None
        with zipfile.ZipFile(baz.zip_path) as zf:
            assert zf.namelist() == ["example.com/baz@v1.1.0/sub/y.go"]


def test_a_name_that_does_not_decode_is_an_error_naming_the_file_and_the_rule(
    tmp_path: pathlib.Path,
) -> None:
    """The issue's directory that loaded nothing, with no error."""
    _txt(tmp_path, "example.com_foo_v1.0.0.txtar", "example.com/foo", "v1.0.0")
    _txt(tmp_path, "example.com_Bar_v1.0.0.txt", "example.com/Bar", "v1.0.0")
    with pytest.raises(ModuleSourceError, match=r"example.com_Bar_v1.0.0.txt: .*! \+ the letter"):
        find_archives(tmp_path)


def test_strict_false_skips_and_says_so(
    tmp_path: pathlib.Path, caplog: pytest.LogCaptureFixture
) -> None:
    _txt(tmp_path, "example.com_foo_v1.0.0.txtar", "example.com/foo", "v1.0.0")
    bad = _txt(tmp_path, "example.com_Bar_v1.0.0.txt", "example.com/Bar", "v1.0.0")
    (tmp_path / "example.com_empty_v1.0.0").mkdir()
    with caplog.at_level(logging.WARNING, logger="pytest_goproxy.modules"):
        found, skipped = find_archives(tmp_path, strict=False)
    assert [a.module for a in found] == ["example.com/foo"]
    assert {s.path.name for s in skipped} == {bad.name, "example.com_empty_v1.0.0"}
    assert bad.name in caplog.text


def test_txtar_wins_over_txt_and_a_second_archive_is_an_error(tmp_path: pathlib.Path) -> None:
    _txt(tmp_path, "example.com_foo_v1.0.0.txtar", "example.com/foo", "v1.0.0")
    _txt(tmp_path, "example.com_foo_v1.0.0.txt", "example.com/foo", "v1.0.0")
    with pytest.raises(
        ModuleSourceError, match=r"already served from example\.com_foo_v1\.0\.0\.txtar"
    ):
        find_archives(tmp_path)
    found, skipped = find_archives(tmp_path, strict=False)
    assert [a.path.name for a in found] == ["example.com_foo_v1.0.0.txtar"]
    assert [s.path.name for s in skipped] == ["example.com_foo_v1.0.0.txt"]


def test_versions_module_check_refuses_are_served_but_not_listed(tmp_path: pathlib.Path) -> None:
    """cmd/go's rsc.io/quote@v2.0.0: no /v2 suffix, served anyway, go decides."""
    assert parse_archive_name("rsc.io_quote_v2.0.0.txt") == ("rsc.io/quote", "v2.0.0")
    _txt(tmp_path, "rsc.io_quote_v2.0.0.txt", "rsc.io/quote", "v2.0.0")
    with FakeGoProxy() as proxy, httpx.Client(base_url=proxy.url) as http:
        proxy.store.add_txtar(tmp_path)
        assert http.get("/rsc.io/quote/@v/v2.0.0.info").status_code == 200
        listed = http.get("/rsc.io/quote/@v/list")
        assert (listed.status_code, listed.text) == (200, "")
        assert http.get("/rsc.io/quote/@latest").status_code == 404


def test_what_an_archive_lacks_is_a_404_unless_goproxytest_defaults(tmp_path: pathlib.Path) -> None:
    f = tmp_path / "example.com_m_v1.0.0.txt"
    f.write_text("-- go.mod --\nmodule example.com/m\n-- m.go --\npackage m\n")
    with FakeGoProxy() as proxy, httpx.Client(base_url=proxy.url) as http:
        proxy.store.add_txtar(f)
        for ext in ("info", "mod"):
            answer = http.get(f"/example.com/m/@v/v1.0.0.{ext}")
            assert (answer.status_code, answer.text) == (404, "404 page not found\n")
            assert f"no .{ext}" in answer.headers["X-Goproxy-Reason"]
        proxy.store.add_txtar(f, defaults="goproxytest")
        info = http.get("/example.com/m/@v/v1.0.0.info").json()
        assert info == {"Version": "v1.0.0", "Time": "1970-01-01T00:00:00Z"}
        assert http.get("/example.com/m/@v/v1.0.0.mod").text == "module example.com/m\n"


def test_defaults_must_be_known(tmp_path: pathlib.Path) -> None:
    f = _txt(tmp_path, "example.com_foo_v1.0.0.txt", "example.com/foo", "v1.0.0")
    with FakeGoProxy() as proxy, pytest.raises(ValueError, match="cmdgo' or 'goproxytest"):
        proxy.store.add_txtar(f, defaults="go-internal")  # type: ignore[arg-type]

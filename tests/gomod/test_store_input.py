"""What the store refuses at add time, with a message naming what to change (issue 13): a module
path too long to store on disk, file contents that are neither text nor bytes, and a txtar
archive that holds no files."""

from __future__ import annotations

import pathlib
from typing import Any

import pytest

from pytest_goproxy.errors import InvalidModuleError, ModuleSourceError
from pytest_goproxy.gomod.store import ModuleStore


@pytest.fixture
def store(tmp_path: pathlib.Path) -> ModuleStore:
    with ModuleStore(tmp_path / "store") as s:
        yield s  # type: ignore[misc]


@pytest.mark.parametrize(
    ("path", "version", "what"),
    [
        ("example.com/" + "a" * 5000, "v1.0.0", "path element"),
        ("example.com/" + "/".join(["abcdefgh"] * 600), "v1.0.0", "PATH_MAX"),
        ("example.com/" + "b" * 250, "v1.0.0", "module cache"),
        ("example.com/m", "v1.0.0-" + "c" * 300, "zip file"),
    ],
    ids=["long_element", "long_path", "long_cache_dir", "long_version"],
)
def test_a_module_too_long_for_the_disk_is_invalid_at_add_time(
    store: ModuleStore, path: str, version: str, what: str
) -> None:
    with pytest.raises(InvalidModuleError) as info:
        store.add_module(path, version)
    message = str(info.value)
    assert "too long" in message and what in message, message
    assert len(message) < 600, message  # the 5,000 characters are not repeated
    assert len(store) == 0
    assert not (store.root / "zips").exists()


def test_a_long_path_that_fits_is_stored(store: ModuleStore) -> None:
    mv = store.add_module("example.com/" + "d" * 200, "v1.0.0")
    assert mv.zip_path is not None and mv.zip_path.is_file()


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"files": {"a.go": 5}}, "files['a.go'] is an int"),
        ({"files": {"a.go": "package a\n", "b.go": ["package b"]}}, "files['b.go'] is a list"),
        ({"files": {5: "package a\n"}}, "file name 5 is an int; files maps names (str)"),
        ({"files": {"go.mod": 1.5}}, "files['go.mod'] is a float"),
        ({"go_mod": 7}, "go_mod is an int"),
    ],
    ids=["int", "list", "int_name", "go_mod_file", "go_mod_argument"],
)
def test_file_contents_must_be_str_or_bytes(
    store: ModuleStore, kwargs: dict[str, Any], named: str
) -> None:
    with pytest.raises(ModuleSourceError) as info:
        store.add_module("example.com/m", "v1.0.0", **kwargs)
    message = str(info.value)
    assert message.startswith("example.com/m@v1.0.0: "), message
    assert named in message and "str or bytes" in message, message
    assert len(store) == 0


def test_str_and_bytes_contents_are_both_accepted(store: ModuleStore) -> None:
    mv = store.add_module(
        "example.com/m", "v1.0.0", files={"a.go": "package m\n", "b.go": b"package m\n"}
    )
    assert mv.zip_size > 0


@pytest.mark.parametrize(
    "content",
    [b"", b"just a comment, no -- markers --\n", b"\x00\xff\xfe garbage \x89PNG\r\n"],
    ids=["empty", "comment_only", "binary"],
)
def test_a_txtar_without_files_is_an_error_naming_the_file(
    store: ModuleStore, tmp_path: pathlib.Path, content: bytes
) -> None:
    archive = tmp_path / "example.com_e_v1.0.0.txt"
    archive.write_bytes(content)
    with pytest.raises(ModuleSourceError) as info:
        store.add_txtar(archive)
    assert str(info.value).startswith(f"{archive}: "), info.value
    assert "-- name --" in str(info.value)
    assert len(store) == 0


def test_a_txtar_without_files_fails_a_directory_load_too(
    store: ModuleStore, tmp_path: pathlib.Path
) -> None:
    good = tmp_path / "example.com_g_v1.0.0.txt"
    good.write_text("-- go.mod --\nmodule example.com/g\n-- g.go --\npackage g\n")
    bad = tmp_path / "example.com_e_v1.0.0.txt"
    bad.write_text("")
    with pytest.raises(ModuleSourceError) as info:
        store.add_txtar(tmp_path)
    assert str(info.value).startswith(f"{bad}: not a txtar module archive: the file is empty")


def test_an_archive_of_only_mod_and_info_is_still_a_module(
    store: ModuleStore, tmp_path: pathlib.Path
) -> None:
    """cmd/go's testdata/mod has such archives (go.mod-only modules in a build graph)."""
    f = tmp_path / "example.com_modonly_v1.0.0.txt"
    f.write_text("-- .mod --\nmodule example.com/modonly\n-- .info --\n{}\n")
    (mv,) = store.add_txtar(f)
    assert mv.mod == b"module example.com/modonly\n"


def test_a_txtar_directory_without_archives_is_an_error(
    store: ModuleStore, tmp_path: pathlib.Path
) -> None:
    (tmp_path / "README.txt").write_text("-- a --\n")
    (tmp_path / "notes.md").write_text("hello")
    with pytest.raises(
        ModuleSourceError, match="no modules found: no file here is a txtar module archive"
    ) as info:
        store.add_txtar(tmp_path)
    assert str(info.value).startswith(f"{tmp_path}: ")

"""Module zips and the store, without go: rules, determinism, queries, sources."""

from __future__ import annotations

import datetime
import json
import os
import pathlib
import threading
import zipfile

import pytest

from pytest_goproxy.errors import InvalidModuleError, ModuleSourceError, ModuleZipError
from pytest_goproxy.gomod.dirhash import hash_zip
from pytest_goproxy.gomod.modzip import (
    MAX_GO_MOD,
    check_zip,
    create_zip_from_dir,
    create_zip_from_files,
    is_vendored_package,
)
from pytest_goproxy.gomod.store import ModuleStore


def _names(p: pathlib.Path) -> list[str]:
    with zipfile.ZipFile(p) as z:
        return z.namelist()


@pytest.fixture
def store(tmp_path: pathlib.Path) -> ModuleStore:
    with ModuleStore(tmp_path / "store") as s:
        yield s  # type: ignore[misc]


def test_vendored_rule_matches_x_mod() -> None:
    assert is_vendored_package("vendor/a/b.go", False)
    assert not is_vendored_package("vendor/a.go", False)
    assert not is_vendored_package("vendor/modules.txt", False)
    assert is_vendored_package("vendor/modules.txt", True)
    assert is_vendored_package("x/vendor/f.go", False)  # x/mod's pre-1.24 quirk
    assert not is_vendored_package("x/vendor/f.go", True)
    assert is_vendored_package("x/vendor/a/f.go", True)


def test_zip_rules_from_dir(tmp_path: pathlib.Path) -> None:
    d = tmp_path / "src"
    files = {
        "go.mod": "module example.com/m\n\ngo 1.24\n",
        "a.go": "package m\n",
        ".git/config": "x",
        ".hg/x": "x",
        "sub/go.mod": "module example.com/m/sub\n",
        "sub/s.go": "package sub\n",
        "vendor/modules.txt": "# x\n",
        "vendor/ex.com/p/p.go": "package p\n",
        "inner/vendor/v.go": "package v\n",
        ".hg_archival.txt": "x",
        "LICENSE": "MIT",
    }
    for name, data in files.items():
        (d / name).parent.mkdir(parents=True, exist_ok=True)
        (d / name).write_text(data)
    os.symlink("a.go", d / "link.go")
    os.symlink("/etc", d / "linkdir")
    res = create_zip_from_dir(tmp_path / "m.zip", "example.com/m", "v1.0.0", d)
    assert sorted(_names(res.path)) == [
        "example.com/m@v1.0.0/LICENSE",
        "example.com/m@v1.0.0/a.go",
        "example.com/m@v1.0.0/go.mod",
        "example.com/m@v1.0.0/inner/vendor/v.go",
    ]
    omitted = {e.path: e.error for e in res.checked.omitted}
    assert omitted["sub"] == "directory is in another module"
    assert omitted[".git"] == "directory is a version control repository"
    assert omitted["link.go"] == "not a regular file"
    assert omitted[".hg_archival.txt"].startswith("file is inserted by 'hg archive'")
    assert res.h1 == hash_zip(res.path)
    check_zip(res.path, "example.com/m", "v1.0.0")


def test_zip_is_deterministic(tmp_path: pathlib.Path) -> None:
    files = {"b.go": "package m\n", "a/x.txt": b"\x00\x01", "go.mod": "module example.com/m\n"}
    a = create_zip_from_files(tmp_path / "a.zip", "example.com/m", "v1.0.0", files)
    b = create_zip_from_files(
        tmp_path / "b.zip", "example.com/m", "v1.0.0", dict(reversed(files.items()))
    )
    assert a.path.read_bytes() == b.path.read_bytes()
    assert a.h1 == b.h1


@pytest.mark.parametrize(
    ("files", "rule"),
    [
        ({"A.go": "", "a.go": ""}, 'case-insensitive file name collision: "A.go" and "a.go"'),
        ({"a": "", "a/b": ""}, 'entry "a" is both a file and a directory'),
        ({"a:b.go": ""}, "malformed file path"),
        ({"GO.MOD": ""}, "go.mod files must have lowercase names"),
        ({"a/../x.go": ""}, "file path is not clean"),
        ({"../x.go": ""}, 'invalid path element ".."'),
        ({"go.mod": "x" * (MAX_GO_MOD + 1)}, "go.mod file too large"),
    ],
)
def test_zip_refuses(tmp_path: pathlib.Path, files: dict[str, str], rule: str) -> None:
    with pytest.raises(ModuleZipError) as e:
        create_zip_from_files(tmp_path / "x.zip", "example.com/m", "v1.0.0", files)
    assert rule in str(e.value)
    assert not (tmp_path / "x.zip").exists()
    assert list(tmp_path.iterdir()) == []  # no temp file left behind


def test_check_zip_rejects_bad_prefix(tmp_path: pathlib.Path) -> None:
    z = tmp_path / "bad.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("other@v1.0.0/a.go", "x")
        zf.writestr("example.com/m@v1.0.0/sub/go.mod", "x")
    with pytest.raises(ModuleZipError) as e:
        check_zip(z, "example.com/m", "v1.0.0")
    assert 'path does not have prefix "example.com/m@v1.0.0/"' in str(e.value)
    assert "go.mod file not in module root directory" in str(e.value)


def test_add_module_defaults(store: ModuleStore) -> None:
    mv = store.add_module("example.com/my-lib/v2", "v2.3.0", requires={"example.com/x": "v1.0.0"})
    assert mv.mod == b"module example.com/my-lib/v2\n\ngo 1.21\n\nrequire example.com/x v1.0.0\n"
    assert json.loads(mv.info) == {"Version": "v2.3.0", "Time": "2023-01-02T15:04:05Z"}
    assert sorted(_names(mv.zip_path)) == [  # type: ignore[arg-type]
        "example.com/my-lib/v2@v2.3.0/go.mod",
        "example.com/my-lib/v2@v2.3.0/my_lib.go",
    ]
    assert mv.zip_size == mv.zip_path.stat().st_size  # type: ignore[union-attr]
    line, modline = mv.go_sum_lines()
    assert line.startswith("example.com/my-lib/v2 v2.3.0 h1:")
    assert modline.startswith("example.com/my-lib/v2 v2.3.0/go.mod h1:")


def test_add_module_validation(store: ModuleStore) -> None:
    with pytest.raises(InvalidModuleError, match="missing dot"):
        store.add_module("nodot", "v1.0.0")
    with pytest.raises(InvalidModuleError, match="should be v0 or v1, not v2"):
        store.add_module("example.com/m", "v2.0.0")
    with pytest.raises(InvalidModuleError, match=r"module contains a go\.mod file"):
        store.add_module("example.com/m", "v2.0.0+incompatible", {"go.mod": "module x\n"})
    with pytest.raises(InvalidModuleError, match="differs from the pseudo-version"):
        store.add_module(
            "example.com/m",
            "v0.0.0-20230102150405-abcdefabcdef",
            time=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
        )
    with pytest.raises(ModuleSourceError, match="requires/retracts"):
        store.add_module(
            "example.com/m",
            "v1.0.0",
            go_mod="module example.com/m\n",
            requires={"example.com/x": "v1.0.0"},
        )


def test_incompatible_and_pseudo(store: ModuleStore) -> None:
    inc = store.add_module("example.com/m", "v2.0.0+incompatible")
    assert inc.mod == b"module example.com/m\n"
    assert "example.com/m@v2.0.0+incompatible/go.mod" not in _names(inc.zip_path)  # type: ignore[arg-type]
    ps = store.add_module("example.com/m", "v1.2.4-0.20230102150405-abcdefabcdef")
    assert ps.time == datetime.datetime(2023, 1, 2, 15, 4, 5, tzinfo=datetime.timezone.utc)


def test_queries(store: ModuleStore) -> None:
    assert store.latest("example.com/q") is None
    store.add_module("example.com/q", "v0.0.0-20230102150405-abcdefabcdef")
    assert store.latest("example.com/q").version == "v0.0.0-20230102150405-abcdefabcdef"  # type: ignore[union-attr]
    assert store.list_versions("example.com/q") == []
    store.add_module("example.com/q", "v1.1.0-rc.1")
    assert store.latest("example.com/q").version == "v1.1.0-rc.1"  # type: ignore[union-attr]
    for v in ("v1.0.0", "v0.9.0", "v1.0.1"):
        store.add_module("example.com/q", v)
    assert store.list_versions("example.com/q") == ["v0.9.0", "v1.0.0", "v1.0.1", "v1.1.0-rc.1"]
    assert store.versions("example.com/q")[0].startswith("v0.0.0-")
    assert store.latest("example.com/q").version == "v1.0.1"  # type: ignore[union-attr]
    assert store.modules() == ["example.com/q"]
    assert store.get("example.com/q", "v9.0.0") is None
    with pytest.raises(ModuleSourceError):
        store.go_sum_lines("example.com/q", "v9.0.0")
    store.clear()
    assert store.modules() == []


def test_txtar_name_parsing() -> None:
    assert ModuleStore.parse_txtar_name("rsc.io_!q!u!o!t!e_v1.5.3-!p!r!e.txt") == (
        "rsc.io/QUOTE",
        "v1.5.3-PRE",
    )
    assert ModuleStore.parse_txtar_name("example.com_a_b_v0.0.0-empty.txt") == (
        "example.com/a/b",
        "v0.0.0-empty",
    )
    with pytest.raises(ModuleSourceError):
        ModuleStore.parse_txtar_name("README")
    with pytest.raises(ModuleSourceError):
        ModuleStore.parse_txtar_name("rsc.io_Bad_v1.0.0.txt")


def test_txtar_defaults(store: ModuleStore, tmp_path: pathlib.Path) -> None:
    """As cmd/go's test proxy: what the archive lacks is not invented (404); go-internal's
    goproxytest fills it in, on request."""
    f = tmp_path / "example.com_t_v1.0.0.txt"
    f.write_text("comment\n-- go.mod --\nmodule example.com/t\n-- t.go --\npackage t\n")
    (bare,) = store.add_txtar(f)
    assert bare.mod is None and bare.info is None and bare.mod_hash is None
    (mv,) = store.add_txtar(f, defaults="goproxytest")
    assert mv.mod == b"module example.com/t\n"
    assert json.loads(mv.info or b"") == {"Version": "v1.0.0", "Time": "1970-01-01T00:00:00Z"}
    assert sorted(_names(mv.zip_path)) == [
        "example.com/t@v1.0.0/go.mod",  # type: ignore[arg-type]
        "example.com/t@v1.0.0/t.go",
    ]


def test_module_cache_without_zip(store: ModuleStore, tmp_path: pathlib.Path) -> None:
    v = tmp_path / "cache" / "download" / "example.com" / "!c" / "@v"
    v.mkdir(parents=True)
    (v / "v1.0.0.info").write_bytes(b'{"Version":"v1.0.0","Time":"2020-01-02T03:04:05.123456789Z"}')
    (v / "v1.0.0.mod").write_bytes(b"module example.com/C\n")
    (v / "v1.0.0.zip").write_bytes(b"not a zip")
    (v / "v1.0.0.lock").write_bytes(b"")
    (v / "list").write_bytes(b"v1.0.0\n")
    (mv,) = store.add_module_cache(tmp_path)
    assert (mv.path, mv.version, mv.zip_path) == ("example.com/C", "v1.0.0", None)
    assert mv.time == datetime.datetime(2020, 1, 2, 3, 4, 5, 123456, tzinfo=datetime.timezone.utc)
    with pytest.raises(ModuleSourceError, match="has no zip"):
        mv.go_sum_lines()
    with pytest.raises(ModuleSourceError):
        store.add_module_cache(tmp_path / "nothing")


def test_concurrent_adds_and_reads(store: ModuleStore) -> None:
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for j in range(5):
                store.add_module(f"example.com/c{i}", f"v1.0.{j}")
                store.latest(f"example.com/c{i}")
                store.modules()
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(store) == 30


def test_close_removes_workdir(tmp_path: pathlib.Path) -> None:
    s = ModuleStore(tmp_path)
    s.add_module("example.com/m", "v1.0.0")
    root = s.root
    assert root.exists()
    s.close()
    s.close()
    assert not root.exists()
    with pytest.raises(ModuleSourceError, match="closed"):
        s.add_module("example.com/m", "v1.0.1")

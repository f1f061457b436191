"""Ground truth: the hashes and zips the store makes are what the real ``go`` command computes.

Each test exports the store as a ``GOPROXY=file://`` tree and runs ``go mod download -json``
through the plugin's hermetic ``go`` fixture; ``Sum``/``GoModSum`` must equal go_sum_lines.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
from typing import Any

import pytest

from pytest_goproxy.ci import in_ci
from pytest_goproxy.gomod.store import ModuleStore, ModuleVersion
from pytest_goproxy.gorun import GoResult, GoRunner, ModuleCache


def _go(go: GoRunner, args: list[str], proxy: pathlib.Path, cache: ModuleCache) -> GoResult:
    return go.run(args, env={"GOPROXY": proxy.as_uri()}, modcache=cache)


def _download(
    go: GoRunner, proxy: pathlib.Path, cache: ModuleCache, module: str, version: str
) -> dict[str, Any]:
    """``go mod download -json m@v`` from a file:// proxy; the JSON it prints."""
    result = _go(go, ["mod", "download", "-json", f"{module}@{version}"], proxy, cache)
    out: dict[str, Any] = json.loads(result.stdout) if result.stdout.strip() else {}
    if not result.ok and "Error" not in out:
        out["Error"] = result.describe()
    return out


def _assert_go_agrees(
    go: GoRunner,
    cache: ModuleCache,
    store: ModuleStore,
    proxy: pathlib.Path,
    mvs: list[ModuleVersion],
) -> None:
    store.export_file_proxy(proxy)
    for mv in mvs:
        out = _download(go, proxy, cache, mv.path, mv.version)
        assert "Error" not in out, out
        line, modline = mv.go_sum_lines()
        assert out["Sum"] == line.rsplit(" ", 1)[1], mv
        assert out["GoModSum"] == modline.rsplit(" ", 1)[1], mv
        assert pathlib.Path(out["GoMod"]).read_bytes() == mv.mod
        if mv.source != "txtar":  # go re-marshals .info; ours must already be in its form
            assert pathlib.Path(out["Info"]).read_bytes() == mv.info


def test_generated_modules_match_go(go: GoRunner, tmp_path: pathlib.Path) -> None:
    cache = go.module_cache()
    with ModuleStore(tmp_path / "store") as s:
        mvs = [
            s.add_module("example.com/plain", "v1.0.0"),
            s.add_module("example.com/Upper/v2", "v2.1.0-PRE", {"x.go": "package upper\n"}),
            s.add_module("example.com/old", "v3.0.0+incompatible"),
            s.add_module("example.com/ps", "v0.0.0-20230102150405-abcdefabcdef"),
            s.add_module("example.com/ps", "v1.2.4-0.20230102150405-abcdefabcdef"),
            s.add_module("example.com/ps", "v1.2.3-pre.0.20230102150405-abcdefabcdef"),
            s.add_module("gopkg.in/yaml.v2", "v2.4.0"),
            s.add_module(
                "example.com/ret",
                "v1.1.0",
                retracts=[("v1.0.0", "bad")],
                requires={"example.com/plain": "v1.0.0"},
            ),
            s.add_module(
                "example.com/bin",
                "v1.0.0",
                {
                    "go.mod": "module example.com/bin\n",
                    "data/blob.bin": bytes(range(256)) * 100,
                    "vendor/a/b.go": "package b\n",  # omitted, as go omits it
                    "sub/go.mod": "module example.com/bin/sub\n",  # another module: omitted
                    "sub/s.go": "package sub\n",
                    "ünïcode dir/fïle.txt": "x",
                },
            ),
        ]
        proxy = tmp_path / "proxy"
        _assert_go_agrees(go, cache, s, proxy, mvs)
        got = _go(go, ["list", "-m", "-versions", "example.com/ps"], proxy, cache).assert_ok()
        assert got.stdout.strip() == "example.com/ps"  # no tags: pseudo-versions aren't listed
        latest = _go(go, ["list", "-m", "-json", "example.com/ret@latest"], proxy, cache)
        latest.assert_ok()
        assert '"Version": "v1.1.0"' in latest.stdout


def test_dir_with_excluded_files_matches_go(go: GoRunner, tmp_path: pathlib.Path) -> None:
    cache = go.module_cache()
    d = tmp_path / "src"
    files = {
        "go.mod": "module example.com/dir\n\ngo 1.24\n",
        "a.go": "package dir\n",
        ".git/HEAD": "ref",
        ".svn/x": "x",
        "sub/go.mod": "module example.com/dir/sub\n",
        "sub/s.go": "package sub\n",
        "vendor/modules.txt": "# nothing\n",
        "vendor/example.com/p/p.go": "package p\n",
        "x/vendor/keep.go": "package keep\n",
        "LICENSE": "MIT\n",
    }
    for name, data in files.items():
        (d / name).parent.mkdir(parents=True, exist_ok=True)
        (d / name).write_text(data)
    os.symlink("a.go", d / "link.go")
    with ModuleStore(tmp_path / "store") as s:
        mv = s.add_dir(d, "example.com/dir", "v1.0.0")
        _assert_go_agrees(go, cache, s, tmp_path / "proxy", [mv])
        extracted = cache.extracted("example.com/dir", "v1.0.0")
        got = sorted(
            p.relative_to(extracted).as_posix() for p in extracted.rglob("*") if p.is_file()
        )
        assert got == ["LICENSE", "a.go", "go.mod", "x/vendor/keep.go"]


def test_cmd_go_txtar_testdata_matches_go(go: GoRunner, tmp_path: pathlib.Path) -> None:
    txtar_dir = pathlib.Path(go.binary.goroot) / "src" / "cmd" / "go" / "testdata" / "mod"
    if not txtar_dir.is_dir():
        if in_ci():  # the official Go distributions ship src/; CI must run this test
            pytest.fail(f"{txtar_dir} is missing: install Go with its source tree")
        pytest.skip(f"go source tree testdata not installed ({txtar_dir})")
    names = [
        "rsc.io_quote_v1.5.2.txt",
        "rsc.io_!q!u!o!t!e_v1.5.3-!p!r!e.txt",
        "example.com_split-incompatible_v2.0.0+incompatible.txt",
        "rsc.io_sampler_v1.3.0.txt",
    ]
    src = tmp_path / "txtar"
    src.mkdir()
    for n in names:
        shutil.copy(txtar_dir / n, src / n)
    with ModuleStore(tmp_path / "store") as s:
        mvs = s.add_txtar(src)
        assert len(mvs) == len(names)
        _assert_go_agrees(go, go.module_cache(), s, tmp_path / "proxy", mvs)


def test_module_cache_round_trip(go: GoRunner, tmp_path: pathlib.Path) -> None:
    cache = go.module_cache()
    with ModuleStore(tmp_path / "store") as s, ModuleStore(tmp_path / "store2") as s2:
        mvs = [
            s.add_module("example.com/Cache", "v1.0.0"),
            s.add_module("example.com/cache/v2", "v2.0.0-beta.1"),
            s.add_module("example.com/cache/v2", "v2.0.1-0.20240304050607-0123456789ab"),
        ]
        _assert_go_agrees(go, cache, s, tmp_path / "proxy", mvs)
        download = cache.path / "cache" / "download"
        cached = s2.add_module_cache(download)
        assert {(m.path, m.version) for m in cached} == {(m.path, m.version) for m in mvs}
        by_key = {(m.path, m.version): m for m in cached}
        for m in mvs:
            c = by_key[(m.path, m.version)]
            assert c.go_sum_lines() == m.go_sum_lines()
            assert c.info == m.info and c.mod == m.mod and c.time == m.time
            assert c.zip_path is not None and m.zip_path is not None
            assert c.zip_path.read_bytes() == m.zip_path.read_bytes()
        # and serving the cache again satisfies a fresh go
        fresh = go.module_cache()
        _assert_go_agrees(go, fresh, s2, tmp_path / "proxy2", cached)


def test_go_env_is_hermetic(go: GoRunner, tmp_path: pathlib.Path) -> None:
    """What these tests rely on: the proxy they name, a shared writable cache, no user env."""
    cache = go.module_cache()
    out = _go(go, ["env", "GOFLAGS", "GOPROXY", "GOMODCACHE", "GOENV"], tmp_path / "p", cache)
    flags, proxy, modcache, goenv = out.assert_ok().stdout.splitlines()
    assert flags == "-modcacherw"
    assert proxy == (tmp_path / "p").as_uri()
    assert modcache == str(cache.path)
    assert goenv.startswith(str(go.root))

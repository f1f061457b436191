"""Go module semantics, pure and fast: escaping, checks, semver, zips, dirhash, txtar, sources.

Each submodule follows one Go source file (golang.org/x/mod unless noted) and names it:
``escape`` and ``check`` (module/module.go), ``semver`` (semver/semver.go, module/pseudo.go),
``modzip`` (zip/zip.go), ``dirhash`` (sumdb/dirhash/hash.go), ``txtar`` (x/tools/txtar),
``gomodfile`` (modfile, the small part a proxy needs) and ``store``, the module store the fake
proxy serves from.
"""

from __future__ import annotations

from pytest_goproxy.gomod.check import (
    check,
    check_file_path,
    check_import_path,
    check_module_path,
    check_path_major,
    check_version_servable,
    split_path_version,
)
from pytest_goproxy.gomod.dirhash import hash_go_mod, hash_zip
from pytest_goproxy.gomod.escape import (
    escape_path,
    escape_version,
    unescape_path,
    unescape_version,
)
from pytest_goproxy.gomod.gomodfile import parse_module_path, render_go_mod
from pytest_goproxy.gomod.modzip import check_zip, create_zip_from_dir, create_zip_from_files
from pytest_goproxy.gomod.semver import is_pseudo_version, sort_versions
from pytest_goproxy.gomod.store import ModuleStore, ModuleVersion

__all__ = [
    "ModuleStore",
    "ModuleVersion",
    "check",
    "check_file_path",
    "check_import_path",
    "check_module_path",
    "check_path_major",
    "check_version_servable",
    "check_zip",
    "create_zip_from_dir",
    "create_zip_from_files",
    "escape_path",
    "escape_version",
    "hash_go_mod",
    "hash_zip",
    "is_pseudo_version",
    "parse_module_path",
    "render_go_mod",
    "sort_versions",
    "split_path_version",
    "unescape_path",
    "unescape_version",
]

"""Go module semantics, pure and fast: escaping, checks, semver, zips, dirhash, txtar, sources.

Each submodule follows one Go source file (golang.org/x/mod unless noted) and names it:
``escape`` and ``check`` (module/module.go), ``semver`` (semver/semver.go, module/pseudo.go),
``modzip`` (zip/zip.go), ``dirhash`` (sumdb/dirhash/hash.go), ``txtar`` (x/tools/txtar),
``gomodfile`` (modfile, the small part a proxy needs) and ``store``, the module store the fake
proxy serves from; ``archives`` reads module archives by the rule below, and ``sources`` decides
what a path given as "the modules" is.

Module archives (cmd/go's ``testdata/mod`` rule, proxy_test.go readModList, widened as
go-internal's ``goproxytest`` widens it):

* A module version is a file named ``path_vers.txtar`` or ``path_vers.txt``, or a directory
  named ``path_vers``: the module path with ``/`` written ``_`` and upper-case letters written
  ``!`` + the letter (``rsc.io_!q!u!o!t!e``), then ``_``, then the version, escaped the same way
  (``v1.5.3-!p!r!e``). The name splits at its last ``_v``.
* A file is a txtar archive; a directory holds the same members as files (``.mod``, ``.info``,
  ``go.mod``, ``sub/x.go``: names relative to it, with ``/``).
* ``.info`` and ``.mod`` are served as the ``.info`` and ``.mod`` of the proxy protocol, as they
  are. Every other member except ``.zip`` goes into the zip as ``path@vers/<name>``, or under
  its own name without the leading ``/`` when it starts with ``/``.
* The same version as ``.txtar``, ``.txt`` and directory: the ``.txtar`` wins, then the ``.txt``
  (goproxytest's order).

Anything else in a directory is not a module by this rule and is left out: files with another
suffix, dot files, and names without ``_v`` (a ``README.txt``, a ``store/`` directory), as cmd/go
and goproxytest leave them out. A candidate that breaks the rule (a ``_v`` name that does not
decode, an empty archive or directory, a second archive of a version) is a ModuleSourceError
naming the file and the rule, unless the caller passes ``strict=False``: it is then skipped, and
the skip is returned with its reason (and logged), never dropped silently.
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

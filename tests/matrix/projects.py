"""A small Go project for the matrix tests: two dependencies under ``.test``, served from txtar."""

from __future__ import annotations

from pathlib import Path

from pytest_goproxy.matrix import MatrixProject

__all__ = ["DEPENDENCIES", "write_project"]

#: Module path -> version the project requires. ``.test`` is reserved: `direct` reaches nothing.
DEPENDENCIES = {"example.test/lib": "v1.2.0", "example.test/util": "v0.3.1"}


def _txtar(path: str, version: str) -> str:
    name = path.rsplit("/", 1)[-1]
    mod = f"module {path}\n\ngo 1.21\n"
    return (
        f"{path}@{version}, for the pytest-goproxy matrix tests\n"
        f"-- .mod --\n{mod}-- go.mod --\n{mod}"
        f"-- {name}.go --\npackage {name}\n\n// Version is the module version.\n"
        f'const Version = "{version}"\n'
    )


def write_project(root: Path) -> MatrixProject:
    """``root/app``: a command requiring :data:`DEPENDENCIES`, modules in ``testdata/mod``
    (no go.sum: go must ask the checksum database where the configuration uses one)."""
    app = root / "app"
    mods = app / "testdata" / "mod"
    mods.mkdir(parents=True)
    requires = "".join(f"\t{p} {v}\n" for p, v in sorted(DEPENDENCIES.items()))
    (app / "go.mod").write_text(f"module example.test/app\n\ngo 1.21\n\nrequire (\n{requires})\n")
    imports = "".join(f'\t"{p}"\n' for p in sorted(DEPENDENCIES))
    (app / "main.go").write_text(
        f'package main\n\nimport (\n\t"fmt"\n\n{imports})\n\n'
        "func main() { fmt.Println(lib.Version, util.Version) }\n"
    )
    for path, version in DEPENDENCIES.items():
        file = mods / f"{path.replace('/', '_')}_{version}.txt"
        file.write_text(_txtar(path, version))
    return MatrixProject.of(app)

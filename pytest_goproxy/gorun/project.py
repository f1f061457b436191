"""A Go module in a directory of its own, to run go commands in."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Protocol, TypedDict

from pytest_goproxy.errors import GoProjectError, InvalidModuleError
from pytest_goproxy.gomod import gomodfile, modzip
from pytest_goproxy.gorun.cache import ModuleCache
from pytest_goproxy.gorun.environment import check_env, layer_env
from pytest_goproxy.gorun.namespace import NamespaceResolver
from pytest_goproxy.gorun.result import GoResult

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack from Python 3.11

__all__ = [
    "VCS_DIRS",
    "GoProject",
    "ProjectRunner",
    "RunOptions",
    "render_go_mod",
    "render_main",
]


class RunOptions(TypedDict, total=False):
    """The keyword arguments of :meth:`GoProject.run`, which ``tidy``, ``download`` and
    ``build`` pass on unchanged."""

    env: Mapping[str, str | None] | None
    timeout: float | None
    modcache: ModuleCache | None
    gopath: str | os.PathLike[str] | None
    routes: Mapping[str, object] | None
    gotoolchain: str | None
    resolver: NamespaceResolver | None


class ProjectRunner(Protocol):
    """What a project needs from the runner that made it: ``run`` go in the project's directory
    (:meth:`GoRunner.run <pytest_goproxy.gorun.GoRunner.run>` is one). A Protocol, so that this
    module does not import the runner, which imports this one to make projects: no cycle."""

    def run(
        self,
        args: Sequence[str],
        *,
        cwd: str | os.PathLike[str] | None = None,
        **options: Unpack[RunOptions],
    ) -> GoResult: ...


#: Not copied by :meth:`GoRunner.project_from_dir`: history is not needed to build, and without it
#: ``go build`` does not stamp VCS information (which would run git on the copy).
#: Jujutsu's ``.jj`` too, which a module zip need not know.
VCS_DIRS = (*sorted(modzip.VCS_DIRS), ".jj")


def render_go_mod(
    module: str, requires: Mapping[str, str], go_version: str, toolchain: str | None = None
) -> str:
    """The go.mod of a new project, as ``go mod tidy`` lays it out; GoProjectError if a path,
    version, the go version or the toolchain breaks a Go rule (checked and written by
    :func:`pytest_goproxy.gomod.gomodfile.render_go_mod`, the writer the fake proxy uses too)."""
    try:
        text = gomodfile.render_go_mod(
            module, go_version=go_version, requires=requires, main_module=True, toolchain=toolchain
        )
    except InvalidModuleError as exc:
        raise GoProjectError(f"cannot make the project's go.mod: {exc}") from None
    return text.decode()


def render_main(requires: Mapping[str, str]) -> str:
    """A main package that blank-imports the root package of every required module."""
    imports = "".join(f'\t_ "{path}"\n' for path in sorted(requires))
    block = f"import (\n{imports})\n\n" if imports else ""
    return f"package main\n\n{block}func main() {{}}\n"


def _relative(name: str) -> PurePosixPath:
    rel = PurePosixPath(name.replace("\\", "/"))
    if rel.is_absolute() or not rel.parts or ".." in rel.parts or name.strip() == "":
        raise GoProjectError(
            f"file name {name!r} must be a relative path inside the project (no '..')"
        )
    return rel


class GoProject:
    """A Go module at :attr:`path` whose go commands run through a :class:`GoRunner`.

    ``env`` holds this project's defaults (e.g. ``{"GOPROXY": url}``); a run's own ``env`` wins.
    ``modcache`` shares a module cache between this project's runs and ``gopath`` a GOPATH (see
    :meth:`GoRunner.gopath`); by default every run starts cold, with an empty module cache and
    GOPATH of its own. ``env`` is checked here and again at each run
    (:func:`~pytest_goproxy.gorun.environment.check_env`).
    """

    def __init__(
        self,
        runner: ProjectRunner,
        path: Path,
        *,
        env: Mapping[str, str | None] | None = None,
        modcache: ModuleCache | None = None,
        gopath: str | os.PathLike[str] | None = None,
    ) -> None:
        __tracebackhide__ = True
        self.env: dict[str, str | None] = check_env(env)
        self.runner = runner
        self.path = Path(path)
        self.modcache = modcache
        self.gopath = gopath

    # -- files ------------------------------------------------------------------------------

    def write(self, name: str, content: str | bytes) -> Path:
        """Write a file of the project (parents created); returns its path."""
        target = self.path.joinpath(*_relative(name).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8", newline="\n")
        return target

    def read(self, name: str) -> str:
        """The text of a project file; GoProjectError if it does not exist."""
        target = self.path.joinpath(*_relative(name).parts)
        try:
            return target.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise GoProjectError(f"{target} does not exist in project {self.path}") from None

    @property
    def go_mod(self) -> str | None:
        """The current go.mod text, or None."""
        path = self.path / "go.mod"
        return path.read_text(encoding="utf-8") if path.is_file() else None

    @property
    def go_sum(self) -> str | None:
        """The current go.sum text, or None when there is none (yet)."""
        path = self.path / "go.sum"
        return path.read_text(encoding="utf-8") if path.is_file() else None

    # -- commands ---------------------------------------------------------------------------

    def run(self, *args: str, **options: Unpack[RunOptions]) -> GoResult:
        """Run ``go ARGS...`` in the project directory (``env`` over the project's; see
        :meth:`GoRunner.run <pytest_goproxy.gorun.GoRunner.run>` for what is checked, and for
        ``routes``: this run's own, over the runner's)."""
        __tracebackhide__ = True
        options["env"] = layer_env(self.env, options.get("env"))
        options["modcache"] = options.get("modcache") or self.modcache
        options["gopath"] = options.get("gopath") or self.gopath
        return self.runner.run(args, cwd=self.path, **options)

    def tidy(self, *flags: str, **options: Unpack[RunOptions]) -> GoResult:
        """``go mod tidy [flags...]``."""
        __tracebackhide__ = True
        return self.run("mod", "tidy", *flags, **options)

    def download(self, *modules: str, **options: Unpack[RunOptions]) -> GoResult:
        """``go mod download [modules...]`` (all of go.mod's requirements without arguments)."""
        __tracebackhide__ = True
        return self.run("mod", "download", *modules, **options)

    def build(self, *packages: str, **options: Unpack[RunOptions]) -> GoResult:
        """``go build`` of ``packages`` (``./...`` without arguments)."""
        __tracebackhide__ = True
        return self.run("build", *(packages or ("./...",)), **options)

    def __repr__(self) -> str:
        return f"GoProject({str(self.path)!r})"


def create_project(
    runner: ProjectRunner,
    directory: Path,
    *,
    module: str,
    requires: Mapping[str, str] | None,
    files: Mapping[str, str | bytes] | None,
    go_version: str,
    env: Mapping[str, str | None] | None,
    modcache: ModuleCache | None,
    gopath: str | os.PathLike[str] | None = None,
    toolchain: str | None = None,
) -> GoProject:
    __tracebackhide__ = True
    requires = dict(requires or {})
    go_mod = render_go_mod(module, requires, go_version, toolchain)  # checked before it is made
    project = GoProject(runner, directory, env=env, modcache=modcache, gopath=gopath)  # env too
    directory.mkdir(parents=True)
    files = dict(files) if files is not None else {"main.go": render_main(requires)}
    if toolchain is not None and "go.mod" in files:
        raise GoProjectError(
            "toolchain= writes the toolchain line of the generated go.mod, and files has a "
            "go.mod of its own: put the toolchain line in that go.mod instead"
        )
    if "go.mod" not in files:
        project.write("go.mod", go_mod)
    for name, content in files.items():
        project.write(name, content)
    return project


def copy_project(
    runner: ProjectRunner,
    source: str | os.PathLike[str],
    directory: Path,
    *,
    env: Mapping[str, str | None] | None,
    modcache: ModuleCache | None,
    gopath: str | os.PathLike[str] | None = None,
) -> GoProject:
    __tracebackhide__ = True
    project = GoProject(runner, directory, env=env, modcache=modcache, gopath=gopath)  # checks env
    src = Path(source)
    if not src.is_dir():
        raise GoProjectError(f"{src} is not a directory; project_from_dir() needs a Go project")
    if not (src / "go.mod").is_file() and not (src / "go.work").is_file():
        raise GoProjectError(
            f"{src} has no go.mod (or go.work): it is not a Go module; run `go mod init` there "
            "or pass the module's root directory"
        )
    try:
        shutil.copytree(src, directory, symlinks=True, ignore=shutil.ignore_patterns(*VCS_DIRS))
    except (OSError, shutil.Error) as exc:
        raise GoProjectError(f"could not copy {src} to {directory}: {exc}") from exc
    return project

"""A fake internet shaped like a real Go dependency graph, made with the real git.

The test suite has no internet, so the upstream a user's ``record`` meets is made here: one
:class:`~pytest_goproxy.origin.FakeOrigin` plays every code host of a real graph, laid out as
cmd/go finds them:

* github.com repositories (cmd/go's static table: no ``?go-get=1`` page): a plain module, a
  legacy one without go.mod (github.com/pkg/errors), a ``/v2`` module at the root beside its v1,
  a repository holding two modules under prefixed tags (github.com/charm/x: ``ansi/``,
  ``term/``), and a pseudo-version after a tag (github.com/acme/util);
* golang.org/x pages naming go.googlesource.com repositories, one of them known by a
  pseudo-version only (golang.org/x/exp, no tag at all);
* vanity hosts naming github.com repositories: go.uber.org/zap and go.uber.org/multierr,
  mvdan.cc/sh/v3 (a root that ends in its major version);
* gopkg.in roots (``yaml.v3``), one known by a pseudo-version that only a go.mod names
  (gopkg.in/check.v1: a ``/go.mod``-only line in go.sum, as in real projects, because yaml.v3's
  go.mod, like the real one, predates graph pruning and go reads every go.mod it names).

Commits are reproducible (fixed author and clock: :mod:`pytest_goproxy.origin.repos`), so the
pseudo-versions, and the checked-in project's go.mod and go.sum (``project/``), are the same on
every machine. ``scale`` adds generated github.com modules (two versions each in the closure:
one with its zip, one ``.mod``-only) for benchmarks that need a larger graph.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from pytest_goproxy.gorun import GoRunner
from pytest_goproxy.origin import FakeOrigin

__all__ = ["HOSTS", "PROJECT", "Internet", "build_internet", "project_files"]

#: Every host name of the fake internet.
HOSTS = (
    "github.com",
    "golang.org",
    "go.googlesource.com",
    "go.uber.org",
    "gopkg.in",
    "mvdan.cc",
)
#: The checked-in project (go.mod, go.sum, main.go): the output of :func:`project_files` with
#: scale 0, tidied by the real go against the fake internet.
PROJECT = Path(__file__).resolve().parent / "project"
#: The project's module path.
MODULE = "example.test/realworld"


def _go(package: str, name: str, imports: dict[str, str] | None = None) -> str:
    """One Go file: a constant naming the module version, plus uses of ``imports``."""
    lines = [f"package {package}", ""]
    if imports:
        lines += ["import (", *(f'\t{alias} "{path}"' for path, alias in imports.items()), ")", ""]
        uses = " + ".join(f"{alias}.Name" for alias in imports.values())
        lines.append(f'const Name = "{name}" + {uses}')
    else:
        lines.append(f'const Name = "{name}"')
    return "\n".join(lines) + "\n"


@dataclass
class Internet:
    """What :func:`build_internet` made: the versions the project requires (module -> version,
    pseudo-versions included) and the imports of its main package (path -> alias)."""

    requires: dict[str, str] = field(default_factory=dict)
    imports: dict[str, str] = field(default_factory=dict)


def build_internet(origin: FakeOrigin, *, scale: int = 0) -> Internet:
    """Fill ``origin`` (serving :data:`HOSTS`) with the graph of the module docstring."""
    net = Internet()
    o = origin
    o.add_root("golang.org/x/sys", "https://go.googlesource.com/sys")
    o.add_root("golang.org/x/text", "https://go.googlesource.com/text")
    o.add_root("golang.org/x/exp", "https://go.googlesource.com/exp")
    o.add_root("go.uber.org/zap", "https://github.com/uber-go/zap")
    o.add_root("go.uber.org/multierr", "https://github.com/uber-go/multierr")
    o.add_root("mvdan.cc/sh/v3", "https://github.com/mvdan/sh")

    # github.com: a legacy module with no go.mod (go makes one up; h1 covers no go.mod)
    o.commit_version(
        "github.com/pkg/errors", "v0.9.1", {"errors.go": _go("errors", "errors v0.9.1").encode()}
    )
    # github.com: v1 twice, then v2 at the repository's root
    o.add_module("github.com/acme/log", "v1.2.0", {"log.go": _go("log", "log v1.2.0")})
    o.add_module("github.com/acme/log", "v1.3.0", {"log.go": _go("log", "log v1.3.0")})
    o.add_module("github.com/acme/log/v2", "v2.1.0", {"log.go": _go("log", "log v2.1.0")})
    # github.com: two modules of one repository, prefixed tags
    o.add_module("github.com/charm/x/ansi", "v0.2.0", {"ansi.go": _go("ansi", "ansi v0.2.0")})
    o.add_module(
        "github.com/charm/x/term",
        "v0.1.0",
        {"term.go": _go("term", "term v0.1.0", {"github.com/charm/x/ansi": "ansi"})},
        requires={"github.com/charm/x/ansi": "v0.2.0"},
    )
    # github.com: a pseudo-version after a tag (v0.3.1-0.<time>-<hash>)
    o.add_module("github.com/acme/util", "v0.3.0", {"util.go": _go("util", "util v0.3.0")})
    util = o.add_commit("github.com/acme/util", {"util.go": _go("util", "util next")})
    net.requires["github.com/acme/util"] = o.pseudo_version("github.com/acme/util", util)

    # golang.org/x via go.googlesource.com
    o.add_module("golang.org/x/sys", "v0.30.0", {"unix/unix.go": _go("unix", "sys v0.30.0")})
    o.add_module(
        "golang.org/x/text",
        "v0.22.0",
        {"text.go": _go("text", "text v0.22.0")},
        requires={"golang.org/x/sys": "v0.30.0"},
    )
    exp = o.add_commit("golang.org/x/exp", {"exp.go": _go("exp", "exp untagged")})
    net.requires["golang.org/x/exp"] = o.pseudo_version("golang.org/x/exp", exp)

    # vanity hosts naming github.com repositories; zap names an older multierr (.mod only)
    for version in ("v1.10.0", "v1.11.0"):
        o.add_module(
            "go.uber.org/multierr", version, {"error.go": _go("multierr", f"multierr {version}")}
        )
    o.add_module(
        "go.uber.org/zap",
        "v1.27.0",
        {"zap.go": _go("zap", "zap v1.27.0", {"go.uber.org/multierr": "multierr"})},
        requires={"go.uber.org/multierr": "v1.10.0"},
        go_version="1.16",  # an unpruned graph: go reads every go.mod it names
    )
    o.add_module("mvdan.cc/sh/v3", "v3.8.0", {"syntax/syntax.go": _go("syntax", "sh v3.8.0")})

    # gopkg.in: yaml.v3's go.mod names check.v1 by a pseudo-version (a go.mod-only line)
    check = o.add_commit("gopkg.in/check.v1", {"check.go": _go("check", "check untagged")})
    check_version = o.pseudo_version("gopkg.in/check.v1", check)
    o.add_module(
        "gopkg.in/yaml.v3",
        "v3.0.1",
        {"yaml.go": _go("yaml", "yaml v3.0.1")},
        requires={"gopkg.in/check.v1": check_version},
        go_version="1.16",
    )

    net.requires.update(
        {
            "github.com/pkg/errors": "v0.9.1",
            "github.com/acme/log": "v1.3.0",
            "github.com/acme/log/v2": "v2.1.0",
            "github.com/charm/x/ansi": "v0.2.0",
            "github.com/charm/x/term": "v0.1.0",
            "golang.org/x/sys": "v0.30.0",
            "golang.org/x/text": "v0.22.0",
            "go.uber.org/multierr": "v1.11.0",
            "go.uber.org/zap": "v1.27.0",
            "mvdan.cc/sh/v3": "v3.8.0",
            "gopkg.in/yaml.v3": "v3.0.1",
        }
    )
    net.imports.update(
        {
            "github.com/pkg/errors": "errors",
            "github.com/acme/log": "log",
            "github.com/acme/log/v2": "log2",
            "github.com/acme/util": "util",
            "github.com/charm/x/term": "term",
            "golang.org/x/sys/unix": "unix",
            "golang.org/x/text": "text",
            "golang.org/x/exp": "exp",
            "go.uber.org/zap": "zap",
            "mvdan.cc/sh/v3/syntax": "syntax",
            "gopkg.in/yaml.v3": "yaml",
        }
    )
    for i in range(scale):
        path = f"github.com/gen{i:03d}/mod"
        name = f"mod{i:03d}"
        for minor in (1, 2):
            requires = {f"github.com/gen{i - 1:03d}/mod": "v1.1.0"} if i and minor == 2 else None
            o.add_module(
                path,
                f"v1.{minor}.0",
                {"mod.go": _go("mod", name)},
                requires=requires,
                go_version="1.16",  # unpruned: the older version is a go.mod-only line
            )
        net.requires[path] = "v1.2.0"
        net.imports[path] = name
    return net


def project_files(net: Internet) -> dict[str, str]:
    """The project's go.mod (before tidy) and main.go."""
    requires = "".join(f"\t{m} {v}\n" for m, v in sorted(net.requires.items()))
    go_mod = f"module {MODULE}\n\ngo 1.22\n\nrequire (\n{requires})\n"
    imports = "".join(f'\t{alias} "{path}"\n' for path, alias in sorted(net.imports.items()))
    uses = ", ".join(f"{alias}.Name" for _, alias in sorted(net.imports.items()))
    main = f'package main\n\nimport (\n\t"fmt"\n\n{imports})\n\n'
    main += f"func main() {{ fmt.Println({uses}) }}\n"
    return {"go.mod": go_mod, "main.go": main}


#: How go fetches straight from the fake internet: no proxy, no checksum database.
DIRECT = {"GOPROXY": "direct", "GOSUMDB": "off", "GOFLAGS": "-mod=mod"}


def tidy_project(go: GoRunner, origin: FakeOrigin, net: Internet, dest: Path) -> Path:
    """The project of ``net`` in ``dest`` (go.mod, main.go, and the go.sum ``go mod tidy``
    writes fetching straight from ``origin``, routed by name through ``go``'s guard)."""
    files = project_files(net)
    app = go.project(module=MODULE, files=files)
    app.tidy(env=DIRECT, routes=dict.fromkeys(origin.hosts, origin)).assert_ok()
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("go.mod", "go.sum", "main.go"):
        shutil.copyfile(app.path / name, dest / name)
    return dest


def main() -> None:
    """Write the checked-in project again (``python tests/realworld/internet.py``)."""
    with GoRunner() as go, FakeOrigin(HOSTS) as origin:
        net = build_internet(origin)
        tidy_project(go, origin, net, PROJECT)
    print(f"wrote {PROJECT}")


if __name__ == "__main__":
    main()

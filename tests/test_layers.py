"""The package layout keeps its promises: lower layers never import higher ones (so there is no
import cycle), no private name crosses a package boundary, and the top level stays small.

Every import of ``pytest_goproxy`` modules counts, those inside functions too: a lazy import is
still a dependency."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest_goproxy

ROOT = Path(pytest_goproxy.__file__).parent

#: Layers, lowest first; a unit (a sub-package or a top-level module) may import only units of a
#: lower layer. The outage engine sits above every server and below every front end; record sits
#: below the matrix, which records a user's project the first time it runs it.
LAYERS: list[set[str]] = [
    {"errors", "exports"},
    {"entries", "ci", "lifecycle"},
    {"gomod"},
    {"configs"},
    {"literal"},
    {"serving"},
    {"gorun"},
    {"httpfaults", "sumdb", "network"},
    {"proxy", "origin"},
    {"outage"},
    {"record"},
    {"matrix", "scenarios", "report"},
    {"serve", "probe"},
    {"cli", "plugin", "__init__"},
]
LAYER = {unit: n for n, units in enumerate(LAYERS) for unit in units}


def unit_of(module: str) -> str:
    """``pytest_goproxy.outage.engine`` -> ``outage``; the package itself is ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports() -> list[tuple[str, str, str, list[str]]]:
    """(file, importing unit, imported module, names) for every import of our modules."""
    found = []
    for path in sorted([*ROOT.rglob("*.py"), *ROOT.rglob("*.pyi")]):  # stubs re-export
        rel = path.relative_to(ROOT.parent).with_suffix("")
        src = (
            unit_of(".".join(rel.parts))
            if rel.parts != ("pytest_goproxy", "__init__")
            else ("__init__")
        )
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "pytest_goproxy"
            ):
                found.append((str(rel), src, node.module or "", [a.name for a in node.names]))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("pytest_goproxy."):
                        found.append((str(rel), src, alias.name, []))
    return found


def test_every_unit_has_a_layer() -> None:
    units = {p.stem for p in ROOT.glob("*.py")} | {
        p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()
    }
    assert units == set(LAYER), f"give these a layer: {units ^ set(LAYER)}"


def test_lower_layers_never_import_higher_ones() -> None:
    wrong = defaultdict(set)
    for file, src, module, _ in imports():
        dst = unit_of(module) if module != "pytest_goproxy" else "__init__"
        if dst != src and LAYER[dst] >= LAYER[src]:
            wrong[file].add(module)
    assert not wrong, f"imports against the layering: {dict(wrong)}"


def test_no_private_name_crosses_a_package_boundary() -> None:
    crossing = [
        (file, module, name)
        for file, src, module, names in imports()
        for name in names
        if name.startswith("_") and not name.endswith("__") and unit_of(module) != src
    ]
    assert not crossing


def test_at_most_ten_modules_at_the_top_level() -> None:
    modules = sorted(p.name for p in ROOT.glob("*.py"))
    assert len(modules) <= 10, modules


def test_no_exception_is_thrown_into_a_thread() -> None:
    """Cancellation is cooperative (issue 23, :mod:`pytest_goproxy.gorun.cancel`): an exception
    raised inside another thread lands in whatever that thread runs (a ``finally``, a held lock,
    a server's loop), so nothing may use ``PyThreadState_SetAsyncExc``."""
    using = [
        str(path.relative_to(ROOT.parent))
        for path in sorted(ROOT.rglob("*.py"))
        if "PyThreadState_SetAsyncExc" in path.read_text(encoding="utf-8")
    ]
    assert not using


def module_of(path: Path) -> str:
    """``.../pytest_goproxy/gorun/runner.py`` -> ``pytest_goproxy.gorun.runner`` (a package is
    its ``__init__``)."""
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_graph() -> dict[str, set[str]]:
    """Every module of ours -> the modules of ours it imports: anywhere in the file, under
    ``TYPE_CHECKING`` too (a cycle there is a cycle of the design, even if Python never runs
    it). ``from pkg import name`` names the submodule ``pkg.name`` when there is one; importing
    ``a.b.c`` runs ``a`` and ``a.b`` first, so they count, except a module's own packages (they
    are already running when it is imported)."""
    paths = {module_of(p): p for p in ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        named: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                target = node.module or ""
                named |= {
                    f"{target}.{a.name}" if f"{target}.{a.name}" in paths else target
                    for a in node.names
                }
            elif isinstance(node, ast.Import):
                named |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                raise AssertionError(f"{path}: a relative import; write the module's full name")
        parents = {".".join(n.split(".")[:i]) for n in named for i in range(1, n.count(".") + 1)}
        graph[module] = {
            n
            for n in named | parents
            if n in paths and n != module and not module.startswith(n + ".")
        }
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = stack[stack.index(v) :]
            del stack[stack.index(v) :]
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles_among_our_modules() -> None:
    assert cycles(module_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


#: Who may open, accept or multiplex sockets outside the connection layer (``serving/``), and
#: why: nothing else frames HTTP or shuts threads down its own way (issue 23).
SOCKETS_ALLOWED = {
    # the probe dials the user's real proxies (ARCHITECTURE: the one exception)
    "probe/observe.py": "the probe",
    # a pidfd, not a socket: a go process's exit wakes its wait
    "gorun/process.py": "the pidfd wait",
    # a stand-alone script git runs as ssh (the standard library only)
    "gorun/guard/ssh_stub.py": "the ssh stub",
}
_SOCKET_USE = (
    "socket.socket(",
    "socket.create_connection(",
    "socket.create_server(",
    "import select\n",
    "import selectors\n",
    "socketserver",
    "http.server",
    "PyThreadState_SetAsyncExc",
)


def test_sockets_are_the_connection_layers() -> None:
    outside = {}
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("serving/") or rel in SOCKETS_ALLOWED:
            continue
        text = path.read_text(encoding="utf-8")
        used = [needle.strip() for needle in _SOCKET_USE if needle in text]
        if used:
            outside[rel] = used
    assert outside == {}, "use pytest_goproxy.serving (tcp, http1, wsgi) instead"
    for rel in SOCKETS_ALLOWED:  # the list shrinks as code moves: no stale entries
        text = (ROOT / rel).read_text(encoding="utf-8")
        assert any(needle in text for needle in _SOCKET_USE), f"{rel} needs no exception now"

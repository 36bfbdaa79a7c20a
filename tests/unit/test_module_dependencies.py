"""No import circle among chalicelib's modules, counting the imports a function makes when it runs; layers hold.

A function-local import hides a circle from the interpreter (the module is complete by the time the function runs)
but not from a reader: the two modules still depend on each other. So every ``import`` and ``from ... import`` counts,
at module level or inside a function or class, except those under ``if TYPE_CHECKING:`` (they never run). Importing
``a.b.c`` also runs the packages ``a`` and ``a.b``, so those count too (except a module's own packages: they are
already being imported when it runs).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def module_names(root: Path, package: str) -> dict[str, Path]:
    """Every module of ``package`` under ``root`` by dotted name (a package by its own name)."""
    modules = {}
    for path in (root / package).rglob("*.py"):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _imports(tree: ast.Module, *, type_checking: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    """Import statements at any depth; the bodies of ``if TYPE_CHECKING:`` only with ``type_checking``."""
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if not type_checking and isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            pending.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        pending.extend(ast.iter_child_nodes(node))


def _targets(name: str, importer: str, modules: Mapping[str, Path]) -> set[str]:
    """``name`` and the packages importing it runs first, except the importer's own packages (already running)."""
    parts = name.split(".")
    prefixes = {".".join(parts[:i]) for i in range(1, len(parts))}
    ancestors = {prefix for prefix in prefixes if importer.startswith(prefix + ".")}
    return {module for module in {*prefixes - ancestors, name} if module in modules}


def import_graph(modules: Mapping[str, Path], *, type_checking: bool = False) -> dict[str, set[str]]:
    """Module -> the modules of the same tree that importing or running it imports (or, with ``type_checking``, that
    its annotations name too)."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _imports(ast.parse(path.read_text(encoding="utf-8")), type_checking=type_checking):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    targets |= _targets(alias.name, name, modules)
                continue
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                # ``from pkg import mod`` needs the module; ``from pkg import name`` needs what pkg/__init__ defines
                targets |= _targets(submodule if submodule in modules else base, name, modules)
        graph[name] = targets - {name}
    return graph


def import_cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """One path per circle: each strongly connected group of modules (Tarjan), as ``a -> b -> ... -> a``."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(_path_through(sorted(component), graph))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def _path_through(component: list[str], graph: Mapping[str, set[str]]) -> list[str]:
    """A shortest circle from the component's first module back to itself, for the failure message."""
    start = component[0]
    inside = set(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph[node] & inside):
                if target == start:
                    return [*paths[node], start]
                if target not in paths:
                    paths[target] = [*paths[node], target]
                    following.append(target)
        frontier = following
    return component


def test_chalicelib_has_no_import_circle() -> None:
    cycles = import_cycles(import_graph(module_names(ROOT, "chalicelib")))
    assert not cycles, "import circles: " + "; ".join(" -> ".join(cycle) for cycle in cycles)


#: What each layer must never import, type-only imports included (ARCHITECTURE.md: the edge maps requests to commands).
FORBIDDEN = {
    "chalicelib.domain": ("chalicelib.",),  # anything of ours but the domain itself
    "chalicelib.services": ("chalicelib.schemas", "chalicelib.http", "chalicelib.routes", "chalicelib.jobs"),
    "chalicelib.jobs": ("chalicelib.schemas", "chalicelib.http", "chalicelib.routes"),
}


def test_layers_import_only_what_they_may() -> None:
    graph = import_graph(module_names(ROOT, "chalicelib"), type_checking=True)
    wrong = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        for layer, forbidden in FORBIDDEN.items()
        if module == layer or module.startswith(layer + ".")
        for target in targets
        if target.startswith(forbidden) and not target.startswith(layer)
    )
    assert not wrong, "layer violations: " + "; ".join(wrong)


def test_a_circle_through_a_function_local_import_is_found(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "__init__.py").write_text("from pkg.c import C\n")
    (package / "a.py").write_text("from pkg import b\n")
    (package / "b.py").write_text("def later():\n    from pkg.a import thing\n")
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import a\nelse:\n    import pkg.b\nC = 1\n"
    )
    (package / "d.py").write_text("from pkg import C\n")  # a name pkg/__init__ defines: needs the package
    graph = import_graph(module_names(tmp_path, "pkg"))
    assert graph["pkg.c"] == {"pkg.b"}  # not the TYPE_CHECKING import, nor pkg itself (it is importing pkg.c)
    assert graph["pkg.d"] == {"pkg"}
    assert import_cycles(graph) == [["pkg.a", "pkg.b", "pkg.a"]]

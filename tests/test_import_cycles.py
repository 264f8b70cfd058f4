"""No import cycles among the project's modules. An in-function import is still an import (it only
moves the cost, and hides the edge): the graph counts module-level and in-function imports of
`llmhpo.*` alike, read from the syntax tree of every module under cache/, gateway/, harness/ and
llmhpo/; so do imports under `if TYPE_CHECKING:` (they never run, but they are the same dependency:
two modules that name each other's types are one concept split in two, or a type in the wrong one)."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FOLDERS = {"llmhpo": "llmhpo", "cache": "llmhpo.cache", "gateway": "llmhpo.gateway", "harness": "llmhpo.harness"}


def modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the project."""
    out = {}
    for folder, root in FOLDERS.items():
        for path in (REPO / folder).rglob("*.py"):
            parts = list(path.relative_to(REPO / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            if folder == "llmhpo" and parts[:1] in (["cache"], ["gateway"], ["harness"]):
                continue
            out[".".join([root, *parts])] = path
    return out


def imports(tree: ast.AST, known: dict[str, Path]) -> set[str]:
    """The project modules `tree` imports anywhere (functions and TYPE_CHECKING blocks included)."""
    found: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "llmhpo")
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("llmhpo"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in known else node.module)
        stack.extend(ast.iter_child_nodes(node))
    return {name for name in found if name in known}


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(ast.parse(path.read_text(encoding="utf-8")), known) - {name}
            for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(found)


def path_through(edges: dict[str, set[str]], component: list[str]) -> str:
    """One cycle inside `component`, as `a -> b -> a`, for the failure message."""
    start, members = component[0], set(component)
    trail, seen = [start], {start}
    while True:
        nxt = sorted(n for n in edges[trail[-1]] if n in members)
        back = [n for n in nxt if n in trail]
        if back:
            return " -> ".join([*trail[trail.index(back[0]):], back[0]])
        step = next(n for n in nxt if n not in seen)
        trail.append(step)
        seen.add(step)


def test_the_guard_sees_in_function_imports_and_finds_a_cycle() -> None:
    known = {"llmhpo.a": Path("a.py"), "llmhpo.b": Path("b.py")}
    a = ast.parse("def f():\n    from llmhpo import b\n")
    b = ast.parse("if TYPE_CHECKING:\n    from llmhpo.a import Thing\nimport llmhpo.c\n")
    edges = {"llmhpo.a": imports(a, known), "llmhpo.b": imports(b, known)}
    assert edges == {"llmhpo.a": {"llmhpo.b"}, "llmhpo.b": {"llmhpo.a"}}
    assert cycles(edges) == [["llmhpo.a", "llmhpo.b"]]
    assert path_through(edges, ["llmhpo.a", "llmhpo.b"]) == "llmhpo.a -> llmhpo.b -> llmhpo.a"


def test_no_import_cycle_among_the_projects_modules() -> None:
    edges = graph()
    assert len(edges) > 100 and edges["llmhpo.harness.campaign.run"], "the graph was not read"
    found = cycles(edges)
    assert not found, "import cycles:\n" + "\n".join(path_through(edges, c) for c in found)

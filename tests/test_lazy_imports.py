"""An in-function import of the project's own module must keep a third-party library lazy.

Why a guard: an import inside a function hides an edge of the module graph from a reader (and from
ruff), so it is there only when it pays: the command line starts in a fraction of a second and the
pytest plugin loads nothing third-party because the heavy libraries (litellm, sklearn, matplotlib,
pandas, pydantic, ...) are imported when a command needs them. The rule, checked from the syntax
tree: the imported module, with everything it imports when loaded, brings in at least one
third-party package that the importing module does not already load. Anything else belongs at the
top of the module.
"""

from __future__ import annotations

import ast
import sys
from functools import cache
from pathlib import Path

from tests.test_import_cycles import modules

KNOWN = modules()
STDLIB = set(sys.stdlib_module_names) | {"__future__"}
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
# Modules whose in-function imports have another reason, with it.
EXEMPT = {
    "llmhpo.gateway.pytest_plugin": "pytest loads it in every project that installs llmhpo: a broken llmhpo must "
                                    "cost one warning and the tests that use it, not the whole session "
                                    "(tests/installs/test_plugin_harmless.py)",
}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _targets(node: ast.Import | ast.ImportFrom) -> tuple[set[str], set[str]]:
    """(project modules, third-party top-level packages) that `node` loads."""
    project: set[str] = set()
    third: set[str] = set()
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    elif node.level == 0 and node.module:
        names = [node.module]
        if node.module.startswith("llmhpo"):
            names += [f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in KNOWN]
            lazy = lazy_names(node.module) if node.module in KNOWN else {}
            names += [lazy[a.name] for a in node.names if a.name in lazy]
    else:
        names = []
    for name in names:
        root = name.split(".")[0]
        if root == "llmhpo":
            parts = name.split(".")
            project.update(".".join(parts[:i]) for i in range(1, len(parts) + 1) if ".".join(parts[:i]) in KNOWN)
        elif root not in STDLIB:
            third.add(root)
    return project, third


def load_time_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Import statements that run when the module is loaded: the module body and class bodies,
    through if/try/with, but not function bodies nor `if TYPE_CHECKING:` blocks."""
    found: list[ast.Import | ast.ImportFrom] = []
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If):
            stack.extend(node.orelse if _is_type_checking(node.test) else [*node.body, *node.orelse])
        elif isinstance(node, (ast.Try, ast.With, ast.ClassDef)):
            for field in ("body", "orelse", "finalbody", "handlers"):
                stack.extend(getattr(node, field, []))
        elif isinstance(node, ast.ExceptHandler):
            stack.extend(node.body)
    return found


@cache
def lazy_names(package: str) -> dict[str, str]:
    """Names a package hands out through a module `__getattr__` (PEP 562) -> the module that defines
    them: such a package declares them under `if TYPE_CHECKING:` (gateway/__init__.py, cache/__init__.py),
    and taking one of them loads its module."""
    tree = _tree(package)
    if not any(isinstance(n, ast.FunctionDef) and n.name == "__getattr__" for n in tree.body):
        return {}
    found = {}
    for node in tree.body:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for sub in node.body:
                if isinstance(sub, ast.ImportFrom) and sub.module in KNOWN:
                    found.update({a.asname or a.name: sub.module for a in sub.names})
    return found


@cache
def _tree(module: str) -> ast.Module:
    return ast.parse(KNOWN[module].read_text(encoding="utf-8"))


@cache
def third_party_loaded(module: str) -> frozenset[str]:
    """Third-party packages loaded by importing `module` (its parent packages included)."""
    seen: set[str] = set()
    third: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        parts = name.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)) if ".".join(parts[:i]) in KNOWN)
        for node in load_time_imports(_tree(name)):
            project, packages = _targets(node)
            third |= packages
            todo.extend(project)
    return frozenset(third)


def in_function_imports(tree: ast.Module) -> list[ast.ImportFrom | ast.Import]:
    """Imports of the project's modules inside a function (at any depth)."""
    found = []
    for func in ast.walk(tree):
        if isinstance(func, FUNCTIONS):
            for node in ast.walk(func):
                if isinstance(node, (ast.Import, ast.ImportFrom)) and _targets(node)[0]:
                    found.append(node)
    return list({id(n): n for n in found}.values())


def unjustified() -> list[str]:
    """`file:line: import` for every in-function project import that keeps nothing third-party lazy."""
    problems = []
    for module, path in sorted(KNOWN.items()):
        if module in EXEMPT:
            continue
        own = third_party_loaded(module)
        for node in in_function_imports(_tree(module)):
            project, third = _targets(node)
            deferred = set(third) - own
            for target in project:
                deferred |= third_party_loaded(target) - own
            if not deferred:
                problems.append(f"{path.relative_to(KNOWN['llmhpo'].parents[1])}:{node.lineno}: {ast.unparse(node)}")
    return problems


def test_the_rule_sees_a_pointless_and_a_paying_lazy_import() -> None:
    light = ast.parse("def f():\n    from llmhpo.harness import values\n")
    assert [type(n).__name__ for n in in_function_imports(light)] == ["ImportFrom"]
    assert "numpy" in third_party_loaded("llmhpo.harness.space")
    assert "matplotlib" not in third_party_loaded("llmhpo.harness.cli")
    taken = ast.parse("from llmhpo.gateway import Gateway\n").body[0]
    assert "llmhpo.gateway.gateway" in _targets(taken)[0]  # a lazy package's name loads its module


def test_every_in_function_import_keeps_a_third_party_library_lazy() -> None:
    problems = unjustified()
    assert not problems, ("in-function imports that defer no third-party library (import them at the top "
                          "of the module):\n" + "\n".join(problems))


def test_the_command_line_loads_no_heavy_library_at_start() -> None:
    heavy = {"litellm", "sklearn", "matplotlib", "pandas", "skopt", "optuna", "xllamacpp", "dask", "scipy"}
    assert not third_party_loaded("llmhpo.harness.cli") & heavy
    # cli imports every command module (by name, which this tree walk cannot follow) to build its
    # parser, so `llmhpo --help` and every command pay what they load: no third-party package at all
    commands = [m for m in KNOWN if m.startswith("llmhpo.harness.commands.")]
    assert len(commands) >= 9
    assert {m: sorted(third_party_loaded(m)) for m in commands if third_party_loaded(m)} == {}
    assert not third_party_loaded("llmhpo.gateway.pytest_plugin") - {"pytest"}


if __name__ == "__main__":  # a list for the one who fixes them
    print("\n".join(unjustified()))
    print(Path(__file__).name, len(unjustified()))

"""No module of the project reaches into another module's private names (`_helper`): a helper that
two modules need is public where it belongs (e.g. harness.values.native, prompts.history_block)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("cache", "gateway", "harness")  # folders under the import root
ROOT_NAME = "llmhpo"


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_uses(source: str) -> list[str]:
    """`from pkg.mod import _x` and `mod._x` (mod imported from the project) found in one file."""
    tree = ast.parse(source)
    modules: set[str] = set()  # local names bound to project modules
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == ROOT_NAME:
            found += [f"from {node.module} import {a.name}" for a in node.names if _private(a.name)]
            modules |= {a.asname or a.name for a in node.names}
        elif isinstance(node, ast.Import):
            modules |= {a.asname or a.name.split(".")[0] for a in node.names if a.name.split(".")[0] == ROOT_NAME}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr) and isinstance(node.value, ast.Name):
            if node.value.id in modules:
                found.append(f"{node.value.id}.{node.attr}")
    return found


def test_the_checker_sees_both_forms() -> None:
    source = "from llmhpo.harness.params import _native\nfrom llmhpo.harness.optimizers import prompts\n"
    assert private_uses(source + "prompts._history_block(1)\n") == [
        "from llmhpo.harness.params import _native",
        "prompts._history_block",
    ]
    assert private_uses("import numpy as np\nnp._x\nfrom llmhpo.harness.space import SearchSpace\n") == []


def test_no_module_uses_another_modules_private_names() -> None:
    offenders = {
        str(path.relative_to(ROOT)): uses
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if (uses := private_uses(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}

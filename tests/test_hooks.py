"""Optional hooks are declared (with defaults that do nothing) on the base classes, never found by
probing an object with `getattr(obj, "hook", default)` / `hasattr(obj, "hook")`: a probe hides the
contract from the next engineer and silently ignores a misspelt hook.

The guard reads the code's syntax tree: a `getattr`/`hasattr` whose attribute is a string literal
naming a member of one of the project's interfaces (Provider, Gateway, the optimizer plugin and
its hooks, the benchmark contract) is a probe. Probing a third-party object (litellm's reply, an
exception's status) is not."""

from __future__ import annotations

import ast
from pathlib import Path

from llmhpo.gateway import Gateway
from llmhpo.gateway.providers.base import Provider
from llmhpo.harness.benchmarks.base import BaseBenchmark
from llmhpo.harness.optimizers.plugin import HOOKS, OptimizerPlugin

REPO = Path(__file__).resolve().parents[1]


def interface_names(tmp: Path) -> set[str]:
    gateway = Gateway(tmp, mode="off")
    names = {*dir(Provider), *dir(gateway), *dir(OptimizerPlugin), *dir(BaseBenchmark), *HOOKS, "ask", "tell"}
    gateway.close()
    return {n for n in names if not n.startswith("_")}


def probes(path: Path, names: set[str]) -> list[str]:
    """`file:line getattr(..., 'name')` for every probe of an interface member in `path`."""
    shown = path.relative_to(REPO).as_posix() if path.is_relative_to(REPO) else path.name
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr", "hasattr")
                and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
                and node.args[1].value in names):
            found.append(f"{shown}:{node.lineno} {node.func.id}(..., {node.args[1].value!r})")
    return found


def probes_under(folder: str, names: set[str], *, skip: frozenset[str] = frozenset()) -> list[str]:
    return [p for path in sorted((REPO / folder).rglob("*.py")) if path.relative_to(REPO).as_posix() not in skip
            for p in probes(path, names)]


def test_the_guard_finds_a_probe(tmp_path: Path) -> None:
    names = interface_names(tmp_path)
    assert {"resolve_api_base", "fingerprint", "ledger", "stopped", "drain_calls", "deterministic"} <= names
    sample = tmp_path / "sample.py"
    sample.write_text('x = getattr(provider, "resolve_api_base", None)\ny = getattr(reply, "choices", None)\n'
                      'z = hasattr(optimizer, "drain_calls")\n')
    assert probes(sample, names) == ["sample.py:1 getattr(..., 'resolve_api_base')",
                                     "sample.py:3 hasattr(..., 'drain_calls')"]


def test_no_hook_probing_in_the_gateway(tmp_path: Path) -> None:
    found = probes_under("gateway", interface_names(tmp_path))
    assert not found, "declare the hook on the base class instead of probing:\n" + "\n".join(found)


def test_no_hook_probing_in_the_harness(tmp_path: Path) -> None:
    found = probes_under("harness", interface_names(tmp_path))
    assert not found, "declare the hook on the base class instead of probing:\n" + "\n".join(found)

"""The pytest plugin is loaded into every suite of an environment where llmhpo is installed, so it must
be harmless there: importing it loads nothing heavy, and when llmhpo cannot be imported the suite still
runs, with one warning; only the tests that use its fixtures or marker fail, with the reason."""

from __future__ import annotations

import json
import sys

from tests.installs.projects import run

HEAVY = ("litellm", "diskcache", "numpy", "pandas", "sklearn", "scipy", "matplotlib", "pydantic", "openai",
         "anthropic", "xllamacpp", "optuna", "dask", "tenacity", "rich", "starlette", "uvicorn", "PIL", "sqlite3")

LOADED = """
import json, sys
import pytest
before = set(sys.modules)
import llmhpo.gateway.pytest_plugin as plugin
assert plugin.unavailable() is None  # the check pytest makes at start-up (it imports llmhpo's light modules)
print(json.dumps(sorted(set(sys.modules) - before)))
"""

# A sitecustomize that makes every llmhpo module but the plugin (and its parent packages) fail to import,
# as a missing dependency or a broken install would.
POISON = """
import importlib.abc, sys

class Poison(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.startswith("llmhpo.") and name not in ("llmhpo.gateway", "llmhpo.gateway.pytest_plugin"):
            raise ImportError(f"poisoned for the test: {name}")
        return None

sys.meta_path.insert(0, Poison())
"""

USERS_TESTS = """
import pytest


def test_unrelated():
    assert sum([1, 2]) == 3


def test_with_the_gateway(llm_gateway):
    pass


def test_with_the_mode(llm_mode):
    pass


@pytest.mark.llm_cassette("cassettes/x.jsonl")
def test_with_the_marker():
    pass
"""


def test_importing_the_plugin_loads_nothing_heavy(tmp_path):
    done = run(sys.executable, ["-c", LOADED], tmp_path)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout)
    assert "llmhpo.gateway.pytest_plugin" in loaded
    heavy = [m for m in loaded if m.split(".")[0] in HEAVY]
    assert not heavy, heavy
    foreign = [m for m in loaded if m.split(".")[0] not in ("llmhpo", *sys.stdlib_module_names)]
    assert not foreign, f"the plugin loads third-party modules: {foreign}"


def test_a_broken_llmhpo_costs_one_warning_and_only_the_tests_that_use_the_plugin(tmp_path):
    poison = tmp_path / "poison"
    poison.mkdir()
    (poison / "sitecustomize.py").write_text(POISON, encoding="utf-8")
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_users.py").write_text(USERS_TESTS, encoding="utf-8")
    done = run(sys.executable, ["-m", "pytest", "-p", "no:cacheprovider", "-rA", "--llm-mode", "replay"], project,
               PYTHONPATH=str(poison))
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "1 passed" in out and "3 errors" in out, out
    assert "PASSED test_users.py::test_unrelated" in out
    reason = "llmhpo's pytest plugin is off: llmhpo cannot be imported (ImportError: poisoned for the test: llmhpo.cache)"
    for test in ("test_with_the_gateway", "test_with_the_mode", "test_with_the_marker"):
        block = out.split(f"ERROR at setup of {test} ", 1)[1].split("\n", 2)[1]
        assert block == reason, out
        assert f"ERROR test_users.py::{test} - Failed: llmhpo's pytest plugin" in out
    assert out.count("PytestConfigWarning: ") == 1 and "1 passed, 1 warning, 3 errors" in out, out
    assert "only tests that use its fixtures" in out
    assert "llmhpo: off (llmhpo cannot be imported" in out


def test_the_gateway_package_exports_every_name_it_loads_lazily():
    import importlib

    import llmhpo.gateway as package

    assert sorted(package.__all__) == sorted(package._MODULE_OF)
    for name, module in package._MODULE_OF.items():
        assert getattr(package, name) is getattr(importlib.import_module(f"llmhpo.gateway.{module}"), name)

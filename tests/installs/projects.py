"""A user's project whose folders are named `cache/`, `gateway/` and `harness/` (common names), with
its own tests and a script that imports llmhpo: what `python -m pytest` and `python script.py` see
there, for any interpreter that has llmhpo installed (editable or from the wheel)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

USER_FOLDERS = ("cache", "gateway", "harness")

TESTS = '''
from pathlib import Path

import cache
import llmhpo
from llmhpo.gateway import Gateway


def test_the_users_folder_and_llmhpo_side_by_side():
    assert Path(list(cache.__path__)[0]).parent == Path.cwd()
    assert Path.cwd() not in Path(llmhpo.__file__).parents


def test_the_plugins_fixtures(llm_mode, llm_gateway):
    assert llm_mode == "off" and isinstance(llm_gateway, Gateway)
'''

SCRIPT = '''
import cache, gateway, harness  # the user's own
import llmhpo
from llmhpo.harness.benchmarks import load
from llmhpo.gateway import Gateway

print(load("toy/branin").name, llmhpo.__file__, cache.__name__)
'''


def make_project(root: Path, *, packages: bool) -> Path:
    """`root` with the three folders (regular packages when `packages`, else namespace folders), a test
    file and a script."""
    for name in USER_FOLDERS:
        (root / name).mkdir(parents=True)
        (root / name / "things.py").write_text(f"WHO = 'the user {name}'\n", encoding="utf-8")
        if packages:
            (root / name / "__init__.py").write_text(f"USER = {name!r}\n", encoding="utf-8")
    (root / "test_users.py").write_text(TESTS, encoding="utf-8")
    (root / "script.py").write_text(SCRIPT, encoding="utf-8")
    return root


def clean_env(**extra: str) -> dict[str, str]:
    """This session's environment without PYTHONPATH: only the interpreter's own installation counts."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(extra)
    return env


def run(python: Path | str, args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(python), *args], cwd=cwd, env=clean_env(**env), capture_output=True, text=True,
                          timeout=300)


def check_project(python: Path | str, project: Path, llmhpo_home: Path) -> None:
    """pytest with the plugin, a script, and `python -m llmhpo` all work in the project; llmhpo is the
    copy under `llmhpo_home`."""
    tests = run(python, ["-m", "pytest", "-p", "no:cacheprovider", "--llm-mode", "off", "-q"], project)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "2 passed" in tests.stdout
    script = run(python, ["script.py"], project)
    assert script.returncode == 0, script.stderr
    name, where, users = script.stdout.split()
    assert (name, users) == ("toy/branin", "cache")
    assert Path(where).is_relative_to(llmhpo_home)
    version = run(python, ["-m", "llmhpo", "--version"], project)
    assert version.returncode == 0 and version.stdout.startswith("llmhpo "), version.stderr

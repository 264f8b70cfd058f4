"""The suite is isolated from the user (tests/isolation.py): run as a user would run it, the HPOBench (all
but the parity tests, see PARITY) and cache test files leave that user's llmhpo folders exactly as they
were (a test once rewrote the real HPOBench setup.json).

The guard's user is a stand-in with a home of its own whose HPOBench environment is an overlay of the
real one (tests/isolation.py): on a shared machine other checkouts' test runs write into the real
home's HPOBench folder at any moment, which would fail the guard for what it does not test, and a
broken isolation must not write into the real home either."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from llmhpo.cache import default_dir
from llmhpo.gateway.models import models_dir
from llmhpo.harness.hpobench.env import HOME_ENV
from tests.isolation import REAL_ENV, REAL_HPOBENCH_HOME, SUITE_VARIABLES, XDG, hpobench_overlay

REPO = Path(__file__).resolve().parents[1]
# Left out of the guard's run: the parity tests only evaluate configs through the HPOBench worker, which
# tests/hpobench/test_hpobench_worker.py starts, restarts and calls from a process pool and dask too
# (the same writes into the HPOBench home); they were most of the guard's time.
PARITY = "tests/hpobench/test_hpobench_parity.py"

# llmhpo's own rules for the user's folders, asked in the user's environment.
FOLDERS = """
import json
from llmhpo.cache import default_dir
from llmhpo.gateway.models import models_dir
from llmhpo.harness.hpobench.env import HPOBenchHome
hpobench = HPOBenchHome.resolve().root
folders = [default_dir(), models_dir(), hpobench] + ([hpobench.parent] if hpobench.parent.name == "llmhpo" else [])
print(json.dumps([str(p) for p in folders]))
"""


def a_user(home: Path) -> dict[str, str]:
    """The environment of a user whose home is `home`, with HPOBench set up there when it is here."""
    env = {k: v for k, v in REAL_ENV.items() if not k.startswith(("PYTEST_", "LLMHPO_", "XDG_"))}
    env["HOME"] = str(home)
    if REAL_HPOBENCH_HOME.ready():
        hpobench_overlay(REAL_HPOBENCH_HOME, home / ".local" / "share" / "llmhpo" / "hpobench")
    return env


def users_folders(env: dict[str, str]) -> list[Path]:
    done = subprocess.run([sys.executable, "-c", FOLDERS], env=env, capture_output=True, text=True, check=True)
    return [Path(p) for p in json.loads(done.stdout)]


def snapshot(folders: list[Path]) -> dict[str, object]:
    """Every file and folder below `folders` with its size, mode and modification time (nanoseconds)."""
    seen: dict[str, object] = {}
    for folder in folders:
        if not folder.exists():
            seen[str(folder)] = "absent"
            continue
        for where, dirs, files in os.walk(folder):
            for name in [".", *dirs, *files]:
                path = Path(where, name)
                st = path.lstat()
                seen[str(path)] = (st.st_size, st.st_mode, st.st_mtime_ns)
    return seen


def test_the_users_folders_are_not_the_sessions():
    sandbox = Path(os.environ["HOME"])
    assert sandbox != Path(REAL_ENV["HOME"])
    for name in XDG:
        assert Path(os.environ[name]).is_relative_to(sandbox)
    settings = {k: v for k, v in os.environ.items() if k.startswith("LLMHPO_") and k not in SUITE_VARIABLES}
    assert set(settings) <= {HOME_ENV}  # only the HPOBench overlay, inside the sandbox
    assert all(Path(v).is_relative_to(sandbox) for v in settings.values())
    assert default_dir().is_relative_to(sandbox) and models_dir().is_relative_to(sandbox)


@pytest.mark.slow
def test_hpobench_and_cache_tests_leave_the_users_llmhpo_folders_untouched(tmp_path):
    env = a_user(tmp_path / "user")
    folders = users_folders(env)
    assert all(f.is_relative_to(tmp_path / "user") for f in folders), folders
    before = snapshot(folders)
    if REAL_HPOBENCH_HOME.ready():
        assert str(folders[2] / "setup.json") in before  # the HPOBench tests will run, not skip
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not model and not live",
                           "tests/hpobench", "tests/cache", f"--ignore={PARITY}"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    if REAL_HPOBENCH_HOME.ready():  # they ran in the stand-in's HPOBench environment
        assert not [line for line in done.stdout.splitlines() if line.startswith("SKIPPED") and "hpobench" in line]
    after = snapshot(folders)
    changed = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    assert not changed, f"the tests changed the user's folders: {changed[:20]}"

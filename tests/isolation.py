"""The test suite never touches the user's llmhpo folders: tests/conftest.py calls `isolate()` before
any test module is imported, so the whole session (and every subprocess it starts) runs with its own
temporary HOME and XDG folders and without the user's LLMHPO_* settings.

Two things of the user's are kept, read-only:
- `REAL_ENV`, the environment as it was, for the guard test that runs test files in it;
- the HPOBench environment that `scripts/install.sh --test` built (1 GB, minutes to make): when it
  is ready, $LLMHPO_HPOBENCH_HOME points at `hpobench_overlay`, a session home whose venv is a link to
  the real one and whose small files (setup.json, the offline OpenML cache, config) are copies, so the
  hpobench families are listed as before while the worker's log, its temporary files and a re-run of
  `llmhpo hpobench setup` write there, never into the real home.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from llmhpo.harness.hpobench.env import HOME_ENV, HPOBenchHome

# Variables that steer the test suite itself, not llmhpo: kept.
SUITE_VARIABLES = ("LLMHPO_RECORD", "LLMHPO_FAULT_SUITE_KEY")
XDG = ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME")
# Written by each use of an HPOBench home (the worker's log and lock, its TMPDIR): never shared.
HPOBENCH_OWN = (".lock", "worker.log", "tmp")

REAL_ENV = dict(os.environ)
REAL_HPOBENCH_HOME = HPOBenchHome.resolve()


def isolate() -> Path:
    """Point HOME and the XDG folders at a fresh temporary directory and drop llmhpo's settings;
    returns that directory (removed by `restore`)."""
    sandbox = Path(tempfile.mkdtemp(prefix="llmhpo-tests-home-"))
    for name in [k for k in os.environ if k.startswith("LLMHPO_") and k not in SUITE_VARIABLES]:
        del os.environ[name]
    os.environ["HOME"] = str(sandbox)
    for name in XDG:
        os.environ[name] = str(sandbox / name.removeprefix("XDG_").removesuffix("_HOME").lower())
    if REAL_HPOBENCH_HOME.ready():
        os.environ[HOME_ENV] = str(hpobench_overlay(REAL_HPOBENCH_HOME, sandbox / "hpobench").root)
    return sandbox


def restore(sandbox: Path) -> None:
    os.environ.clear()
    os.environ.update(REAL_ENV)
    shutil.rmtree(sandbox, ignore_errors=True)


def hpobench_overlay(real: HPOBenchHome, root: Path) -> HPOBenchHome:
    """A home at `root` that uses `real`'s environment without writing into it (see the module doc)."""
    root.mkdir(parents=True)
    for entry in real.root.iterdir():
        if entry.name in HPOBENCH_OWN:
            continue
        if entry == real.venv:
            (root / entry.name).symlink_to(entry, target_is_directory=True)
        elif entry.is_dir():
            shutil.copytree(entry, root / entry.name, symlinks=True)
        else:
            shutil.copy2(entry, root / entry.name)
    return HPOBenchHome(root)

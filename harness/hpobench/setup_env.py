"""`llmhpo hpobench setup`: build HPOBench's environment, offline-ready, idempotently.

Steps (each skipped when already done): a virtual environment from the chosen interpreter; the
pinned libraries of HPOBench's era, wheels only except the two pure-Python sdists; HPOBench itself
from a git URL or a local archive/checkout (`--no-deps --ignore-requires-python`: its metadata
refuses Python 3.11 and its extras pin versions without wheels, although its ML benchmarks run);
the offline OpenML cache written from the bundled CSVs; a check through the worker that loads all
8 tasks; finally `setup.json`, which records what was installed and the spaces the worker reported.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from llmhpo.cache.atomic import write_text_atomic
from llmhpo.harness.errors import UserError
from llmhpo.harness.hpobench.client import Worker, WorkerError
from llmhpo.harness.hpobench.env import (
    CACHE_FORMAT,
    DEFAULT_SOURCE,
    PINS,
    SDIST_ONLY,
    SUPPORTED_PYTHON,
    HPOBenchHome,
)
from llmhpo.harness.lock import exclusive_lock

MODELS = ("svm", "lr", "rf", "xgb", "nn")


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _run(cmd: list[str], what: str, quiet: bool) -> None:
    proc = subprocess.run(cmd, stdout=subprocess.PIPE if quiet else None, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        tail = "" if not quiet else " | ".join((proc.stdout or "").strip().splitlines()[-3:])
        raise UserError(f"{what} failed (exit {proc.returncode}): {tail or 'see the output above'}")


def _python_version(python: str) -> tuple[int, int]:
    try:
        out = subprocess.run([python, "-c", "import sys; print(*sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UserError(f"--python {python!r} cannot be run: {exc}") from None
    if out.returncode != 0:
        raise UserError(f"--python {python!r} cannot be run (exit {out.returncode})")
    major, minor = (int(x) for x in out.stdout.split())
    return major, minor


def resolve_source(source: str | None) -> str:
    """A pip-installable requirement: an existing local path (made absolute) or a URL as given."""
    if source is None:
        return DEFAULT_SOURCE
    if "://" in source or source.startswith("git+"):
        return source
    path = Path(source).expanduser()
    if not path.exists():
        raise UserError(f"--source {source!r}: no such file or directory (give an HPOBench archive, "
                        f"checkout or git URL, e.g. {DEFAULT_SOURCE})")
    return str(path.resolve())


def _step(n: int, total: int, text: str) -> Callable[[str], None]:
    t0 = time.perf_counter()
    _say(f"[{n}/{total}] {text} ...")

    def done(result: str) -> None:
        _say(f"[{n}/{total}] {text}: {result} ({time.perf_counter() - t0:.1f} s)")
    return done


def _venv_ok(home: HPOBenchHome, version: tuple[int, int]) -> bool:
    if not home.python.exists():
        return False
    have = _python_version(str(home.python))
    if have != version:
        raise UserError(f"{home.venv} was made with Python {have[0]}.{have[1]}, not {version[0]}.{version[1]}; "
                        "delete it or choose another location (--home / $LLMHPO_HPOBENCH_HOME)")
    return True


def _installed_hpobench(home: HPOBenchHome) -> str | None:
    out = subprocess.run([str(home.python), "-c", "import importlib.metadata as m; print(m.version('hpobench'))"],
                         capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else None


def setup(home: HPOBenchHome, source: str | None = None, python: str | None = None,
          quiet: bool = True) -> dict[str, Any]:
    """Build (or complete) the environment at `home`; returns what `setup.json` records. A second
    setup of the same home waits for the first (they would pip-install into one venv at once), then
    finds its steps done."""
    python = python or sys.executable
    requirement = resolve_source(source)
    version = _python_version(python)
    lo, hi = SUPPORTED_PYTHON
    if not lo <= version <= hi:
        raise UserError(f"--python {python} is Python {version[0]}.{version[1]}; HPOBench's pinned wheels need "
                        f"Python {lo[0]}.{lo[1]}-{hi[0]}.{hi[1]}")
    _say(f"HPOBench environment: {home.root}")
    home.root.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(home.root, busy=None,
                        on_wait=lambda holder: _say(f"waiting for another setup of this home ({holder}) to finish")):
        return _setup_locked(home, python, requirement, version, quiet)


def _setup_locked(home: HPOBenchHome, python: str, requirement: str, version: tuple[int, int],
                  quiet: bool) -> dict[str, Any]:
    from llmhpo.harness.hpobench.openml_cache import task_ids, write_all

    t_start = time.perf_counter()
    previous = home.setup_info() or {}
    total = 5

    done = _step(1, total, f"virtual environment ({python}, Python {version[0]}.{version[1]})")
    if _venv_ok(home, version):
        done("exists")
    else:
        _run([python, "-m", "venv", str(home.venv)], "creating the virtual environment", quiet)
        done("created")

    done = _step(2, total, "libraries of HPOBench's era (" + ", ".join(PINS) + ")")
    pip = [str(home.python), "-m", "pip", "install", "--disable-pip-version-check", "--progress-bar", "off"]
    pip += ["-q"] if quiet else []
    if previous.get("pins") == list(PINS):  # a broken install still fails the worker check in step 5
        done("already installed (recorded in setup.json)")
    else:
        _run([*pip, "--only-binary", ":all:", "--no-binary", ",".join(SDIST_ONLY), *PINS],
             "installing the pinned libraries", quiet)
        done("installed")

    done = _step(3, total, f"HPOBench from {requirement}")
    installed = _installed_hpobench(home)
    if installed and previous.get("source") == requirement:
        done(f"hpobench {installed} already installed from this source")
    else:
        _run([*pip, "--no-deps", "--ignore-requires-python", "--force-reinstall", requirement],
             "installing HPOBench", quiet)
        installed = _installed_hpobench(home)
        if not installed:
            raise UserError(f"{requirement} installed, but `hpobench` is not importable in {home.venv}")
        done(f"hpobench {installed}")

    done = _step(4, total, f"offline OpenML cache for {len(task_ids())} tasks in {home.openml_cache}")
    changed = write_all(home.openml_cache)
    done(f"{changed} files written, the rest unchanged")

    done = _step(5, total, "checking every model and task through the worker")
    worker = Worker(home)
    try:
        hello = worker.request("hello")
        spaces = {m: worker.request("space", model=m) for m in MODELS}
        tasks = {str(t): worker.request("load", model="svm", task_id=t) for t in task_ids()}
    except WorkerError as exc:
        raise UserError(f"HPOBench does not run in {home.venv}: {exc} (log: {home.log})") from None
    finally:
        worker.close()
    done(f"Python {hello['python']}, hpobench {hello['hpobench']}, scikit-learn {hello['sklearn']}, "
         f"ConfigSpace {hello['ConfigSpace']}; {len(tasks)} tasks load offline")

    info = {"source": requirement, "python": hello["python"], "hpobench": hello["hpobench"], "pins": list(PINS),
            "versions": hello, "cache_format": CACHE_FORMAT, "spaces": spaces, "tasks": tasks,
            "setup_seconds": round(time.perf_counter() - t_start, 1)}
    write_text_atomic(home.marker, json.dumps(info, indent=1))
    _say(f"HPOBench ready in {info['setup_seconds']} s at {home.root} "
         "(benchmarks hpobench/<model>/<task_id> and hpobench-fixed/<model>/<task_id>)")
    return info

"""Where the HPOBench environment lives, what goes into it, and whether it is ready.

One home directory holds the virtual environment (`venv/`), the worker's XDG directories
(`data/` with the offline OpenML cache under `data/OpenML`, `config/`, `cache/`), the worker log
and `setup.json`, written last by a successful setup (its presence means "ready").
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HOME_ENV = "LLMHPO_HPOBENCH_HOME"

# HPOBench master's ML benchmarks need libraries of 2021-2023 (measured: vendor/README.md).
# Wheels only, except openml and liac-arff, which are pure-Python sdists.
PINS = (
    "numpy==1.26.4", "scipy==1.11.4", "scikit-learn==1.2.2", "pandas==1.5.3", "pyarrow==14.0.2",
    "ConfigSpace==0.6.1", "xgboost==1.3.1", "openml==0.12.2", "liac-arff==2.5.0", "PyYAML==6.0.4",
    "oslo.concurrency==7.6.1",
)
SDIST_ONLY = ("openml", "liac-arff")
SUPPORTED_PYTHON = ((3, 9), (3, 11))  # the range the pinned wheels exist for
DEFAULT_SOURCE = "git+https://github.com/automl/HPOBench.git@47bf141f79e6bdfb26d1f1218b5d5aac09d7d2ce"
CACHE_FORMAT = "1"  # bump when openml_cache writes different files


def default_home() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("llmhpo")) / "hpobench"


@dataclass(frozen=True)
class HPOBenchHome:
    root: Path

    @classmethod
    def resolve(cls, explicit: str | os.PathLike[str] | None = None) -> HPOBenchHome:
        """--home beats $LLMHPO_HPOBENCH_HOME beats the per-user data directory."""
        chosen = explicit or os.environ.get(HOME_ENV) or default_home()
        return cls(Path(chosen).expanduser().absolute())

    @property
    def venv(self) -> Path:
        return self.root / "venv"

    @property
    def python(self) -> Path:
        return self.venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")

    @property
    def openml_cache(self) -> Path:
        return self.root / "data" / "OpenML"

    @property
    def marker(self) -> Path:
        return self.root / "setup.json"

    @property
    def log(self) -> Path:
        return self.root / "worker.log"

    def worker_env(self) -> dict[str, str]:
        """The worker's environment: HPOBench's config, data and lock directories inside the home."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
        env.update(XDG_DATA_HOME=str(self.root / "data"), XDG_CONFIG_HOME=str(self.root / "config"),
                   XDG_CACHE_HOME=str(self.root / "cache"), TMPDIR=str(self.root / "tmp"),
                   PYTHONNOUSERSITE="1", PYTHONUNBUFFERED="1",
                   # One thread per evaluation, as for the built-in benchmarks (harness/campaign/executor.py): N
                   # workers on N cores. Sleeping OpenMP threads (see harness/cli.py): with the runtime's
                   # default wait policy xgboost 1.3 fitted 10x slower on the busy 2-core machine.
                   OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", OMP_WAIT_POLICY="PASSIVE")
        return env

    def setup_info(self) -> dict[str, Any] | None:
        """The record of a completed setup, or None when there is none (or it is unreadable)."""
        try:
            info = json.loads(self.marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return info if isinstance(info, dict) and self.python.exists() else None

    def ready(self) -> bool:
        return self.setup_info() is not None

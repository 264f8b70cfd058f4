"""llmhpo: an LLM gateway with record/replay, and a harness for LLM-driven hyperparameter optimization.

The code lives in three subpackages, `llmhpo.cache` <- `llmhpo.gateway` <- `llmhpo.harness`, kept as
the repository's top-level folders `cache/`, `gateway/`, `harness/` and mapped under this one import
name by `pyproject.toml` (ARCHITECTURE.md says why). Importing `llmhpo` loads nothing else.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("llmhpo")
except PackageNotFoundError:  # a checkout imported without being installed
    __version__ = "0+unknown"

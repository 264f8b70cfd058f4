"""Deterministic record/replay cache: fingerprints, a JSON-only disk store, modes, cassettes.

Knows nothing of providers or HPO. Importing it is cheap; diskcache loads with `cache.store`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmhpo.cache.errors import CacheError, CacheMiss, CacheNotWritable, CorruptEntry
from llmhpo.cache.key import canonical_json, fingerprint, normalize
from llmhpo.cache.modes import Mode, Store, lookup, record, resolve

if TYPE_CHECKING:
    from llmhpo.cache.store import CacheStore

ENV_VAR = "LLMHPO_CACHE"

__all__ = [
    "ENV_VAR",
    "CacheError",
    "CacheMiss",
    "CacheNotWritable",
    "CacheStore",
    "CorruptEntry",
    "Mode",
    "Store",
    "canonical_json",
    "default_dir",
    "fingerprint",
    "lookup",
    "normalize",
    "record",
    "resolve",
]


def default_dir() -> Path:
    """$LLMHPO_CACHE if set, else the per-user cache directory + "llmhpo" (not created here)."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("llmhpo", appauthor=False))


def __getattr__(name: str) -> Any:
    # CacheStore pulls in diskcache + sqlite3; load it on first use only.
    if name == "CacheStore":
        from llmhpo.cache.store import CacheStore

        return CacheStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

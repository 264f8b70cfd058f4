"""Fixtures for the cache tests: a fresh real store per test and a raw diskcache handle for tampering."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import diskcache
import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from llmhpo.cache.store import CacheStore  # noqa: E402


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def store(cache_dir: Path) -> Iterator[CacheStore]:
    s = CacheStore(cache_dir)
    yield s
    s.close()


@pytest.fixture
def raw_dir_handle():
    """Factory: a plain diskcache handle on any directory (use as a context manager)."""
    return lambda directory: diskcache.Cache(str(directory), eviction_policy="none")


@pytest.fixture
def raw(store: CacheStore) -> Iterator[diskcache.Cache]:
    """A plain diskcache handle on the same directory: writes bytes (or pickles) behind the store's back."""
    handle = diskcache.Cache(str(store.path), eviction_policy="none")
    yield handle
    handle.close()

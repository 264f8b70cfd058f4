"""Shared test setup: a session isolated from the user (tests/isolation.py: its own HOME, XDG folders and
no LLMHPO_* settings), offline litellm, and `cassette_gateway`, which replays real recorded replies.

`cassette_gateway` is a Gateway in strict REPLAY over a fresh cache holding the cassette
`tests/cassettes/<test-module-stem>.jsonl`: an unrecorded request raises CacheMiss, so no test
of the default suite loads a model or calls anything. To (re-)record, run
`scripts/record_cassettes.py` (or `LLMHPO_RECORD=1 pytest <module>`): the fixture then runs
LIVE on the real models, keeps the recorded replies it already has, and at the end of the
session writes each module's cassette back (old entries plus new ones, sorted).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.isolation import isolate, restore

# Before any test module is imported: what a module reads at import time is already the sandbox's.
_SANDBOX = isolate()
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see harness/cli.py

if TYPE_CHECKING:
    from llmhpo.cache.store import CacheStore
    from llmhpo.gateway import Gateway

CASSETTES = Path(__file__).resolve().parent / "cassettes"
RECORD_ENV = "LLMHPO_RECORD"


def pytest_unconfigure(config: pytest.Config) -> None:
    restore(_SANDBOX)


def recording() -> bool:
    return os.environ.get(RECORD_ENV, "").strip() not in ("", "0", "false", "no")


def cassette_path(test_module: Path) -> Path:
    return CASSETTES / f"{test_module.stem}.jsonl"


@pytest.fixture
def module_cassette(request: pytest.FixtureRequest) -> Path:
    """This test module's cassette (`tests/cassettes/<module-stem>.jsonl`), for a test that seeds a cache
    from it itself (tests/bundle/test_demo_bundle.py)."""
    return cassette_path(Path(str(request.path)))


@pytest.fixture(scope="session")
def recording_replies() -> bool:
    """True when the session re-records the cassettes (LLMHPO_RECORD) instead of replaying them."""
    return recording()


def _open_store(directory: Path, cassette: Path) -> CacheStore:
    from llmhpo.cache.cassette import import_cassette
    from llmhpo.cache.store import CacheStore

    store = CacheStore(directory)
    if cassette.is_file():
        import_cassette(store, cassette)
    return store


@pytest.fixture(scope="session")
def _cassette_recorder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[Path, CacheStore]]:
    """Record mode only: one LIVE store per test module, exported to its cassette at session end."""
    stores: dict[Path, CacheStore] = {}
    yield stores
    from llmhpo.cache.cassette import export_cassette

    for cassette, store in stores.items():
        export_cassette(store, cassette, namespace="llm")
        store.close()


@pytest.fixture
def cassette_gateway(
    request: pytest.FixtureRequest, tmp_path: Path, _cassette_recorder: dict[Path, CacheStore]
) -> Iterator[Gateway]:
    """A Gateway replaying `tests/cassettes/<module>.jsonl` strictly (LIVE + export when recording)."""
    from llmhpo.gateway import Gateway

    cassette = cassette_path(Path(str(request.path)))
    if recording():
        store = _cassette_recorder.get(cassette)
        if store is None:
            directory = request.getfixturevalue("tmp_path_factory").mktemp(f"record-{cassette.stem}")
            store = _cassette_recorder[cassette] = _open_store(directory, cassette)
        with Gateway(cache_dir=store, mode="live", timeout_s=300.0) as gw:
            yield gw
        return
    store = _open_store(tmp_path / "cassette-cache", cassette)
    try:
        with Gateway(cache_dir=store, mode="replay") as gw:
            yield gw
    finally:
        store.close()

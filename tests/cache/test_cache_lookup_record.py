"""The two steps of the read-through policy, each mode's rule asserted on `lookup` and `record` alone
(on a real store): what a mode answers from the cache, what it stores, and that unstorable results
(an empty reply, a crashed evaluation) are never stored."""

from __future__ import annotations

import pytest

from llmhpo.cache.errors import CacheError, CacheMiss
from llmhpo.cache.modes import Mode, lookup, record
from llmhpo.cache.store import CacheStore

REQUEST = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "propose lr"}]}
REPLY = {"text": "lr=0.01", "pair": (1, 2)}  # a tuple: the JSON round trip makes it a list
EMPTY = {"text": "", "pair": (1, 2)}


def test_live_miss_then_stored_then_hit(store: CacheStore) -> None:
    assert lookup(store, Mode.LIVE, "k", request=REQUEST) is None
    used = record(store, Mode.LIVE, "k", REPLY, request=REQUEST)
    assert used == {"text": "lr=0.01", "pair": [1, 2]}  # what a later replay returns
    assert lookup(store, "live", "k") == used
    assert store.get_envelope("k")["request"] == REQUEST


def test_replay_serves_and_a_miss_names_the_fingerprint_and_request(store: CacheStore) -> None:
    store.put("k", {"text": "recorded"})
    assert lookup(store, Mode.REPLAY, "k", summary=lambda: 1 / 0) == {"text": "recorded"}  # summary only on a miss
    with pytest.raises(CacheMiss) as info:
        lookup(store, Mode.REPLAY, "missing-fp", summary=lambda: "user: propose lr", request=REQUEST)
    message = str(info.value)
    assert "missing-fp" in message and "openai/gpt-4o-mini" in message and "user: propose lr" in message
    assert info.value.fingerprint == "missing-fp" and info.value.model == "openai/gpt-4o-mini"
    assert record(store, Mode.REPLAY, "other", REPLY) == {"text": "lr=0.01", "pair": [1, 2]}
    assert store.get("other") is None and store.stats()["entries"] == 1  # REPLAY never writes


def test_record_always_computes_and_overwrites(store: CacheStore) -> None:
    store.put("k", {"text": "old"})
    assert lookup(store, Mode.RECORD, "k") is None  # stored, yet computed again
    record(store, Mode.RECORD, "k", REPLY)
    assert store.get("k") == {"text": "lr=0.01", "pair": [1, 2]}


def test_off_reads_nothing_and_stores_nothing(store: CacheStore) -> None:
    store.put("k", {"text": "cached"})
    assert lookup(store, Mode.OFF, "k") is None and lookup(None, Mode.OFF, "k") is None
    assert record(store, Mode.OFF, "new", REPLY) == {"text": "lr=0.01", "pair": [1, 2]}  # same form as LIVE
    assert record(None, Mode.OFF, "new", REPLY)["pair"] == [1, 2]
    assert store.get("new") is None and store.get("k") == {"text": "cached"}


@pytest.mark.parametrize("mode", [Mode.LIVE, Mode.RECORD, Mode.OFF])
def test_unstorable_results_are_returned_as_given_and_never_stored(store: CacheStore, mode: Mode) -> None:
    store.put("kept", {"text": "previous"})
    for key in ("new", "kept"):
        assert record(store, mode, key, EMPTY, storable=False) is EMPTY  # not even round-tripped
    assert store.get("new") is None
    assert store.get("kept") == {"text": "previous"}  # RECORD keeps the old recording
    assert store.stats()["entries"] == 1


def test_modes_that_use_the_cache_need_a_store(store: CacheStore) -> None:
    for mode in (Mode.LIVE, Mode.REPLAY, Mode.RECORD):
        with pytest.raises(CacheError, match=f"cache mode {mode.value} needs a cache directory"):
            lookup(None, mode, "k")
    for mode in (Mode.LIVE, Mode.RECORD):
        with pytest.raises(CacheError, match="needs a cache directory"):
            record(None, mode, "k", REPLY)
    with pytest.raises(TypeError, match="dict"):
        record(store, Mode.LIVE, "k", "partial text")  # type: ignore[arg-type]
    with pytest.raises(CacheError, match="unknown cache mode"):
        lookup(store, "replya", "k")
    assert store.get("k") is None


def test_namespaces_do_not_answer_for_each_other(store: CacheStore) -> None:
    record(store, Mode.LIVE, "k", REPLY, namespace="eval")
    assert lookup(store, Mode.LIVE, "k", namespace="llm") is None
    assert lookup(store, Mode.REPLAY, "k", namespace="eval") == {"text": "lr=0.01", "pair": [1, 2]}

"""The read-through policy: what each mode reads, computes and stores."""

from __future__ import annotations

import pytest

from llmhpo.cache.errors import CacheError, CacheMiss, CorruptEntry
from llmhpo.cache.modes import Mode, resolve
from llmhpo.cache.store import CacheStore

REQUEST = {"model": "local/smollm2-135m", "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]}


class Counter:
    """A compute() that counts its calls and returns a fresh reply each time."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> dict:
        self.calls += 1
        return {"text": f"reply {self.calls}", "pair": (1, 2)}


def test_parse() -> None:
    assert Mode.parse("REPLAY") is Mode.REPLAY
    assert Mode.parse(" live ") is Mode.LIVE
    assert Mode.parse(Mode.OFF) is Mode.OFF
    assert str(Mode.RECORD) == "record"
    with pytest.raises(CacheError, match="live, replay, record, off"):
        Mode.parse("replya")


def test_live_reads_through(store: CacheStore) -> None:
    compute = Counter()
    first = resolve(store, Mode.LIVE, "k", compute, request=REQUEST)
    second = resolve(store, "live", "k", compute, request=REQUEST)
    assert first == ({"text": "reply 1", "pair": [1, 2]}, False)
    assert second == ({"text": "reply 1", "pair": [1, 2]}, True)  # live result equals its replay
    assert compute.calls == 1
    assert store.get_envelope("k")["request"] == REQUEST


def test_replay_hit_and_strict_miss(store: CacheStore) -> None:
    compute = Counter()
    store.put("k", {"text": "recorded"})
    assert resolve(store, Mode.REPLAY, "k", compute, summary=lambda: 1 / 0) == ({"text": "recorded"}, True)
    with pytest.raises(CacheMiss) as info:
        resolve(store, Mode.REPLAY, "missing-fp", compute, summary=lambda: "user: propose lr", request=REQUEST)
    assert compute.calls == 0
    message = str(info.value)
    assert "missing-fp" in message and "local/smollm2-135m" in message and "user: propose lr" in message
    assert info.value.fingerprint == "missing-fp" and info.value.model == "local/smollm2-135m"
    assert store.get("missing-fp") is None


def test_record_always_computes_and_overwrites(store: CacheStore) -> None:
    compute = Counter()
    store.put("k", {"text": "old"})
    assert resolve(store, Mode.RECORD, "k", compute) == ({"text": "reply 1", "pair": [1, 2]}, False)
    assert resolve(store, Mode.RECORD, "k", compute)[0]["text"] == "reply 2"
    assert store.get("k")["text"] == "reply 2"
    assert compute.calls == 2


def test_off_computes_and_stores_nothing(store: CacheStore) -> None:
    compute = Counter()
    store.put("k", {"text": "cached"})
    assert resolve(store, Mode.OFF, "k", compute) == ({"text": "reply 1", "pair": [1, 2]}, False)
    assert resolve(None, Mode.OFF, "other", compute)[0]["text"] == "reply 2"
    assert store.get("k") == {"text": "cached"} and store.get("other") is None
    assert store.stats()["entries"] == 1


@pytest.mark.parametrize("mode", [Mode.LIVE, Mode.RECORD, Mode.OFF])
def test_failed_compute_stores_nothing(store: CacheStore, mode: Mode) -> None:
    store.put("kept", {"text": "previous"})

    def boom() -> dict:
        raise TimeoutError("provider hung")

    keys = ("new", "kept") if mode is not Mode.LIVE else ("new",)  # LIVE serves "kept" without computing
    for key in keys:
        with pytest.raises(TimeoutError):
            resolve(store, mode, key, boom)
    assert store.get("new") is None
    assert store.get("kept") == {"text": "previous"}  # RECORD keeps the old recording on failure
    assert store.stats()["entries"] == 1


def test_modes_need_a_store_and_a_dict(store: CacheStore) -> None:
    with pytest.raises(CacheError, match="needs a cache directory"):
        resolve(None, Mode.LIVE, "k", Counter())
    with pytest.raises(TypeError, match="dict"):
        resolve(store, Mode.LIVE, "k", lambda: "partial text")  # type: ignore[arg-type, return-value]
    assert store.get("k") is None


def test_corrupt_entry_raises_in_live_and_record_repairs(store: CacheStore, raw) -> None:
    store.put("k", {"text": "good"})
    raw.set("llm/k", b'{"value": "tampered"}')
    compute = Counter()
    for mode in (Mode.LIVE, Mode.REPLAY):
        with pytest.raises(CorruptEntry, match="llm/k"):
            resolve(store, mode, "k", compute)
    assert compute.calls == 0
    assert resolve(store, Mode.RECORD, "k", compute)[0]["text"] == "reply 1"
    assert resolve(store, Mode.REPLAY, "k", compute) == ({"text": "reply 1", "pair": [1, 2]}, True)


def test_eval_namespace_is_independent(store: CacheStore) -> None:
    compute = Counter()
    resolve(store, Mode.LIVE, "k", compute, namespace="eval")
    with pytest.raises(CacheMiss):
        resolve(store, Mode.REPLAY, "k", compute, namespace="llm", summary="eval entry only")
    assert resolve(store, Mode.REPLAY, "k", compute, namespace="eval")[1] is True

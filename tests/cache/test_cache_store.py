"""CacheStore on a real directory: round trips, JSON-only storage, corruption detection, pruning."""

from __future__ import annotations

import json
import os
import pickle
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from llmhpo.cache.errors import CacheError, CacheNotWritable, CorruptEntry
from llmhpo.cache.key import UnhashableValue
from llmhpo.cache.store import CacheStore, envelope_checksum, make_envelope

VALUE = {"text": "lr=0.01", "usage": {"prompt_tokens": 12, "completion_tokens": 5}, "cost_usd": None, "latency_s": 0.25}
REQUEST = {"model": "local/smollm2-135m", "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]}


def test_round_trip_and_envelope(store: CacheStore) -> None:
    assert store.get("k1") is None
    store.put("k1", VALUE, request=REQUEST)
    assert store.get("k1") == VALUE
    env = store.get_envelope("k1")
    assert env["fingerprint"] == "k1" and env["namespace"] == "llm" and env["request"] == REQUEST
    assert env["checksum"] == envelope_checksum(env)
    assert datetime.strptime(env["created_at"], "%Y-%m-%dT%H:%M:%S.%fZ").year >= 2025
    assert env["llmhpo_version"]


def test_reopened_store_sees_entries_and_namespaces_are_separate(store: CacheStore, cache_dir: Path) -> None:
    store.put("same", {"v": 1}, namespace="llm")
    store.put("same", {"v": 2}, namespace="eval")
    store.put("same", {"v": 3}, namespace="llm")  # overwrite
    again = CacheStore(cache_dir)
    assert again.get("same") == {"v": 3}
    assert again.get("same", namespace="eval") == {"v": 2}
    assert again.stats()["namespaces"] == {"eval": 1, "llm": 1}
    assert again.delete("same", "eval") is True
    assert again.delete("same", "eval") is False
    assert store.get("same", namespace="eval") is None


def test_values_are_stored_as_raw_json_never_pickles(store: CacheStore, cache_dir: Path) -> None:
    store.put("small", VALUE)
    store.put("big", {"text": "x" * 100_000})  # above diskcache's 32 KiB threshold: stored as a file
    assert store.get("big") == {"text": "x" * 100_000}
    with sqlite3.connect(cache_dir / "cache.db") as con:
        rows = con.execute("SELECT key, raw, mode, filename, value FROM Cache").fetchall()
    modes = {key: (raw, mode, filename, value) for key, raw, mode, filename, value in rows}
    assert modes["llm/small"][:2] == (1, 1) and json.loads(modes["llm/small"][3])["value"] == VALUE
    assert modes["llm/big"][1] == 2  # MODE_BINARY file, not MODE_PICKLE (4)
    assert json.loads((cache_dir / modes["llm/big"][2]).read_bytes())["fingerprint"] == "big"
    assert all(mode in (1, 2) for _, mode, _, _ in modes.values())


def test_non_json_values_are_refused(store: CacheStore) -> None:
    with pytest.raises(TypeError):
        store.put("k", ["not", "a", "dict"])  # type: ignore[arg-type]
    with pytest.raises(UnhashableValue):
        store.put("k", {"loss": float("nan")})
    with pytest.raises(CacheError, match="namespace"):
        store.put("k", {}, namespace="Bad/NS")
    assert store.stats()["entries"] == 0


def test_garbage_bytes_detected_on_get_and_verify(store: CacheStore, raw) -> None:
    store.put("good", VALUE)
    store.put("bad", VALUE)
    raw.set("llm/bad", b"\x00not json")
    with pytest.raises(CorruptEntry, match="llm/bad"):
        store.get("bad")
    assert store.get("good") == VALUE
    problems = store.verify()
    assert len(problems) == 1 and "llm/bad" in problems[0] and "not valid JSON" in problems[0]


def test_tampered_reply_fails_checksum(store: CacheStore, raw) -> None:
    store.put("k", VALUE)
    env = json.loads(raw.get("llm/k"))
    env["value"]["text"] = "lr=0.99"  # valid JSON, plausible reply, wrong content
    raw.set("llm/k", json.dumps(env).encode())
    with pytest.raises(CorruptEntry, match="checksum mismatch"):
        store.get("k")
    assert any("checksum" in p for p in store.verify())


def test_entry_copied_under_another_key_is_refused(store: CacheStore, raw) -> None:
    store.put("a", VALUE)
    raw.set("llm/b", raw.get("llm/a"))
    with pytest.raises(CorruptEntry, match="holds llm/a"):
        store.get("b")


def test_damaged_file_entry_detected(store: CacheStore, cache_dir: Path) -> None:
    store.put("big", {"text": "y" * 50_000})
    with sqlite3.connect(cache_dir / "cache.db") as con:
        (filename,) = con.execute("SELECT filename FROM Cache WHERE key='llm/big'").fetchone()
    path = cache_dir / filename
    data = bytearray(path.read_bytes())
    data[len(data) // 2] = ord("z")
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptEntry, match="checksum"):
        store.get("big")
    assert store.verify()


class _Exploit:
    """Unpickling this creates a file: proof that a planted pickle was executed."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_planted_pickle_is_never_unpickled(store: CacheStore, raw, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    raw.set("llm/evil", _Exploit(marker))  # a default diskcache handle pickles it
    pickle.dumps(_Exploit(marker))  # sanity: it is picklable (and unpickling would touch marker)
    with pytest.raises(CorruptEntry, match="refusing"):
        store.get("evil")
    assert any("llm/evil" in p for p in store.verify())
    assert not marker.exists()


def test_not_writable_directory_gives_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("I am a file")
    with pytest.raises(CacheNotWritable, match="file.txt is not a directory"):
        CacheStore(blocker / "cache")
    with pytest.raises(CacheNotWritable, match="not a directory"):
        CacheStore(blocker)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_directory_gives_clear_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        with pytest.raises(CacheNotWritable, match="locked"):
            CacheStore(locked / "cache")
        with pytest.raises(CacheNotWritable, match="not writable"):
            CacheStore(locked)
    finally:
        locked.chmod(0o700)


def test_damaged_database_file_is_named(tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    directory.mkdir()
    (directory / "cache.db").write_bytes(b"this is not sqlite " * 20)
    with pytest.raises(CorruptEntry, match="cache.db is not a SQLite database.*llmhpo cache repair"):
        CacheStore(directory)


def _envelope_aged(key: str, namespace: str, days: float) -> dict:
    env = make_envelope(key, namespace, {"k": key}, None)
    env["created_at"] = (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    env["checksum"] = envelope_checksum(env)
    return env


def test_prune_by_age_namespace_and_corruption(store: CacheStore, raw) -> None:
    for key, ns, days in [("old", "llm", 40), ("new", "llm", 1), ("old", "eval", 40), ("new", "eval", 0)]:
        store.put_envelope(_envelope_aged(key, ns, days))
    store.put("broken", VALUE)
    raw.set("llm/broken", b"{}")
    with pytest.raises(CacheError, match="refusing"):
        store.prune()
    assert store.prune(older_than_days=30, namespace="eval") == 1
    assert store.get("old", "eval") is None and store.get("old", "llm") == {"k": "old"}
    assert store.prune(older_than_days=30) == 1
    assert store.get("old", "llm") is None and store.get("new", "llm") == {"k": "new"}
    from llmhpo.cache.repair import repair

    assert repair(store.path).removed == 1
    assert store.verify() == []
    assert store.prune(namespace="eval") == 1
    assert store.stats()["namespaces"] == {"llm": 1}


def test_put_envelope_refuses_bad_checksum(store: CacheStore) -> None:
    env = make_envelope("k", "llm", VALUE, None)
    env["value"] = {"text": "changed"}
    with pytest.raises(CorruptEntry, match="checksum"):
        store.put_envelope(env)
    assert store.get("k") is None


def test_entries_sorted_and_stats(store: CacheStore) -> None:
    for key in ("c", "a", "b"):
        store.put(key, {"k": key}, namespace="eval")
        store.put(key, {"k": key}, namespace="llm")
    order = [(e["namespace"], e["fingerprint"]) for e in store.entries()]
    assert order == sorted(order) and len(order) == 6
    assert [e["fingerprint"] for e in store.entries("llm")] == ["a", "b", "c"]
    stats = store.stats()
    assert stats["entries"] == 6 and stats["bytes"] > 0 and stats["path"] == str(store.path)


def test_threads_share_one_store(store: CacheStore) -> None:
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for i in range(40):
                store.put(f"t{t}-{i}", {"t": t, "i": i})
                assert store.get(f"t{(t + 1) % 4}-0") in (None, {"t": (t + 1) % 4, "i": 0})
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert store.stats()["entries"] == 160
    assert all(store.get(f"t{t}-{i}") == {"t": t, "i": i} for t in range(4) for i in range(40))


def test_no_secret_from_a_request_endpoint_reaches_disk(store: CacheStore, cache_dir: Path) -> None:
    from llmhpo.gateway.types import Message, Request

    secret = "sk-PLANTEDfakeKEY0123456789"
    req = Request(model="openai/gpt-4o-mini", messages=(Message.text("user", "hi"),),
                  api_base=f"https://u:{secret}@api.example.com/v1?api_key={secret}")
    store.put("k", VALUE, request=req.key_view())
    store.close()
    for path in cache_dir.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path

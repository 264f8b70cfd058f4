"""JSONL cassettes: sorted, verified, round-trippable, and refused line by line when damaged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmhpo.cache.cassette import export_cassette, import_cassette, verify_cassette
from llmhpo.cache.errors import CacheError, CorruptEntry
from llmhpo.cache.store import CacheStore


def _fill(store: CacheStore) -> None:
    for key in ("f3", "a1", "c2"):
        store.put(key, {"text": f"reply {key}", "usage": {"prompt_tokens": 3}}, request={"model": "local/x", "k": key})
    store.put("e9", {"loss": 0.25, "status": "ok"}, namespace="eval")


def test_round_trip_into_an_empty_cache(store: CacheStore, tmp_path: Path) -> None:
    _fill(store)
    path = tmp_path / "rec" / "cassette.jsonl"
    assert export_cassette(store, path) == 4
    lines = path.read_text().splitlines()
    keys = [(json.loads(line)["namespace"], json.loads(line)["fingerprint"]) for line in lines]
    assert keys == [("eval", "e9"), ("llm", "a1"), ("llm", "c2"), ("llm", "f3")]
    assert verify_cassette(path) == []

    fresh = CacheStore(tmp_path / "fresh")
    assert import_cassette(fresh, path) == 4
    for env in store.entries():
        assert fresh.get_envelope(env["fingerprint"], env["namespace"]) == env  # same value, request, provenance
    again = tmp_path / "again.jsonl"
    export_cassette(fresh, again)
    assert again.read_bytes() == path.read_bytes()  # byte-identical re-export


def test_export_one_namespace(store: CacheStore, tmp_path: Path) -> None:
    _fill(store)
    assert export_cassette(store, tmp_path / "eval.jsonl", namespace="eval") == 1
    assert json.loads((tmp_path / "eval.jsonl").read_text())["value"] == {"loss": 0.25, "status": "ok"}


def test_corrupt_line_is_refused_with_its_number(store: CacheStore, tmp_path: Path) -> None:
    _fill(store)
    path = tmp_path / "c.jsonl"
    export_cassette(store, path)
    lines = path.read_text().splitlines()
    env = json.loads(lines[2])
    env["value"]["text"] = "edited by hand"
    lines[2] = json.dumps(env)
    path.write_text("\n".join(lines) + "\n")
    fresh = CacheStore(tmp_path / "fresh")
    with pytest.raises(CorruptEntry, match=r"line 3: checksum mismatch.*nothing was imported"):
        import_cassette(fresh, path)
    assert fresh.stats()["entries"] == 0  # all or nothing
    problems = verify_cassette(path)
    assert len(problems) == 1 and problems[0].startswith(f"{path}:3:")


def test_verify_finds_every_kind_of_problem(store: CacheStore, tmp_path: Path) -> None:
    _fill(store)
    path = tmp_path / "c.jsonl"
    export_cassette(store, path)
    lines = path.read_text().splitlines()
    bad = [lines[1], lines[0], lines[0], "{not json", json.dumps({"fingerprint": "x"})]
    path.write_text("\n".join(bad) + "\n")
    problems = verify_cassette(path)
    assert any(":2: entries are not sorted" in p for p in problems)
    assert any(":3: duplicate entry eval/e9" in p for p in problems)
    assert any(":4: not valid JSON" in p for p in problems)
    assert any(":5: entry lacks field(s)" in p for p in problems)
    with pytest.raises(CacheError, match="does not exist"):
        verify_cassette(tmp_path / "missing.jsonl")


def test_secrets_and_inline_images_never_leave_in_a_cassette(store: CacheStore, tmp_path: Path) -> None:
    store.put("leak", {"text": "use key sk-proj-abcdefghijklmnopqrstuvwxyz123"})
    with pytest.raises(CacheError, match="looks like an API key"):
        export_cassette(store, tmp_path / "leak.jsonl")
    assert not (tmp_path / "leak.jsonl").exists()
    store.delete("leak")
    store.put("img", {"text": "ok"}, request={"messages": [{"image": "data:image/png;base64,iVBORw0KGgo="}]})
    with pytest.raises(CacheError, match="inline image"):
        export_cassette(store, tmp_path / "img.jsonl")

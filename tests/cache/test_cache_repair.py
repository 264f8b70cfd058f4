"""Cache damage, each case with `verify` (exit 1), `repair`/`prune --corrupt` (nothing readable lost,
a backup first) and a strict replay of a real campaign recorded into that cache.

Damage is done to real files: the index (cache.db) zeroed or cut in half, index rows dropped while
their value files stay (diskcache keeps values of 32 KiB or more in files), an entry rewritten
under another request's fingerprint with a recomputed checksum.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from llmhpo.cache.errors import CorruptEntry
from llmhpo.cache.key import fingerprint
from llmhpo.cache.store import CacheStore, envelope_checksum
from llmhpo.harness.cli import main

SPEC = 'name = "rec"\nbudget = 4\nseeds = 1\nbenchmarks = ["toy/branin"]\n[[optimizers]]\nname = "random"\n'
BIG = {"text": "y" * 60_000, "finish_reason": "stop"}  # kept in its own value file


@pytest.fixture
def recorded(tmp_path: Path, capsys) -> Path:
    """A real campaign recorded into tmp/c, an export of that cache at tmp/export.jsonl, and two large
    LLM-shaped entries (real fingerprints of their requests) living in value files."""
    (tmp_path / "spec.toml").write_text(SPEC)
    assert main(["run", str(tmp_path / "spec.toml"), "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "c"),
                 "--workers", "1"]) == 0
    with CacheStore(tmp_path / "c") as store:
        for n in range(2):
            request = {"model": "local/x", "messages": [{"role": "user", "content": f"q{n}"}]}
            store.put(fingerprint(request), BIG, "llm", request=request)
    assert main(["cache", "export", str(tmp_path / "export.jsonl"), "--cache", str(tmp_path / "c")]) == 0
    capsys.readouterr()
    return tmp_path


def _verify(tmp: Path, capsys) -> tuple[int, str]:
    code = main(["cache", "verify", "--cache", str(tmp / "c")])
    return code, capsys.readouterr().out


def _replay(tmp: Path, capsys) -> tuple[int, str]:
    code = main(["replay", str(tmp / "out" / "rec"), "--cache", str(tmp / "c")])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _entries(tmp: Path) -> dict[str, str]:
    with CacheStore(tmp / "c") as store:
        return {f"{e['namespace']}/{e['fingerprint']}": e["checksum"] for e in store.entries()}


def _backups(tmp: Path) -> list[Path]:
    return sorted(tmp.glob("c.backup-*.jsonl"))


def test_an_intact_cache_verifies_and_replays(recorded: Path, capsys) -> None:
    assert _verify(recorded, capsys) == (0, f"cache {recorded / 'c'}: ok\n")
    assert _replay(recorded, capsys)[0] == 0
    assert main(["cache", "repair", "--cache", str(recorded / "c")]) == 0
    assert not _backups(recorded) and "kept 6 entries" in capsys.readouterr().out  # nothing to do, nothing written


def test_zeroed_index_is_damage_not_an_empty_cache(recorded: Path, capsys) -> None:
    before = _entries(recorded)
    (recorded / "c" / "cache.db").write_bytes(b"")
    for extra in ("cache.db-wal", "cache.db-shm"):
        (recorded / "c" / extra).unlink(missing_ok=True)
    code, out = _verify(recorded, capsys)
    assert code == 1 and "is empty (0 bytes)" in out and out.count("lost recording:") == 2
    assert main(["cache", "stats", "--cache", str(recorded / "c")]) == 1  # damage, not a usage error
    assert "cache repair" in capsys.readouterr().err
    # a live run refuses to start over a forgotten cache (it would pay for every call again)
    run = main(["run", str(recorded / "spec.toml"), "--out", str(recorded / "out2"), "--cache", str(recorded / "c"),
                "--workers", "1"])
    assert run == 2 and "llmhpo cache repair" in capsys.readouterr().err
    # the in-index entries are gone with it: repair restores the value files, and the export restores the rest
    assert main(["cache", "repair", "--cache", str(recorded / "c"), "--from", str(recorded / "export.jsonl")]) == 0
    out = capsys.readouterr().out
    assert "backup of every readable recording" in out and _backups(recorded)
    assert _entries(recorded) == before
    assert _verify(recorded, capsys)[0] == 0
    assert _replay(recorded, capsys)[0] == 0
    (damaged,) = recorded.glob("c.lost+found/*/cache.db")  # the damaged index is kept aside, not deleted
    assert damaged.stat().st_size == 0


def test_half_index_is_found_and_rebuilt(recorded: Path, capsys) -> None:
    before = _entries(recorded)
    db = recorded / "c" / "cache.db"
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])
    code, out = _verify(recorded, capsys)
    assert code == 1 and "is truncated" in out  # exit 1 (damage), not 2 (a usage error)
    assert main(["cache", "verify", "--repair", "--cache", str(recorded / "c")]) == 0  # rows + value files
    capsys.readouterr()
    assert set(_entries(recorded)) >= {k for k in before if k.startswith("llm/")}
    assert main(["cache", "repair", "--cache", str(recorded / "c"), "--from", str(_backups(recorded)[0]),
                 "--from", str(recorded / "export.jsonl")]) == 0
    capsys.readouterr()
    assert _entries(recorded) == before
    assert _replay(recorded, capsys)[0] == 0


def test_value_files_the_index_lost_are_reindexed_never_deleted(recorded: Path, capsys) -> None:
    before = _entries(recorded)
    files = sorted((recorded / "c").rglob("*.val"))
    assert len(files) == 2
    with sqlite3.connect(recorded / "c" / "cache.db") as con:
        con.execute("DELETE FROM Cache WHERE filename IS NOT NULL")
    code, out = _verify(recorded, capsys)
    assert code == 1 and out.count("lost recording:") == 2 and "fix: llmhpo cache repair" in out
    assert main(["cache", "prune", "--corrupt", "--cache", str(recorded / "c")]) == 0
    out = capsys.readouterr().out
    assert "restored 2" in out
    assert _entries(recorded) == before
    with CacheStore(recorded / "c") as store:
        assert all(store.get(k.split("/")[1], "llm") == BIG for k in before if k.startswith("llm/"))
    assert _verify(recorded, capsys)[0] == 0
    assert _replay(recorded, capsys)[0] == 0
    (backup,) = _backups(recorded)  # the lost recordings were exported before the index was touched
    assert sum(1 for line in backup.read_text().splitlines() if '"namespace":"llm"' in line) == 2


def _forged(recorded: Path) -> tuple[str, dict]:
    """The first eval entry rewritten with the second's request and value, checksum recomputed."""
    with CacheStore(recorded / "c") as store:
        first, second = list(store.entries("eval"))[:2]
    forged = {**second, "fingerprint": first["fingerprint"]}
    forged["checksum"] = envelope_checksum(forged)
    return first["fingerprint"], forged


def test_an_entry_under_another_requests_fingerprint_is_found_refused_and_repaired(recorded: Path, capsys) -> None:
    before = _entries(recorded)
    key, forged = _forged(recorded)
    line = json.dumps(forged, sort_keys=True, separators=(",", ":")) + "\n"
    (recorded / "forged.jsonl").write_text(line)
    assert main(["cache", "import", str(recorded / "forged.jsonl"), "--cache", str(recorded / "c")]) == 2
    assert "does not match the request" in capsys.readouterr().err
    assert main(["cache", "verify", str(recorded / "forged.jsonl")]) == 1
    with CacheStore(recorded / "c") as store, pytest.raises(CorruptEntry, match="does not match the request"):
        store.put_envelope(forged)
    with sqlite3.connect(recorded / "c" / "cache.db") as con:  # written behind the store's back
        con.execute("UPDATE Cache SET value = ? WHERE key = ?", (line.strip().encode(), f"eval/{key}"))
    code, out = _verify(recorded, capsys)
    assert code == 1 and f"eval/{key}" in out and "does not match the request" in out
    assert main(["cache", "repair", "--cache", str(recorded / "c")]) == 0
    capsys.readouterr()
    assert f"eval/{key}" not in _entries(recorded)
    (kept,) = recorded.glob(f"c.lost+found/*/entries/eval-{key}.json")  # its bytes are kept aside
    assert json.loads(kept.read_text())["fingerprint"] == key
    code, text = _replay(recorded, capsys)
    assert code != 0 and "Traceback" not in text  # a strict replay misses it, and says so
    assert main(["cache", "repair", "--cache", str(recorded / "c"), "--from", str(recorded / "export.jsonl")]) == 0
    capsys.readouterr()
    assert _entries(recorded) == before
    assert _replay(recorded, capsys)[0] == 0


def test_prune_by_age_backs_up_what_it_deletes(recorded: Path, capsys) -> None:
    before = _entries(recorded)
    assert main(["cache", "prune", "--namespace", "eval", "--cache", str(recorded / "c")]) == 0
    out = capsys.readouterr().out
    (saved,) = recorded.glob("c.pruned-*.jsonl")
    assert str(saved) in out and len(saved.read_text().splitlines()) == 4
    assert main(["cache", "import", str(saved), "--cache", str(recorded / "c")]) == 0
    assert _entries(recorded) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_repair_changes_nothing_when_its_backup_cannot_be_written(recorded: Path, capsys) -> None:
    (recorded / "c" / "cache.db").write_bytes(b"")
    recorded.chmod(0o555)
    try:
        assert main(["cache", "repair", "--cache", str(recorded / "c")]) == 2
    finally:
        recorded.chmod(0o755)
    assert "nothing was changed" in capsys.readouterr().err
    assert (recorded / "c" / "cache.db").stat().st_size == 0


def test_import_saves_the_entries_it_replaces(recorded: Path, capsys) -> None:
    with CacheStore(recorded / "c") as store:
        old = next(iter(store.entries("eval")))
    newer = {**old, "value": {**old["value"], "cost_s": 123.0}}
    newer["checksum"] = envelope_checksum(newer)
    (recorded / "newer.jsonl").write_text(json.dumps(newer, sort_keys=True, separators=(",", ":")) + "\n")
    assert main(["cache", "import", str(recorded / "newer.jsonl"), "--cache", str(recorded / "c")]) == 0
    (saved,) = recorded.glob("c.replaced-*.jsonl")
    assert str(saved) in capsys.readouterr().out
    assert [json.loads(line) for line in saved.read_text().splitlines()] == [old]


def test_rows_a_cut_index_can_no_longer_reach_are_salvaged_from_its_bytes(tmp_path: Path, capsys) -> None:
    """Losing the last pages of cache.db loses interior pages too: SQLite then reads no row at all,
    but each envelope still verifies itself, so repair finds them in the raw bytes."""
    with CacheStore(tmp_path / "c") as store:
        for i in range(300):
            request = {"benchmark": "toy/branin", "config": {"x1": i}, "seed": 0}
            store.put(fingerprint(request, namespace="eval"), {"loss": float(i)}, "eval", request=request)
    before = _entries(tmp_path)
    db = tmp_path / "c" / "cache.db"
    with db.open("r+b") as fh:
        fh.truncate(db.stat().st_size - 3 * 4096)
    assert _verify(tmp_path, capsys)[0] == 1
    assert main(["cache", "repair", "--cache", str(tmp_path / "c")]) == 0
    capsys.readouterr()
    after = _entries(tmp_path)
    # all but the rows that were on the pages cut off (about 4 per page here), each exactly as recorded
    assert len(after) >= 300 - 3 * 5 and all(before[k] == v for k, v in after.items())

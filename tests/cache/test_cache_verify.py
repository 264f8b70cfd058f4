"""`cache verify` reports every problem, with the entry and the fix; `prune --corrupt` fixes them.

Damage is done to real files on disk: a large entry's value file deleted (diskcache keeps values
over 32 KiB in files), a stray file, an entry rewritten behind the store's back.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from llmhpo.cache.errors import CorruptEntry
from llmhpo.cache.modes import Mode, resolve
from llmhpo.cache.store import CacheStore
from llmhpo.harness.cli import main

BIG = {"text": "x" * 100_000, "finish_reason": "stop"}  # stored in its own value file


def _value_files(directory: Path) -> list[Path]:
    return sorted(directory.rglob("*.val"))


def _damaged(directory: Path, raw_dir_handle) -> None:
    with CacheStore(directory) as store:
        store.put("big1", BIG)
        store.put("small1", {"text": "fine"})
        store.put("small2", {"text": "two"})
    (value_file,) = _value_files(directory)
    value_file.unlink()
    (directory / "ab").mkdir(exist_ok=True)
    (directory / "ab" / "stray.val").write_bytes(b"left behind")
    with raw_dir_handle(directory) as raw:
        raw.set("llm/small2", b'{"checksum":"' + b"0" * 64 + b'","fingerprint":"small2"}')


def test_missing_value_file_is_corruption_not_a_silent_miss(tmp_path: Path) -> None:
    with CacheStore(tmp_path / "c") as store:
        store.put("big1", BIG)
        _value_files(tmp_path / "c")[0].unlink()
        with pytest.raises(CorruptEntry, match="llm/big1.*value file .* is missing"):
            store.get("big1")
        # the read-through policy does not quietly re-ask (and overwrite) a damaged recording
        with pytest.raises(CorruptEntry):
            resolve(store, Mode.LIVE, "big1", lambda: {"text": "new"})


def test_verify_reports_every_problem_with_entry_and_fix(tmp_path: Path, raw_dir_handle, capsys) -> None:
    directory = tmp_path / "c"
    _damaged(directory, raw_dir_handle)
    assert main(["cache", "verify", "--cache", str(directory)]) == 1
    out = capsys.readouterr().out
    assert "llm/big1" in out and "missing" in out  # the entry whose value file is gone
    assert "llm/small2" in out  # the rewritten entry
    assert "unknown file" in out and "stray.val" in out  # what only diskcache's check() sees
    assert "llm/small1" not in out
    assert "fix: llmhpo cache repair" in out
    assert main(["cache", "prune", "--corrupt", "--cache", str(directory)]) == 0
    assert "removed 2 unreadable entries" in capsys.readouterr().out
    assert main(["cache", "verify", "--cache", str(directory)]) == 0
    with CacheStore(directory) as store:
        assert store.get("small1") == {"text": "fine"} and store.get("big1") is None
    assert not (directory / "ab" / "stray.val").exists()  # moved aside, not deleted:
    (kept,) = tmp_path.glob("c.lost+found/*/ab/stray.val")
    assert kept.read_bytes() == b"left behind"

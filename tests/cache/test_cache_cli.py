"""`llmhpo cache ...` through harness.cli.main: output and exit codes (0 ok, 1 problems, 2 user error)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmhpo.cache.store import CacheStore
from llmhpo.harness.cli import main


def _filled(directory: Path) -> CacheStore:
    store = CacheStore(directory)
    store.put("a1", {"text": "one"}, request={"model": "local/smollm2-135m"})
    store.put("b2", {"text": "two"})
    store.put("e1", {"loss": 0.5}, namespace="eval")
    return store


def test_stats_text_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _filled(tmp_path / "c")
    assert main(["cache", "stats", "--cache", str(tmp_path / "c")]) == 0
    out = capsys.readouterr().out
    assert "entries: 3" in out and "llm: 2" in out and "eval: 1" in out
    assert main(["cache", "--cache", str(tmp_path / "c"), "stats", "--json"]) == 0  # --cache before the action
    info = json.loads(capsys.readouterr().out)
    assert info["namespaces"] == {"eval": 1, "llm": 2} and info["path"] == str(tmp_path / "c")


def test_default_directory_comes_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LLMHPO_CACHE", str(tmp_path / "envcache"))
    assert main(["cache", "stats"]) == 0
    assert "does not exist yet" in capsys.readouterr().out
    _filled(tmp_path / "envcache")
    assert main(["cache", "stats"]) == 0
    assert "entries: 3" in capsys.readouterr().out


def test_export_import_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _filled(tmp_path / "c")
    cassette = tmp_path / "rec.jsonl"
    assert main(["cache", "export", str(cassette), "--cache", str(tmp_path / "c"), "--namespace", "llm"]) == 0
    assert "exported 2 entries" in capsys.readouterr().out
    assert main(["cache", "verify", str(cassette)]) == 0
    assert main(["cache", "import", str(cassette), "--cache", str(tmp_path / "fresh")]) == 0
    fresh = CacheStore(tmp_path / "fresh")
    assert fresh.get("a1") == {"text": "one"} and fresh.get("e1", "eval") is None


def test_verify_exit_codes(tmp_path: Path, raw_dir_handle, capsys: pytest.CaptureFixture[str]) -> None:
    directory = tmp_path / "c"
    _filled(directory).close()
    assert main(["cache", "verify", "--cache", str(directory)]) == 0
    assert "ok" in capsys.readouterr().out
    with raw_dir_handle(directory) as raw:
        raw.set("llm/b2", b'{"broken": true}')
    assert main(["cache", "verify", "--cache", str(directory)]) == 1
    out = capsys.readouterr().out
    assert "llm/b2" in out and "1 problem(s)" in out
    assert main(["cache", "prune", "--corrupt", "--cache", str(directory)]) == 0
    out = capsys.readouterr().out
    assert "removed 1 unreadable entries" in out and ".backup-" in out  # backed up before the change
    assert main(["cache", "verify", "--cache", str(directory)]) == 0


def test_user_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    (tmp_path / "x.jsonl").write_text("")  # the cassette exists; the cache directory cannot
    assert main(["cache", "import", str(tmp_path / "x.jsonl"), "--cache", str(blocker / "c")]) == 2
    assert "is not a directory" in capsys.readouterr().err
    assert main(["cache", "verify", "--cache", str(tmp_path / "typo")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "typo").exists()
    _filled(tmp_path / "c")
    assert main(["cache", "prune", "--cache", str(tmp_path / "c")]) == 2
    assert "--older-than" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n")
    assert main(["cache", "import", str(bad), "--cache", str(tmp_path / "c")]) == 2
    assert "line 1" in capsys.readouterr().err
    assert main(["cache", "verify", str(bad)]) == 1


def test_prune_by_namespace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _filled(tmp_path / "c")
    assert main(["cache", "prune", "--namespace", "eval", "--cache", str(tmp_path / "c")]) == 0
    assert main(["cache", "prune", "--older-than", "1", "--cache", str(tmp_path / "c")]) == 0
    assert "removed 0 entries" in capsys.readouterr().out.splitlines()[-1]
    assert CacheStore(tmp_path / "c").stats()["namespaces"] == {"llm": 2}

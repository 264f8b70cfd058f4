"""Journal: fsynced lines, torn last line dropped, orphan transcripts dropped, spec-hash guard."""

from __future__ import annotations

import json

import pytest

from harness.errors import UserError
from harness.journal import Journal, read_jsonl


def _manifest(spec_hash: str = "a" * 64) -> dict:
    return {"campaign": "c", "spec_hash": spec_hash, "created_at": "2026-01-01T00:00:00+00:00", "runs": [],
            "live_wall_s": None}


def _trial(run_id: str, index: int) -> dict:
    return {"run_id": run_id, "index": index, "config": {"x": index}, "loss": 1.0 / (index + 1)}


def test_append_reopen_and_torn_last_line(tmp_path):
    j = Journal.open(tmp_path, _manifest())
    j.append(_trial("r", 0), {"prompt": "p0"})
    j.append(_trial("r", 1), None)
    j.close()
    with (tmp_path / "trials.jsonl").open("a") as fh:  # a kill in the middle of a write
        fh.write('{"run_id": "r", "index": 2, "conf')
    j = Journal.open(tmp_path, _manifest())
    assert sorted(j.finished["r"]) == [0, 1]
    assert any("torn" in n for n in j.notes)
    j.append(_trial("r", 2), None)
    j.close()
    rows, torn = read_jsonl(tmp_path / "trials.jsonl")
    assert [r["index"] for r in rows] == [0, 1, 2] and not torn


def test_complete_json_without_newline_is_torn(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"a": 1}\n{"a": 2}')
    rows, torn = read_jsonl(path, repair=True)
    assert rows == [{"a": 1}] and torn and path.read_text() == '{"a": 1}\n'


def test_corrupt_line_in_the_middle_is_an_error(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"a": 1}\nnot json\n{"a": 2}\n')
    with pytest.raises(UserError, match="line 2 is corrupt"):
        read_jsonl(path)


def test_orphan_transcript_line_is_dropped(tmp_path):
    j = Journal.open(tmp_path, _manifest())
    j.append(_trial("r", 0), {"prompt": "p0"})
    j.close()
    # killed after the transcript line of trial 1 but before its trial line
    with (tmp_path / "transcripts" / "r.jsonl").open("a") as fh:
        fh.write(json.dumps({"run_id": "r", "index": 1, "transcript": {}}) + "\n")
    j = Journal.open(tmp_path, _manifest())
    j.append(_trial("r", 1), {"prompt": "p1"})
    j.close()
    lines = [json.loads(x) for x in (tmp_path / "transcripts" / "r.jsonl").read_text().splitlines()]
    assert [x["index"] for x in lines] == [0, 1] and lines[1]["transcript"] == {"prompt": "p1"}


def test_different_spec_hash_is_refused(tmp_path):
    Journal.open(tmp_path, _manifest("a" * 64)).close()
    with pytest.raises(UserError, match="different spec.*new --out"):
        Journal.open(tmp_path, _manifest("b" * 64))

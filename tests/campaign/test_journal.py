"""Journal: fsynced lines, torn last line dropped, orphan transcripts dropped, spec-hash guard."""

from __future__ import annotations

import json

import pytest

from llmhpo.harness.errors import UserError
from llmhpo.harness.journal.files import Journal, read_trials
from llmhpo.harness.journal.jsonl import read_jsonl
from llmhpo.harness.journal.trial import Trial


def _manifest(spec_hash: str = "a" * 64) -> dict:
    return {"campaign": "c", "spec_hash": spec_hash, "created_at": "2026-01-01T00:00:00+00:00", "runs": [],
            "live_wall_s": None}


def _trial(run_id: str, index: int) -> Trial:
    return Trial(run_id=run_id, index=index, benchmark="toy/branin", optimizer="random", optimizer_name="random",
                 model=None, seed=0, budget=3, config={"x": index}, loss=1.0 / (index + 1), test_loss=None)


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


# A trials.jsonl line exactly as the campaign wrote it before the typed record (key order included).
LEGACY_LINE = (
    '{"run_id":"llm-0","index":3,"benchmark":"toy/branin","optimizer":"llm@m","optimizer_name":"llm","model":"m",'
    '"seed":0,"budget":6,"config":{"x1":1.5,"x2":2.0},"loss":3.25,"test_loss":3.25,"status":"ok","error":null,'
    '"eval_cost_s":0.0012,"eval_cache_hit":false,"wall_s":0.5,"source":"llm",'
    '"parse":{"outcome":"repaired","repairs":["x1 clipped"],"attempts":1},'
    '"llm":{"calls":2,"cache_hits":1,"prompt_tokens":120,"completion_tokens":30,"failures":1,"cost_usd":null,'
    '"would_have_cost_usd":null},"transcript_ref":"transcripts/llm-0.jsonl#3"}'
)


def test_trial_row_round_trips_byte_for_byte():
    trial = Trial.from_row(json.loads(LEGACY_LINE))
    assert trial.llm["calls"] == 2 and trial.parse["outcome"] == "repaired" and trial.seed == 0
    assert json.dumps(trial.to_row(), separators=(",", ":"), allow_nan=False) == LEGACY_LINE


def test_trial_reads_an_old_row_with_only_the_required_fields(tmp_path):
    old = {"run_id": "r", "index": "2", "benchmark": "toy/branin", "optimizer": "tpe", "loss": 1}
    trial = Trial.from_row(old)
    assert (trial.index, trial.optimizer_name, trial.status, trial.loss, trial.llm, trial.config) == (2, "tpe", "ok", 1.0, None, {})
    with pytest.raises(UserError, match=r"r#2 lacks benchmark"):
        Trial.from_row({k: v for k, v in old.items() if k != "benchmark"}, "trials.jsonl")


def test_journal_writes_and_reads_trials(tmp_path):
    j = Journal.open(tmp_path, _manifest())
    j.append(_trial("r", 0), None)
    j.close()
    assert read_trials(tmp_path) == [_trial("r", 0)]
    assert Journal.open(tmp_path, _manifest()).finished["r"][0] == _trial("r", 0)

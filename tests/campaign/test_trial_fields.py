"""The Trial record's fields are its one schema: rows keep their bytes, old rows load, and replay,
the journal writer and the report take what they need from the field metadata (harness.journal.trial)."""

from __future__ import annotations

import json
import shutil
from dataclasses import fields
from pathlib import Path

from llmhpo.harness.campaign.recording import differences
from llmhpo.harness.journal.files import TRIALS, Journal, read_trials
from llmhpo.harness.journal.jsonl import jsonl_line
from llmhpo.harness.journal.trial import (
    COMPARED_FIELDS,
    FIELD_NAMES,
    RUN_FIELDS,
    WHEN_SET_FIELDS,
    Trial,
    first_wins,
)
from llmhpo.harness.report.load import RUN_COLUMNS, TRIAL_COLUMNS, _flatten_trial, load_results
from llmhpo.harness.spec.campaign_spec import RunSpec

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "campaigns"

# Written by the code before the split (main 0af3683, harness/journal/files.py), copied here byte for byte.
TODAY_LLM_ROW = (
    '{"run_id":"toy-branin.llm.b4.s1","index":2,"benchmark":"toy/branin","optimizer":"llm","optimizer_name":"llm",'
    '"model":"qwen","seed":1,"budget":4,"config":{"x1":0.5,"x2":-3.25},"loss":1.5,"test_loss":1.75,"status":"ok",'
    '"error":null,"eval_cost_s":0.125,"eval_cache_hit":true,"wall_s":0.5,"source":"llm",'
    '"parse":{"outcome":"reasked","repairs":[],"attempts":2},"llm":{"calls":2,"cache_hits":2,"prompt_tokens":300,'
    '"completion_tokens":40,"failures":1,"cost_usd":0.0,"would_have_cost_usd":0.001},'
    '"transcript_ref":"transcripts/toy-branin.llm.b4.s1.jsonl#2","provenance":"reasked"}\n'
)
TODAY_CRASHED_ROW = (
    '{"run_id":"r","index":0,"benchmark":"toy/branin","optimizer":"random","optimizer_name":"random","model":null,'
    '"seed":0,"budget":4,"config":{"x1":1},"loss":null,"test_loss":null,"status":"crashed","error":"ValueError: boom",'
    '"eval_cost_s":0.0,"eval_cache_hit":false,"wall_s":0.0,"source":"random","parse":null,"llm":null,'
    '"transcript_ref":null}\n'
)


def test_rows_written_today_round_trip_byte_for_byte() -> None:
    for line in (TODAY_LLM_ROW, TODAY_CRASHED_ROW):
        assert jsonl_line(Trial.from_row(json.loads(line)).to_row()) == line


def test_every_recorded_fixture_row_keeps_its_bytes() -> None:
    lines = [line + "\n" for name in ("wire-r1", "wire-repeat-r1")
             for line in (FIXTURES / name / TRIALS).read_text().splitlines()]
    assert len(lines) > 100
    assert [jsonl_line(Trial.from_row(json.loads(line)).to_row()) for line in lines] == lines


def test_an_old_row_without_the_newer_fields_loads_with_their_defaults() -> None:
    old = {"run_id": "r", "index": "1", "benchmark": "toy/branin", "optimizer": "tpe", "loss": "0.5",
           "optimizer_name": "", "status": None, "config": None, "seed": "3", "eval_cache_hit": 1}
    trial = Trial.from_row(old)
    assert (trial.index, trial.loss, trial.seed, trial.budget) == (1, 0.5, 3, 0)
    assert (trial.optimizer_name, trial.status, trial.config, trial.eval_cache_hit) == ("tpe", "ok", {}, True)
    assert (trial.parse, trial.llm, trial.transcript_ref, trial.provenance, trial.test_loss) == (None,) * 5
    assert "provenance" not in trial.to_row() and list(trial.to_row()) == [n for n in FIELD_NAMES if n != "provenance"]
    assert Trial.from_row({**old, "seed": 0}).config is not Trial.from_row(old).config  # no shared default


def test_field_metadata_names_what_replay_compares_and_what_is_written_when_set() -> None:
    assert COMPARED_FIELDS == ("config", "loss", "test_loss", "status", "source", "provenance")
    assert WHEN_SET_FIELDS == {"provenance"}
    journaled = Trial.from_row(json.loads(TODAY_LLM_ROW))
    replayed = Trial(**{**{f.name: getattr(journaled, f.name) for f in fields(Trial)}, "wall_s": 9.0, "provenance": "model"})
    assert differences(replayed, journaled, "w") == ["w: provenance 'model' != journaled 'reasked'"]  # timings ignored
    older = Trial(**{**{f.name: getattr(journaled, f.name) for f in fields(Trial)}, "provenance": None})
    assert differences(replayed, older, "w") == []  # nothing journaled to compare


def test_a_trial_repeats_the_fields_of_its_run() -> None:
    assert RUN_FIELDS == ("run_id", "benchmark", "optimizer", "optimizer_name", "model", "seed", "budget")
    assert set(RUN_FIELDS) <= {f.name for f in fields(RunSpec)} and RUN_COLUMNS == list(RUN_FIELDS)


def test_report_columns_follow_the_fields() -> None:
    trial = Trial.from_row(json.loads(TODAY_LLM_ROW))
    row = _flatten_trial(trial)
    assert list(row) == TRIAL_COLUMNS
    plain = [n for n in FIELD_NAMES if n not in ("parse", "llm", "transcript_ref")]
    assert [c for c in TRIAL_COLUMNS if c in plain] == plain  # one column per plain field, in field order
    assert (row["parse_outcome"], row["parse_attempts"], row["llm_calls"], row["has_llm"], row["provenance"]) == (
        "reasked", 2, 2, True, "reasked")


def test_first_wins_is_the_one_duplicate_rule(tmp_path: Path) -> None:
    assert first_wins([("a", 1), ("b", 2), ("a", 3)], lambda x: x[0]) == ([("a", 1), ("b", 2)], [("a", 3)])
    directory = tmp_path / "results" / "wire-r1"
    shutil.copytree(FIXTURES / "wire-r1", directory)
    lines = (directory / TRIALS).read_text().splitlines(keepends=True)
    first = json.loads(lines[0])
    again = jsonl_line({**first, "loss": 99.0})
    (directory / TRIALS).write_text("".join(lines) + again)
    results = load_results(directory)
    assert "trials.jsonl: ignored 1 duplicated trial line(s)" in results.notes
    mine = results.trials[(results.trials.run_id == first["run_id"]) & (results.trials["index"] == first["index"])]
    assert list(mine["loss"]) == [first["loss"]]
    journal = Journal.open(directory, json.loads((directory / "manifest.json").read_text()))
    journal.close()
    assert journal.finished[first["run_id"]][first["index"]].loss == first["loss"]
    assert journal.notes == [f"trials.jsonl: ignored a duplicated trial {first['run_id']}#{first['index']}"]
    assert len(read_trials(directory)) == len(lines) + 1  # the file itself is left as it was

"""The typed transcript records (harness/optimizers/transcript.py) keep the journal byte for byte.

Every transcript line recorded under tests/ (fixture campaigns of older versions included) and every
line of a campaign recorded now (re-asks, a failed attempt, a repeat re-asked and one perturbed, a
random fallback, llm-tpe's narrowing calls, one of them failed) reads into the records and writes
back to the same bytes; older rows without newer keys load; an unknown outcome word is refused
with a message naming it. Real HTTP: the scripted OpenAI-compatible server of tests/servers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmhpo.cache.modes import Mode
from llmhpo.harness import optimizers
from llmhpo.harness.benchmarks import load
from llmhpo.harness.campaign.driver import Driver, RunState
from llmhpo.harness.campaign.executor import SerialExecutor
from llmhpo.harness.campaign.recording import parse_summary
from llmhpo.harness.journal.files import Journal
from llmhpo.harness.journal.jsonl import jsonl_line
from llmhpo.harness.journal.provenance import Provenance, of_transcript
from llmhpo.harness.optimizers.transcript import Attempt, Outcome, TellCall, Transcript
from llmhpo.harness.spec.campaign_spec import RunSpec
from llmhpo.harness.usage import trial_usage
from tests.optimizers.conftest import VISION_MODEL
from tests.servers.base import Behaviour

TESTS = Path(__file__).resolve().parents[1]
RECORDED = sorted(TESTS.glob("**/transcripts/*.jsonl"))


def cfg(x1: float, x2: float) -> str:
    return json.dumps({"x1": x1, "x2": x2})


def round_trip(path: Path) -> list[Transcript]:
    """Each line of a transcripts file read into records and written back: the same bytes."""
    records = []
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        row = json.loads(line)
        record = Transcript.from_json(row["transcript"])
        assert jsonl_line({**row, "transcript": record.to_json()}) == line, f"{path.name}#{row['index']}"
        records.append(record)
    return records


def test_every_recorded_transcript_line_round_trips_byte_for_byte() -> None:
    assert len(RECORDED) >= 18  # wire-r1, wire-repeat-r1 and the old multimodal bundle
    records = [r for path in RECORDED for r in round_trip(path)]
    assert len(records) >= 107
    assert all(r.asked and r.attempts and r.totals for r in records)
    resolved = {r.duplicate.resolved_by for r in records if r.duplicate is not None}
    assert resolved == {Outcome.PERTURB}  # wire-repeat-r1: a model that repeats itself when re-asked too
    assert all(a.usage is not None and a.parse is not None for r in records for a in r.attempts)


def _drive(journal: Journal, run: RunSpec, optimizer: object, gateway: object) -> None:
    Driver([RunState(run, load(run.benchmark), optimizer)], executor=SerialExecutor(), store=None, mode=Mode.OFF,
           gateway=gateway, sink=journal.append).run()


def test_a_campaign_recorded_now_round_trips_byte_for_byte(server, server_gateway, tmp_path) -> None:
    bench = load("toy/branin")
    journal = Journal.open(tmp_path, {"spec_hash": "h", "created_at": "now"})
    server.script(
        Behaviour.ok("no config here"), Behaviour.ok(cfg(1, 2)),  # trial 0: re-asked once
        Behaviour.error(500), Behaviour.ok(cfg(1, 2)), Behaviour.ok(cfg(3, 4)),  # 1: a failed call, a repeat re-asked
        Behaviour.ok(cfg(3, 4)), Behaviour.ok(cfg(3, 4)),  # 2: a repeat, re-asked, repeated again: perturbed
        *[Behaviour.ok("nothing")] * 3,  # 3: no usable reply: a random fallback
    )
    llm = optimizers.create("llm", task=bench, seed=0, budget=4, model=VISION_MODEL, gateway=server_gateway)
    _drive(journal, RunSpec("llm", bench.name, "llm", "llm", VISION_MODEL, {}, 0, 4), llm, server_gateway)
    server.script(Behaviour.ok(cfg(1, 2)), Behaviour.ok('{"x1": [0, 5], "x2": [0, 15]}'), Behaviour.error(500))
    tpe = optimizers.create("llm-tpe", task=bench, seed=5, budget=4, model=VISION_MODEL, gateway=server_gateway,
                            p=0.0, narrow_every=2, n_initial=2)
    _drive(journal, RunSpec("tpe", bench.name, "llm-tpe", "llm-tpe", VISION_MODEL, {}, 5, 4), tpe, server_gateway)
    journal.close()

    asks = round_trip(tmp_path / "transcripts" / "llm.jsonl")
    assert [of_transcript("llm", t) for t in asks[:2]] == [Provenance.REASKED, Provenance.REASKED]
    assert [t.duplicate.resolved_by if t.duplicate else None for t in asks] == [None, Outcome.REASK, Outcome.PERTURB,
                                                                                  None]
    assert asks[1].attempts[0].error and not asks[1].attempts[0].answered and asks[1].attempts[0].fingerprint
    assert asks[3].fallback and [parse_summary(t)["outcome"] for t in asks] == ["reasked", "reasked", "reasked",
                                                                                 "fallback"]
    told = [t for t in round_trip(tmp_path / "transcripts" / "tpe.jsonl") if t.tell_calls]
    calls = [c for t in told for c in t.tell_calls]
    assert [(c.kind, c.after, c.answered) for c in calls] == [("narrowing", 2, True), ("narrowing", 4, False)]
    assert calls[0].ranges and calls[1].error and calls[1].fingerprint
    assert trial_usage(told[0])["calls"] == 1 and trial_usage(told[1])["failures"] == 1


def test_todays_writer_keeps_the_recorded_layout(server, server_gateway) -> None:
    """A new transcript has the keys, in the order, of the ones recorded before the records existed
    (wire-repeat-r1, proposals revision 1), plus revision 2's provenance before the totals."""
    path = TESTS / "data/campaigns/wire-repeat-r1/transcripts/toy-branin.llm-openai-gpt-4o.b8.s0.jsonl"
    recorded = json.loads(path.read_text(encoding="utf-8").splitlines()[0])["transcript"]
    server.script(Behaviour.ok(cfg(1, 2)))
    opt = optimizers.create("llm", task=load("toy/branin"), seed=0, budget=4, model=VISION_MODEL,
                            gateway=server_gateway)
    fresh = opt.ask().transcript
    assert fresh is not None
    expected = [k for k in recorded if k != "duplicate"]
    assert list(fresh) == [*expected[:-1], "provenance", expected[-1]]
    assert list(fresh["attempts"][0]) == list(recorded["attempts"][0])
    assert list(fresh["attempts"][0]["parse"]) == list(recorded["attempts"][0]["parse"])


def test_an_old_row_without_newer_keys_loads() -> None:
    # a failed attempt written before failures kept their fingerprint, a transcript before `output`,
    # `template_version` and `provenance` existed, a narrowing call before it had `kind`
    row = {"optimizer": "llm", "model": "m", "style": "chat", "cot": False, "last_try": False, "image": None,
           "attempts": [{"replicate": 0, "messages": [], "error": "ProviderError: boom", "reply": None}],
           "fallback": True, "config": {"x": 1}, "repairs": [], "notes": ["n"], "tell_calls": [{"after": 2, "error": "500"}],
           "narrowing": [{"after": 2, "error": "500"}]}
    record = Transcript.from_json(row)
    assert record.to_json() == row and list(record.to_json()) == list(row)
    assert record.output is None and record.provenance is None and record.totals is None
    assert record.attempts[0].fingerprint is None and "fingerprint" not in record.attempts[0].to_json()
    assert record.extra == {"narrowing": [{"after": 2, "error": "500"}]}  # a key this version does not know
    assert of_transcript("llm-fallback", record) is Provenance.FALLBACK
    assert parse_summary(record) == {"outcome": "fallback", "repairs": [], "attempts": 1}
    assert trial_usage(record)["failures"] == 2 and trial_usage(record)["calls"] == 2


def test_an_unknown_outcome_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"duplicate\.resolved_by: unknown outcome 'nudge' \(known: reask, perturb\)"):
        Transcript.from_json({"attempts": [], "duplicate": {"config": {}, "resolved_by": "nudge"}})
    with pytest.raises(ValueError, match=r"unknown provenance 'guessed' \(known: model, repaired"):
        of_transcript("llm", {"attempts": [], "provenance": "guessed"})
    with pytest.raises(ValueError, match="expected a list of Attempt records"):
        Transcript.from_json({"attempts": {"replicate": 0}})


def test_records_write_keys_like_a_dict_update() -> None:
    """A key set again keeps its place, new keys follow in the record's on-disk order."""
    head = TellCall.new(kind="narrowing", after=2, messages=[], fingerprint="a")
    done = head.set(reply="r", finish_reason="stop", latency_s=0.5, fingerprint="b")
    assert list(done.to_json()) == ["kind", "after", "messages", "fingerprint", "latency_s", "reply", "finish_reason"]
    assert done.to_json()["fingerprint"] == "b"
    attempt = Attempt.new(replicate=0, messages=[]).failed("E: x", "fp", True)
    assert list(attempt.to_json()) == ["replicate", "messages", "error", "reply", "fingerprint", "from_journal"]
    with pytest.raises(TypeError, match="no key"):
        attempt.set(ranges=("x",))

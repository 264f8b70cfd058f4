"""Provenance of journal rows written before the field existed: derived from the row (source and
parse summary) it agrees with the step-by-step reading of the transcripts on both recorded fixtures,
and a row round-trips without gaining a key."""

from __future__ import annotations

import json
from pathlib import Path

from llmhpo.harness.journal.files import read_transcripts, read_trials
from llmhpo.harness.journal.provenance import Provenance, of_row, of_transcript, of_trial
from llmhpo.harness.journal.trial import Trial

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "campaigns"


def test_old_rows_derive_the_provenance_their_transcripts_show() -> None:
    counts: dict[Provenance, int] = {}
    for name in ("wire-r1", "wire-repeat-r1"):
        transcripts = read_transcripts(FIXTURES / name)
        for trial in read_trials(FIXTURES / name):
            assert trial.provenance is None  # recorded before the field
            transcript = transcripts.get(trial.run_id, {}).get(trial.index)
            derived = of_trial(trial)
            assert derived == of_transcript(trial.source, transcript), (name, trial.run_id, trial.index)
            assert (derived is None) == (trial.parse is None)
            if derived is not None:
                counts[derived] = counts.get(derived, 0) + 1
    assert counts[Provenance.PERTURBED] >= 20 and counts[Provenance.MODEL] > 0 and counts[Provenance.REASKED] > 0


def test_of_row_precedence() -> None:
    assert of_row("llm-fallback-perturbed", {"outcome": "fallback", "repairs": [], "attempts": 3}) is Provenance.PERTURBED
    assert of_row("llm-fallback", {"outcome": "fallback", "repairs": [], "attempts": 3}) is Provenance.FALLBACK
    assert of_row("llm", {"outcome": "reasked", "repairs": ["x1 clipped"], "attempts": 2}) is Provenance.REPAIRED
    assert of_row("llm", {"outcome": "reasked", "repairs": [], "attempts": 2}) is Provenance.REASKED
    assert of_row("llm", {"outcome": "ok", "repairs": [], "attempts": 1}) is Provenance.MODEL
    assert of_row("tpe", None) is None


def test_a_new_row_carries_its_provenance_and_an_old_one_gains_no_key() -> None:
    row = json.loads((FIXTURES / "wire-repeat-r1" / "trials.jsonl").read_text().splitlines()[0])
    assert Trial.from_row(row).to_row() == row
    new = Trial.from_row({**row, "provenance": "perturbed"})
    assert new.to_row()["provenance"] == "perturbed" and of_trial(new) is Provenance.PERTURBED

"""Read a campaign results directory (manifest.json, trials.jsonl, optional baseline.jsonl) into frames.

The report never imports the campaign runner: the on-disk format is the contract, read through
harness.journal.files and harness.journal.trial (its one reader and writer), so a report can be built from any results directory,
including one copied from another machine or still being written.
A journal that was killed mid-write may end in a truncated line; that line is skipped with a note,
while a malformed line anywhere else is an error (the journal is corrupt and the report would lie).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from llmhpo.harness import usage
from llmhpo.harness.errors import UserError
from llmhpo.harness.journal.files import BASELINE, TRIALS, read_stopped, read_trials, trial_key
from llmhpo.harness.journal.jsonl import read_rows
from llmhpo.harness.journal.manifest import load_manifest
from llmhpo.harness.journal.provenance import of_trial
from llmhpo.harness.journal.trial import FIELD_NAMES, RUN_FIELDS, Trial, first_wins

RUN_COLUMNS = list(RUN_FIELDS)


def _parse_columns(trial: Trial) -> dict[str, Any]:
    parse = trial.parse or {}
    return {"parse_outcome": parse.get("outcome"), "parse_repairs": len(parse.get("repairs") or []),
            "parse_attempts": int(parse.get("attempts") or 0)}


def _llm_columns(trial: Trial) -> dict[str, Any]:
    return {**usage.columns(trial.llm), "has_llm": trial.llm is not None or trial.parse is not None}


def _nan(value: float | None) -> float:
    return float("nan") if value is None else value


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


# Trial fields that are not one column as journaled: how each becomes its report columns (an empty
# dict: not in the report). Every other field is a column of its own name, in field order.
_SPLIT: dict[str, Callable[[Trial], dict[str, Any]]] = {
    "loss": lambda t: {"loss": _nan(t.loss)},
    "test_loss": lambda t: {"test_loss": _nan(t.test_loss)},
    "parse": _parse_columns,
    "llm": _llm_columns,
    "transcript_ref": lambda t: {},
    "provenance": lambda t: {"provenance": _text(of_trial(t))},  # derived for older rows
}
_EMPTY = Trial.from_row({"run_id": "", "index": 0, "benchmark": "", "optimizer": "", "loss": None})
TRIAL_COLUMNS = [c for name in FIELD_NAMES for c in (_SPLIT[name](_EMPTY) if name in _SPLIT else {name: None})]


@dataclass(frozen=True)
class Results:
    """One campaign's results: manifest dict, planned runs, finished trials, random-sample baseline."""

    directory: Path
    manifest: dict[str, Any]
    runs: pd.DataFrame
    trials: pd.DataFrame
    baseline: pd.DataFrame | None
    notes: list[str] = field(default_factory=list)
    stopped: dict[str, dict[str, Any]] = field(default_factory=dict)  # run_id -> early-stop record

    @property
    def campaign(self) -> str:
        return str(self.manifest.get("campaign") or self.directory.name)

    @property
    def required_samples(self) -> int | None:
        """The spec's baseline_samples: the bootstrap is refused below it (None: the spec names none)."""
        value = (self.manifest.get("spec") or {}).get("baseline_samples")
        return int(value) if value else None


def _flatten_trial(trial: Trial) -> dict[str, Any]:
    """One report row of a journaled trial: its fields in order, `parse` and `llm` split into columns."""
    row: dict[str, Any] = {}
    for name in FIELD_NAMES:
        row.update(_SPLIT[name](trial) if name in _SPLIT else {name: getattr(trial, name)})
    return row


def _runs_frame(manifest: dict[str, Any], trials: pd.DataFrame) -> pd.DataFrame:
    runs = manifest.get("runs")
    if runs:
        frame = pd.DataFrame(runs)
        for column in RUN_COLUMNS:
            if column not in frame:
                frame[column] = None
        frame["optimizer_name"] = frame["optimizer_name"].fillna(frame["optimizer"])
        frame = frame[RUN_COLUMNS].astype({"seed": int, "budget": int})
    else:
        frame = pd.DataFrame(columns=RUN_COLUMNS)
    # Trials of runs the manifest does not list still count: the journal is the record of what ran.
    extra = trials.loc[~trials["run_id"].isin(frame["run_id"]), RUN_COLUMNS].drop_duplicates("run_id")
    if len(frame) == 0:
        return extra.reset_index(drop=True)
    return pd.concat([frame, extra], ignore_index=True) if len(extra) else frame.reset_index(drop=True)


def load_results(path: Path | str) -> Results:
    """Load a campaign results directory; raises UserError when it is missing or malformed."""
    directory, manifest = load_manifest(path)
    notes: list[str] = []
    journaled = read_trials(directory, notes)
    if not journaled:
        raise UserError(f"{directory / TRIALS}: no finished trials to report on")
    journaled, duplicates = first_wins(journaled, trial_key)
    if duplicates:
        notes.append(f"{TRIALS}: ignored {len(duplicates)} duplicated trial line(s)")
    trials = pd.DataFrame([_flatten_trial(t) for t in journaled], columns=TRIAL_COLUMNS)
    trials = trials.sort_values(["run_id", "index"], kind="stable").reset_index(drop=True)
    baseline = None
    baseline_path = directory / BASELINE
    if baseline_path.is_file():
        base_rows = read_rows(baseline_path, notes)
        baseline = pd.DataFrame(
            {
                "benchmark": [str(r.get("benchmark")) for r in base_rows],
                "loss": [float("nan") if r.get("loss") is None else float(r["loss"]) for r in base_rows],
                "test_loss": [float("nan") if r.get("test_loss") is None else float(r["test_loss"]) for r in base_rows],
            }
        )
    return Results(directory, manifest, _runs_frame(manifest, trials), trials, baseline, notes, read_stopped(directory))

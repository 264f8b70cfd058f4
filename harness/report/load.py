"""Read a campaign results directory (manifest.json, trials.jsonl, optional baseline.jsonl) into frames.

The report never imports the campaign runner: the on-disk format is the contract, read through
harness.journal (its one reader and writer), so a report can be built from any results directory,
including one copied from another machine or still being written.
A journal that was killed mid-write may end in a truncated line; that line is skipped with a note,
while a malformed line anywhere else is an error (the journal is corrupt and the report would lie).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from llmhpo.harness import usage
from llmhpo.harness.errors import UserError
from llmhpo.harness.journal import (
    BASELINE,
    TRIALS,
    Trial,
    load_manifest,
    read_rows,
    read_stopped,
    read_trials,
)
from llmhpo.harness.provenance import of_trial

RUN_COLUMNS = ["run_id", "benchmark", "optimizer", "optimizer_name", "model", "seed", "budget"]
TRIAL_COLUMNS = [
    *RUN_COLUMNS,
    "index",
    "loss",
    "test_loss",
    "status",
    "error",
    "eval_cost_s",
    "eval_cache_hit",
    "wall_s",
    "source",
    "parse_outcome",
    "parse_repairs",
    "parse_attempts",
    "provenance",
    "llm_calls",
    "llm_cache_hits",
    "prompt_tokens",
    "completion_tokens",
    "cost_usd",
    "would_have_cost_usd",
    "llm_failures",
    "has_llm",
    "config",
]


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
    """One report row of a journaled trial (its `llm` usage summary split into columns)."""
    parse = trial.parse or {}
    return {
        "run_id": trial.run_id,
        "benchmark": trial.benchmark,
        "optimizer": trial.optimizer,
        "optimizer_name": trial.optimizer_name,
        "model": trial.model,
        "seed": trial.seed,
        "budget": trial.budget,
        "index": trial.index,
        "loss": float("nan") if trial.loss is None else trial.loss,
        "test_loss": float("nan") if trial.test_loss is None else trial.test_loss,
        "status": trial.status,
        "error": trial.error,
        "eval_cost_s": trial.eval_cost_s,
        "eval_cache_hit": trial.eval_cache_hit,
        "wall_s": trial.wall_s,
        "source": trial.source,
        "parse_outcome": parse.get("outcome"),
        "parse_repairs": len(parse.get("repairs") or []),
        "parse_attempts": int(parse.get("attempts") or 0),
        "provenance": None if of_trial(trial) is None else str(of_trial(trial)),
        **usage.columns(trial.llm),
        "has_llm": trial.llm is not None or trial.parse is not None,
        "config": trial.config,
    }


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
    trials = pd.DataFrame([_flatten_trial(t) for t in journaled], columns=TRIAL_COLUMNS)
    duplicated = trials.duplicated(["run_id", "index"], keep="first")
    if duplicated.any():
        notes.append(f"{TRIALS}: ignored {int(duplicated.sum())} duplicated trial line(s)")
        trials = trials.loc[~duplicated]
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

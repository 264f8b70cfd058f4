"""LLM ledger per optimizer and model: what the LLM-driven runs asked, paid and got wrong.

Counted from each trial's `llm` and `parse` records (the `llm` record is harness.usage's sum of
the calls its transcript records, split into columns by `usage.columns`). Definitions:
- calls / cache hits / tokens: sums of the per-trial gateway usage.
- live cost: dollars actually spent (cache hits cost $0); would-have-cost: what every call would have
  cost live. Unknown prices stay unknown (shown as "n/a"), never 0; a sum that mixes known and
  unknown prices is marked as a lower bound.
- parse failures: replies that could not be used as they were: (attempts - 1) per trial, plus the
  last attempt when the trial fell back to a random config.
- repairs: individual repair steps applied to replies (clipping, rounding, snapping...).
- fallbacks: trials whose config came from the random fallback after every attempt failed.
- perturbed: trials whose config the harness nudged after the model repeated an evaluated one (provenance).
- provider failures: failed provider calls reported by the gateway (after retries).
"""

from __future__ import annotations

import math

import pandas as pd

from llmhpo.harness.journal.provenance import Provenance

LEDGER_COLUMNS = [
    "optimizer",
    "model",
    "trials",
    "llm_calls",
    "cache_hits",
    "prompt_tokens",
    "completion_tokens",
    "live_cost_usd",
    "would_have_cost_usd",
    "cost_note",
    "parse_failures",
    "repairs",
    "reasked",
    "fallbacks",
    "perturbed",
    "provider_failures",
]


def _cost_sum(values: pd.Series) -> tuple[float | None, bool]:
    """Sum of known costs, and whether some were unknown (None when none is known)."""
    known = [float(v) for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    unknown = len(values) - len(known)
    return (sum(known) if known else None), unknown > 0


def parse_failures(outcome: str | None, attempts: int) -> int:
    """Replies that could not be used as they were, for one trial (see the module docstring)."""
    if outcome is None or attempts <= 0:
        return 0
    return attempts if outcome == Provenance.FALLBACK.value else attempts - 1


def llm_ledger(trials: pd.DataFrame) -> pd.DataFrame:
    """One row per (optimizer label, model) that made LLM calls or parsed LLM replies."""
    df = trials.loc[trials["has_llm"]].copy()
    if df.empty:
        return pd.DataFrame(columns=LEDGER_COLUMNS)
    df["model"] = df["model"].fillna("—")
    df["parse_failures"] = [parse_failures(o, a) for o, a in zip(df["parse_outcome"], df["parse_attempts"], strict=True)]
    rows = []
    for (label, model), group in df.groupby(["optimizer", "model"], sort=True):
        live, live_partial = _cost_sum(group["cost_usd"])
        would, would_partial = _cost_sum(group["would_have_cost_usd"])
        note = "lower bound: some prices unknown" if (live_partial or would_partial) and (live or would) else ""
        if live is None and would is None:
            note = "prices unknown"
        rows.append(
            {
                "optimizer": label,
                "model": model,
                "trials": len(group),
                "llm_calls": int(group["llm_calls"].sum()),
                "cache_hits": int(group["llm_cache_hits"].sum()),
                "prompt_tokens": int(group["prompt_tokens"].sum()),
                "completion_tokens": int(group["completion_tokens"].sum()),
                "live_cost_usd": live,
                "would_have_cost_usd": would,
                "cost_note": note,
                "parse_failures": int(group["parse_failures"].sum()),
                "repairs": int(group["parse_repairs"].sum()),
                "reasked": int((group["parse_outcome"] == Provenance.REASKED.value).sum()),
                "fallbacks": int((group["parse_outcome"] == Provenance.FALLBACK.value).sum()),
                "perturbed": int((group["provenance"] == Provenance.PERTURBED.value).sum()),
                "provider_failures": int(group["llm_failures"].sum()),
            }
        )
    return pd.DataFrame(rows, columns=LEDGER_COLUMNS)


def ledger_totals(ledger: pd.DataFrame) -> dict[str, float | int | None]:
    """Campaign-wide totals of the ledger (costs stay None when no price was known)."""
    totals: dict[str, float | int | None] = {}
    for column in LEDGER_COLUMNS[2:]:
        if column == "cost_note":
            continue
        if column.endswith("_usd"):
            totals[column], _ = _cost_sum(ledger[column])
        else:
            totals[column] = int(ledger[column].sum()) if len(ledger) else 0
    return totals

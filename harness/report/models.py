"""The report's "Model comparison" section: per optimizer@model, quality beside cost, a CSV of the
same table and a cost-vs-quality figure with the Pareto front marked. Shown only when more than one
model appears (one model has nothing to be compared with).

Nothing is re-defined here: quality is the budget summary's columns (`metrics`: beats random, mean
rank, normalized regret), cost and parse outcomes are `ledger.llm_ledger` over the same trials (the
trials that count for the budget), so the table agrees with the summary and the ledger. Two columns
are named or measured here:
- perturbations: the ledger's `perturbed` count (trials whose provenance is "perturbed": the harness
  nudged a config the model repeated), renamed;
- latency: p50/p95 over the calls sent to a provider, as each call's transcript record holds it
  (`latency_s`). A cache hit's latency is the lookup's, so hits are left out; a model all of whose
  calls were hits (or whose transcripts predate latency records) shows latency as unknown.
Unknown prices stay unknown (never $0): such a model is drawn apart from the cost axis and cannot be
on the Pareto front.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from llmhpo.harness.journal.files import read_transcripts
from llmhpo.harness.optimizers.transcript import Transcript
from llmhpo.harness.report import figures, ledger
from llmhpo.harness.report.render import (
    Block,
    Heading,
    Image,
    Paragraph,
    Table,
    fmt_loss,
    fmt_share,
    is_missing,
    write_csv,
)

COLUMNS = ["optimizer", "model", "beats_random_pct", "mean_rank", "mean_regret", "llm_calls", "prompt_tokens",
           "completion_tokens", "live_cost_usd", "would_have_cost_usd", "cost_note", "latency_p50_s", "latency_p95_s",
           "live_calls_timed", "reasked", "repairs", "perturbations", "fallbacks", "pareto"]
HEADERS = {"beats_random_pct": "beats random", "mean_rank": "mean rank", "mean_regret": "norm. regret",
           "llm_calls": "LLM calls", "prompt_tokens": "input tokens", "completion_tokens": "output tokens",
           "live_cost_usd": "live $", "would_have_cost_usd": "would-have-cost $", "cost_note": "cost note",
           "latency_p50_s": "p50 latency", "latency_p95_s": "p95 latency", "live_calls_timed": "timed calls",
           "reasked": "re-asked trials", "pareto": "Pareto"}


def fmt_cost(value: Any) -> str:
    return "unknown" if is_missing(value) else f"${float(value):.4f}"


def fmt_seconds(value: Any) -> str:
    return "unknown" if is_missing(value) else f"{float(value):.2f} s"


def _sources(results: Any) -> list[tuple[str, Path]]:
    """(run-id prefix, campaign directory) of each source (a merged report's run ids are `A:...`)."""
    merged = getattr(results, "sources", ())
    return [(f"{s.letter}:", s.results.directory) for s in merged] or [("", results.directory)]


def live_latencies(results: Any) -> pd.DataFrame:
    """One row per call a trial sent to a provider (run_id, index, latency_s), from the transcripts."""
    rows = []
    for prefix, directory in _sources(results):
        for run_id, by_index in read_transcripts(directory).items():
            for index, transcript in by_index.items():
                for call in Transcript.of(transcript).calls():
                    if not call.answered or call.cache_hit or call.latency_s is None:
                        continue
                    rows.append((prefix + run_id, index, float(call.latency_s)))
    return pd.DataFrame(rows, columns=["run_id", "index", "latency_s"]).astype({"index": int, "latency_s": float})


def _latency(trials: pd.DataFrame, calls: pd.DataFrame) -> pd.DataFrame:
    timed = calls.merge(trials[["run_id", "index", "optimizer"]], on=["run_id", "index"])
    grouped = timed.groupby("optimizer")["latency_s"]
    return pd.DataFrame({"latency_p50_s": grouped.quantile(0.5), "latency_p95_s": grouped.quantile(0.95),
                         "live_calls_timed": grouped.count()}).reset_index()


def pareto(cost: np.ndarray, loss: np.ndarray) -> np.ndarray:
    """True where no other point is at most as costly and as bad, and strictly better in one (NaN: never)."""
    ok = np.isfinite(cost) & np.isfinite(loss)
    front = np.zeros(len(cost), dtype=bool)
    for i in np.flatnonzero(ok):
        others = ok & (cost <= cost[i]) & (loss <= loss[i]) & ((cost < cost[i]) | (loss < loss[i]))
        front[i] = not others.any()
    return front


def comparison_table(trials: pd.DataFrame, summary: pd.DataFrame, calls: pd.DataFrame) -> pd.DataFrame:
    """Per optimizer@model with a model: quality (from the budget summary) beside cost (the ledger)."""
    book = ledger.llm_ledger(trials.loc[trials["model"].notna()])
    if book.empty:
        return pd.DataFrame(columns=COLUMNS)
    table = (book.rename(columns={"perturbed": "perturbations"})  # the ledger's count (provenance), one rule
             .merge(summary[["optimizer", "beats_random_pct", "mean_rank", "mean_regret"]], on="optimizer", how="left")
             .merge(_latency(trials, calls), on="optimizer", how="left"))
    table["live_calls_timed"] = table["live_calls_timed"].fillna(0).astype(int)
    costs = table["would_have_cost_usd"].astype(float).to_numpy().copy()
    costs[table["cost_note"].to_numpy() != ""] = np.nan  # a lower bound or unknown is no point on the cost axis
    table["pareto"] = pareto(costs, table["mean_regret"].astype(float).to_numpy())
    return table[COLUMNS].sort_values(["mean_regret", "optimizer"], na_position="last", kind="stable").reset_index(drop=True)


def cost_quality_figure(table: pd.DataFrame, budget: int, path: Path) -> Path:
    """Would-have-cost (x) against normalized regret (y, lower is better), the Pareto front joined;
    rows of unknown price on a strip to the right of the axis, never at $0."""
    fig = Figure(figsize=(8, 4.5), dpi=figures.DPI)
    ax = fig.subplots()
    colors = figures.palette(list(table["optimizer"]))
    known = table["cost_note"] == ""
    x = table["would_have_cost_usd"].astype(float)
    top = float(x[known].max()) if known.any() and x[known].max() > 0 else 1.0
    right = top * 1.6  # the unknown-price strip, right of a dotted line
    for i, (row, is_known) in enumerate(zip(table.itertuples(), known, strict=True)):
        cx = float(row.would_have_cost_usd) if is_known else right
        ax.scatter([cx], [row.mean_regret], s=70, color=colors[row.optimizer], marker="o" if is_known else "D",
                   edgecolors="black" if row.pareto else "none", linewidths=1.5, zorder=3)
        ax.annotate(row.optimizer, (cx, row.mean_regret), fontsize=8, xytext=(6, 4 + 11 * (i % 3)),
                    textcoords="offset points")
    front = table.loc[table["pareto"]].sort_values("would_have_cost_usd")
    if len(front) > 1:
        ax.step(front["would_have_cost_usd"].astype(float), front["mean_regret"], where="post", color="firebrick",
                linewidth=1, linestyle="--", label="Pareto front", zorder=2)
    if len(front):
        ax.scatter([], [], s=70, facecolors="none", edgecolors="black", label="on the Pareto front")
        ax.legend(fontsize=8, loc="upper right")
    if not known.all():
        ax.axvline(top * 1.3, color="gray", linewidth=0.8, linestyle=":")
        ax.text(right, 0.02, "price unknown", transform=ax.get_xaxis_transform(), ha="center", va="bottom", fontsize=8)
        ax.set_xlim(right=right * 1.3)
    ax.set_xlabel("would-have-cost at list prices ($, every call live)")
    ax.set_ylabel("normalized regret (lower is better)")
    ax.set_title(f"Cost vs quality per optimizer@model, budget {budget}")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    return path


def model_blocks(results: Any, trials: pd.DataFrame, summary: pd.DataFrame, budget: int, out: Path) -> list[Block]:
    """The section for the trials that count for `budget` (none when fewer than two models appear)."""
    if trials["model"].dropna().nunique() < 2:
        return []
    table = comparison_table(trials, summary, live_latencies(results))
    csv = f"tables/models_b{budget}.csv"
    write_csv(table, out / csv)
    image = f"figures/models_b{budget}.png"
    cost_quality_figure(table, budget, out / image)
    formats = {"beats random": fmt_share, "mean rank": fmt_loss, "norm. regret": fmt_loss, "live $": fmt_cost,
               "would-have-cost $": fmt_cost, "p50 latency": fmt_seconds, "p95 latency": fmt_seconds,
               "Pareto": lambda v: "yes" if v else ""}
    untimed = [r.optimizer for r in table.itertuples() if r.live_calls_timed == 0]
    blocks: list[Block] = [
        Heading(2, "Model comparison"),
        Paragraph(f"Budget {budget}: each optimizer@model's quality (as in the budget's summary) beside what its "
                  "LLM calls took over the same trials. Unknown prices are shown as unknown, never $0; "
                  "a cost marked as a lower bound or unknown is left out of the Pareto front."),
        Table(table.rename(columns=HEADERS), formats, csv=csv),
        Image(image, f"cost vs quality per optimizer@model, budget {budget}"),
    ]
    if untimed:
        blocks.append(Paragraph("Latency unknown for " + ", ".join(f"`{u}`" for u in untimed) + ": no call was sent to "
                                "a provider in these trials (cache hits are timed as lookups, so they are not counted)."))
    return blocks

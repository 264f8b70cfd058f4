"""A small hand-made campaign results directory in the shared format, with its hand-computed metrics.

Two tasks x {random, gp, llm@local/smollm2-135m} x seeds {0, 1} x budget 3. toy/a has 500 baseline
samples all at 0.5 (so its bootstrapped baseline is exactly 0.5); toy/b has none (baseline = the
random-search runs). One crashed trial, one repaired, one re-asked and one fallback LLM trial.
Also used by scripts/render_report_chromium.py to make a report to screenshot.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

LLM = "llm@local/smollm2-135m"
CAMPAIGN = "synthetic"

# (task, optimizer label) -> seed -> validation losses of trials 0, 1, 2
LOSSES: dict[tuple[str, str], dict[int, list[float]]] = {
    ("toy/a", "random"): {0: [0.5, 0.4, 0.6], 1: [0.6, 0.5, 0.5]},
    ("toy/a", "gp"): {0: [0.5, 0.3, 0.35], 1: [0.6, 0.2, 0.4]},
    ("toy/a", LLM): {0: [1.0, 0.4, 0.45], 1: [0.5, 0.5, 0.45]},
    ("toy/b", "random"): {0: [0.3, 0.2, 0.25], 1: [0.2, 0.3, 0.3]},
    ("toy/b", "gp"): {0: [0.3, 0.25, 0.1], 1: [0.3, 0.2, 0.3]},
    ("toy/b", LLM): {0: [0.25, 0.2, 0.3], 1: [0.2, 0.2, 0.2]},
}
CRASHED = {("toy/a", LLM, 0, 0)}  # (task, label, seed, index)

# Hand-computed expectations (see the module docstring and tests/report/test_report_build.py).
EXPECTED_SUMMARY = {
    # label: (beats random %, median change %, mean change %, mean rank, mean normalized regret)
    "random": (50.0, 5.0, 5.0, 2.75, 0.40625),
    "gp": (100.0, 37.5, 37.5, 1.0, 0.15625),
    LLM: (50.0, 7.5, 7.5, 2.25, 0.390625),
}

DEFAULT_LLM = {"calls": 1, "cache_hits": 0, "prompt_tokens": 100, "completion_tokens": 20,
               "cost_usd": 0.001, "would_have_cost_usd": 0.001, "failures": 0}
LLM_OVERRIDES: dict[tuple[str, int, int], tuple[dict[str, Any], dict[str, Any]]] = {
    # (task, seed, index): (llm record changes, parse record)
    ("toy/a", 0, 1): ({}, {"outcome": "repaired", "repairs": ["C clipped to 100.0"], "attempts": 1}),
    ("toy/a", 1, 0): ({"cache_hits": 1, "cost_usd": 0.0}, {"outcome": "ok", "repairs": [], "attempts": 1}),
    ("toy/b", 0, 2): ({"calls": 2, "prompt_tokens": 200, "completion_tokens": 40, "cost_usd": 0.002,
                       "would_have_cost_usd": 0.002}, {"outcome": "reasked", "repairs": [], "attempts": 2}),
    ("toy/b", 1, 2): ({"calls": 3, "prompt_tokens": 300, "completion_tokens": 60, "cost_usd": None,
                       "would_have_cost_usd": None, "failures": 1},
                      {"outcome": "fallback", "repairs": [], "attempts": 3}),
}
EXPECTED_LEDGER = {"trials": 12, "llm_calls": 15, "cache_hits": 1, "prompt_tokens": 1500, "completion_tokens": 300,
                   "live_cost_usd": 0.011, "would_have_cost_usd": 0.012, "parse_failures": 4, "repairs": 1,
                   "reasked": 1, "fallbacks": 1, "provider_failures": 1}


def _run_id(task: str, label: str, seed: int) -> str:
    return f"{task.replace('/', '_')}-{label.split('@')[0]}-s{seed}"


def _trial(task: str, label: str, seed: int, index: int, loss: float) -> dict[str, Any]:
    is_llm = label == LLM
    crashed = (task, label, seed, index) in CRASHED
    llm = parse = None
    source = "random" if label == "random" else "gp"
    if is_llm:
        changes, parse = LLM_OVERRIDES.get((task, seed, index), ({}, {"outcome": "ok", "repairs": [], "attempts": 1}))
        llm = {**DEFAULT_LLM, **changes}
        source = "random-fallback" if parse["outcome"] == "fallback" else "llm"
    run_id = _run_id(task, label, seed)
    return {
        "run_id": run_id, "index": index, "benchmark": task, "optimizer": label,
        "optimizer_name": label.split("@")[0], "model": "local/smollm2-135m" if is_llm else None,
        "seed": seed, "budget": 3, "config": {"x": index / 10}, "loss": loss,
        # Test loss deliberately disagrees with validation order: reports must not select by it.
        "test_loss": None if crashed else round(1.0 - loss, 6),
        "status": "crashed" if crashed else "ok", "error": "ValueError: boom" if crashed else None,
        "eval_cost_s": 0.01, "eval_cache_hit": False, "wall_s": 0.02, "source": source,
        "parse": parse, "llm": llm, "transcript_ref": f"transcripts/{run_id}.jsonl#{index}" if is_llm else None,
    }


def write_results(root: Path, *, baseline: bool = True) -> Path:
    """Write the synthetic campaign under root/<campaign>; returns that directory."""
    directory = Path(root) / CAMPAIGN
    directory.mkdir(parents=True, exist_ok=True)
    runs, lines = [], []
    for (task, label), per_seed in LOSSES.items():
        for seed, losses in per_seed.items():
            runs.append({"run_id": _run_id(task, label, seed), "benchmark": task, "optimizer": label,
                         "optimizer_name": label.split("@")[0], "model": "local/smollm2-135m" if label == LLM else None,
                         "options": {}, "seed": seed, "budget": 3})
            lines += [_trial(task, label, seed, i, loss) for i, loss in enumerate(losses)]
    manifest = {
        "campaign": CAMPAIGN, "spec": {"name": CAMPAIGN}, "spec_hash": "ab" * 32, "llmhpo_version": "0.1.0",
        "versions": {"python": "3.11", "numpy": "2"}, "template_hashes": {"zhang": "cd" * 32},
        "cache": {"path": "/tmp/cache", "mode": "live"}, "created_at": "2026-11-23T14:00:00+00:00",
        "runs": runs, "live_wall_s": 12.5,
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    (directory / "trials.jsonl").write_text("".join(json.dumps(t) + "\n" for t in lines), encoding="utf-8")
    if baseline:
        rows = [{"benchmark": "toy/a", "config": {"x": 0.0}, "loss": 0.5, "test_loss": 0.5}] * 500
        (directory / "baseline.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return directory

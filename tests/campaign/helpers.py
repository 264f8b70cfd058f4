"""Shared helpers for the campaign tests: small toy specs and journal comparison."""

from __future__ import annotations

import concurrent.futures as cf
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from llmhpo.harness.benchmarks import load
from llmhpo.harness.benchmarks.base import Evaluation
from llmhpo.harness.campaign.evaluation import safe_evaluate
from llmhpo.harness.campaign.executor import SerialExecutor

REPO = Path(__file__).resolve().parents[2]
# Fields that depend on timing or scheduling, not on the optimization itself.
VOLATILE = ("wall_s", "eval_cost_s", "eval_cache_hit")

TOY_SPEC = """
name = "{name}"
budget = {budget}
seeds = {seeds}
benchmarks = {benchmarks}
[[optimizers]]
name = "random"
[[optimizers]]
name = "gp"
[[optimizers]]
name = "tpe"
"""


def write_spec(tmp: Path, name: str = "toy", budget: int = 4, seeds: int = 2,
               benchmarks: tuple[str, ...] = ("toy/branin", "toy/himmelblau-shifted"), extra: str = "") -> Path:
    path = tmp / f"{name}.toml"
    path.write_text(TOY_SPEC.format(name=name, budget=budget, seeds=seeds, benchmarks=json.dumps(list(benchmarks)))
                    + extra)
    return path


def trials(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (directory / "trials.jsonl").read_text().splitlines() if line.strip()]


def stable(rows: list[dict[str, Any]]) -> dict[tuple[str, int], dict[str, Any]]:
    """Trials by (run_id, index) without the timing fields; asserts there are no duplicates."""
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for row in rows:
        key = (row["run_id"], row["index"])
        assert key not in out, f"duplicated trial {key}"
        out[key] = {k: v for k, v in row.items() if k not in VOLATILE}
    return out


def without_hits(rows: dict[tuple[str, int], dict[str, Any]]) -> dict[tuple[str, int], dict[str, Any]]:
    """`stable` trials without the record of where each LLM reply came from (cache or provider): with
    runs in flight at once, which of two identical requests was the live one depends on timing."""
    return {k: {**t, "llm": {n: v for n, v in (t.get("llm") or {}).items() if n not in ("cache_hits", "cost_usd")}}
            for k, t in rows.items()}


def cli_env() -> dict[str, str]:
    return dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True")


def llmhpo(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "llmhpo", *args], cwd=REPO, env=env or cli_env(),
                          capture_output=True, text=True, timeout=timeout)


class Flaky:
    """toy/branin that raises for x1 > 4 and returns NaN for x1 < -2 (a fault no real model gives on demand)."""

    def __init__(self):
        self.inner = load("toy/branin")
        for name in ("name", "version", "space", "deterministic", "worst_loss", "fidelity", "expected_seconds"):
            setattr(self, name, getattr(self.inner, name))

    def describe(self):
        return self.inner.describe()

    def evaluate(self, config, seed):
        if config["x1"] > 4:
            raise RuntimeError("solver diverged")
        if config["x1"] < -2:
            return Evaluation(loss=math.nan, test_loss=None, cost_s=0.0)
        return self.inner.evaluate(config, seed)


class FlakyExecutor(SerialExecutor):
    """Evaluates every task on the flaky benchmark, in process (passed to run_campaign as its executor)."""

    def submit(self, benchmark, config, seed):
        future = cf.Future()
        future.set_result(safe_evaluate(Flaky(), config, seed).to_dict())
        return future

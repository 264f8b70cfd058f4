"""`llmhpo run SPEC --dry-run`: what a campaign will take before the first call.

Runs, trials, baseline samples; LLM calls (and the most re-asks could add); prompt/completion tokens
from the real templates (harness.campaign.plan_sim runs each optimizer against a local gateway); cost per
model at list prices (gateway.pricing, else litellm's cost map, imported here only; unknown where
neither has a price); time from the benchmarks' `expected_seconds` and a latency assumption per
provider; and what is already done: trials in the journal, LLM replies and evaluations the cache
holds on the path the campaign will follow. Nothing is created: no cache, no output folder.
The same Plan gives the first progress line of a real run (`headline`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from llmhpo.cache.modes import Mode
from llmhpo.gateway import Gateway, pricing
from llmhpo.gateway.types import Usage
from llmhpo.harness import optimizers
from llmhpo.harness.benchmarks import load
from llmhpo.harness.campaign.baseline import done_samples
from llmhpo.harness.campaign.eta import clock
from llmhpo.harness.campaign.plan_sim import simulate
from llmhpo.harness.faithfulness import gateway_keying
from llmhpo.harness.journal.files import BASELINE, TRIALS
from llmhpo.harness.journal.jsonl import read_jsonl
from llmhpo.harness.journal.manifest import previous_manifest

if TYPE_CHECKING:
    from llmhpo.cache.modes import Mode
    from llmhpo.gateway.endpoints import Endpoint
    from llmhpo.harness.spec.campaign_spec import CampaignSpec

# seconds per LLM call assumed when nothing better is known: the embedded model on CPU, a hosted API
LATENCY_S = {"local": 6.0, "hosted": 2.5}
SIMULATE_S = 20.0  # after this long, a run like one simulated already (another seed) borrows its counts


@dataclass
class ModelPlan:
    model: str
    runs: int = 0
    calls: int = 0
    max_calls: int = 0  # every proposal re-asked as often as the options allow
    sent: int = 0  # of the calls: those the provider will see (the rest: cached, or asked by another run)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    sent_prompt_tokens: int = 0
    sent_completion_tokens: int = 0
    cost_usd: float | None = None  # of the calls sent; None: no price known
    latency_s: float = LATENCY_S["hosted"]


@dataclass
class Plan:
    name: str
    runs: int
    trials: int
    baseline_samples: int
    workers: int
    llm_concurrency: int
    models: dict[str, ModelPlan] = field(default_factory=dict)
    journaled_trials: int = 0
    journaled_baseline: int = 0
    llm_checked: int = 0
    llm_hits: int = 0
    evals_checked: int = 0
    eval_hits: int = 0
    trials_s: float = 0.0
    baseline_s: float = 0.0
    cache: str | None = None  # the cache directory read (None: none exists yet, or the mode reads none)
    notes: list[str] = field(default_factory=list)

    @property
    def calls(self) -> int:
        return sum(m.calls for m in self.models.values())

    @property
    def cost_text(self) -> str:
        if not self.models:
            return "none (no LLM calls)"
        costs = [m.cost_usd for m in self.models.values()]
        known = sum(c for c in costs if c is not None)
        if all(c is None for c in costs):
            return "unknown (unpriced)"
        if all(m.model.startswith("local/") for m in self.models.values()):
            return "free (local models)"
        return f"~${known:.2f}" + (" + unpriced models" if None in costs else "")

    def headline(self) -> str:
        """One line: the first progress line of a run, and the top of --dry-run."""
        calls = f"{self.calls} LLM calls" if self.models else "no LLM calls"
        return (f"{self.runs} runs, {self.trials} trials ({self.journaled_trials} journaled), "
                f"{self.baseline_samples} baseline samples; {calls}; cost {self.cost_text}; "
                f"time ~{clock(self.trials_s)} trials + ~{clock(self.baseline_s)} baseline")

    def render(self) -> str:
        lines = [f"plan for {self.name}: {self.headline()}", ""]
        lines.append(f"  runs {self.runs}, trials {self.trials}, baseline samples {self.baseline_samples}; "
                     f"{self.workers} evaluation worker(s), {self.llm_concurrency} LLM call(s) in flight")
        for m in self.models.values():
            cost = ("unknown (no list price)" if m.cost_usd is None else
                    "free (runs locally)" if m.model.startswith("local/") else f"~${m.cost_usd:.4f}")
            lines.append(f"  {m.model}: {m.runs} runs, {m.calls} calls (at most {m.max_calls} with re-asks; {m.sent} sent "
                         f"to the provider, the rest cached or shared between runs), ~{m.prompt_tokens:,} prompt + "
                         f"~{m.completion_tokens:,} completion tokens, cost {cost} for the calls sent, "
                         f"assumed {m.latency_s:g} s per call")
        lines.append(f"  time: ~{clock(self.trials_s)} for the trials, ~{clock(self.baseline_s)} for the baseline "
                     "(benchmarks' expected seconds per evaluation; latency per call as above)")
        lines.append(f"  already done: {self.journaled_trials} trials and {self.journaled_baseline} baseline samples "
                     "journaled (a resume re-derives them)")
        lines.append("  cache: none yet" if self.cache is None else
                     f"  cache {self.cache}: {self.llm_hits} of {self.llm_checked} LLM requests and {self.eval_hits} of "
                     f"{self.evals_checked} evaluations checked are cached (checked: each run's first request and "
                     "evaluation, and the next ones while all before them were cached)")
        lines.extend(f"  note: {n}" for n in self.notes)
        lines.append("  tokens are characters / 4; prices are list prices; nothing was created or sent")
        return "\n".join(lines)


def _cost(model: str, prompt_tokens: int, completion_tokens: int, *, catalogue: bool = True) -> float | None:
    """USD for these tokens at list prices: `gateway.pricing.cost` (what the run's ledger charges), else
    litellm's map (imported only here, and not with `catalogue=False`: a replay never imports litellm),
    else None."""
    known = pricing.cost(model, Usage(prompt_tokens, completion_tokens))
    if known is not None or not catalogue:
        return known
    try:
        import litellm

        entry = litellm.model_cost.get(model) or litellm.model_cost.get(model.partition("/")[2])
    except Exception:  # litellm missing or its map unreadable: unpriced
        return None
    if not entry or entry.get("input_cost_per_token") is None:
        return None
    return (prompt_tokens * float(entry["input_cost_per_token"])
            + completion_tokens * float(entry.get("output_cost_per_token") or 0.0))


def _journaled(directory: Path) -> tuple[int, int, dict[str, int]]:
    """(trials, baseline samples, trials per run) already in the campaign folder (read only), counted as
    the campaign counts them: distinct (run, index) trials and distinct baseline samples."""
    per_run: dict[str, set[int]] = {}
    trials, _ = read_jsonl(directory / TRIALS)
    for row in trials:
        per_run.setdefault(str(row.get("run_id")), set()).add(int(row.get("index", -1)))
    baseline, _ = read_jsonl(directory / BASELINE)
    samples = sum(map(len, done_samples(baseline).values()))
    return sum(map(len, per_run.values())), samples, {k: len(v) for k, v in per_run.items()}


def make_plan(spec: CampaignSpec, *, workers: int | None, dask: str | None, llm_concurrency: int | None,
              endpoints: dict[str, Endpoint], cache_dir: Path, out_dir: Path, mode: Mode) -> Plan:
    """The plan of `spec` (reads the cache and the journal if they exist; creates nothing)."""
    import os

    from llmhpo.harness.campaign.run import default_llm_concurrency

    capacity = 1 if workers == 1 else (workers or os.cpu_count() or 1)
    if dask:
        capacity = workers or capacity
    journaled, journaled_baseline, per_run = _journaled(Path(out_dir) / spec.name)
    store = None
    if mode in (Mode.LIVE, Mode.REPLAY) and Path(cache_dir).is_dir():
        from llmhpo.cache.store import CacheStore

        store = CacheStore(cache_dir)
    previous = previous_manifest(Path(out_dir) / spec.name) if mode is Mode.REPLAY else None
    endpoints, capabilities = gateway_keying(spec.model_settings, mode, previous, endpoints)  # as the campaign
    real = Gateway(mode=Mode.OFF, endpoints=endpoints, capabilities=capabilities)
    try:
        llm_runs = [r for r in spec.runs if r.model and optimizers.uses_llm(r.optimizer_name)]
        concurrency = llm_concurrency or (default_llm_concurrency(llm_runs, real) if llm_runs else 1)
        plan = Plan(spec.name, len(spec.runs), sum(r.budget for r in spec.runs),
                    spec.baseline_samples * len(spec.benchmarks), capacity, concurrency,
                    journaled_trials=journaled, journaled_baseline=journaled_baseline,
                    cache=str(cache_dir) if store is not None else None)
        benches = {name: load(name) for name in spec.benchmarks}
        eval_s = llm_s = longest = 0.0
        seen: set[str] = set()
        started, similar, borrowed = time.monotonic(), {}, 0
        for run in spec.runs:
            bench, uses = benches[run.benchmark], run in llm_runs
            group = (run.optimizer, run.benchmark, run.budget)
            if run.optimizer_name.startswith("smac") and not uses:
                tally = None  # SMAC writes its own run folder: not simulated (nothing may be created)
            elif time.monotonic() - started > SIMULATE_S and group in similar:
                tally, borrowed = similar[group], borrowed + 1  # another seed of the same run, already simulated
            else:
                tally = similar[group] = simulate(run, bench, real, store, uses_llm=uses, seen=seen)
            if tally is not None:
                plan.llm_checked += tally.llm_checked
                plan.llm_hits += tally.llm_hits
                plan.evals_checked += tally.evals_checked
                plan.eval_hits += tally.eval_hits
            left = max(0, run.budget - per_run.get(run.run_id, 0))
            run_eval = left * bench.expected_seconds
            eval_s += run_eval
            run_llm = 0.0
            if uses and tally is not None:
                m = plan.models.setdefault(run.model, ModelPlan(run.model, latency_s=_latency(run.model)))
                reasks = int(run.options.get("reasks", 2))
                m.runs += 1
                m.calls += tally.calls
                m.max_calls += tally.calls * (1 + reasks)
                m.prompt_tokens += tally.prompt_tokens
                m.completion_tokens += tally.completion_tokens
                m.sent += tally.sent
                m.sent_prompt_tokens += tally.sent_prompt_tokens
                m.sent_completion_tokens += tally.sent_completion_tokens
                run_llm = tally.sent * left / max(run.budget, 1) * m.latency_s
                llm_s += run_llm
            longest = max(longest, run_eval + run_llm)
        if borrowed:
            plan.notes.append(f"{borrowed} run(s) were not simulated (the dry run's {SIMULATE_S:g} s were used up): "
                              "counted as another seed of the same optimizer, task and budget, cache not checked")
        for m in plan.models.values():
            m.cost_usd = _cost(m.model, m.sent_prompt_tokens, m.sent_completion_tokens, catalogue=mode is not Mode.REPLAY)
        plan.trials_s = max(eval_s / capacity, llm_s / max(concurrency, 1), longest)
        samples_left = max(0, plan.baseline_samples - journaled_baseline)
        per_sample = sum(b.expected_seconds for b in benches.values()) / max(len(benches), 1)
        plan.baseline_s = samples_left * per_sample / capacity
        return plan
    finally:
        real.close()
        if store is not None:
            store.close()


def _latency(model: str) -> float:
    return LATENCY_S["local"] if model.startswith("local/") else LATENCY_S["hosted"]

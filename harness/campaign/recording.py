"""Trial recording: what the campaign journals for one finished trial, and what it counts.

Why here: the journaled record (harness.journal.trial.Trial), its parse and usage summaries and the
running totals must be derived the same way for a new trial, a re-derived one (resume) and a
replayed one (compared with the journal), so the driver calls these instead of building records.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from llmhpo.cache.key import canonical_json
from llmhpo.harness import faithfulness
from llmhpo.harness.benchmarks.base import Evaluation
from llmhpo.harness.journal.provenance import Provenance, of_transcript
from llmhpo.harness.journal.trial import COMPARED_FIELDS, RUN_FIELDS, WHEN_SET_FIELDS, Trial
from llmhpo.harness.optimizers.transcript import Outcome, Transcript

if TYPE_CHECKING:
    from llmhpo.harness.spec.campaign_spec import RunSpec



@dataclass
class Stats:
    """Running totals for the progress bar and the final summary."""

    total: int = 0
    done: int = 0
    rederived: int = 0
    crashed: int = 0
    eval_lookups: int = 0
    eval_hits: int = 0
    llm_calls: int = 0
    llm_hits: int = 0
    llm_failures: int = 0
    asking: int = 0  # asks (LLM calls) in flight right now
    calls_answered: int = 0  # LLM calls of asks that returned (counted at once, for the calls/s figure)
    phase: str = "trials"  # trials -> baseline (harness.campaign.progress names it)
    baseline_done: int = 0  # baseline samples journaled (this session and before)
    baseline_total: int = 0
    phase_s: dict[str, float] = field(default_factory=dict)  # wall time per phase this session
    cost_usd: float = 0.0
    would_have_cost_usd: float = 0.0
    unpriced: int = 0
    mismatches: list[str] = field(default_factory=list)
    failed_runs: dict[str, str] = field(default_factory=dict)  # run_id -> the provider's refusal
    llm_proposals: dict[str, dict[str, int]] = field(default_factory=dict)  # "label @ model" -> provenance counts

    def count(self, trial: Trial) -> None:
        """Add one finished trial (its status, parse record and LLM usage summary)."""
        self.crashed += not trial.ok
        faithfulness.count(self.llm_proposals, trial)
        llm = trial.llm
        if llm:
            self.llm_calls += llm["calls"]
            self.llm_hits += llm["cache_hits"]
            self.llm_failures += llm["failures"]
            if llm["cost_usd"] is None:
                self.unpriced += 1
            else:
                self.cost_usd += llm["cost_usd"]
                self.would_have_cost_usd += llm["would_have_cost_usd"]


def parse_summary(transcript: Transcript | Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The journal's parse record from an LLM proposal transcript (None for classical proposals). Its
    outcome is Outcome.OK or a provenance word, with this precedence (not provenance's: a re-ask
    counts before a repair): fallback > reasked > repaired > ok."""
    record = Transcript.read(transcript)
    if record is None or not record.asked:
        return None
    attempts = len(record.attempts)
    repairs = [str(r) for r in record.repairs]
    outcome: Outcome | Provenance
    if record.fallback:
        outcome = Provenance.FALLBACK
    elif attempts > 1:
        outcome = Provenance.REASKED
    elif repairs:
        outcome = Provenance.REPAIRED
    else:
        outcome = Outcome.OK
    return {"outcome": outcome.value, "repairs": repairs, "attempts": attempts}


def make_trial(run: RunSpec, index: int, config: dict[str, Any], evaluation: Evaluation, *, hit: bool, source: str,
               transcript: Transcript | None, llm: dict[str, Any] | None, t0: float) -> Trial:
    """The journal record of a finished trial (`t0`: when its ask started, for `wall_s`)."""
    return Trial(
        **{name: getattr(run, name) for name in RUN_FIELDS}, index=index,
        config=dict(config), loss=evaluation.loss, test_loss=evaluation.test_loss,  # a plain copy of the read-only canonical config
        status=evaluation.status, error=evaluation.info.get("error") if evaluation.status != "ok" else None,
        eval_cost_s=evaluation.cost_s, eval_cache_hit=hit,
        wall_s=round(time.perf_counter() - t0, 6), source=source,
        parse=parse_summary(transcript), llm=llm,
        transcript_ref=f"transcripts/{run.run_id}.jsonl#{index}" if transcript is not None else None,
        provenance=_value(of_transcript(source, transcript)),
    )


def _value(kind: Any) -> str | None:
    return None if kind is None else str(kind.value)


def journaled_evaluation(trial: Trial) -> Evaluation:
    """The evaluation a journaled trial recorded (told on resume when the cache does not hold it)."""
    info = {"error": trial.error} if trial.error else {}
    return Evaluation(loss=float(trial.loss), test_loss=trial.test_loss, cost_s=trial.eval_cost_s,
                      status=trial.status, info=info)


def same(a: Any, b: Any) -> bool:
    """Equal as journaled JSON (NaN equals NaN)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return canonical_json({"v": a}) == canonical_json({"v": b})


def differences(trial: Trial, journaled: Trial, where: str) -> list[str]:
    """A replayed trial against its journal line, one message per compared field that differs."""
    out = []
    for name in COMPARED_FIELDS:
        ours, theirs = getattr(trial, name), getattr(journaled, name)
        if name in WHEN_SET_FIELDS and theirs is None:
            continue  # a row journaled before the field existed: nothing recorded to compare
        if not same(ours, theirs):
            out.append(f"{where}: {name} {ours!r} != journaled {theirs!r}")
    return out

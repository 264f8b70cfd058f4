"""`llmhpo replay`: re-run a campaign from its manifest with both caches in strict REPLAY.

Why it matters: a replay proves the journal is reproducible from the recorded LLM replies and
evaluations alone, at no cost: every LLM reply comes from the cache (a miss is an error, never a
provider call), every evaluation too (nothing is trained), and each re-derived trial is compared
with the journal. Trials that crashed live were never cached; their journaled result is reused.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from llmhpo.cache.modes import Mode
from llmhpo.gateway import Gateway
from llmhpo.gateway.endpoints import endpoints_from
from llmhpo.harness.campaign.driver import Driver
from llmhpo.harness.campaign.executor import SerialExecutor, limit_threads
from llmhpo.harness.campaign.run import build_states
from llmhpo.harness.errors import UserError
from llmhpo.harness.faithfulness import replay_capabilities
from llmhpo.harness.journal.files import TRIALS, read_transcripts, read_trials
from llmhpo.harness.journal.manifest import load_manifest
from llmhpo.harness.journal.trial import Trial
from llmhpo.harness.revisions import of_manifest
from llmhpo.harness.spec.campaign_spec import RunSpec

if TYPE_CHECKING:
    from llmhpo.cache.modes import Store


@dataclass
class ReplayResult:
    directory: Path
    trials: int
    wall_s: float
    live_wall_s: float | None  # the live trials' wall time over every session (baseline not included)
    would_have_cost_usd: float
    unpriced: int
    llm_calls: int
    mismatches: list[str] = field(default_factory=list)
    sessions: int = 1

    @property
    def identical(self) -> bool:
        return not self.mismatches

    def summary(self) -> str:
        live = f"{self.live_wall_s:.1f} s" if self.live_wall_s else "unknown"
        if self.live_wall_s and self.sessions > 1:
            live += f" over {self.sessions} sessions"
        speed = f" ({self.live_wall_s / self.wall_s:.0f}x faster)" if self.live_wall_s and self.wall_s > 0 else ""
        cost = f"would have cost ${self.would_have_cost_usd:.4f}"
        if self.unpriced:
            cost += f" (+ {self.unpriced} trial(s) with unpriced calls)"
        verdict = "identical to the journal" if self.identical else f"{len(self.mismatches)} MISMATCH(ES)"
        return (f"replayed {self.trials} trials ({self.llm_calls} LLM calls) in {self.wall_s:.2f} s; "
                f"live wall time of the trials {live}{speed}; {cost}; {verdict}")


def replay(results_dir: Path | str, cache_dir: Path | str | None = None, *, store: Store | None = None) -> ReplayResult:
    """Replay every journaled trial from the caches; raises CacheMiss when something was not recorded.

    store: an open store (a CacheStore, or a `cache.Store` around one) to read instead of `cache_dir`;
    the caller keeps it (harness.publish.packing passes one that notes every entry read)."""
    from llmhpo.cache.store import CacheStore

    start = time.perf_counter()
    limit_threads("blas")
    directory, manifest = load_manifest(results_dir)
    journaled = read_trials(directory)
    if not journaled:
        raise UserError(f"{directory / TRIALS}: no finished trials to replay")
    reference: dict[str, dict[int, Trial]] = defaultdict(dict)
    for trial in journaled:
        reference[trial.run_id].setdefault(trial.index, trial)
    runs = [RunSpec.from_dict(r) for r in manifest.get("runs") or []]
    runs = [r for r in runs if reference.get(r.run_id)]
    owned: CacheStore | None = None  # the store opened here, closed here
    if store is None:
        path = Path(cache_dir or (manifest.get("cache") or {}).get("path") or "")
        if not str(path) or not path.is_dir():
            raise UserError(f"cache directory {str(path)!r} not found; pass --cache DIR")
        store = owned = CacheStore(path)

    # requests are keyed by the endpoints the manifest recorded live, whatever the environment says now
    gateway = Gateway(cache_dir=store, mode=Mode.REPLAY, endpoints=endpoints_from(manifest.get("endpoints"), pinned=True),
                      capabilities=replay_capabilities(manifest))
    try:
        states = build_states(runs, gateway, reference, read_transcripts(directory), revisions=of_manifest(manifest))
        for state in states:
            state.stop_at = len(state.reference)
        driver = Driver(states, executor=SerialExecutor(), store=store, mode=Mode.REPLAY, gateway=gateway,
                        sink=None, strict_reference=True)
        stats = driver.run()
    finally:
        gateway.close()
        if owned is not None:
            owned.close()
    missing = sum(len(v) for k, v in reference.items() if k not in {r.run_id for r in runs})
    mismatches = list(stats.mismatches)
    if missing:
        mismatches.append(f"{missing} journaled trial(s) belong to runs the manifest does not list")
    short = [f"{s.run.run_id}: replay ended after {s.index} of {len(s.reference)} journaled trials"
             for s in states if s.index < len(s.reference)]
    return ReplayResult(
        directory=directory, trials=stats.done, wall_s=time.perf_counter() - start,
        live_wall_s=live_trials_s(manifest), sessions=int(manifest.get("sessions") or 1),
        would_have_cost_usd=stats.would_have_cost_usd,
        unpriced=stats.unpriced, llm_calls=stats.llm_calls, mismatches=mismatches + short,
    )


def live_trials_s(manifest: dict) -> float | None:
    """The live campaign's time for its trials, summed over its sessions (a replay re-derives trials,
    never the baseline); manifests without `phase_s` only have `live_wall_s` (all phases)."""
    phases = manifest.get("phase_s") or {}
    if isinstance(phases, dict) and isinstance(phases.get("trials"), int | float):
        return float(phases["trials"])
    return manifest.get("live_wall_s")

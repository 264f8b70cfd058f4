"""The campaign driver: many sequential runs advanced at once, evaluations sent to an executor.

Why this shape (ARCHITECTURE.md "One trial", "Parallelism"): every run is ask -> evaluate -> tell
in order, so a run is fully determined by its spec and seed whatever the scheduling; the driver
thread does all asks (LLM calls) and all cache reads and writes, and only evaluations travel.

Resume and replay share one mechanism: a `reference` (the journaled trials of each run). A run is
re-derived from its start; for a trial already in the reference the re-derived config must equal
the journaled one, and the optimizer is told the journaled result instead of training again.
"""

from __future__ import annotations

import math
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cache.errors import CacheMiss
from cache.key import canonical_json, fingerprint
from cache.modes import Mode
from harness.benchmarks.base import Benchmark, Evaluation
from harness.errors import InvalidConfig, UserError
from harness.evaluation import NAMESPACE, crashed, eval_request
from harness.spec import RunSpec

_COMPARED = ("config", "loss", "test_loss", "status", "source")


@dataclass
class Pending:
    """One evaluation out at the executor (or about to be finished inline)."""

    index: int
    config: dict[str, Any]
    key: str
    request: dict[str, Any]
    proposal: Any
    llm: dict[str, Any] | None
    t0: float


@dataclass
class RunState:
    run: RunSpec
    bench: Benchmark
    optimizer: Any
    reference: dict[int, dict[str, Any]] = field(default_factory=dict)
    index: int = 0
    pending: Pending | None = None
    done: bool = False
    stop_at: int | None = None  # replay: stop after the journaled trials


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
    cost_usd: float = 0.0
    would_have_cost_usd: float = 0.0
    unpriced: int = 0
    mismatches: list[str] = field(default_factory=list)


def _ledger_view(gateway: Any) -> dict[str, Any]:
    led = gateway.ledger
    return {"calls": led.calls, "cache_hits": led.cache_hits, "prompt_tokens": led.prompt_tokens,
            "completion_tokens": led.completion_tokens, "cost_usd": led.cost_usd,
            "would_have_cost_usd": led.would_have_cost_usd, "unpriced": led.unpriced_calls}


def _llm_delta(before: dict[str, Any], after: dict[str, Any], transcript: dict[str, Any] | None) -> dict[str, Any]:
    d = {k: after[k] - before[k] for k in before}
    failures = int(((transcript or {}).get("totals") or {}).get("errors") or 0)
    unpriced = d.pop("unpriced") > 0
    return {"calls": d["calls"] + failures, "cache_hits": d["cache_hits"], "prompt_tokens": d["prompt_tokens"],
            "completion_tokens": d["completion_tokens"], "cost_usd": None if unpriced else round(d["cost_usd"], 10),
            "would_have_cost_usd": None if unpriced else round(d["would_have_cost_usd"], 10), "failures": failures}


def parse_summary(transcript: dict[str, Any] | None) -> dict[str, Any] | None:
    """The journal's parse record from an LLM proposal transcript (None for classical proposals)."""
    if not transcript or "attempts" not in transcript:
        return None
    attempts = len(transcript.get("attempts") or [])
    repairs = [str(r) for r in transcript.get("repairs") or []]
    if transcript.get("fallback"):
        outcome = "fallback"
    elif attempts > 1:
        outcome = "reasked"
    elif repairs:
        outcome = "repaired"
    else:
        outcome = "ok"
    return {"outcome": outcome, "repairs": repairs, "attempts": attempts}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return canonical_json({"v": a}) == canonical_json({"v": b})


def _evaluation_from_trial(trial: dict[str, Any]) -> Evaluation:
    info = {"error": trial["error"]} if trial.get("error") else {}
    return Evaluation(loss=float(trial["loss"]), test_loss=trial.get("test_loss"),
                      cost_s=float(trial.get("eval_cost_s") or 0.0), status=trial.get("status", "ok"), info=info)


class Driver:
    """Advance every run to its budget; `sink(trial, transcript)` receives each new finished trial."""

    def __init__(
        self,
        runs: list[RunState],
        *,
        executor: Any,
        store: Any,
        mode: Mode,
        gateway: Any,
        sink: Callable[[dict[str, Any], dict[str, Any] | None], None] | None,
        strict_reference: bool = False,
        on_progress: Callable[[Stats], None] | None = None,
    ) -> None:
        self.runs = runs
        self.executor = executor
        self.store = store
        self.mode = mode
        self.gateway = gateway
        self.sink = sink
        self.strict = strict_reference
        self.on_progress = on_progress or (lambda s: None)
        self.stats = Stats(total=sum(r.run.budget if r.stop_at is None else r.stop_at for r in runs))
        self.stopping = False
        self._inflight: dict[str, tuple[Any, list[RunState]]] = {}

    # -- signals ---------------------------------------------------------------------------------
    def _on_sigint(self, signum: int, frame: Any) -> None:
        if self.stopping:
            raise KeyboardInterrupt
        self.stopping = True

    def run(self) -> Stats:
        """Drive all runs; on Ctrl-C finish the trials in flight, then raise KeyboardInterrupt."""
        try:
            previous = signal.signal(signal.SIGINT, self._on_sigint)
        except ValueError:  # not the main thread: no graceful Ctrl-C
            previous = None
        try:
            self._loop()
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        if self.stopping:
            raise KeyboardInterrupt
        return self.stats

    def _loop(self) -> None:
        while True:
            if not self.stopping:
                for state in self.runs:
                    if not state.done and state.pending is None:
                        self._advance(state)
            if not self._inflight:
                if self.stopping or all(s.done for s in self.runs):
                    return
                continue
            handles = [h for h, _ in self._inflight.values()]
            for handle in self.executor.wait(handles, timeout=0.2):
                self._collect(handle)

    # -- one run ---------------------------------------------------------------------------------
    def _advance(self, state: RunState) -> None:
        """Ask and finish trials inline (cache hits, re-derived trials) until one must be evaluated."""
        while not state.done and state.pending is None and not self.stopping:
            limit = state.run.budget if state.stop_at is None else state.stop_at
            if state.index >= limit or getattr(state.optimizer, "stopped", False):
                self._end(state)
                return
            t0 = time.perf_counter()
            before = _ledger_view(self.gateway) if self.gateway is not None else None
            proposal = state.optimizer.ask()
            llm = None
            if before is not None and state.run.model is not None:
                llm = _llm_delta(before, _ledger_view(self.gateway), proposal.transcript)
            try:
                request = eval_request(state.bench, proposal.config, state.run.seed)
            except InvalidConfig as exc:
                pending = Pending(state.index, dict(proposal.config), "", {}, proposal, llm, t0)
                self._finish(state, pending, crashed(state.bench, f"invalid config proposed: {exc}"), False)
                continue
            key = fingerprint(request, namespace=NAMESPACE)
            pending = Pending(state.index, request["config"], key, request, proposal, llm, t0)
            ref = state.reference.get(state.index)
            if ref is not None:
                self._rederive(state, pending, ref)
                continue
            evaluation = self._lookup(pending)
            if evaluation is not None:
                self._finish(state, pending, evaluation, True)
                continue
            state.pending = pending
            entry = self._inflight.get(key)
            if entry is None:
                self._inflight[key] = (self.executor.submit(state.run.benchmark, pending.config, state.run.seed), [state])
            else:
                entry[1].append(state)

    def _lookup(self, pending: Pending) -> Evaluation | None:
        if self.store is None or self.mode in (Mode.OFF, Mode.RECORD):
            return None
        self.stats.eval_lookups += 1
        stored = self.store.get(pending.key, NAMESPACE)
        if stored is None:
            if self.mode is Mode.REPLAY:
                raise CacheMiss(pending.key, f"evaluation {pending.request}", None)
            return None
        self.stats.eval_hits += 1
        return Evaluation.from_dict(stored)

    def _rederive(self, state: RunState, pending: Pending, ref: dict[str, Any]) -> None:
        """A trial already journaled: check the config matches, tell the recorded result."""
        where = f"{state.run.run_id}#{pending.index}"
        if not _same(pending.config, ref.get("config")):
            message = f"{where}: re-derived config {pending.config} != journaled {ref.get('config')}"
            if not self.strict:
                raise UserError(
                    f"cannot resume: {message}; the optimizer or its inputs changed since the journal was "
                    "written (run into a new --out)"
                )
            self.stats.mismatches.append(message)
        evaluation = None
        if ref.get("status", "ok") == "ok" and self.store is not None and self.mode is not Mode.OFF:
            stored = self.store.get(pending.key, NAMESPACE)
            if stored is None and self.strict:
                raise CacheMiss(pending.key, f"evaluation {pending.request}", None)
            evaluation = Evaluation.from_dict(stored) if stored is not None else None
        if evaluation is None:
            evaluation = _evaluation_from_trial(ref)
        if self.strict:
            trial = self._trial(state, pending, evaluation, True)
            for name in _COMPARED:
                if not _same(trial.get(name), ref.get(name)):
                    self.stats.mismatches.append(f"{where}: {name} {trial.get(name)!r} != journaled {ref.get(name)!r}")
            self._count(trial)
        else:
            self._count(ref)
        self.stats.rederived += 1
        self.stats.done += 1
        state.optimizer.tell(pending.config, evaluation)
        state.index += 1
        self.on_progress(self.stats)

    def _collect(self, handle: Any) -> None:
        key = next(k for k, (h, _) in self._inflight.items() if h is handle)
        _, states = self._inflight.pop(key)
        try:
            evaluation = Evaluation.from_dict(self.executor.result(handle))
        except Exception as exc:  # a worker that died or a task that could not run
            evaluation = crashed(states[0].bench, f"evaluation failed in the executor: {type(exc).__name__}: {exc}")
        if evaluation.status == "ok" and self.store is not None and self.mode in (Mode.LIVE, Mode.RECORD):
            self.store.put(key, evaluation.to_dict(), NAMESPACE, request=states[0].pending.request)
        for state in states:
            pending, state.pending = state.pending, None
            self._finish(state, pending, evaluation, False)

    def _trial(self, state: RunState, pending: Pending, evaluation: Evaluation, hit: bool) -> dict[str, Any]:
        run, proposal = state.run, pending.proposal
        transcript = proposal.transcript
        return {
            "run_id": run.run_id, "index": pending.index, "benchmark": run.benchmark, "optimizer": run.optimizer,
            "optimizer_name": run.optimizer_name, "model": run.model, "seed": run.seed, "budget": run.budget,
            "config": pending.config, "loss": evaluation.loss, "test_loss": evaluation.test_loss,
            "status": evaluation.status, "error": evaluation.info.get("error") if evaluation.status != "ok" else None,
            "eval_cost_s": evaluation.cost_s, "eval_cache_hit": hit,
            "wall_s": round(time.perf_counter() - pending.t0, 6), "source": proposal.source,
            "parse": parse_summary(transcript), "llm": pending.llm,
            "transcript_ref": f"transcripts/{run.run_id}.jsonl#{pending.index}" if transcript is not None else None,
        }

    def _count(self, trial: dict[str, Any]) -> None:
        self.stats.crashed += trial["status"] != "ok"
        llm = trial.get("llm")
        if llm:
            self.stats.llm_calls += llm["calls"]
            self.stats.llm_hits += llm["cache_hits"]
            self.stats.llm_failures += llm["failures"]
            if llm["cost_usd"] is None:
                self.stats.unpriced += 1
            else:
                self.stats.cost_usd += llm["cost_usd"]
                self.stats.would_have_cost_usd += llm["would_have_cost_usd"]

    def _finish(self, state: RunState, pending: Pending, evaluation: Evaluation, hit: bool) -> None:
        trial = self._trial(state, pending, evaluation, hit)
        self._count(trial)
        if self.sink is not None:
            self.sink(trial, pending.proposal.transcript)
        self.stats.done += 1
        state.optimizer.tell(pending.config, evaluation)
        state.index += 1
        self.on_progress(self.stats)

    def _end(self, state: RunState) -> None:
        state.done = True
        self.stats.total -= (state.run.budget if state.stop_at is None else state.stop_at) - state.index  # an early stop (patience) shrinks the total
        self.on_progress(self.stats)


# -- one campaign, end to end ---------------------------------------------------------------------
@dataclass
class Outcome:
    directory: Any
    stats: Stats
    wall_s: float
    complete: bool
    notes: list[str]


def build_states(runs: list[RunSpec], gateway: Any, reference: dict[str, dict[int, dict[str, Any]]],
                 workdir: Any = None) -> list[RunState]:
    """One fresh optimizer per run; `workdir/<run_id>` is where a run's optimizer may keep files."""
    from harness import optimizers
    from harness.benchmarks import load

    benches: dict[str, Benchmark] = {}
    states = []
    for run in runs:
        bench = benches.get(run.benchmark) or benches.setdefault(run.benchmark, load(run.benchmark))
        opt = optimizers.create(run.optimizer_name, space=bench.space, seed=run.seed, budget=run.budget, task=bench,
                                model=run.model, gateway=gateway,
                                workdir=None if workdir is None else workdir / run.run_id, **run.options)
        states.append(RunState(run, bench, opt, reference=dict(reference.get(run.run_id, {}))))
    return states


def _baseline(spec: Any, states: list[RunState], executor: Any, store: Any, mode: Mode) -> list[dict[str, Any]]:
    """`baseline_samples` seeded random configs per benchmark, through the eval cache and executor."""
    import numpy as np

    benches = {s.bench.name: s.bench for s in states}
    rows: list[dict[str, Any]] = []
    todo: list[tuple[dict[str, Any], Any]] = []
    for name, bench in benches.items():
        rng = np.random.default_rng([int(fingerprint(name, namespace="baseline")[:8], 16), 0])
        for i in range(spec.baseline_samples):
            seed = spec.seeds[i % len(spec.seeds)]
            request = eval_request(bench, bench.space.sample(rng), seed)
            key = fingerprint(request, namespace=NAMESPACE)
            row = {"benchmark": name, "config": request["config"]}
            stored = store.get(key, NAMESPACE) if store is not None and mode in (Mode.LIVE, Mode.REPLAY) else None
            if stored is not None:
                rows.append({**row, "loss": stored["loss"], "test_loss": stored["test_loss"]})
            elif mode is Mode.REPLAY:  # strict, as for trials (Driver._lookup): a miss never trains
                raise CacheMiss(key, f"baseline evaluation {request}", None)
            else:
                todo.append((row, (key, request, executor.submit(name, request["config"], seed))))
    for row, (key, request, handle) in todo:
        while not executor.wait([handle], timeout=1.0):
            pass
        ev = Evaluation.from_dict(executor.result(handle))
        if ev.status == "ok":
            if store is not None and mode in (Mode.LIVE, Mode.RECORD):
                store.put(key, ev.to_dict(), NAMESPACE, request=request)
            rows.append({**row, "loss": ev.loss, "test_loss": ev.test_loss})
    return rows


def run_campaign(
    spec: Any, *, out_dir: Any, cache_dir: Any, mode: Mode, workers: int | None = None, dask: str | None = None,
    on_progress: Callable[[Stats], None] | None = None,
) -> Outcome:
    """Run (or resume) `spec` into `<out_dir>/<spec.name>`; KeyboardInterrupt after a graceful stop."""
    from pathlib import Path

    from gateway import Gateway
    from harness.executor import LazyExecutor, limit_threads, make_executor
    from harness.journal import Journal, build_manifest

    start = time.perf_counter()
    limit_threads("blas")  # same BLAS threading in every session, so optimizer fits re-derive bit for bit
    directory = Path(out_dir) / spec.name
    store = None
    if mode is not Mode.OFF:
        from cache.store import CacheStore

        store = CacheStore(Path(cache_dir))
    manifest = build_manifest(spec, list(spec.runs), str(cache_dir), mode.value)
    journal = Journal.open(directory, manifest)
    prior_elapsed = float(journal.manifest.get("elapsed_s") or 0.0)
    gateway = Gateway(cache_dir=store, mode=mode) if store is not None else Gateway(mode=mode)
    executor = LazyExecutor(lambda: make_executor(workers, dask))
    try:
        # A run whose whole budget is journaled needs no re-derivation.
        todo = [r for r in spec.runs if len(journal.finished.get(r.run_id, {})) < r.budget]
        states = build_states(todo, gateway, journal.finished, workdir=directory / "optimizer-files")
        driver = Driver(states, executor=executor, store=store, mode=mode, gateway=gateway, sink=journal.append,
                        on_progress=on_progress)
        already = sum(min(len(journal.finished.get(r.run_id, {})), r.budget) for r in spec.runs if r not in todo)
        driver.stats.total += already
        driver.stats.done += already
        try:
            stats = driver.run()
        finally:
            journal.set_manifest(elapsed_s=round(prior_elapsed + time.perf_counter() - start, 3))
        if spec.baseline_samples:
            journal.write_baseline(_baseline(spec, states, executor, store, mode))
        wall = prior_elapsed + time.perf_counter() - start
        if mode in (Mode.LIVE, Mode.RECORD) and journal.manifest.get("live_wall_s") is None:
            journal.set_manifest(live_wall_s=round(wall, 3), elapsed_s=round(wall, 3))
        return Outcome(directory, stats, wall, True, journal.notes)
    finally:
        executor.close()
        journal.close()
        gateway.close()
        if store is not None:
            store.close()

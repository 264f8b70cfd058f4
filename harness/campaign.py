"""The campaign driver: many sequential runs advanced at once, evaluations sent to an executor.

Why this shape (ARCHITECTURE.md "One trial", "Parallelism"): every run is ask -> evaluate -> tell
in order, so a run is fully determined by its spec and seed whatever the scheduling; the driver
thread does all asks (LLM calls) and all cache reads and writes, and only evaluations travel.

LLM calls of different runs may be in flight at once (`llm_concurrency` > 1): the asks of runs
with a model go to a thread pool, one ask per run at a time, and everything else (telling, cache
lookups, journaling) stays on the driver thread, so each run sees exactly the serial sequence of
events and a concurrent campaign journals the same trials as a serial one, in another order.

Resume and replay share one mechanism: a `reference` (the journaled trials of each run). A run is
re-derived from its start; for a trial already in the reference the re-derived config must equal
the journaled one, and the optimizer is told the journaled result instead of training again.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import math
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cache.errors import CacheMiss
from cache.key import canonical_json, fingerprint
from cache.modes import Mode
from gateway.errors import ProviderRefused
from harness import fidelity
from harness.benchmarks.base import Benchmark, Evaluation
from harness.errors import InvalidConfig, UserError
from harness.evaluation import NAMESPACE, crashed, eval_request
from harness.journal import Trial
from harness.optimizers.base import validation_only
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
    refused: ProviderRefused | None = None  # a refusal raised while telling this trial's result


@dataclass
class RunState:
    run: RunSpec
    bench: Benchmark
    optimizer: Any
    reference: dict[int, Trial] = field(default_factory=dict)
    index: int = 0
    pending: Pending | None = None
    done: bool = False
    stop_at: int | None = None  # replay: stop after the journaled trials
    asking: bool = False  # its ask() is running in the LLM thread pool


@dataclass
class Asked:
    """One optimizer.ask() and the LLM usage it caused (None for runs without a model)."""

    proposal: Any
    llm: dict[str, Any] | None
    t0: float


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
    cost_usd: float = 0.0
    would_have_cost_usd: float = 0.0
    unpriced: int = 0
    mismatches: list[str] = field(default_factory=list)
    failed_runs: dict[str, str] = field(default_factory=dict)  # run_id -> the provider's refusal
    llm_proposals: dict[str, list[int]] = field(default_factory=dict)  # "label @ model" -> [proposals, fallbacks]


def _llm_usage(tally: Any, transcript: dict[str, Any] | None) -> dict[str, Any]:
    """The journal's `llm` record of one ask from the gateway calls it made (`Ledger.track`)."""
    failures = int(((transcript or {}).get("totals") or {}).get("errors") or 0)
    unpriced = tally.unpriced_calls > 0
    return {"calls": tally.calls + failures, "cache_hits": tally.cache_hits, "prompt_tokens": tally.prompt_tokens,
            "completion_tokens": tally.completion_tokens, "cost_usd": None if unpriced else round(tally.cost_usd, 10),
            "would_have_cost_usd": None if unpriced else round(tally.would_have_cost_usd, 10), "failures": failures}


def _add_llm(a: dict[str, Any] | None, b: dict[str, Any]) -> dict[str, Any]:
    """Sum of two trial LLM records (ask-time and tell-time calls); unknown cost stays unknown."""
    if a is None:
        return b
    out = {k: a[k] + b[k] for k in ("calls", "cache_hits", "prompt_tokens", "completion_tokens", "failures")}
    for k in ("cost_usd", "would_have_cost_usd"):
        out[k] = None if a[k] is None or b[k] is None else round(a[k] + b[k], 10)
    return out


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


def _evaluation_from_trial(trial: Trial) -> Evaluation:
    info = {"error": trial.error} if trial.error else {}
    return Evaluation(loss=float(trial.loss), test_loss=trial.test_loss, cost_s=trial.eval_cost_s,
                      status=trial.status, info=info)


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
        sink: Callable[[Trial, dict[str, Any] | None], None] | None,
        strict_reference: bool = False,
        on_progress: Callable[[Stats], None] | None = None,
        on_failure: Callable[[dict[str, Any]], None] | None = None,
        on_stop: Callable[[str, int, str], None] | None = None,
        llm_concurrency: int = 1,
    ) -> None:
        self.on_stop = on_stop  # (run_id, trials, reason) when an optimizer ends its run early
        self.runs = runs
        self.executor = executor
        self.store = store
        self.mode = mode
        self.gateway = gateway
        self.sink = sink
        self.strict = strict_reference
        self.on_progress = on_progress or (lambda s: None)
        self.on_failure = on_failure or (lambda record: None)
        self.stats = Stats(total=sum(r.run.budget if r.stop_at is None else r.stop_at for r in runs))
        self.stopping = False
        self._inflight: dict[str, tuple[Any, list[RunState]]] = {}
        self._asks: dict[cf.Future, RunState] = {}
        self._count_lock = threading.Lock()
        self._pool = (cf.ThreadPoolExecutor(llm_concurrency, thread_name_prefix="llmhpo-ask")
                      if llm_concurrency > 1 and gateway is not None else None)

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
            if self._pool is not None:  # asks still running (an error, a second Ctrl-C): their replies are cached
                self._pool.shutdown(wait=False, cancel_futures=True)
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        if self.stopping:
            raise KeyboardInterrupt
        return self.stats

    def _loop(self) -> None:
        while True:
            if not self.stopping:
                for state in self.runs:
                    if self._idle(state):
                        self._advance(state)
            if not self._inflight and not self._asks:
                if self.stopping or all(s.done for s in self.runs):
                    return
                continue
            self._wait()

    def _wait(self) -> None:
        """Take whatever finished first: answered asks (LLM thread pool) and evaluations (executor)."""
        if self._asks:
            answered, _ = cf.wait(list(self._asks), timeout=0.05 if self._inflight else 0.2,
                                  return_when=cf.FIRST_COMPLETED)
            for future in answered:
                self._answered(future)
        if self._inflight:
            handles = [h for h, _ in self._inflight.values()]
            for handle in self.executor.wait(handles, timeout=0.05 if self._asks else 0.2):
                self._collect(handle)

    # -- one run ---------------------------------------------------------------------------------
    @staticmethod
    def _idle(state: RunState) -> bool:
        return not state.done and state.pending is None and not state.asking

    def _ask(self, state: RunState) -> Asked:
        """The run's next proposal: the one place optimizer.ask() is called (on a pool thread for
        runs with a model when LLM calls run concurrently, else on the driver thread)."""
        t0 = time.perf_counter()
        if self.gateway is None or state.run.model is None:
            return Asked(state.optimizer.ask(), None, t0)
        with self._asking(), self.gateway.ledger.track() as tally:
            proposal = state.optimizer.ask()
        return Asked(proposal, _llm_usage(tally, proposal.transcript), t0)

    @contextlib.contextmanager
    def _asking(self) -> Iterator[None]:
        """Count the asks in flight (LLM calls) for the progress display."""
        with self._count_lock:
            self.stats.asking += 1
        try:
            yield
        finally:
            with self._count_lock:
                self.stats.asking -= 1

    def _answered(self, future: cf.Future) -> None:
        state = self._asks.pop(future)
        state.asking = False
        try:
            asked = future.result()  # an ask that raised (strict replay miss) raises here
        except ProviderRefused as exc:
            self._fail(state, exc)
            return
        if self.stopping:  # stopping: its reply is cached, so a resume re-asks it at no cost
            return
        self._take(state, asked)
        self._advance(state)

    def _advance(self, state: RunState) -> None:
        """Ask and finish trials inline (cache hits, re-derived trials) until one must be evaluated
        or, with concurrent LLM calls, until the run's ask is out in the thread pool."""
        while self._idle(state) and not self.stopping:
            limit = state.run.budget if state.stop_at is None else state.stop_at
            if state.index >= limit or getattr(state.optimizer, "stopped", False):
                self._end(state)
                return
            if self._pool is not None and state.run.model is not None:
                state.asking = True
                self._asks[self._pool.submit(self._ask, state)] = state
                return
            try:
                asked = self._ask(state)
            except ProviderRefused as exc:
                self._fail(state, exc)
                return
            self._take(state, asked)

    def _take(self, state: RunState, asked: Asked) -> None:
        """A proposal: finish it inline (re-derived, cache hit, invalid) or send it to the executor."""
        proposal, llm, t0 = asked.proposal, asked.llm, asked.t0
        try:
            request = eval_request(state.bench, proposal.config, state.run.seed)
        except InvalidConfig as exc:
            pending = Pending(state.index, dict(proposal.config), "", {}, proposal, llm, t0)
            self._finish(state, pending, crashed(state.bench, f"invalid config proposed: {exc}"), False)
            return
        key = fingerprint(request, namespace=NAMESPACE)
        pending = Pending(state.index, request["config"], key, request, proposal, llm, t0)
        ref = state.reference.get(state.index)
        if ref is not None:
            self._rederive(state, pending, ref)
            return
        evaluation = self._lookup(pending)
        if evaluation is not None:
            self._finish(state, pending, evaluation, True)
            return
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

    def _rederive(self, state: RunState, pending: Pending, ref: Trial) -> None:
        """A trial already journaled: check the config matches, tell the recorded result."""
        where = f"{state.run.run_id}#{pending.index}"
        if not _same(pending.config, ref.config):
            message = f"{where}: re-derived config {pending.config} != journaled {ref.config}"
            if not self.strict:
                raise UserError(
                    f"cannot resume: {message}; the optimizer or its inputs changed since the journal was "
                    "written (run into a new --out)"
                )
            self.stats.mismatches.append(message)
        evaluation = None
        if ref.ok and self.store is not None and self.mode is not Mode.OFF:
            stored = self.store.get(pending.key, NAMESPACE)
            if stored is None and self.strict:
                raise CacheMiss(pending.key, f"evaluation {pending.request}", None)
            evaluation = Evaluation.from_dict(stored) if stored is not None else None
        if evaluation is None:
            evaluation = _evaluation_from_trial(ref)
        transcript = self._tell(state, pending, evaluation)
        if self.strict:
            trial = self._trial(state, pending, evaluation, True, transcript)
            for name in _COMPARED:
                ours, theirs = getattr(trial, name), getattr(ref, name)
                if not _same(ours, theirs):
                    self.stats.mismatches.append(f"{where}: {name} {ours!r} != journaled {theirs!r}")
            self._count(trial)
        else:
            self._count(ref)
        self.stats.rederived += 1
        self.stats.done += 1
        state.index += 1
        self.on_progress(self.stats)
        if pending.refused is not None:
            self._fail(state, pending.refused)

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

    def _trial(self, state: RunState, pending: Pending, evaluation: Evaluation, hit: bool,
               transcript: dict[str, Any] | None = None) -> Trial:
        run, proposal = state.run, pending.proposal
        transcript = proposal.transcript if transcript is None else transcript
        return Trial(
            run_id=run.run_id, index=pending.index, benchmark=run.benchmark, optimizer=run.optimizer,
            optimizer_name=run.optimizer_name, model=run.model, seed=run.seed, budget=run.budget,
            config=pending.config, loss=evaluation.loss, test_loss=evaluation.test_loss,
            status=evaluation.status, error=evaluation.info.get("error") if evaluation.status != "ok" else None,
            eval_cost_s=evaluation.cost_s, eval_cache_hit=hit,
            wall_s=round(time.perf_counter() - pending.t0, 6), source=proposal.source,
            parse=parse_summary(transcript), llm=pending.llm,
            transcript_ref=f"transcripts/{run.run_id}.jsonl#{pending.index}" if transcript is not None else None,
        )

    def _count(self, trial: Trial) -> None:
        self.stats.crashed += not trial.ok
        fidelity.count(self.stats.llm_proposals, trial)
        llm = trial.llm
        if llm:
            self.stats.llm_calls += llm["calls"]
            self.stats.llm_hits += llm["cache_hits"]
            self.stats.llm_failures += llm["failures"]
            if llm["cost_usd"] is None:
                self.stats.unpriced += 1
            else:
                self.stats.cost_usd += llm["cost_usd"]
                self.stats.would_have_cost_usd += llm["would_have_cost_usd"]

    def _tell(self, state: RunState, pending: Pending, evaluation: Evaluation) -> dict[str, Any] | None:
        """Tell the optimizer (validation only); LLM calls it makes in tell() (llm-tpe narrowing) join
        this trial's llm record and transcript, which this returns."""
        tracked = pending.llm is not None and self.gateway is not None
        with self.gateway.ledger.track() if tracked else contextlib.nullcontext() as tally:
            try:
                state.optimizer.tell(pending.config, validation_only(evaluation))  # never the test loss
            except ProviderRefused as exc:  # refused in tell (llm-tpe narrowing): the trial stands, the run stops
                pending.refused = exc
        transcript = pending.proposal.transcript
        drain = getattr(state.optimizer, "drain_calls", None)
        calls = drain() if drain is not None else []
        if calls:
            transcript = {**(transcript or {}), "tell_calls": calls}
        if tracked:
            failures = sum(1 for c in calls if c.get("error"))
            pending.llm = _add_llm(pending.llm, _llm_usage(tally, {"totals": {"errors": failures}}))
        return transcript

    def _finish(self, state: RunState, pending: Pending, evaluation: Evaluation, hit: bool) -> None:
        transcript = self._tell(state, pending, evaluation)  # first, so tell-time calls are journaled
        trial = self._trial(state, pending, evaluation, hit, transcript)
        self._count(trial)
        if self.sink is not None:
            self.sink(trial, transcript)
        self.stats.done += 1
        state.index += 1
        self.on_progress(self.stats)
        if pending.refused is not None:
            self._fail(state, pending.refused)

    def _fail(self, state: RunState, exc: ProviderRefused) -> None:
        """The provider refused this run's request: stop the run (others go on), journal why; a resume
        retries it from its journaled trials."""
        record = {"run_id": state.run.run_id, "index": state.index, "model": state.run.model,
                  "status": exc.status, "error": str(exc)}
        self.stats.failed_runs[state.run.run_id] = str(exc)
        self.on_failure(record)
        self._end(state, failed=True)

    def _end(self, state: RunState, *, failed: bool = False) -> None:
        state.done = True
        # an optimizer's own early stop completes the run; a failed run stays unfinished (a resume retries it)
        if self.on_stop is not None and not failed and state.stop_at is None and state.index < state.run.budget:
            self.on_stop(state.run.run_id, state.index, getattr(state.optimizer, "stop_reason", "optimizer stopped"))
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


def build_states(runs: list[RunSpec], gateway: Any, reference: dict[str, dict[int, Trial]],
                 transcripts: dict[str, dict[int, dict[str, Any]]] | None = None, workdir: Any = None) -> list[RunState]:
    """One fresh optimizer per run; a run re-derived from its journal follows its recorded LLM attempts;
    `workdir/<run_id>` is where a run's optimizer may keep files."""
    from harness import optimizers
    from harness.benchmarks import load
    from harness.recorded_attempts import RecordedAttempts

    benches: dict[str, Benchmark] = {}
    states = []
    for run in runs:
        bench = benches.get(run.benchmark) or benches.setdefault(run.benchmark, load(run.benchmark))
        recorded = {i: t for i, t in (transcripts or {}).get(run.run_id, {}).items() if i in reference.get(run.run_id, {})}
        run_gateway = RecordedAttempts(gateway, recorded) if recorded and gateway is not None else gateway
        opt = optimizers.create(run.optimizer_name, space=bench.space, seed=run.seed, budget=run.budget, task=bench,
                                model=run.model, gateway=run_gateway,
                                workdir=None if workdir is None else workdir / run.run_id, **run.options)
        states.append(RunState(run, bench, opt, reference=dict(reference.get(run.run_id, {}))))
    return states


def default_llm_concurrency(runs: list[RunSpec], gateway: Any) -> int:
    """LLM calls in flight when the user sets none: each provider the runs use at its own limit
    (16 for hosted APIs, the llama.cpp slots for the embedded model), added up."""
    providers = {id(p): p for p in (gateway.provider(m) for m in {r.model for r in runs if r.model})}
    return max(1, sum(p.max_concurrency for p in providers.values()))


def run_campaign(
    spec: Any, *, out_dir: Any, cache_dir: Any, mode: Mode, workers: int | None = None, dask: str | None = None,
    on_progress: Callable[[Stats], None] | None = None, endpoints: dict[str, Any] | None = None,
    gateway_options: dict[str, Any] | None = None, llm_concurrency: int | None = None,
) -> Outcome:
    """Run (or resume) `spec` into `<out_dir>/<spec.name>`; KeyboardInterrupt after a graceful stop.

    endpoints: {model: gateway.endpoints.Endpoint} (default: the spec's [model_settings]); recorded
    in the manifest without credentials. gateway_options: Gateway arguments (timeout_s, max_attempts).
    The campaign directory is locked while this runs (harness/lock.py).
    """
    from pathlib import Path

    from harness.executor import make_executor
    from harness.journal import check_creatable
    from harness.lock import campaign_lock
    from harness.model_settings import endpoints_for

    directory = Path(out_dir) / spec.name
    # every path is checked before anything is created: a bad --out leaves no cache behind
    check_creatable(directory, "output directory")
    if mode is not Mode.OFF:
        check_creatable(Path(cache_dir), "cache directory")
    if mode is Mode.REPLAY and not Path(cache_dir).is_dir():
        raise UserError(f"cache directory {cache_dir} not found: a strict replay needs the cache the campaign recorded")
    if endpoints is None:
        endpoints = endpoints_for(spec.model_settings, spec.models)
    # a remote Dask scheduler that cannot be reached fails here, before anything is created
    connected = make_executor(workers, dask) if dask and dask != "local" else None
    try:
        directory.mkdir(parents=True, exist_ok=True)
        notes: list[str] = []
        with campaign_lock(directory, notes):
            outcome = _run_locked(spec, directory, Path(cache_dir), mode, on_progress, endpoints,
                                  dict(gateway_options or {}), lambda: connected or make_executor(workers, dask),
                                  llm_concurrency)
    finally:
        if connected is not None:
            connected.close()
    outcome.notes[:0] = notes
    return outcome


def _run_locked(spec: Any, directory: Any, cache_dir: Any, mode: Mode, on_progress: Callable[[Stats], None] | None,
                endpoints: dict[str, Any], gateway_options: dict[str, Any], executor_factory: Callable[[], Any],
                llm_concurrency: int | None) -> Outcome:
    from gateway import Gateway
    from gateway.endpoints import endpoints_from, record_endpoints
    from harness.executor import LazyExecutor, limit_threads
    from harness.journal import Journal, build_manifest, previous_manifest
    from harness.model_settings import capability_overrides

    start = time.perf_counter()
    limit_threads("blas")  # same BLAS threading in every session, so optimizer fits re-derive bit for bit
    capabilities: dict[str, Any] = capability_overrides(spec.model_settings)
    if mode is Mode.REPLAY:  # strict: key requests by the endpoints recorded live, whatever the environment
        previous = previous_manifest(directory) or {}
        recorded = previous.get("endpoints")
        if recorded:
            endpoints = {**endpoints, **endpoints_from(recorded, pinned=True)}
        capabilities.update(fidelity.replay_capabilities(previous))  # and ask no provider (no litellm import)
    manifest = build_manifest(spec, list(spec.runs), str(cache_dir), mode.value)
    manifest["endpoints"] = record_endpoints(Gateway(mode=Mode.OFF, endpoints=endpoints), spec.models)
    journal = Journal.open(directory, manifest)  # refuses a different spec before anything is written
    store = None
    try:
        if mode is not Mode.OFF:
            from cache.store import CacheStore

            store = CacheStore(cache_dir)
    except BaseException:
        journal.close()
        raise
    gateway = Gateway(cache_dir=store, mode=mode, endpoints=endpoints, capabilities=capabilities,
                      max_concurrency=llm_concurrency, **gateway_options)
    prior_elapsed = float(journal.manifest.get("elapsed_s") or 0.0)
    executor = LazyExecutor(executor_factory)
    try:
        # A run whose whole budget is journaled needs no re-derivation.
        todo = [r for r in spec.runs if len(journal.finished.get(r.run_id, {})) < r.budget and r.run_id not in journal.stopped]
        states = build_states(todo, gateway, journal.finished, journal.transcripts,
                              workdir=directory / "optimizer-files")
        journal.set_manifest(**fidelity.manifest_entries(spec.runs, gateway))
        concurrency = llm_concurrency or default_llm_concurrency(todo, gateway)
        driver = Driver(states, executor=executor, store=store, mode=mode, gateway=gateway, sink=journal.append,
                        on_progress=on_progress, on_failure=journal.append_failure, on_stop=journal.mark_stopped,
                        llm_concurrency=concurrency)
        already = sum(min(len(journal.finished.get(r.run_id, {})), r.budget) for r in spec.runs if r not in todo)
        driver.stats.total += already
        driver.stats.done += already
        try:
            stats = driver.run()
        finally:
            journal.set_manifest(elapsed_s=round(prior_elapsed + time.perf_counter() - start, 3))
        if spec.baseline_samples:
            from harness.baseline import done_samples, missing_samples
            from harness.benchmarks import load

            benches = {s.bench.name: s.bench for s in states}
            benches.update({r.benchmark: load(r.benchmark) for r in spec.runs if r.benchmark not in benches})
            for row in missing_samples(spec, benches, done_samples(journal.baseline_rows()), executor, store, mode):
                journal.append_baseline(row)
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

"""The campaign scheduler: many sequential runs advanced at once, evaluations sent to an executor.

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
Collaborators are passed in: the executor, the evaluation cache (store + mode) and the gateway.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from llmhpo.cache.modes import Mode, Store
from llmhpo.gateway.errors import ProviderRefused
from llmhpo.harness.benchmarks.base import Benchmark, Evaluation
from llmhpo.harness.campaign.eval_cache import EvalCache
from llmhpo.harness.campaign.evaluation import crashed, eval_request, request_key
from llmhpo.harness.campaign.executor import Executor
from llmhpo.harness.campaign.recording import Stats, differences, journaled_evaluation, make_trial, same
from llmhpo.harness.campaign.stopping import Abandoned, Stop
from llmhpo.harness.errors import InvalidConfig, UserError
from llmhpo.harness.journal.trial import Trial
from llmhpo.harness.optimizers.ask_tell import Proposal, validation_only
from llmhpo.harness.optimizers.plugin import OptimizerPlugin, as_plugin
from llmhpo.harness.optimizers.transcript import TellCall, Transcript
from llmhpo.harness.spec.campaign_spec import RunSpec
from llmhpo.harness.usage import trial_usage

if TYPE_CHECKING:
    from llmhpo.gateway.client import LLMClient


@dataclass
class Pending:
    """One evaluation out at the executor (or about to be finished inline)."""

    index: int
    config: dict[str, Any]
    key: str
    request: dict[str, Any]
    proposal: Proposal
    t0: float
    refused: ProviderRefused | None = None  # a refusal raised while telling this trial's result


@dataclass
class RunState:
    """One run being driven. Its optimizer is an OptimizerPlugin by type, so the driver calls the
    optional hooks directly: any other Optimizer given (a test's object) is wrapped (`as_plugin`)."""

    run: RunSpec
    bench: Benchmark
    optimizer: OptimizerPlugin
    reference: dict[int, Trial] = field(default_factory=dict)
    index: int = 0
    pending: Pending | None = None
    done: bool = False
    stop_at: int | None = None  # replay: stop after the journaled trials
    asking: bool = False  # its ask() is running in the LLM thread pool

    def __post_init__(self) -> None:
        self.optimizer = as_plugin(self.optimizer)


@dataclass
class Asked:
    """One optimizer.ask() and when it started (its LLM calls are recorded in the proposal's transcript)."""

    proposal: Proposal
    t0: float


class Driver:
    """Advance every run to its budget; `sink(trial, transcript)` receives each new finished trial."""

    def __init__(
        self,
        runs: list[RunState],
        *,
        executor: Executor,
        store: Store | None,
        mode: Mode,
        gateway: LLMClient | None,
        sink: Callable[[Trial, dict[str, Any] | None], None] | None,
        strict_reference: bool = False,
        on_progress: Callable[[Stats], None] | None = None,
        on_failure: Callable[[dict[str, Any]], None] | None = None,
        on_stop: Callable[[str, int, str], None] | None = None,
        llm_concurrency: int = 1,
        stop: Stop | None = None,
    ) -> None:
        self.on_stop = on_stop  # (run_id, trials, reason) when an optimizer ends its run early
        self.runs = runs
        self.executor = executor
        self.cache = EvalCache(store, mode)
        self.gateway = gateway
        self.sink = sink
        self.strict = strict_reference
        self.on_progress = on_progress or (lambda s: None)
        self.on_failure = on_failure or (lambda record: None)
        self.stats = Stats(total=sum(r.run.budget if r.stop_at is None else r.stop_at for r in runs))
        self.stop = stop or Stop()  # Ctrl-C / SIGTERM (harness.campaign.stopping): nothing new starts after it
        self._inflight: dict[str, tuple[Any, list[RunState]]] = {}
        self._asks: dict[cf.Future, RunState] = {}
        self._count_lock = threading.Lock()
        self._pool = (cf.ThreadPoolExecutor(llm_concurrency, thread_name_prefix="llmhpo-ask")
                      if llm_concurrency > 1 and gateway is not None else None)

    @property
    def stopping(self) -> bool:
        return self.stop.requested

    def run(self) -> Stats:
        """Drive all runs; on Ctrl-C / SIGTERM stop at once (harness.campaign.stopping), journal what finished,
        terminate the evaluations still running, then raise KeyboardInterrupt."""
        with self.stop.installed():
            try:
                self._loop()
            except Abandoned:  # an ask, a serial evaluation or a late tell cut short: nothing journaled for it
                pass
            finally:
                if self._pool is not None:  # asks still running are abandoned (a reply that arrives may be cached)
                    self._pool.shutdown(wait=False, cancel_futures=True)
                if self.stopping:
                    self._terminate()
        if self.stopping:
            raise KeyboardInterrupt
        return self.stats

    def _terminate(self) -> None:
        """Journal the evaluations that finished before the stop, then kill the rest (their trials are
        not journaled: a resume evaluates them again)."""
        with contextlib.suppress(Abandoned):
            for handle, _ in list(self._inflight.values()):
                if handle in self.executor.wait([handle], timeout=0):
                    self._collect(handle)
        self.executor.terminate()
        self._inflight.clear()

    def _loop(self) -> None:
        while not self.stopping:
            for state in self.runs:
                if self._idle(state) and not self.stopping:
                    self._advance(state)
            if not self._inflight and not self._asks:
                if all(s.done for s in self.runs):
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
        with self.stop.interruptible(starts_work=True):
            if not self._uses_llm(state):
                return Asked(state.optimizer.ask(), t0)
            with self._asking():
                proposal = state.optimizer.ask()
        transcript = Transcript.read(proposal.transcript)
        with self._count_lock:
            self.stats.calls_answered += len(transcript.attempts) if transcript is not None else 0
        return Asked(proposal, t0)

    def _uses_llm(self, state: RunState) -> bool:
        """Whether the run's trials carry an `llm` usage record (a model and a gateway to call it)."""
        return self.gateway is not None and state.run.model is not None

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
            if state.index >= limit or state.optimizer.stopped:
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
        proposal, t0 = asked.proposal, asked.t0
        try:
            request = eval_request(state.bench, proposal.config, state.run.seed)
        except InvalidConfig as exc:
            pending = Pending(state.index, dict(proposal.config), "", {}, proposal, t0)
            ref = state.reference.get(state.index)
            if ref is not None:  # journaled already (as a crash): re-derive it, never journal it twice
                self._rederive(state, pending, ref)
            else:
                self._finish(state, pending, crashed(state.bench, f"invalid config proposed: {exc}"), False)
            return
        key = request_key(request)
        pending = Pending(state.index, request["config"], key, request, proposal, t0)
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
            with self.stop.interruptible(starts_work=True):  # a serial evaluation runs inside submit
                handle = self.executor.submit(state.run.benchmark, pending.config, state.run.seed)
            self._inflight[key] = (handle, [state])
        else:
            entry[1].append(state)

    def _lookup(self, pending: Pending) -> Evaluation | None:
        self.stats.eval_lookups += self.cache.reads
        evaluation = self.cache.lookup(pending.key, pending.request)
        self.stats.eval_hits += evaluation is not None
        return evaluation

    def _rederive(self, state: RunState, pending: Pending, ref: Trial) -> None:
        """A trial already journaled: check the config matches, tell the recorded result."""
        where = f"{state.run.run_id}#{pending.index}"
        if not same(pending.config, ref.config):
            message = f"{where}: re-derived config {pending.config} != journaled {ref.config}"
            if not self.strict:
                raise UserError(
                    f"cannot resume: {message}; the optimizer or its inputs changed since the journal was "
                    "written (run into a new --out)"
                )
            self.stats.mismatches.append(message)
        stored = self.cache.recorded(pending.key, pending.request, strict=self.strict) if ref.ok else None
        evaluation = stored if stored is not None else journaled_evaluation(ref)
        transcript = self._tell(state, pending, evaluation)
        if self.strict:
            trial = self._trial(state, pending, evaluation, True, transcript)
            self.stats.mismatches.extend(differences(trial, ref, where))
            self.stats.count(trial)
        else:
            self.stats.count(ref)
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
            if self.stopping:  # killed by the stop, not a crash of the config: journal nothing
                return
            evaluation = crashed(states[0].bench, f"evaluation failed in the executor: {type(exc).__name__}: {exc}")
        self.cache.save(key, states[0].pending.request, evaluation)
        for state in states:
            pending, state.pending = state.pending, None
            self._finish(state, pending, evaluation, False)

    def _trial(self, state: RunState, pending: Pending, evaluation: Evaluation, hit: bool,
               transcript: Transcript | None) -> Trial:
        return make_trial(state.run, pending.index, pending.config, evaluation, hit=hit,
                          source=pending.proposal.source, transcript=transcript,
                          llm=trial_usage(transcript) if self._uses_llm(state) else None, t0=pending.t0)

    def _tell(self, state: RunState, pending: Pending, evaluation: Evaluation) -> Transcript | None:
        """Tell the optimizer (validation only); LLM calls it makes in tell() (llm-tpe narrowing) join
        this trial's transcript as `tell_calls` (so its usage record counts them), which this returns."""
        try:
            with self.stop.interruptible(starts_work=False):  # llm-tpe may call the LLM here
                state.optimizer.tell(dict(pending.config), validation_only(evaluation))  # a plain copy; never the test loss
        except ProviderRefused as exc:  # refused in tell (llm-tpe narrowing): the trial stands, the run stops
            pending.refused = exc
        transcript = Transcript.read(pending.proposal.transcript)
        calls = state.optimizer.drain_calls()
        if calls:
            transcript = (transcript or Transcript()).set(tell_calls=tuple(TellCall.from_json(c) for c in calls))
        return transcript

    def _finish(self, state: RunState, pending: Pending, evaluation: Evaluation, hit: bool) -> None:
        transcript = self._tell(state, pending, evaluation)  # first, so tell-time calls are journaled
        trial = self._trial(state, pending, evaluation, hit, transcript)
        self.stats.count(trial)
        if self.sink is not None:
            self.sink(trial, transcript.to_json() if transcript is not None else None)
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
            self.on_stop(state.run.run_id, state.index, state.optimizer.stop_reason)
        self.stats.total -= (state.run.budget if state.stop_at is None else state.stop_at) - state.index  # an early stop (patience) shrinks the total
        self.on_progress(self.stats)

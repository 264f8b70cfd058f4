"""A campaign end to end: the wiring of spec, journal, caches, gateway, executor and scheduler.

Why a module of its own: the scheduling (harness.campaign.driver), the evaluation cache (harness.campaign.eval_cache),
the trial record (harness.campaign.recording, harness.journal.files) and the baseline (harness.campaign.baseline) are each
one concept; this module only builds and connects them, and closes what it built. How to run a
campaign comes in one typed `CampaignContext` (the CLI's flags, a test's settings), and so do the
collaborators a caller may bring (`gateway`, `store`, `executor`, `stop`): a test builds them
instead of monkeypatching, and the caller keeps ownership (they are not closed here).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmhpo.cache.modes import Mode
from llmhpo.gateway import Gateway
from llmhpo.gateway.endpoints import record_endpoints
from llmhpo.harness import benchmarks, faithfulness, optimizers, revisions
from llmhpo.harness.benchmarks import load
from llmhpo.harness.benchmarks.base import Benchmark
from llmhpo.harness.campaign.baseline import extend_baseline
from llmhpo.harness.campaign.driver import Driver, RunState
from llmhpo.harness.campaign.executor import LazyExecutor, limit_threads, make_executor
from llmhpo.harness.campaign.recording import Stats
from llmhpo.harness.campaign.shrink import check_resume
from llmhpo.harness.campaign.stopping import Stop
from llmhpo.harness.errors import UserError
from llmhpo.harness.journal.files import Journal
from llmhpo.harness.journal.manifest import build_manifest, previous_manifest
from llmhpo.harness.journal.trial import Trial
from llmhpo.harness.limits import check_creatable
from llmhpo.harness.lock import campaign_lock
from llmhpo.harness.revisions import Revisions
from llmhpo.harness.spec.campaign_spec import RunSpec
from llmhpo.harness.spec.model_settings import endpoints_for

if TYPE_CHECKING:
    from llmhpo.cache.store import CacheStore
    from llmhpo.gateway.client import LLMClient
    from llmhpo.gateway.endpoints import Endpoint
    from llmhpo.gateway.gateway import Gateway
    from llmhpo.harness.campaign.executor import Executor
    from llmhpo.harness.campaign.stopping import Stop
    from llmhpo.harness.journal.files import Journal
    from llmhpo.harness.spec.campaign_spec import CampaignSpec

__all__ = ["CampaignContext", "Outcome", "build_states", "default_llm_concurrency", "run_campaign"]


@dataclass(frozen=True)
class CampaignContext:
    """How to run a campaign and what the caller brings to it: everything `run_campaign` needs
    besides the spec (the CLI fills it from its flags and the spec, a test from its own settings).

    out_dir: the campaign runs in `<out_dir>/<spec.name>`. cache_dir: the cache store opened for LLM
    replies and evaluations (not read when `store` is given; checked unless mode is OFF). mode: the
    cache mode of both. workers / dask: where evaluations run (`executor.make_executor`).
    llm_concurrency: LLM calls in flight (None: `default_llm_concurrency`). endpoints: {model:
    Endpoint} (None: the spec's [model_settings]), recorded in the manifest without credentials.
    gateway_options: Gateway arguments (timeout_s, max_attempts).
    gateway / store / executor: built by the caller, who keeps them (they are not closed here); then
    `endpoints`, `gateway_options`, `cache_dir`, `workers` and `dask` do not build them; None: built
    here. stop: the command's harness.campaign.stopping.Stop (the CLI's, whose second Ctrl-C exits at once);
    None: one made here.
    """

    out_dir: Path
    cache_dir: Path
    mode: Mode
    workers: int | None = None
    dask: str | None = None
    llm_concurrency: int | None = None
    endpoints: Mapping[str, Endpoint] | None = None
    gateway_options: Mapping[str, Any] = field(default_factory=dict)
    gateway: Gateway | None = None
    store: CacheStore | None = None
    executor: Executor | None = None
    stop: Stop | None = None


@dataclass
class Outcome:
    """What `run_campaign` returns: where the results are, the totals, and notes for the user."""

    directory: Path
    stats: Stats
    wall_s: float
    complete: bool
    notes: list[str]


def build_states(runs: list[RunSpec], gateway: Gateway | None, reference: dict[str, dict[int, Trial]],
                 transcripts: dict[str, dict[int, dict[str, Any]]] | None = None, workdir: Path | None = None,
                 revisions: Revisions | None = None) -> list[RunState]:
    """One fresh optimizer per run; a run re-derived from its journal follows its recorded LLM attempts;
    `workdir/<run_id>` is where a run's optimizer may keep files; `revisions`: the campaign's (None = newest)."""
    from llmhpo.harness.campaign.recorded_attempts import RecordedAttempts

    benches: dict[str, Benchmark] = {}
    states = []
    for run in runs:
        bench = benches.get(run.benchmark) or benches.setdefault(run.benchmark, load(run.benchmark))
        recorded = {i: t for i, t in (transcripts or {}).get(run.run_id, {}).items() if i in reference.get(run.run_id, {})}
        run_gateway: LLMClient | None = RecordedAttempts(gateway, recorded) if recorded and gateway is not None else gateway
        opt = optimizers.create(run.optimizer_name, space=bench.space, seed=run.seed, budget=run.budget, task=bench,
                                model=run.model, gateway=run_gateway,
                                workdir=None if workdir is None else workdir / run.run_id, revisions=revisions,
                                **run.options)
        states.append(RunState(run, bench, opt, reference=dict(reference.get(run.run_id, {}))))
    return states


def default_llm_concurrency(runs: list[RunSpec], gateway: Gateway) -> int:
    """LLM calls in flight when the user sets none: each provider the runs use at its own limit
    (16 for hosted APIs, the llama.cpp slots for the embedded model), added up."""
    providers = {id(p): p for p in (gateway.provider(m) for m in {r.model for r in runs if r.model})}
    return max(1, sum(p.max_concurrency for p in providers.values()))


def run_campaign(spec: CampaignSpec, context: CampaignContext, *,
                 on_progress: Callable[[Stats], None] | None = None) -> Outcome:
    """Run (or resume) `spec` into `<context.out_dir>/<spec.name>`, as `context` says (CampaignContext);
    KeyboardInterrupt after a graceful stop. `on_progress(stats)`: after every trial and baseline sample.
    The campaign directory is locked while this runs (harness/lock.py).
    """

    mode, gateway, store, cache_dir = context.mode, context.gateway, context.store, context.cache_dir
    workers, dask = context.workers, context.dask
    directory = Path(context.out_dir) / spec.name
    if gateway is not None and gateway.mode is not mode:  # its LLM replies would not follow the campaign's mode
        raise UserError(f"the gateway passed in is in {gateway.mode.value} mode, the campaign in {mode.value}")
    # every path is checked before anything is created: a bad --out leaves no cache behind
    check_creatable(directory, "output directory")

    check_resume(directory, getattr(spec, "shrink", None))  # before anything is created or written
    if mode is not Mode.OFF and store is None:
        check_creatable(Path(cache_dir), "cache directory")
        if mode is Mode.REPLAY and not Path(cache_dir).is_dir():
            raise UserError(f"cache directory {cache_dir} not found: a strict replay needs the cache the campaign recorded")
    endpoints = dict(context.endpoints) if context.endpoints is not None else endpoints_for(spec.model_settings, spec.models)
    # a remote Dask scheduler that cannot be reached fails here, before anything is created
    connected = make_executor(workers, dask) if context.executor is None and dask and dask != "local" else None
    try:
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # what check_creatable cannot foresee (a full disk, a race)
            raise UserError(f"output directory {directory} cannot be created: {exc.strerror or exc}") from None
        notes: list[str] = []
        with campaign_lock(directory, notes):
            cache_path = Path(store.path if store is not None else cache_dir)  # what the manifest records
            parts = _Collaborators(spec, directory, cache_path, context, endpoints,
                           lambda: connected or make_executor(workers, dask))
            outcome = parts.run(on_progress)
    finally:
        if connected is not None:
            connected.close()
    outcome.notes[:0] = notes
    return outcome


class _Collaborators:
    """One locked campaign directory: its journal and collaborators, built (or taken) and closed."""

    def __init__(self, spec: CampaignSpec, directory: Path, cache_dir: Path, context: CampaignContext,
                 endpoints: dict[str, Endpoint], executor_factory: Callable[[], Executor]) -> None:

        self.stop = context.stop or Stop()
        self.spec, self.directory, self.cache_dir, self.mode = spec, directory, cache_dir, context.mode
        self.endpoints, self.gateway_options = endpoints, dict(context.gateway_options)
        self.llm_concurrency = context.llm_concurrency
        self.gateway, self.store, self.executor = context.gateway, context.store, context.executor
        self.executor_factory = executor_factory
        self.owned: list[Any] = []  # what this campaign built, closed in reverse order at the end

    def _build(self) -> tuple[Journal, Gateway, Executor]:
        """The journal, then the store, gateway and executor not passed in (closed by `close`); the
        journal, and the gateway and executor the campaign runs with."""

        spec, mode, endpoints = self.spec, self.mode, self.endpoints
        previous = previous_manifest(self.directory)
        # a resumed campaign keeps what it was recorded with, a new one gets the newest
        self.revisions = revisions.current() if previous is None else revisions.of_manifest(previous)
        endpoints, capabilities = faithfulness.gateway_keying(spec.model_settings, mode, previous, endpoints)
        manifest = build_manifest(spec, list(spec.runs), str(self.cache_dir), mode.value, self.revisions)
        manifest["benchmark_versions"] = benchmarks.versions(spec.benchmarks)  # what `report A B` compares
        manifest["endpoints"] = record_endpoints(self.gateway or Gateway(mode=Mode.OFF, endpoints=endpoints), spec.models)
        journal = Journal.open(self.directory, manifest)  # refuses a different spec before anything is written
        self.owned.append(journal)
        if self.store is None and mode is not Mode.OFF:
            from llmhpo.cache.store import CacheStore

            self.store = CacheStore(self.cache_dir)
            self.owned.append(self.store)
        if self.gateway is None:
            self.gateway = Gateway(cache_dir=self.store, mode=mode, endpoints=endpoints, capabilities=capabilities,
                                   max_concurrency=self.llm_concurrency, **self.gateway_options)
            self.owned.append(self.gateway)
        if self.executor is None:
            self.executor = LazyExecutor(self.executor_factory)
            self.owned.append(self.executor)
        return journal, self.gateway, self.executor

    def close(self) -> None:
        for part in reversed(self.owned):
            part.close()
        self.owned.clear()

    def run(self, on_progress: Callable[[Stats], None] | None) -> Outcome:
        with self.stop.installed():  # Ctrl-C / SIGTERM from the first call on, through the baseline
            return self._run(on_progress or (lambda stats: None))

    def _run(self, on_progress: Callable[[Stats], None]) -> Outcome:
        start = time.perf_counter()
        limit_threads("blas")  # same BLAS threading in every session, so optimizer fits re-derive bit for bit
        spec, directory, mode = self.spec, self.directory, self.mode
        try:
            journal, gateway, executor = self._build()
            clock = SessionClock(journal)
            # A run whose whole budget is journaled needs no re-derivation.
            todo = [r for r in spec.runs if len(journal.finished.get(r.run_id, {})) < r.budget and r.run_id not in journal.stopped]
            states = build_states(todo, gateway, journal.finished, journal.transcripts,
                                  workdir=directory / "optimizer-files", revisions=self.revisions)
            journal.set_manifest(**faithfulness.manifest_entries(spec.runs, gateway))
            concurrency = self.llm_concurrency or default_llm_concurrency(todo, gateway)
            driver = Driver(states, executor=executor, store=self.store, mode=mode, gateway=gateway,
                            sink=journal.append, on_progress=on_progress, on_failure=journal.append_failure,
                            on_stop=journal.mark_stopped, llm_concurrency=concurrency, stop=self.stop)
            already = sum(min(len(journal.finished.get(r.run_id, {})), r.budget) for r in spec.runs if r not in todo)
            driver.stats.total += already
            driver.stats.done += already
            driver.stats.rederived += already  # finished runs are resumed too (they just need no re-derivation)
            try:
                with clock.phase("trials", since=start):  # its setup (journal, optimizers) included
                    stats = driver.run()
                if spec.baseline_samples:
                    stats.phase = "baseline"

                    def progress(done: int, total: int) -> None:
                        stats.baseline_done, stats.baseline_total = done, total
                        on_progress(stats)

                    with clock.phase("baseline"):
                        extend_baseline(spec, [s.bench for s in states], journal, executor, driver.cache,
                                        stop=self.stop, progress=progress)
            finally:
                clock.save()
            stats.phase_s = dict(clock.session)
            wall = clock.total
            if mode.writes and journal.manifest.get("live_wall_s") is None:
                journal.set_manifest(live_wall_s=round(wall, 3))
            return Outcome(directory, stats, wall, True, journal.notes)
        finally:
            self.close()


class SessionClock:
    """Wall time per phase, this session and summed over every session of the campaign.

    Why in the manifest: a campaign resumed three times took the sum of its sessions, and a replay
    (which re-derives trials, never the baseline) is compared with the trials' time only. The
    manifest keeps `elapsed_s` (all phases, all sessions) and `phase_s` ({"trials": s, "baseline": s},
    all sessions); manifests written before `phase_s` existed count their `elapsed_s` as trials.
    """

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        manifest = journal.manifest
        prior = float(manifest.get("elapsed_s") or 0.0)
        self.prior: dict[str, float] = {k: float(v) for k, v in (manifest.get("phase_s") or {}).items()}
        if not self.prior and prior:
            self.prior = {"trials": prior}
        self.prior_sessions = int(manifest.get("sessions") or (1 if prior else 0))
        self.session: dict[str, float] = {}

    @contextlib.contextmanager
    def phase(self, name: str, since: float | None = None) -> Iterator[None]:
        t0 = time.perf_counter() if since is None else since
        try:
            yield
        finally:
            self.session[name] = self.session.get(name, 0.0) + time.perf_counter() - t0

    @property
    def phases(self) -> dict[str, float]:
        names = dict.fromkeys([*self.prior, *self.session])
        return {n: round(self.prior.get(n, 0.0) + self.session.get(n, 0.0), 3) for n in names}

    @property
    def total(self) -> float:
        return sum(self.phases.values())

    def save(self) -> None:
        self.journal.set_manifest(elapsed_s=round(self.total, 3), phase_s=self.phases,
                                  sessions=self.prior_sessions + 1)

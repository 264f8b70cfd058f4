"""`llmhpo run SPEC`, `llmhpo demo` and `llmhpo replay RESULTS_DIR`.

`run` resumes by itself: the same spec into the same --out continues where a killed or interrupted
campaign stopped. Heavy imports (sklearn, the model, dask) happen inside the run functions.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmhpo.cache import default_dir
from llmhpo.cache.modes import Mode
from llmhpo.harness.campaign.crash_share import crash_problem
from llmhpo.harness.campaign.progress import CampaignProgress, clock, cost_text, report_phase
from llmhpo.harness.campaign.shrink import add_flags, apply, flags_of
from llmhpo.harness.campaign.stopping import Stop
from llmhpo.harness.errors import UserError
from llmhpo.harness.journal.files import read_trials
from llmhpo.harness.limits import check_creatable, dask_problem
from llmhpo.harness.publish.bundle import is_bundle, open_campaign
from llmhpo.harness.report import build_report

if TYPE_CHECKING:
    from llmhpo.harness.campaign.plan import Plan
    from llmhpo.harness.campaign.run import CampaignContext
    from llmhpo.harness.campaign.stopping import Stop
    from llmhpo.harness.spec.campaign_spec import CampaignSpec

DEMO_OUT = "llmhpo-demo"


def register(sub: Any) -> None:
    run = sub.add_parser("run", help="run (or resume) a campaign from a TOML spec",
                         description="Run a campaign spec; re-running the same spec into the same --out resumes it.")
    run.add_argument("spec", help="campaign spec (TOML), e.g. examples/sllmbo.toml")
    _common(run, default_out=None)
    run.add_argument("--model", default=None, metavar="M",
                     help="use this model for every LLM optimizer (e.g. local/smollm2-135m to run offline)")
    run.add_argument("--api-base", default=None, metavar="URL",
                     help="endpoint of the campaign's one model (e.g. http://127.0.0.1:8000/v1); several models: "
                     "set api_base per model in [model_settings]")
    run.add_argument("--timeout", type=float, default=None, metavar="S",
                     help="seconds per LLM call attempt (default 60)")
    run.add_argument("--max-attempts", type=int, default=None, metavar="N",
                     help="attempts per LLM call on 429/5xx/timeouts/resets (default 4)")
    run.add_argument("--allow-large", action="store_true",
                     help="lift the sanity limits (budget <= 10000, seeds <= 1000, runs <= 100000, "
                     "baseline_samples <= 100000)")
    run.add_argument("--dry-run", action="store_true",
                     help="print the plan (runs, trials, LLM calls, tokens, cost, time, cache hits) and exit; "
                     "creates nothing")
    run.set_defaults(func=run_cmd)

    demo = sub.add_parser("demo", help="run the embedded offline demo campaign and build its report",
                          description="Offline demo: svm/credit-g and svm/blood-transfusion x {random, gp, tpe, llm, llm-tpe} x 2 seeds x budget 6 "
                          "with the embedded local model, then `llmhpo report`.")
    _common(demo, default_out=DEMO_OUT)
    demo.set_defaults(func=demo_cmd)

    replay = sub.add_parser("replay", help="re-run a finished campaign from the caches only and check it",
                            description="Strict replay: no provider call, no training; checks every trial.")
    replay.add_argument("results", help="campaign results directory (the one holding manifest.json) or a bundle "
                        "written by `llmhpo pack`")
    replay.add_argument("--cache", dest="cache_dir", default=None, metavar="DIR",
                        help="cache directory (default: the one recorded in the manifest)")
    replay.set_defaults(func=replay_cmd)


def _common(p: argparse.ArgumentParser, default_out: str | None) -> None:
    p.add_argument("--out", default=default_out, metavar="DIR",
                   help="output directory; results go to DIR/<campaign name>" + (f" (default {default_out})" if default_out else
                                                                                   " (default: the spec's `output`, else ./results)"))
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="evaluation processes (default: all cores; 1 = serial in this process)")
    p.add_argument("--dask", default=None, metavar="ADDR",
                   help="evaluate on a Dask cluster: a scheduler address (tcp://host:8786) or `local`")
    p.add_argument("--cache", dest="cache_dir", default=None, metavar="DIR",
                   help="cache directory (default: the spec's [cache] dir, else $LLMHPO_CACHE or the user cache dir)")
    p.add_argument("--mode", default=None, choices=Mode.names(),
                   help="cache mode for LLM replies and evaluations (default: the spec's, else live)")
    p.add_argument("--llm-concurrency", type=int, default=None, metavar="N",
                   help="LLM calls in flight across runs, each run still sequential (default: the spec's, "
                        "else per provider: 16 hosted, the llama.cpp slots for the embedded model)")

    add_flags(p)


def execute(spec: CampaignSpec, args: argparse.Namespace, stop: Stop | None = None) -> int:
    """Run `spec` with the CLI overrides; prints a summary; 128 + the signal after a Ctrl-C / SIGTERM.

    stop: the command's harness.campaign.stopping.Stop (installed from its start); None: one made here."""
    from llmhpo.harness.campaign.plan import make_plan
    from llmhpo.harness.campaign.run import CampaignContext
    from llmhpo.harness.spec.model_settings import endpoints_for

    stop = stop or Stop(hard_exit=_exit_now)

    out = Path(args.out or spec.output or "results")
    cache_dir = Path(args.cache_dir or spec.cache_dir or default_dir()).expanduser()
    mode = Mode.parse(args.mode or spec.cache_mode)
    workers = args.workers if args.workers is not None else spec.workers
    if workers is not None and workers < 1:
        raise UserError(f"--workers must be >= 1 (got {workers})")
    dask = _dask_flag(args.dask) or spec.dask
    gateway_options = _gateway_options(args)

    endpoints = endpoints_for(spec.model_settings, spec.models, getattr(args, "api_base", None))
    llm_concurrency = args.llm_concurrency if args.llm_concurrency is not None else spec.llm_concurrency
    if llm_concurrency is not None and llm_concurrency < 1:
        raise UserError(f"--llm-concurrency must be >= 1 (got {llm_concurrency})")
    for note in spec.notes:
        print(f"note: {note}", file=sys.stderr)

    # the plan reads the campaign folder and the cache: paths are checked before anything touches them
    check_creatable(out / spec.name, "output directory")
    if mode is not Mode.OFF:
        check_creatable(cache_dir, "cache directory")

    try:
        with stop.installed(), stop.interruptible(starts_work=True):
            plan = make_plan(spec, workers=workers, dask=dask, llm_concurrency=llm_concurrency, endpoints=endpoints,
                             cache_dir=cache_dir, out_dir=out, mode=mode)
    except KeyboardInterrupt:
        return _stopped(stop, out / spec.name)
    if getattr(args, "dry_run", False):
        print(plan.render())
        return 0

    return _run(spec, plan, CampaignContext(out_dir=out, cache_dir=cache_dir, mode=mode, workers=workers, dask=dask,
                                            endpoints=endpoints, gateway_options=gateway_options,
                                            llm_concurrency=llm_concurrency, stop=stop))


def _run(spec: CampaignSpec, plan: Plan, context: CampaignContext) -> int:
    """The campaign under a progress display and the context's Stop (Ctrl-C / SIGTERM: stop within
    seconds, a second one exits at once); prints the summary."""
    from llmhpo.harness.campaign.run import run_campaign

    assert context.stop is not None  # the command's, installed from its start
    try:
        with CampaignProgress(sum(r.budget for r in spec.runs), plan=plan) as progress:
            outcome = run_campaign(spec, context, on_progress=progress.update)
    except KeyboardInterrupt:
        return _stopped(context.stop, context.out_dir / spec.name)
    s = outcome.stats
    for note in outcome.notes:
        print(f"note: {note}", file=sys.stderr)
    print(summary_line(spec.name, s, outcome.wall_s))
    print(f"results: {outcome.directory}")
    return max(_fidelity_summary(s), _crash_summary(outcome.directory))


def _crash_summary(directory: Path) -> int:
    """1 (with the first error) when all trials, or more than half of a run's, crashed (harness.campaign.crash_share)."""
    problem = crash_problem(read_trials(Path(directory)))
    if problem:
        print(f"llmhpo: {problem}", file=sys.stderr)
        return 1
    return 0


def summary_line(name: str, s: Any, total_s: float) -> str:
    """The run summary: trials (resumed ones counted), the time of each phase, cache hits, LLM cost."""
    phases = ", ".join(f"{k} {clock(v)}" for k, v in s.phase_s.items()) or "nothing to do"
    return (f"{name}: {s.done} trials ({s.rederived} resumed, {s.crashed} crashed); this session: {phases}; "
            f"all sessions {clock(total_s)}; eval cache hits {s.eval_hits}/{s.eval_lookups}, LLM calls {s.llm_calls} "
            f"({s.llm_hits} cached, {s.llm_failures} failed), LLM cost {cost_text(s)}")


def _stopped(stop: Stop, folder: Path | None) -> int:
    """After a stop: one line, and 128 + the signal (abandoned LLM calls do not hold the exit)."""
    code = 128 + (signal_number(stop.signal_name) or 2)
    where = f" ({folder})" if folder is not None else ""
    print(f"llmhpo: stopped ({stop.signal_name or 'interrupt'}): finished trials are journaled, unfinished ones "
          f"were abandoned; run the same command to resume{where}", file=sys.stderr)
    _exit_if_threads_linger(code)
    return code


def stoppable(body: Callable[[Stop], int]) -> int:
    """Run `body(stop)` with SIGINT/SIGTERM handled from the command's start (loading the spec included)."""
    stop = Stop(hard_exit=_exit_now)
    with stop.installed():
        try:
            return body(stop)
        except KeyboardInterrupt:
            return _stopped(stop, None)


def signal_number(name: str | None) -> int | None:
    import signal

    try:
        return int(signal.Signals[name]) if name else None
    except KeyError:
        return None


def _exit_now() -> None:
    """A second Ctrl-C: exit at once (the journal is append-only and fsynced per line)."""
    print("\nllmhpo: second interrupt: exiting now; the journal is intact, run the same command to resume",
          file=sys.stderr, flush=True)
    os._exit(130)


def _exit_if_threads_linger(code: int) -> None:
    """Abandoned LLM calls keep their threads until the provider answers: exit without waiting for them."""
    import threading

    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _fidelity_summary(stats: Any) -> int:
    """Random-fallback rates per optimizer x model and refused runs; 1 when a run failed."""
    from llmhpo.harness.faithfulness import fallback_lines

    for line in fallback_lines(stats.llm_proposals):
        print(line)
    for run_id, message in sorted(stats.failed_runs.items()):
        print(f"FAILED run {run_id}: {message}", file=sys.stderr)
    if stats.failed_runs:
        print(f"llmhpo: {len(stats.failed_runs)} run(s) failed because the provider refused their requests; "
              "fix the cause and run the same command again to retry them", file=sys.stderr)
        return 1
    return 0


def _dask_flag(address: str | None) -> str | None:
    """`--dask` checked like the spec's `dask` (a bogus address is one line, not a Dask traceback)."""
    problem = dask_problem(address) if address else None
    if problem:
        raise UserError(f"--dask: {problem}")
    return address


def _gateway_options(args: argparse.Namespace) -> dict[str, Any]:
    """Gateway bounds from --timeout / --max-attempts (checked here: one line, exit 2)."""
    import math

    options: dict[str, Any] = {}
    timeout, attempts = getattr(args, "timeout", None), getattr(args, "max_attempts", None)
    if timeout is not None:
        if not math.isfinite(timeout) or timeout <= 0:
            raise UserError(f"--timeout must be a positive number of seconds (got {timeout})")
        options["timeout_s"] = timeout
        options["max_total_s"] = max(120.0, 4 * timeout)
    if attempts is not None:
        if attempts < 1:
            raise UserError(f"--max-attempts must be >= 1 (got {attempts})")
        options["max_attempts"] = attempts
    return options


def run_cmd(args: argparse.Namespace) -> int:
    from llmhpo.harness.spec.campaign_spec import load_spec

    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

    def body(stop: Stop) -> int:
        with stop.interruptible(starts_work=True):  # loading creates nothing: a stop cuts it short
            spec = apply(load_spec(args.spec, model_override=args.model, allow_large=args.allow_large), flags_of(args))
        return execute(spec, args, stop)

    return stoppable(body)


def demo_cmd(args: argparse.Namespace) -> int:
    from llmhpo.harness.spec.campaign_spec import loads_spec

    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    from importlib import resources

    text = resources.files("llmhpo.harness").joinpath("demo.toml").read_text(encoding="utf-8")

    spec = apply(loads_spec(text, source="demo.toml"), flags_of(args))
    code = stoppable(lambda stop: execute(spec, args, stop))
    if code != 0:
        return code
    done = report_phase()
    path = build_report(Path(args.out) / spec.name)
    done(str(path))
    print(f"report: {path}")
    print(f"publish it: llmhpo pack {Path(args.out) / spec.name} -o demo.llmhpo.tar.gz "
          "(one file; anyone replays it with `llmhpo replay demo.llmhpo.tar.gz`)")
    return 0


def replay_cmd(args: argparse.Namespace) -> int:
    from llmhpo.harness.campaign.replay import replay

    if args.cache_dir and is_bundle(args.results):
        raise UserError(f"{args.results} is a bundle: it carries its own cache entries (--cache is for results directories)")
    with open_campaign(args.results) as directory:
        result = replay(directory, cache_dir=args.cache_dir)
    print(result.summary())
    for line in result.mismatches[:20]:
        print(f"  mismatch: {line}", file=sys.stderr)
    if os.environ.get("LLMHPO_REPLAY_CHECK_IMPORTS"):
        print(f"litellm imported: {'litellm' in sys.modules}")
    return 0 if result.identical else 1

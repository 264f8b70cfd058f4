"""`llmhpo run SPEC`, `llmhpo demo` and `llmhpo replay RESULTS_DIR`.

`run` resumes by itself: the same spec into the same --out continues where a killed or interrupted
campaign stopped. Heavy imports (sklearn, the model, dask) happen inside the run functions.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from llmhpo.cache.modes import Mode

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
                     help="lift the sanity limits (budget <= 10000, baseline_samples <= 100000)")
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


def execute(spec: Any, args: argparse.Namespace) -> int:
    """Run `spec` with the CLI overrides; prints a summary; 130 after a graceful Ctrl-C."""
    from llmhpo.cache import default_dir
    from llmhpo.harness.campaign import run_campaign

    out = Path(args.out or spec.output or "results")
    cache_dir = Path(args.cache_dir or spec.cache_dir or default_dir()).expanduser()
    mode = Mode.parse(args.mode or spec.cache_mode)
    workers = args.workers if args.workers is not None else spec.workers
    if workers is not None and workers < 1:
        from llmhpo.harness.errors import UserError

        raise UserError(f"--workers must be >= 1 (got {workers})")
    dask = args.dask or spec.dask
    gateway_options = _gateway_options(args)
    from llmhpo.harness.model_settings import endpoints_for

    endpoints = endpoints_for(spec.model_settings, spec.models, getattr(args, "api_base", None))
    llm_concurrency = args.llm_concurrency if args.llm_concurrency is not None else spec.llm_concurrency
    if llm_concurrency is not None and llm_concurrency < 1:
        from llmhpo.harness.errors import UserError

        raise UserError(f"--llm-concurrency must be >= 1 (got {llm_concurrency})")
    for note in spec.notes:
        print(f"note: {note}", file=sys.stderr)
    from llmhpo.harness.progress import CampaignProgress

    try:
        with CampaignProgress(sum(r.budget for r in spec.runs)) as progress:
            outcome = run_campaign(spec, out_dir=out, cache_dir=cache_dir, mode=mode, workers=workers, dask=dask,
                                   on_progress=progress.update, endpoints=endpoints, gateway_options=gateway_options,
                                   llm_concurrency=llm_concurrency)
    except KeyboardInterrupt:
        print(f"llmhpo: interrupted; trials in flight were journaled; run the same command to resume "
              f"({out / spec.name})", file=sys.stderr)
        return 130
    s = outcome.stats
    for note in outcome.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"{spec.name}: {s.done} trials ({s.rederived} resumed, {s.crashed} crashed) in {outcome.wall_s:.1f} s; "
          f"eval cache hits {s.eval_hits}/{s.eval_lookups}, LLM calls {s.llm_calls} ({s.llm_hits} cached, "
          f"{s.llm_failures} failed), LLM cost ${s.cost_usd:.4f}")
    print(f"results: {outcome.directory}")
    return _fidelity_summary(s)


def _fidelity_summary(stats: Any) -> int:
    """Random-fallback rates per optimizer x model and refused runs; 1 when a run failed."""
    from llmhpo.harness.fidelity import fallback_lines

    for line in fallback_lines(stats.llm_proposals):
        print(line)
    for run_id, message in sorted(stats.failed_runs.items()):
        print(f"FAILED run {run_id}: {message}", file=sys.stderr)
    if stats.failed_runs:
        print(f"llmhpo: {len(stats.failed_runs)} run(s) failed because the provider refused their requests; "
              "fix the cause and run the same command again to retry them", file=sys.stderr)
        return 1
    return 0


def _gateway_options(args: argparse.Namespace) -> dict[str, Any]:
    """Gateway bounds from --timeout / --max-attempts (checked here: one line, exit 2)."""
    import math

    from llmhpo.harness.errors import UserError

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
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    from llmhpo.harness.spec import load_spec

    return execute(load_spec(args.spec, model_override=args.model, allow_large=args.allow_large), args)


def demo_cmd(args: argparse.Namespace) -> int:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    from importlib import resources

    from llmhpo.harness.spec import loads_spec

    text = resources.files("llmhpo.harness").joinpath("demo.toml").read_text(encoding="utf-8")
    spec = loads_spec(text, source="demo.toml")
    code = execute(spec, args)
    if code != 0:
        return code
    try:
        from llmhpo.harness.report import build_report
    except ImportError:
        print("report: harness.report is not available in this install", file=sys.stderr)
        return 0
    path = build_report(Path(args.out) / spec.name)
    print(f"report: {path}")
    print(f"publish it: llmhpo pack {Path(args.out) / spec.name} -o demo.llmhpo.tar.gz "
          "(one file; anyone replays it with `llmhpo replay demo.llmhpo.tar.gz`)")
    return 0


def replay_cmd(args: argparse.Namespace) -> int:
    from llmhpo.harness.bundle import is_bundle, open_campaign
    from llmhpo.harness.replay import replay

    if args.cache_dir and is_bundle(args.results):
        from llmhpo.harness.errors import UserError

        raise UserError(f"{args.results} is a bundle: it carries its own cache entries (--cache is for results directories)")
    with open_campaign(args.results) as directory:
        result = replay(directory, cache_dir=args.cache_dir)
    print(result.summary())
    for line in result.mismatches[:20]:
        print(f"  mismatch: {line}", file=sys.stderr)
    if os.environ.get("LLMHPO_REPLAY_CHECK_IMPORTS"):
        print(f"litellm imported: {'litellm' in sys.modules}")
    return 0 if result.identical else 1

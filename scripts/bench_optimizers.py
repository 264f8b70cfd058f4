"""Optimizer speed and quality: appends a section to BENCHMARKS.md.

1. Median ask latency of every classical optimizer at n = 10, 30, 50 told results, on a 2-D
   (toy/branin) and a 5-D space (a log/int/float mix), including skopt's default GP next to ours.
2. The LLM optimizers' own overhead per ask (prompt building, plot rendering for mmllm, cache
   lookup, parsing) replayed from a cache: the model's time is excluded by construction. The cache
   is filled by an in-process stand-in provider that answers with a config, because the point is
   the optimizer's cost, not a model's.
3. Final regret (best loss - global minimum) of GP "fast" versus skopt's default GP (and random,
   TPE for reference) on the toy functions over 10 seeds.

Usage: .venv/bin/python scripts/bench_optimizers.py [--quick] [--no-append]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from benchmarks_md import publish  # noqa: E402

from llmhpo.gateway import Gateway  # noqa: E402
from llmhpo.gateway.providers.base import Capabilities  # noqa: E402
from llmhpo.gateway.types import Request, Response, Usage  # noqa: E402
from llmhpo.harness import optimizers  # noqa: E402
from llmhpo.harness.benchmarks import load  # noqa: E402
from llmhpo.harness.benchmarks.base import Evaluation  # noqa: E402
from llmhpo.harness.space import Float, Int, SearchSpace  # noqa: E402

SPACE_5D = SearchSpace(
    [
        Float("lr", 1e-5, 1.0, log=True),
        Float("alpha", 1e-8, 1.0, log=True),
        Int("width", 16, 1024, log=True),
        Int("depth", 1, 3),
        Float("dropout", 0.0, 0.9),
    ]
)


def objective_5d(c: dict[str, Any]) -> float:
    """A smooth synthetic loss with its minimum inside the box."""
    return (
        (math.log10(c["lr"]) + 3) ** 2
        + 0.3 * (math.log10(c["alpha"]) + 4) ** 2
        + (math.log2(c["width"]) - 7) ** 2 / 4
        + 0.5 * (c["depth"] - 2) ** 2
        + 4 * (c["dropout"] - 0.2) ** 2
    )


class StandIn:
    """In-process provider for the overhead measurement: replies with a seeded in-space config."""

    max_concurrency = 4

    def __init__(self, space: SearchSpace) -> None:
        self.space = space
        self.rng = np.random.default_rng(0)

    def capabilities(self, model: str) -> Capabilities:
        return Capabilities(images=True, response_schema=True)

    def complete(self, request: Request, *, timeout_s: float) -> Response:
        text = json.dumps(self.space.sample(self.rng))
        return Response(text, "stop", Usage(100, 20), request.model, 0.0, None)


def ask_latencies(name: str, space: SearchSpace, f, n_max: int, **kw: Any) -> list[float]:
    opt = optimizers.create(name, space=space, seed=0, budget=n_max + 3, **kw)
    times = []
    for _ in range(n_max + 3):
        t0 = time.perf_counter()
        p = opt.ask()
        times.append(time.perf_counter() - t0)
        y = f(p.config)
        opt.tell(p.config, Evaluation(y, None, 0.0))
    return times


def at(times: list[float], n: int) -> float:
    """Median of the three asks made with n, n+1, n+2 results told."""
    return statistics.median(times[n : n + 3])


def bench_latency(ns: tuple[int, ...]) -> list[tuple[str, str, list[float]]]:
    branin = load("toy/branin")
    rows = []
    for space_name, space, f in (
        ("2-D", branin.space, lambda c: branin.evaluate(c, 0).loss),
        ("5-D", SPACE_5D, objective_5d),
    ):
        for label, name, kw in (
            ("random", "random", {}),
            ("gp (fast, ours)", "gp", {"n_initial": 5}),
            ("gp (skopt defaults)", "gp", {"n_initial": 5, "gp_settings": "skopt-default"}),
            ("rf", "rf", {"n_initial": 5}),
            ("tpe", "tpe", {"n_initial": 5}),
        ):
            times = ask_latencies(name, space, f, max(ns), **kw)
            rows.append((space_name, label, [at(times, n) for n in ns]))
            print(space_name, label, [f"{at(times, n) * 1000:.1f} ms" for n in ns], flush=True)
    return rows


def bench_llm_overhead(ns: tuple[int, ...]) -> list[tuple[str, list[float]]]:
    branin = load("toy/branin")
    rows = []
    n_max = max(ns)
    for name, kw in (("llm", {}), ("llm", {"style": "compressed"}), ("mmllm", {})):
        with tempfile.TemporaryDirectory() as tmp:
            stand_in = StandIn(branin.space)
            for mode in ("live", "replay"):
                gw = Gateway(tmp, mode=mode, providers={"openai": stand_in})
                opt = optimizers.create(name, task=branin, seed=0, budget=n_max + 3, model="openai/stand-in", gateway=gw, **kw)
                times = []
                for _ in range(n_max + 3):
                    t0 = time.perf_counter()
                    p = opt.ask()
                    times.append(time.perf_counter() - t0)
                    opt.tell(p.config, branin.evaluate(p.config, 0))
                    if mode == "live":
                        stand_in.rng = np.random.default_rng(len(times))
                gw.close()
        label = f"{name} ({kw.get('style', 'compressed' if name == 'mmllm' else 'chat')})"
        rows.append((label, [at(times, n) for n in ns]))
        print("replay", label, [f"{at(times, n) * 1000:.1f} ms" for n in ns], flush=True)
    return rows


def final_regret(name: str, bench: Any, seed: int, budget: int, **kw: Any) -> float:
    opt = optimizers.create(name, task=bench, seed=seed, budget=budget, **kw)
    best = math.inf
    for _ in range(budget):
        p = opt.ask()
        e = bench.evaluate(p.config, seed)
        best = min(best, e.info["regret"])
        opt.tell(p.config, e)
    return best


def bench_regret(functions: list[str], seeds: int, budget: int) -> list[tuple[str, dict[str, tuple[float, float]]]]:
    rows = []
    for fn in functions:
        bench = load(f"toy/{fn}")
        cells = {}
        for label, name, kw in (
            ("random", "random", {}),
            ("tpe", "tpe", {}),
            ("gp fast", "gp", {}),
            ("gp skopt-default", "gp", {"gp_settings": "skopt-default"}),
        ):
            t0 = time.perf_counter()
            regrets = [final_regret(name, bench, s, budget, **kw) for s in range(seeds)]
            cells[label] = (statistics.median(regrets), (time.perf_counter() - t0) / (seeds * budget))
            print(fn, label, f"median regret {cells[label][0]:.4g}", f"{cells[label][1] * 1000:.1f} ms/trial", flush=True)
        rows.append((fn, cells))
    return rows


def markdown(lat, llm, regret, ns, seeds, budget, started: float) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        f"## Optimizers (`scripts/bench_optimizers.py`, {when})",
        "",
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs; total runtime {time.time() - started:.0f} s.",
        "Ask latency = median of the asks made with n, n+1, n+2 results told (5 initial-design points).",
        "",
        "| space | optimizer | " + " | ".join(f"ask @ n={n}" for n in ns) + " |",
        "|---|---|" + "---|" * len(ns),
    ]
    for space, label, vals in lat:
        out.append(f"| {space} | {label} | " + " | ".join(f"{v * 1000:.1f} ms" for v in vals) + " |")
    gp = {(s, lab): v for s, lab, v in lat}
    for space in ("2-D", "5-D"):
        ours, theirs = gp[(space, "gp (fast, ours)")], gp[(space, "gp (skopt defaults)")]
        out.append(f"| {space} | skopt-default / fast ratio | " + " | ".join(f"{t / o:.1f}x" for o, t in zip(ours, theirs, strict=True)) + " |")
    out += [
        "",
        "LLM optimizers' own overhead per ask, replayed from the cache (prompt + plot + lookup + parse; "
        "no model time), toy/branin:",
        "",
        "| optimizer (style) | " + " | ".join(f"ask @ n={n}" for n in ns) + " |",
        "|---|" + "---|" * len(ns),
    ]
    for label, vals in llm:
        out.append(f"| {label} | " + " | ".join(f"{v * 1000:.1f} ms" for v in vals) + " |")
    if not regret:  # --latency-only
        return "\n".join(out) + "\n"
    labels = list(regret[0][1])
    out += [
        "",
        f"Final regret (best loss - global minimum), median over {seeds} seeds, budget {budget} "
        "(initial design 25%), and mean wall time per trial:",
        "",
        "| function | " + " | ".join(labels) + " |",
        "|---|" + "---|" * len(labels),
    ]
    for fn, cells in regret:
        out.append(f"| {fn} | " + " | ".join(f"{cells[lab][0]:.3g} ({cells[lab][1] * 1000:.0f} ms)" for lab in labels) + " |")
    return "\n".join(out) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    ap.add_argument("--no-append", action="store_true", help="print only")
    ap.add_argument("--latency-only", action="store_true", help="skip the regret comparison (the slow part)")
    args = ap.parse_args()
    started = time.time()
    ns = (3, 5, 8) if args.quick else (10, 30, 50)
    seeds, budget = (2, 8) if args.quick else (10, 20)
    functions = ["branin"] if args.quick else ["branin", "himmelblau", "rosenbrock", "ackley", "ill-quadratic"]
    if args.latency_only:
        functions = []
    lat = bench_latency(ns)
    llm = bench_llm_overhead(ns)
    regret = bench_regret(functions, seeds, budget)
    text = markdown(lat, llm, regret, ns, seeds, budget, started)
    publish("\n" + text, append=not args.no_append)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

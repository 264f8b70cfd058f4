"""SMAC3 next to the skopt BO optimizers: ask latency and final regret on the toy functions.

smac-rf / smac-gp (SMAC3 facades with their default components) and gp / rf (scikit-optimize, the
project's settings), all with the same shared initial design (25 % of the budget), `--seeds` seeds,
`--budget` trials. Each finished run is appended to a JSONL file, so an interrupted bench resumes and
several processes (e.g. one per optimizer) can fill one file; `--report` turns it into a BENCHMARKS.md
section. Latency is measured on a shared machine: medians, with the load average at the start and end.

Usage:
  .venv/bin/python scripts/bench_smac.py [--optimizers smac-rf,smac-gp,gp,rf] [--functions branin,...]
      [--seeds 10] [--budget 20] [--results /tmp/llmhpo-bench-smac.jsonl]
  .venv/bin/python scripts/bench_smac.py --report [--results /tmp/llmhpo-bench-smac.jsonl] [--no-append]
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from llmhpo.harness import optimizers  # noqa: E402
from llmhpo.harness.benchmarks import load  # noqa: E402
from llmhpo.harness.optimizers.initial import n_initial_for  # noqa: E402

OPTIMIZERS = ("smac-rf", "smac-gp", "gp", "rf")
FUNCTIONS = ("branin", "himmelblau", "rosenbrock", "ackley", "ill-quadratic")  # as in bench_optimizers.py


def one_run(name: str, fn: str, seed: int, budget: int) -> dict[str, Any]:
    """Final regret and per-ask latency (model-based asks separately from the initial design)."""
    bench = load(f"toy/{fn}")
    opt = optimizers.create(name, task=bench, seed=seed, budget=budget)
    best, asks = math.inf, []
    for _ in range(budget):
        t0 = time.perf_counter()
        p = opt.ask()
        asks.append((time.perf_counter() - t0, p.source))
        e = bench.evaluate(p.config, seed)
        best = min(best, e.info["regret"])
        opt.tell(p.config, e)
    model = [t for t, source in asks if source != "initial"]
    return {"optimizer": name, "function": fn, "seed": seed, "budget": budget, "regret": best,
            "ask_s": [t for t, _ in asks], "sources": [source for _, source in asks], "model_ask_median_s": statistics.median(model) if model else None,
            "load": os.getloadavg()[0]}


def _done(results: Path) -> set[tuple[str, str, int, int]]:
    """Runs already in the results file (re-read before each run: other processes may add some)."""
    rows = [json.loads(line) for line in results.read_text().splitlines() if line.strip()] if results.exists() else []
    return {(r["optimizer"], r["function"], r["seed"], r["budget"]) for r in rows}


def run(names: list[str], functions: list[str], seeds: int, budget: int, results: Path) -> None:
    for fn in functions:
        for name in names:
            for seed in range(seeds):
                if (name, fn, seed, budget) in _done(results):
                    continue
                row = one_run(name, fn, seed, budget)
                with results.open("a") as fh:
                    fh.write(json.dumps(row) + "\n")
                print(fn, name, seed, f"regret {row['regret']:.4g}", f"model ask {row['model_ask_median_s']:.3f} s",
                      f"load {row['load']:.1f}", flush=True)


def report(results: Path) -> str:
    unique = {}
    for line in results.read_text().splitlines():
        if line.strip():
            r = json.loads(line)
            unique.setdefault((r["optimizer"], r["function"], r["seed"], r["budget"]), r)  # first of any duplicate
    rows = list(unique.values())
    budget = rows[0]["budget"]
    names = [n for n in OPTIMIZERS if any(r["optimizer"] == n for r in rows)]
    functions = [f for f in FUNCTIONS if any(r["function"] == f for r in rows)]
    loads = [r["load"] for r in rows]
    lines = [
        f"## SMAC3 vs skopt BO (`scripts/bench_smac.py`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs shared with six other engineers' test runs: "
        f"1-min load average {min(loads):.1f}-{max(loads):.1f} during the runs, so latencies are inflated "
        "several-fold versus a quiet machine; compare them as ratios. All four use the same shared initial design "
        f"(25 % of the budget = {n_initial_for(budget)} points, identical configs per seed); "
        "smac-rf / smac-gp run SMAC's facade defaults otherwise.",
        "",
        "Final regret (best loss - global minimum), median over seeds [seeds finished], budget "
        f"{budget}:",
        "",
        "| function | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    latency = ["", "Ask latency of the model-based asks (initial-design asks excluded), median / mean over all "
               "seeds; SMAC's random forest is refit every 8th ask, so its median hides the refits and the mean "
               "shows them:", "", "| function | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for fn in functions:
        regret_cells, ask_cells = [], []
        for n in names:
            mine = [r for r in rows if r["optimizer"] == n and r["function"] == fn]
            if not mine:
                regret_cells.append("-")
                ask_cells.append("-")
                continue
            regret_cells.append(f"{statistics.median(r['regret'] for r in mine):.3g} [{len(mine)}]")
            asks = [t for r in mine for t, s in zip(r["ask_s"], r["sources"], strict=True) if s != "initial"]
            ask_cells.append(f"{statistics.median(asks) * 1000:.0f} / {statistics.mean(asks) * 1000:.0f} ms")
        lines.append(f"| {fn} | " + " | ".join(regret_cells) + " |")
        latency.append(f"| {fn} | " + " | ".join(ask_cells) + " |")
    lines += latency
    lines += ["", "Command: `.venv/bin/python scripts/bench_smac.py` (then `--report`); one process per optimizer "
              "may share the results file.", ""]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--optimizers", default=",".join(OPTIMIZERS))
    ap.add_argument("--functions", default=",".join(FUNCTIONS))
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--budget", type=int, default=20)
    ap.add_argument("--results", type=Path, default=Path(tempfile.gettempdir()) / "llmhpo-bench-smac.jsonl")
    ap.add_argument("--report", action="store_true", help="write the BENCHMARKS.md section from --results")
    ap.add_argument("--no-append", action="store_true", help="print the section instead of appending it")
    args = ap.parse_args()
    if args.report:
        text = report(args.results)
        print(text)
        if not args.no_append:
            with (ROOT / "BENCHMARKS.md").open("a") as fh:
                fh.write("\n" + text)
        return 0
    run(args.optimizers.split(","), args.functions.split(","), args.seeds, args.budget, args.results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

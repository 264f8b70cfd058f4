"""Seconds per evaluation of each benchmark family's default config, appended to BENCHMARKS.md.

Why: campaigns are budgeted from `Benchmark.expected_seconds`; this script measures the real
figures (median of N repeats after one warm-up that pays imports and data preparation) so the
hard-coded values can be kept conservative. Wall time covers the whole `evaluate` call, which for
the ML families includes the test-set refit on train+valid; `cost_s` is the validation fit+predict.

    .venv/bin/python scripts/bench_benchmarks.py [--repeats 5] [--datasets australian,phoneme] [--no-append]
    .venv/bin/python scripts/bench_benchmarks.py --sweep   # one evaluation of every ML benchmark (~4 min):
                                                          # the source of ml_models.MEASURED_SECONDS
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks_md import publish  # noqa: E402

from llmhpo.harness.benchmarks import load  # noqa: E402

ML_FAMILIES = ("svm", "xgb", "rf", "lr", "mlp")
OTHERS = ("nn-tab/australian", "hpolib/protein-structure", "nas201/cifar10", "toy/branin-shifted")


def measure(name: str, repeats: int) -> dict[str, float | str]:
    bench = load(name)
    config = bench.space.default()
    bench.evaluate(config, seed=0)  # warm-up: imports, data preparation, table loading
    walls, costs, losses = [], [], []
    for seed in range(repeats):
        t0 = time.perf_counter()
        ev = bench.evaluate(config, seed=seed)
        walls.append(time.perf_counter() - t0)
        costs.append(ev.cost_s)
        losses.append(ev.loss)
    wall = statistics.median(walls)
    return {
        "name": name, "wall": wall, "cost": statistics.median(costs), "loss": statistics.median(losses),
        "expected": bench.expected_seconds, "ratio": bench.expected_seconds / wall if wall > 0 else float("inf"),
    }


def sweep() -> int:
    from llmhpo.harness.benchmarks.ml_data import DATASETS, load_splits
    from llmhpo.harness.benchmarks.ml_models import MODELS

    table: dict[str, dict[str, float]] = {}
    for model in MODELS:
        for dataset in DATASETS:
            bench = load(f"{model}/{dataset}")
            load_splits(dataset)
            t0 = time.perf_counter()
            bench.evaluate(bench.space.default(), seed=0)
            table.setdefault(model, {})[dataset] = float(f"{time.perf_counter() - t0:.2g}")
            print(f"{model}/{dataset}: {table[model][dataset]}", flush=True)
    print(table)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--datasets", default="australian", help="comma-separated ML datasets (phoneme: slowest)")
    parser.add_argument("--no-append", action="store_true", help="print only; do not touch BENCHMARKS.md")
    parser.add_argument("--sweep", action="store_true", help="time one default evaluation of every ML benchmark")
    args = parser.parse_args()
    if args.sweep:
        return sweep()

    names = [f"{m}/{d}" for m in ML_FAMILIES for d in args.datasets.split(",")] + list(OTHERS)
    rows = []
    for name in names:
        row = measure(name, args.repeats)
        print(f"{name:28s} wall {row['wall']:.4f}s  cost_s {row['cost']:.4f}  loss {row['loss']:.4f}", flush=True)
        rows.append(row)

    lines = [
        f"\n## Seconds per evaluation (`scripts/bench_benchmarks.py`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        f"Default config of each family, median of {args.repeats} evaluations (seeds 0..{args.repeats - 1}) "
        f"after one warm-up; {os.cpu_count()} CPUs, Python {platform.python_version()}, models pinned to one "
        "thread. *wall* = whole `evaluate` (ML: includes the test refit on train+valid); *cost_s* = validation "
        "fit+predict (tabular: the recorded training time); *expected/wall* = safety margin of the hard-coded "
        "`expected_seconds` (should stay >= 1).",
        "",
        "| benchmark | wall s/eval (median) | cost_s (median) | loss (median) | expected_seconds | expected/wall |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['name']} | {r['wall']:.4g} | {r['cost']:.4g} | {r['loss']:.4f} | {r['expected']:g} "
                     f"| {r['ratio']:.1f} |")
    text = "\n".join(lines) + "\n"
    publish(text, append=not args.no_append)
    return 0


if __name__ == "__main__":
    sys.exit(main())

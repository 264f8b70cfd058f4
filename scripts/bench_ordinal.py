"""GP and TPE final regret on the nn-tab tasks (ordinal grids): run before and after a change to how
ordinals reach skopt / optuna, and compare.

Regret of a run = best validation loss found in `budget` trials - the best loss in the table for the
repeat the seed reads (so runs are comparable whatever repeat a seed maps to). Each (task, seed)
uses the optimizer exactly as a campaign does: its own seeded initial design, then ask / tell.

Usage: .venv/bin/python scripts/bench_ordinal.py [--seeds 10] [--budget 20] [--label after] [--json out.json]
       .venv/bin/python scripts/bench_ordinal.py --compare before.json after.json   (Markdown table)
The script works on older checkouts too (it only uses create / load / evaluate), so "before" is
`git clone . /tmp/before && git -C /tmp/before checkout <commit>` and running this file from there.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from llmhpo.harness import optimizers  # noqa: E402
from llmhpo.harness.benchmarks import load  # noqa: E402

try:  # after issue #10 optimizers are told a validation-only observation
    from llmhpo.harness.optimizers.ask_tell import validation_only as _told
except ImportError:  # older checkouts: the evaluation itself

    def _told(evaluation: Any) -> Any:
        return evaluation


TASKS = ["blood-transfusion", "vehicle", "australian", "car", "phoneme", "segment", "credit-g", "kc1"]


def table_best(bench: Any, repeat: int) -> float:
    """Lowest loss in the whole table for one repeat (the regret's reference)."""
    from llmhpo.harness.benchmarks.tabular import table_rows

    metric = bench.family.metric
    return float(min(1.0 - float(row[metric][repeat]) for row in table_rows(bench.family_key, bench.package_dataset)))


def one_run(name: str, task: str, seed: int, budget: int) -> tuple[float, float]:
    bench = load(f"nn-tab/{task}")
    opt = optimizers.create(name, space=bench.space, seed=seed, budget=budget, task=bench)
    best, repeat = float("inf"), 0
    t0 = time.perf_counter()
    for _ in range(budget):
        config = opt.ask().config
        evaluation = bench.evaluate(config, seed)
        repeat = int(evaluation.info["repeat"])
        best = min(best, evaluation.loss)
        opt.tell(config, _told(evaluation))
    return best - table_best(bench, repeat), time.perf_counter() - t0


def compare(paths: list[Path]) -> str:
    """A Markdown table of mean regret per task, one column pair per (file, optimizer)."""
    runs = [json.loads(p.read_text()) for p in paths]
    cols = [(r["label"], name, r["results"][name]) for r in runs for name in r["results"]]
    lines = ["| task | " + " | ".join(f"{name} {label}" for label, name, _ in cols) + " |",
             "|---|" + "---|" * len(cols)]
    for task in TASKS:
        lines.append(f"| nn-tab/{task} | " + " | ".join(f"{res['per_task'][task]:.4f}" for _, _, res in cols) + " |")
    lines.append("| **mean over tasks** | " + " | ".join(f"**{res['mean']:.4f}**" for _, _, res in cols) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--budget", type=int, default=20)
    ap.add_argument("--optimizers", default="gp,tpe")
    ap.add_argument("--label", default="")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--compare", type=Path, nargs="+", default=None, help="print a table of earlier --json files")
    args = ap.parse_args()
    if args.compare:
        print(compare(args.compare))
        return
    out: dict[str, Any] = {"label": args.label, "seeds": args.seeds, "budget": args.budget, "results": {}}
    for name in args.optimizers.split(","):
        per_task: dict[str, float] = {}
        walls = []
        for task in TASKS:
            regrets = []
            for seed in range(args.seeds):
                regret, wall = one_run(name, task, seed, args.budget)
                regrets.append(regret)
                walls.append(wall)
            per_task[task] = float(np.mean(regrets))
            print(f"{args.label} {name} {task}: mean regret {per_task[task]:.4f}", flush=True)
        out["results"][name] = {"per_task": per_task, "mean": float(np.mean(list(per_task.values()))),
                                "median_run_s": statistics.median(walls)}
        print(f"{args.label} {name}: mean over tasks {out['results'][name]['mean']:.4f}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()

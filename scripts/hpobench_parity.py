"""docs/HPOBENCH_PARITY.md: real HPOBench (its own environment, through the worker) vs the built-in
ML benchmarks, on the default config and seeded random configs, for every dataset and model.

Why: the built-in `svm|lr|rf|xgb|mlp/<dataset>` re-implement HPOBench; this table shows where they
agree exactly (svm, lr), where library versions differ (xgboost 1.3 exact vs 3.x hist), and how much
lower HPOBench master's leaked validation loss is. Needs `llmhpo hpobench setup` first.

    .venv/bin/python scripts/hpobench_parity.py                        # all 8 datasets x 5 models
    .venv/bin/python scripts/hpobench_parity.py --models svm,lr --datasets credit-g,vehicle
    .venv/bin/python scripts/hpobench_parity.py --fidelity xgb:n_estimators=100
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see harness/cli.py

from llmhpo.harness.benchmarks.ml_data import DATASETS  # noqa: E402
from llmhpo.harness.hpobench.env import HPOBenchHome  # noqa: E402
from llmhpo.harness.hpobench.parity import ParityRow, compare  # noqa: E402

EXACT = 1e-12


def _summary(model: str, dataset: str, fidelity: str, rows: list[ParityRow]) -> str:
    dv = max(r.diff[0] for r in rows)
    dt = max(r.diff[1] for r in rows)
    equal = sum(r.diff[0] <= EXACT and r.diff[1] <= EXACT for r in rows)
    leak = sum(r.builtin[0] - r.master[0] for r in rows) / len(rows)
    secs = sum(r.seconds for r in rows)
    return (f"| {dataset} | {model}{'@' + fidelity if fidelity else ''} | {equal}/{len(rows)} | {dv:.4f} | {dt:.4f} | "
            f"{leak:+.4f} | {secs:.0f} |")


def _cell(cell: tuple[str, str, int, int, str]) -> list[ParityRow] | str:
    try:
        return compare(*cell)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="svm,lr,rf,xgb,mlp")
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--random", type=int, default=4, help="random configs besides the default (default 4)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random configs (default 0)")
    ap.add_argument("--fidelity", action="append", default=[], metavar="MODEL:K=V",
                    help="fidelity override for one model, e.g. xgb:n_estimators=100")
    ap.add_argument("--out", default=str(ROOT / "docs" / "HPOBENCH_PARITY.md"))
    ap.add_argument("--json", default=None, help="also write every row as JSON lines here")
    ap.add_argument("--jobs", type=int, default=1, help="cells evaluated in parallel processes (default 1)")
    args = ap.parse_args()
    fidelity = dict(f.split(":", 1) for f in args.fidelity)
    info = HPOBenchHome.resolve().setup_info()
    if info is None:
        sys.exit("HPOBench is not set up: run `llmhpo hpobench setup` first")
    versions = info["versions"]
    command = "python scripts/hpobench_parity.py " + " ".join(sys.argv[1:])
    head = [
        "# HPOBench parity: real HPOBench vs the built-in ML benchmarks",
        "",
        f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `{command.strip()}` "
        f"(HPOBench {versions['hpobench']} from `{Path(info['source']).name}`, its environment: Python "
        f"{versions['python']}, scikit-learn {versions['sklearn']}, numpy {versions['numpy']}, ConfigSpace "
        f"{versions['ConfigSpace']}; this side: Python {platform.python_version()}). Regenerate with "
        "`.venv/bin/python scripts/hpobench_parity.py` after `llmhpo hpobench setup`.",
        "",
        f"Configs per cell: the default + {args.random} random configs of the built-in space (numpy "
        f"default_rng({args.seed})), all evaluated with seed 0. *equal*: validation and test loss of "
        "`hpobench-fixed/<model>/<task_id>` (HPOBench master with its two quirks switched off from "
        "outside) identical to `<model>/<dataset>` (|diff| <= 1e-12). *max |Δ|*: largest absolute "
        "difference of those losses. *leak*: mean of built-in validation loss minus HPOBench master's "
        "(`hpobench/...`, trained on train+valid): how much lower master reports. *s*: wall seconds for "
        "the cell (three benchmarks, all configs). mlp is HPOBench's `nn`.",
        "",
        "| dataset | model | equal | max \\|Δ val\\| | max \\|Δ test\\| | leak (val) | s |",
        "|---|---|---|---|---|---|---|",
    ]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = list(head)
    sink = open(args.json, "a", encoding="utf-8") if args.json else None
    t0 = time.perf_counter()
    cells = [(m, d, args.random, args.seed, fidelity.get(m, "")) for d in args.datasets.split(",")
             for m in args.models.split(",")]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:  # each process starts its own HPOBench worker
        for (model, dataset, *_), result in zip(cells, pool.map(_cell, cells), strict=True):
            if isinstance(result, str):  # one cell that does not run is reported, the table goes on
                lines.append(f"| {dataset} | {model} | did not run: {result} | | | | |")
            else:
                rows = result
                lines.append(_summary(model, dataset, fidelity.get(model, ""), rows))
                for r in rows:
                    if sink:
                        sink.write(json.dumps({**r.__dict__, "diff": r.diff}) + "\n")
                        sink.flush()
                    assert not math.isnan(r.fixed[0])
            print(lines[-1], flush=True)
            out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    lines += ["", f"Total: {time.perf_counter() - t0:.0f} s on the shared 2-core machine."]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Campaign benchmarks, appended to BENCHMARKS.md.

1. evaluations per second with 1 and 2 workers and a Dask LocalCluster (svm/credit-g, random search,
   fresh cache each time, so every trial trains);
2. harness overhead per trial (toy function + random search, evaluations trivial, serial): wall time
   per trial minus the optimizer's ask time, i.e. journal + cache + driver bookkeeping (goal <= 5 ms);
3. optional: `--demo-dir DIR` (a finished `llmhpo demo` results dir): its live wall time vs a strict
   replay (goal: replay <= 1/100 of live).

Usage: .venv/bin/python scripts/bench_campaign.py [--demo-dir llmhpo-demo/demo] [--no-append]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from benchmarks_md import publish  # noqa: E402

from llmhpo.cache.modes import Mode  # noqa: E402
from llmhpo.harness.campaign.run import CampaignContext, run_campaign  # noqa: E402
from llmhpo.harness.spec.campaign_spec import loads_spec  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SPEC = """
name = "{name}"
budget = {budget}
seeds = {seeds}
benchmarks = ["{bench}"]
[[optimizers]]
name = "random"
"""


def _campaign(tmp: Path, name: str, bench: str, budget: int, seeds: int, **kw) -> tuple[float, int]:
    spec = loads_spec(SPEC.format(name=name, bench=bench, budget=budget, seeds=seeds))
    t0 = time.perf_counter()
    outcome = run_campaign(spec, CampaignContext(out_dir=tmp / name, cache_dir=tmp / f"{name}-cache",
                                                 mode=Mode.LIVE, **kw))
    return time.perf_counter() - t0, outcome.stats.done


def throughput(tmp: Path) -> list[str]:
    rows = []
    for label, kw in (("1 worker (serial)", {"workers": 1}), ("2 workers (process pool)", {"workers": 2}),
                      ("Dask LocalCluster, 2 workers", {"workers": 2, "dask": "local"})):
        wall, n = _campaign(tmp, f"tp{len(rows)}", "svm/credit-g", budget=20, seeds=4, **kw)
        rows.append(f"| {label} | {n} | {wall:.1f} | {n / wall:.1f} |")
    return ["| executor | evaluations | wall s | evaluations/s |", "|---|---|---|---|", *rows]


def overhead(tmp: Path) -> str:
    from llmhpo.harness import optimizers
    from llmhpo.harness.benchmarks import load

    bench = load("toy/branin")
    opt = optimizers.create("random", space=bench.space, seed=0, budget=2000, task=bench)
    t0 = time.perf_counter()
    for _ in range(2000):
        opt.ask()
    ask_s = (time.perf_counter() - t0) / 2000
    per_trial = []
    for i in range(3):
        wall, n = _campaign(tmp, f"oh{i}", "toy/branin", budget=200, seeds=2, workers=1)
        per_trial.append(wall / n - ask_s)
    med = statistics.median(per_trial) * 1000
    return f"harness overhead per trial (toy/branin, random, serial, 400 trials x3): median {med:.2f} ms (goal <= 5 ms)"


def demo_replay(demo_dir: Path) -> str:
    from llmhpo.harness.campaign.replay import replay

    walls = []
    for _ in range(3):
        t0 = time.perf_counter()
        result = replay(demo_dir)
        walls.append(time.perf_counter() - t0)
    live = result.live_wall_s or float("nan")
    med = statistics.median(walls)
    return (f"demo live wall {live:.1f} s vs replay median {med:.2f} s (3 runs): ratio 1/{live / med:.0f} "
            f"(goal <= 1/100); {'identical' if result.identical else 'MISMATCH'}; {result.trials} trials")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--demo-dir", type=Path, default=None)
    ap.add_argument("--no-append", action="store_true")
    args = ap.parse_args()
    lines = [f"\n## Campaign ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, shared machine)\n"]
    with tempfile.TemporaryDirectory() as tmp:
        lines += throughput(Path(tmp))
        lines += ["", overhead(Path(tmp))]
    if args.demo_dir:
        lines += ["", demo_replay(args.demo_dir)]
    text = "\n".join(lines) + "\n"
    publish(text, append=not args.no_append)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

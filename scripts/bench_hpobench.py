"""HPOBench worker costs, appended to BENCHMARKS.md: worker start, round trip, per-evaluation overhead.

Why: `hpobench*/...` benchmarks evaluate in a separate process (HPOBench's own environment); this
measures what that costs next to the built-in benchmark on the same config: the cold start of a
worker (interpreter + HPOBench/ConfigSpace imports + `hello`), a no-op round trip, and per
evaluation the wall time seen by the project vs the time spent inside the worker. Needs
`llmhpo hpobench setup`.

    .venv/bin/python scripts/bench_hpobench.py [--repeats 7] [--no-append]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see harness/cli.py

from benchmarks_md import publish  # noqa: E402

from llmhpo.harness.benchmarks import load  # noqa: E402
from llmhpo.harness.hpobench.client import Worker  # noqa: E402
from llmhpo.harness.hpobench.env import HPOBenchHome  # noqa: E402

PAIRS = (("svm/credit-g", "hpobench-fixed/svm/31"), ("lr/vehicle@iter=100", "hpobench-fixed/lr/53@iter=100"))


def _median_ms(xs: list[float], digits: int = 1) -> str:
    return f"{1000 * statistics.median(xs):.{digits}f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--no-append", action="store_true")
    args = ap.parse_args()
    home = HPOBenchHome.resolve()
    info = home.setup_info()
    if info is None:
        sys.exit("HPOBench is not set up: run `llmhpo hpobench setup` first")

    starts, trips = [], []
    for _ in range(max(3, args.repeats // 2)):
        w = Worker(home)
        t0 = time.perf_counter()
        w.request("hello")
        starts.append(time.perf_counter() - t0)
        for _ in range(20):
            t0 = time.perf_counter()
            w.request("hello")
            trips.append(time.perf_counter() - t0)
        w.close()

    lines = [f"## HPOBench worker (`scripts/bench_hpobench.py`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)", "",
             f"Shared 2-core machine (load average {os.getloadavg()[0]:.0f} at the end); medians. Worker cold start "
             f"(python + imports + first reply): **{_median_ms(starts)} ms**; no-op round trip: "
             f"**{_median_ms(trips, 3)} ms**. Setup: {info['setup_seconds']} s for the last `llmhpo hpobench setup` "
             "recorded in setup.json.", "",
             "| built-in | HPOBench (worker) | built-in ms | worker ms (project's view) | inside worker ms | "
             "transport ms |", "|---|---|---|---|---|---|"]
    for ours, theirs in PAIRS:
        a, b = load(ours), load(theirs)
        config = a.space.default()
        a.evaluate(config, 0), b.evaluate(config, 0)  # warm-up: data preparation, worker start
        ta, tb, inside = [], [], []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            a.evaluate(config, 0)
            ta.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            ev = b.evaluate(config, 0)
            tb.append(time.perf_counter() - t0)
            inside.append(ev.info["worker_wall_s"])
        transport = [x - y for x, y in zip(tb, inside, strict=True)]
        lines.append(f"| `{ours}` | `{theirs}` | {_median_ms(ta)} | {_median_ms(tb)} | {_median_ms(inside)} | "
                     f"{_median_ms(transport)} |")
    lines += ["", "*inside worker*: HPOBench's own evaluation (validation fit + test refit, 4 metrics per split); "
              "*transport*: the rest (JSON over the pipes, config checks).", ""]
    text = "\n".join(lines)
    publish("\n" + text, append=not args.no_append)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Campaign throughput with LLM calls in flight at once, appended to BENCHMARKS.md.

48 runs x budget 5 of `llm` (openai/gpt-4o through litellm) on 12 toy tasks x 4 seeds, against a
local OpenAI-compatible server that answers every request after a fixed delay (1 s) with a config
that depends only on the request (tests/servers/delay.py). Wall time serially and with 4, 16, 48
LLM calls in flight (fresh caches each time); then the same with a server that sends 429 +
Retry-After: 1 to every 10th request. Every campaign's trials are compared with the serial one's
(all fields but timing and which of two identical requests was the live call, `without_hits`).

Usage: .venv/bin/python scripts/bench_concurrency.py [--delay 1.0] [--levels 1,4,16,48] [--no-append]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("OPENAI_API_KEY", "sk-bench-not-a-real-key")

from benchmarks_md import publish  # noqa: E402

from llmhpo.cache.modes import Mode  # noqa: E402
from llmhpo.harness.campaign.run import CampaignContext, run_campaign  # noqa: E402
from llmhpo.harness.spec.campaign_spec import loads_spec  # noqa: E402
from tests.campaign.helpers import stable, trials, without_hits  # noqa: E402
from tests.servers.delay import DelayServer  # noqa: E402

SPEC = """
name = "throughput"
budget = 5
seeds = 4
benchmarks = ["toy/*"]
[[optimizers]]
name = "llm"
model = "openai/gpt-4o"
"""


def _campaign(tmp: Path, label: str, server: DelayServer, concurrency: int) -> tuple[float, dict, int, int]:
    os.environ["OPENAI_API_BASE"] = server.url + "/v1"
    server.reset()
    spec = loads_spec(SPEC)
    start = time.perf_counter()
    outcome = run_campaign(spec, CampaignContext(out_dir=tmp / label, cache_dir=tmp / f"{label}-cache",
                                                 mode=Mode.LIVE, workers=1, llm_concurrency=concurrency))
    wall = time.perf_counter() - start
    rows = without_hits(stable(trials(outcome.directory)))
    lost = sum(1 for t in rows.values() if t["source"] != "llm") + (len(spec.runs) * 5 - len(rows))
    print(f"{label}: {len(rows)} trials in {wall:.1f} s, max in flight {server.max_in_flight}, lost {lost}, "
          f"requests {server.arrivals}", flush=True)
    return wall, rows, lost, server.arrivals


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--delay", type=float, default=1.0)
    ap.add_argument("--levels", default="1,4,16,48")
    ap.add_argument("--no-append", action="store_true")
    args = ap.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    import litellm  # noqa: F401  - its one-time import (seconds) must not count against the serial run

    load = os.getloadavg()
    lines = []
    with tempfile.TemporaryDirectory(prefix="llmhpo-bench-conc-") as tmp_s:
        tmp = Path(tmp_s)
        server = DelayServer(delay_s=args.delay).start()
        try:
            results = {c: _campaign(tmp, f"c{c}", server, c) for c in levels}
        finally:
            server.stop()
        throttled = DelayServer(delay_s=args.delay, throttle_every=10, retry_after=1).start()
        try:
            t_levels = [c for c in levels if c > 1][-2:] or levels
            t_results = {c: _campaign(tmp, f"t{c}", throttled, c) for c in t_levels}
        finally:
            throttled.stop()
    base_wall, base_rows, _, _ = results[levels[0]]
    lines.append(f"\n## Concurrent LLM calls (`scripts/bench_concurrency.py`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)\n")
    lines.append(f"48 runs x budget 5 of `llm` (openai/gpt-4o via litellm) on 12 toy tasks x 4 seeds; a local "
                 f"OpenAI-compatible server answering after {args.delay:g} s; `--workers 1`; load average at start "
                 f"{load[0]:.1f} on 2 cores (shared machine).\n")
    lines.append("| LLM calls in flight | wall (s) | speed-up vs serial | requests | trials identical to serial | lost trials |")
    lines.append("| --- | --- | --- | --- | --- | --- |")
    for c, (wall, rows, lost, requests) in results.items():
        lines.append(f"| {c} | {wall:.1f} | {base_wall / wall:.1f}x | {requests} | {rows == base_rows} | {lost} |")
    lines.append("\nWith a 429 + `Retry-After: 1` on every 10th request (one shared hold per provider):\n")
    lines.append("| LLM calls in flight | wall (s) | speed-up vs serial (no 429s) | requests (of them 429) | "
                 "identical to serial | lost trials |")
    lines.append("| --- | --- | --- | --- | --- | --- |")
    for c, (wall, rows, lost, requests) in t_results.items():
        lines.append(f"| {c} | {wall:.1f} | {base_wall / wall:.1f}x | {requests} ({requests // 10}) | "
                     f"{rows == base_rows} | {lost} |")
    text = "\n".join(lines) + "\n"
    publish(text, append=not args.no_append)


if __name__ == "__main__":
    main()

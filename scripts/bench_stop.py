"""Seconds from Ctrl-C / SIGTERM to exit of `llmhpo run`, appended to BENCHMARKS.md (issue #22).

The campaign of tests/faults/test_stop.py (an OpenAI-wire server answering after 8 s, a process
pool training SVMs, a baseline phase) is started, signalled at a seeded random moment after the
server saw a few requests (or, every third stop, once the baseline phase began), and timed to
exit; then restarted, until `--stops` stops are done; then the same command finishes it and the
journal is checked (every trial and baseline sample once).

    .venv/bin/python scripts/bench_stop.py --stops 8
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks_md import publish  # noqa: E402

from tests.faults.chaos import KEY_ENV, MODEL, child_env, llmhpo_cmd  # noqa: E402
from tests.faults.test_stop import BUDGET, RUNS, SAMPLES, SPEC  # noqa: E402
from tests.servers.delay import DelayServer  # noqa: E402


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.is_file() else []


def _stop_once(run: list[str], campaign: Path, server: DelayServer, rng: random.Random,
               took: list[tuple[str, str, float, int]]) -> bool:
    """Start `run`, signal it at a seeded moment, record the seconds to exit; True if it finished first."""
    sig = (signal.SIGINT, signal.SIGTERM)[len(took) % 2]
    landmark = "baseline" if len(took) % 3 == 2 else "requests"
    proc = subprocess.Popen(run, env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen, wait_for = len(server.received), rng.randint(1, 6)
    while proc.poll() is None:
        if landmark == "requests" and len(server.received) - seen >= wait_for:
            break
        if landmark == "baseline" and _rows(campaign / "baseline.jsonl"):
            break
        time.sleep(0.02)
    time.sleep(rng.uniform(0.0, 2.0))
    if proc.poll() is not None:
        return True
    sent = time.monotonic()
    proc.send_signal(sig)
    proc.wait(timeout=120)
    took.append((signal.Signals(sig).name, landmark, time.monotonic() - sent, proc.returncode))
    print(took[-1], flush=True)
    return False


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stops", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-append", action="store_true")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    server = DelayServer(delay_s=8.0).start()
    tmp = Path(tempfile.mkdtemp(prefix="llmhpo-bench-stop-"))
    spec = tmp / "stops.toml"
    spec.write_text(SPEC.format(model=MODEL, url=server.url, key_env=KEY_ENV))
    took: list[tuple[str, str, float, int]] = []
    complete = duplicated = campaigns = 0
    try:
        while len(took) < args.stops:  # one campaign after another, each stopped until it finishes
            campaigns += 1
            out = tmp / f"out{campaigns}"
            run = llmhpo_cmd("run", str(spec), "--out", str(out), "--cache", str(tmp / f"cache{campaigns}"),
                             "--timeout", "60")
            while len(took) < args.stops and not _stop_once(run, out / "stops", server, rng, took):
                pass
            final = subprocess.run(run, env=child_env(), capture_output=True, text=True, timeout=1200)
            rows = _rows(out / "stops" / "trials.jsonl")
            keys = {(r["run_id"], r["index"]) for r in rows}
            samples = {(r["benchmark"], r["sample"]) for r in _rows(out / "stops" / "baseline.jsonl")}
            duplicated += len(rows) - len(keys)
            complete += final.returncode == 0 and len(keys) == 2 * RUNS * BUDGET and len(samples) == 2 * SAMPLES
    finally:
        server.stop()
    seconds = [t for _, _, t, _ in took]
    load = os.getloadavg()[0]
    command = f".venv/bin/python scripts/bench_stop.py --stops {args.stops} --seed {args.seed}"
    lines = [
        f"\n## Ctrl-C / SIGTERM to exit (`scripts/bench_stop.py`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"load average {load:.1f})\n",
        f"`{command}`: `llmhpo run` of tests/faults/test_stop.py's campaign (LLM replies after 8 s, 2 pool workers "
        f"training SVMs, {SAMPLES} baseline samples per task), stopped {len(took)} times at seeded moments "
        f"({sum(1 for t in took if t[1] == 'baseline')} in the baseline phase) over {campaigns} campaign(s), each then "
        f"finished by the same command: {complete}/{campaigns} complete (every trial and baseline sample once).\n",
        "| stops | SIGINT / SIGTERM | median s to exit | max s to exit | exit codes | campaigns complete | "
        "duplicated trials |",
        "|---|---|---|---|---|---|---|",
        f"| {len(took)} | {sum(t[0] == 'SIGINT' for t in took)} / {sum(t[0] == 'SIGTERM' for t in took)} "
        f"| {statistics.median(seconds):.2f} | {max(seconds):.2f} | {sorted({t[3] for t in took})} "
        f"| {complete}/{campaigns} | {duplicated} |",
        "",
        "Before issue #22 the same signal took 89–144 s (calls in flight and the baseline ran to the end).",
    ]
    publish("\n".join(lines) + "\n", append=not args.no_append)
    return 0 if complete == campaigns and not duplicated else 1


if __name__ == "__main__":
    raise SystemExit(main())

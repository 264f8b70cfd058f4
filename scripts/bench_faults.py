"""Fault campaigns, appended to BENCHMARKS.md: the long version of tests/faults/.

Each round runs the fault campaign of tests/faults/chaos.py (an OpenAI-wire server injecting
429/500/503/resets/hangs/truncated/empty/invalid-JSON/wrong-keys/out-of-range faults on a seeded
schedule; `llmhpo run` as a real subprocess SIGKILLed at seeded random moments and resumed; then
`llmhpo replay` with the server stopped) and sums what happened.

    .venv/bin/python scripts/bench_faults.py --rounds 3 --kills 6
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks_md import publish  # noqa: E402

from tests.faults.chaos import run_chaos  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3, help="campaigns, each with its own seed")
    ap.add_argument("--kills", type=int, default=6, help="SIGKILLs per campaign")
    ap.add_argument("--budget", type=int, default=8)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--max-faults", type=int, default=60)
    ap.add_argument("--fault-rate", type=float, default=0.5)
    ap.add_argument("--no-append", action="store_true")
    args = ap.parse_args()
    totals: Counter[str] = Counter()
    faults: Counter[str] = Counter()
    identical = 0
    wall = 0.0
    for seed in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            r = run_chaos(Path(tmp), seed=100 + seed, kills=args.kills, budget=args.budget, seeds=args.seeds,
                          max_faults=args.max_faults, fault_rate=args.fault_rate)
            if not r.replay_identical or r.crashed_campaigns or r.lost or r.duplicated:
                kept = Path(tempfile.mkdtemp(prefix="llmhpo-faults-"))
                shutil.copytree(tmp, kept, dirs_exist_ok=True)
                print("\n----\n".join(r.outputs), f"\n(kept in {kept})", file=sys.stderr, flush=True)
        faults.update(r.faults)
        totals.update(requests=r.requests, kills=r.kills, resumes=r.resumes, replays=r.replays,
                      trials=r.trials, expected=r.expected_trials, lost=r.lost, duplicated=r.duplicated,
                      crashed=r.crashed_campaigns, bad_cache=r.bad_cache_entries, secrets=r.secrets_found,
                      failures=r.llm_failures_journaled)
        identical += r.replay_identical
        wall += r.wall_s
        print(f"round {seed}: {r.faults} kills={r.kills} lost={r.lost} dup={r.duplicated} "
              f"crashed={r.crashed_campaigns} replay_identical={r.replay_identical} bad_cache={r.bad_cache_entries}",
              flush=True)
    command = (f".venv/bin/python scripts/bench_faults.py --rounds {args.rounds} --kills {args.kills} "
               f"--budget {args.budget} --seeds {args.seeds} --max-faults {args.max_faults} --fault-rate {args.fault_rate}")
    lines = [
        f"\n## Faults, kills, resumes, replays (`scripts/bench_faults.py`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)\n",
        f"`{command}`: {args.rounds} campaigns (toy/branin x llm, llm-tpe x {args.seeds} seeds x budget "
        f"{args.budget}, model openai/gpt-4o-mini on the fault server, --timeout 1 --max-attempts 2), {wall:.0f} s.\n",
        "| faults injected | by kind | LLM requests | kills (SIGKILL) | resumes | replays (server stopped) | "
        "trials | lost | duplicated | crashed campaigns | replays identical | bad cache entries | keys found on disk "
        "| failed attempts journaled |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        f"| {sum(faults.values())} | {', '.join(f'{k} {v}' for k, v in sorted(faults.items()))} | {totals['requests']} "
        f"| {totals['kills']} | {totals['resumes']} | {totals['replays']} | {totals['trials']}/{totals['expected']} "
        f"| {totals['lost']} | {totals['duplicated']} | {totals['crashed']} | {identical}/{args.rounds} "
        f"| {totals['bad_cache']} | {totals['secrets']} | {totals['failures']} |",
    ]
    text = "\n".join(lines) + "\n"
    publish(text, append=not args.no_append)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Embedded-model throughput with and without prompt-prefix reuse, appended to BENCHMARKS.md.

Two LLM-optimizer runs (the real `llm` prompts, chat style, on svm/credit-g, seeds 0 and 1) take
turns for `--turns` trials each, as a campaign's runs do, with the embedded model: once cold
(LLMHPO_LOCAL_COLD semantics: one slot, no prefix reuse) and once with prefix reuse, the RAM prompt
cache and 2 slots. Each setting runs in a fresh process. Losses come from a fixed function of the
config, so both settings see the same histories only as long as the replies agree.
Reported per setting: median per-turn latency (first turn and later turns), prompt tokens actually
read and reused, prompt and generation tokens/s (llama.cpp's own timings).

Usage: .venv/bin/python scripts/bench_local_reuse.py [--turns 8] [--no-append]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from benchmarks_md import publish

ROOT = Path(__file__).resolve().parents[1]

WORKER = """
import json, math, sys, time
from llmhpo.gateway import Gateway
from llmhpo.gateway.providers.local import LocalProvider
from llmhpo.harness.benchmarks import load
from llmhpo.harness.benchmarks.base import Evaluation
from llmhpo.harness.optimizers import create

turns, reuse = int(sys.argv[1]), sys.argv[2] == "1"
rows = []

class Timed(LocalProvider):
    def complete(self, request, *, timeout_s, **kw):
        loaded = self.load(request.model)
        t = time.perf_counter()
        raw = loaded.server.handle_chat_completions(self.chat_body(request, images=False))
        wall = time.perf_counter() - t
        rows.append({"wall": wall, **{k: raw["timings"][k] for k in ("prompt_n", "cache_n", "prompt_per_second",
                     "predicted_n", "predicted_per_second")}})
        from llmhpo.gateway.providers.local import to_response
        return to_response(raw, loaded, wall)

provider = Timed(reuse_prompt_cache=reuse, slots=2 if reuse else 1)
provider.load("local/smollm2-135m")
gw = Gateway(mode="off", providers={"local": provider})
bench = load("svm/credit-g")
opts = [create("llm", space=bench.space, seed=s, budget=turns, task=bench, model="local/smollm2-135m", gateway=gw)
        for s in (0, 1)]
for turn in range(turns):
    for opt in opts:
        n = len(rows)
        p = opt.ask()
        for r in rows[n:]:
            r["turn"] = turn
        loss = 0.5 + 0.1 * math.sin(sum(math.log(float(v)) for v in p.config.values()))
        opt.tell(p.config, Evaluation(loss=loss, test_loss=loss, cost_s=0.0))
print(json.dumps(rows))
"""


def _setting(turns: int, reuse: bool) -> list[dict]:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    env.pop("LLMHPO_LOCAL_COLD", None)
    out = subprocess.run([sys.executable, "-c", WORKER, str(turns), "1" if reuse else "0"], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True, timeout=3600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _row(label: str, rows: list[dict]) -> str:
    first = [r["wall"] for r in rows if r["turn"] == 0]
    later = [r["wall"] for r in rows if r["turn"] > 0]
    read = sum(r["prompt_n"] for r in rows)
    reused = sum(r["cache_n"] for r in rows)
    med = statistics.median
    return (f"| {label} | {len(rows)} | {med(first):.2f} | {med(later):.2f} | {sum(r['wall'] for r in rows):.1f} | "
            f"{read} / {reused} | {med(r['prompt_per_second'] for r in rows):.0f} | "
            f"{med(r['predicted_per_second'] for r in rows):.1f} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--turns", type=int, default=8)
    ap.add_argument("--no-append", action="store_true")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    cold = _setting(args.turns, reuse=False)
    warm = _setting(args.turns, reuse=True)
    lines = [
        f"\n## Embedded model: prompt-prefix reuse (`scripts/bench_local_reuse.py`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)\n",
        f"local/smollm2-135m, 2 threads; two `llm` runs (chat prompts, svm/credit-g, seeds 0/1) taking turns for "
        f"{args.turns} trials each, back to back in fresh processes; load average {load:.1f} on 2 cores at the start.\n",
        "| setting | calls | median s/turn, turn 1 | median s/turn, later | total s | prompt tokens read / reused | "
        "prompt tok/s | generation tok/s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        _row("cold (`LLMHPO_LOCAL_COLD=1`: 1 slot, no reuse)", cold),
        _row("prefix reuse + RAM prompt cache, 2 slots (default)", warm),
    ]
    text = "\n".join(lines) + "\n"
    publish(text, append=not args.no_append)


if __name__ == "__main__":
    main()

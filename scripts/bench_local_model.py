"""Benchmark the embedded local models: load time, s/reply, tokens/s, peak RSS, valid-JSON rate.

For every catalogued local model that is installed, a fresh process loads it and answers the same
SVM C/gamma prompt 10 times with a JSON schema and 10 times without (temperature 0.7, seeds 0-9).
Medians are appended to BENCHMARKS.md.

    .venv/bin/python scripts/bench_local_model.py [--no-append] [--models local/smollm2-135m ...]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks_md import publish

ROOT = Path(__file__).resolve().parents[1]
N = 10
SCHEMA = {
    "type": "object",
    "properties": {"C": {"type": "number"}, "gamma": {"type": "number"}},
    "required": ["C", "gamma"],
    "additionalProperties": False,
}
PROMPT = (
    "You tune an RBF-kernel SVM on a small tabular dataset. C is in [0.0009765625, 1024] and gamma "
    "in [0.0009765625, 1024], both on a log scale. Reply with only a JSON object with keys C and gamma."
)

WORKER = """
import json, resource, sys, time
from llmhpo.gateway.providers.local import LocalProvider
from llmhpo.gateway.types import Message, Request
model, prompt, schema, n = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
p = LocalProvider()
t = time.perf_counter(); p.load(model); load_s = time.perf_counter() - t
rows = []
for use_schema in (True, False):
    for seed in range(n):
        r = p.complete(Request(model=model, messages=(Message.text("user", prompt),), temperature=0.7, seed=seed,
                               max_tokens=96, response_schema=schema if use_schema else None), timeout_s=600)
        rows.append({"schema": use_schema, "s": r.latency_s, "tokens": r.usage.completion_tokens, "text": r.text})
print(json.dumps({"load_s": load_s, "rows": rows, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def valid_config(text: str) -> bool:
    """The whole reply (code fences allowed) is a JSON object with exactly numeric C and gamma."""
    body = re.sub(r"^```(?:json)?\s*|\s*```$", "", text.strip())
    try:
        obj = json.loads(body)
    except json.JSONDecodeError:
        return False
    return (isinstance(obj, dict) and set(obj) == {"C", "gamma"}
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in obj.values()))


def installed_models() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from llmhpo.gateway.errors import ConfigurationError
    from llmhpo.gateway.models import CATALOGUE, locate

    found = []
    for spec in CATALOGUE.values():
        try:
            locate(spec)
        except ConfigurationError as exc:
            print(f"skip local/{spec.name}: {str(exc).splitlines()[0][:160]}", file=sys.stderr)
            continue
        found.append(f"local/{spec.name}")
    return found


def bench(model: str) -> dict:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", WORKER, model, PROMPT, json.dumps(SCHEMA), str(N)],
                          capture_output=True, text=True, cwd=ROOT, check=True)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    result = {"model": model, "load_s": out["load_s"], "rss_mb": out["rss_mb"], "wall_s": time.perf_counter() - start}
    for use_schema in (True, False):
        rows = [r for r in out["rows"] if r["schema"] is use_schema]
        tag = "schema" if use_schema else "free"
        result[f"{tag}_s"] = statistics.median(r["s"] for r in rows)
        result[f"{tag}_tok_s"] = statistics.median(r["tokens"] / r["s"] for r in rows if r["s"] > 0)
        result[f"{tag}_valid"] = sum(valid_config(r["text"]) for r in rows)
        result[f"{tag}_sample"] = rows[0]["text"][:60]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=None)
    parser.add_argument("--no-append", action="store_true")
    args = parser.parse_args(argv)
    results = [bench(m) for m in (args.models or installed_models())]
    load = os.getloadavg()[0]
    threads = os.environ.get("LLMHPO_THREADS", "2")
    lines = [
        f"\n## Local models ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, scripts/bench_local_model.py)\n",
        f"{os.cpu_count()} CPUs, {threads} llama.cpp threads, OMP_WAIT_POLICY=PASSIVE, load average {load:.1f} at the end; "
        f"temperature 0.7, seeds 0-{N - 1}, max_tokens 96, medians over {N} replies each.\n",
        "| model | load s | peak RSS MB | s/reply (schema) | tok/s (schema) | valid JSON (schema) "
        "| s/reply (free) | tok/s (free) | valid JSON (free) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        lines.append(
            f"| {r['model']} | {r['load_s']:.2f} | {r['rss_mb']:.0f} | {r['schema_s']:.2f} | {r['schema_tok_s']:.1f} "
            f"| {r['schema_valid']}/{N} | {r['free_s']:.2f} | {r['free_tok_s']:.1f} | {r['free_valid']}/{N} |"
        )
    text = "\n".join(lines) + "\n"
    publish(text, append=not args.no_append)
    for r in results:
        print(f"{r['model']}: schema sample {r['schema_sample']!r}; free sample {r['free_sample']!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

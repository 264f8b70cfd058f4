"""Hosted-model fidelity: every example spec (smoke size) against the wire-format test servers.

For each `examples/*.toml`, reduced as in tests/fidelity/examples.py (budget 3, one seed, the
cheapest task per family at its lowest training fidelity, every optimizer with the spec's own
models), run live against the OpenAI / Anthropic / Gemini test servers answering in every
free-text shape (bare, fenced, chatter + Config:, CoT, pretty JSON, key: value, a refusal, an
empty reply), and count refused requests and parse outcomes (ok / repaired / reasked / fallback)
per optimizer. `--write` appends the table to BENCHMARKS.md.

    .venv/bin/python scripts/bench_fidelity.py [--write]
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
OUTCOMES = ("ok", "repaired", "reasked", "fallback")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="append the results to BENCHMARKS.md")
    args = parser.parse_args()
    from tests.fidelity.conftest import server_env
    from tests.fidelity.examples import EXAMPLES, reduced, run_against_servers
    from tests.servers import AnthropicServer, GeminiServer, OpenAIServer

    servers = {"openai": OpenAIServer().start(), "anthropic": AnthropicServer().start(), "gemini": GeminiServer().start()}
    os.environ.update(server_env(servers))
    rows = ["| spec | tasks | requests | refused | failed runs | optimizer | ok | repaired | reasked | fallback | wall s |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    try:
        for path in EXAMPLES:
            for server in servers.values():
                server.reset()
            spec = reduced(path)
            start = time.perf_counter()
            with tempfile.TemporaryDirectory() as tmp:
                result = run_against_servers(spec, Path(tmp) / "out", Path(tmp) / "cache", servers)
            wall = time.perf_counter() - start
            for i, (label, counts) in enumerate(sorted(result["outcomes"].items())):
                head = (f"| {path.name} | {', '.join(spec.benchmarks)} | {result['requests']} | {len(result['refused'])} "
                        f"| {len(result['stats'].failed_runs)} ") if i == 0 else "| | | | | "
                cells = " | ".join(str(counts.get(k, 0)) for k in OUTCOMES)
                rows.append(f"{head}| {label} | {cells} | {wall:.0f} |" if i == 0 else f"{head}| {label} | {cells} | |")
    finally:
        for server in servers.values():
            server.stop()
    table = "\n".join(rows)
    print(table)
    if args.write:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        with (REPO / "BENCHMARKS.md").open("a", encoding="utf-8") as fh:
            fh.write(f"\n## Hosted-model fidelity (`scripts/bench_fidelity.py --write`, {stamp})\n\n"
                     "Each example spec at smoke size against the wire-format test servers (which refuse what the "
                     "real APIs refuse and answer in every free-text shape, refusals and empty replies included): "
                     "requests sent, requests refused, runs failed, and LLM proposals by parse outcome.\n\n"
                     + table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

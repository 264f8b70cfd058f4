"""A campaign against the fault server, SIGKILLed at seeded random moments and resumed, then replayed.

Shared by tests/faults/test_fault_campaign.py (short, in CI) and scripts/bench_faults.py (longer,
figures for BENCHMARKS.md). Each `llmhpo run` is a real subprocess; a kill is a real SIGKILL, at a
moment chosen by (seed, kill number): after the server has seen a random number of requests from
that process, plus a random delay, so kills land mid-request, mid-retry, mid-evaluation and
mid-write. The last run goes to completion; then the server is stopped and `llmhpo replay` must
reproduce every trial from the caches and the journal alone.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.faults.server import FaultServer

REPO = Path(__file__).resolve().parents[2]
MODEL = "openai/gpt-4o-mini"
KEY_ENV = "LLMHPO_FAULT_SUITE_KEY"
KEY = "sk-fault-suite-0123456789abcdef0123"  # must never reach the cache, journal or output

SPEC = """
name = "faults"
budget = {budget}
seeds = {seeds}
benchmarks = ["toy/branin"]
workers = 1
[[optimizers]]
name = "llm"
model = "{model}"
[[optimizers]]
name = "llm-tpe"
model = "{model}"
[model_settings."{model}"]
api_base = "{url}"
api_key_env = "{key_env}"
"""


@dataclass
class ChaosResult:
    faults: dict[str, int]
    requests: int
    kills: int
    resumes: int
    replays: int
    expected_trials: int
    trials: int
    lost: int
    duplicated: int
    crashed_campaigns: int
    replay_identical: bool
    bad_cache_entries: int
    secrets_found: int
    llm_failures_journaled: int
    wall_s: float
    outputs: list[str] = field(default_factory=list)


def child_env() -> dict[str, str]:
    env = dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True")
    env[KEY_ENV] = KEY
    for var in ("OPENAI_API_KEY", "OPENAI_API_BASE", "OPENAI_BASE_URL"):
        env.pop(var, None)
    return env


def llmhpo_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "llmhpo", *args]


def run_chaos(tmp: Path, *, seed: int = 0, kills: int = 3, budget: int = 6, seeds: int = 2,
              max_faults: int = 30, fault_rate: float = 0.35, timeout_s: float = 1.0) -> ChaosResult:
    start = time.monotonic()
    rng = random.Random(seed)
    server = FaultServer(seed=seed, fault_rate=fault_rate, max_faults=max_faults, hang_s=timeout_s + 0.5).start()
    spec = tmp / "faults.toml"
    spec.write_text(SPEC.format(budget=budget, seeds=json.dumps(list(range(seeds))), model=MODEL, url=server.url,
                                key_env=KEY_ENV))
    out, cache = tmp / "out", tmp / "cache"
    run_args = llmhpo_cmd("run", str(spec), "--out", str(out), "--cache", str(cache), "--timeout", str(timeout_s),
                       "--max-attempts", "2")
    env = child_env()
    done_kills = resumes = crashed = 0
    outputs: list[str] = []
    try:
        for attempt in range(kills + 1):
            if attempt:
                resumes += 1
            proc = subprocess.Popen(run_args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True)
            killing = attempt < kills
            seen, wait_for, delay = server.requests, rng.randint(1, 10), rng.uniform(0.0, 0.4)
            while killing and proc.poll() is None:
                if server.requests - seen >= wait_for:
                    time.sleep(delay)
                    if proc.poll() is None:
                        proc.send_signal(signal.SIGKILL)
                        done_kills += 1
                    break
                time.sleep(0.01)
            text, _ = proc.communicate(timeout=600)
            outputs.append(text)
            if proc.returncode not in (0, -signal.SIGKILL):
                crashed += 1
            if proc.returncode == 0 and killing:
                break  # finished before the kill moment: nothing left to kill
        faults, requests = dict(server.injected), server.requests
    finally:
        server.stop()
    # the server is gone: replay must need nothing but the caches and the journal
    replay = subprocess.run(llmhpo_cmd("replay", str(out / "faults"), "--cache", str(cache)), cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=600)
    outputs.append(replay.stdout + replay.stderr)
    rows = [json.loads(line) for line in (out / "faults" / "trials.jsonl").read_text().splitlines() if line.strip()]
    keys = [(r["run_id"], r["index"]) for r in rows]
    expected = 2 * seeds * budget
    return ChaosResult(
        faults=faults, requests=requests, kills=done_kills, resumes=resumes, replays=1, expected_trials=expected,
        trials=len(set(keys)), lost=expected - len(set(keys)), duplicated=len(keys) - len(set(keys)),
        crashed_campaigns=crashed, replay_identical=replay.returncode == 0 and "identical to the journal" in replay.stdout,
        bad_cache_entries=bad_cache_entries(cache), secrets_found=secrets_found(tmp),
        llm_failures_journaled=sum(int((r.get("llm") or {}).get("failures") or 0) for r in rows),
        wall_s=time.monotonic() - start, outputs=outputs,
    )


def bad_cache_entries(cache: Path) -> int:
    """Entries that fail verification plus LLM entries that are not a stored-quality reply."""
    from llmhpo.cache.store import CacheStore
    from llmhpo.gateway.gateway import storable

    with CacheStore(cache) as store:
        bad = len(store.verify())
        for envelope in store.entries("llm"):
            value = envelope["value"]
            bad += not storable(str(value.get("text") or ""), value.get("finish_reason"))
    return bad


def secrets_found(root: Path) -> int:
    """Files under `root` (cache, journal, transcripts) that contain the API key."""
    needle = KEY.encode()
    return sum(1 for p in root.rglob("*") if p.is_file() and needle in p.read_bytes())


def summary(result: ChaosResult) -> dict[str, Any]:
    return {k: v for k, v in result.__dict__.items() if k != "outputs"}

"""Ctrl-C and SIGTERM stop `llmhpo run` within 5 s, at random moments, and the campaign resumes whole.

Real parts: `llmhpo run` in a subprocess, real signals, an OpenAI-wire server that answers after a
delay longer than the 5 s allowed while the stops mid-trials are made (so waiting for the calls in
flight would fail the test; afterwards it answers at once, as nothing waits on it any more), a
process pool training real SVMs, and a baseline phase. After the stops, the same command finishes
the campaign: every trial and baseline sample exactly once, and a strict replay reproduces the
journal (nothing of an unfinished trial was journaled).
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.faults.chaos import KEY_ENV, MODEL, child_env, llmhpo_cmd
from tests.servers.delay import DelayServer

SPEC = """
name = "stops"
budget = 3
seeds = [0, 1]
benchmarks = ["toy/branin", "svm/blood-transfusion"]
workers = 2
baseline_samples = 150
[[optimizers]]
name = "llm"
model = "{model}"
[[optimizers]]
name = "random"
[model_settings."{model}"]
api_base = "{url}"
api_key_env = "{key_env}"
"""
RUNS, BUDGET, SAMPLES = 4, 3, 150  # per optimizer: 2 benchmarks x 2 seeds; baseline per benchmark
LIMIT_S = 5.0


def _rows(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]  # every line whole


def _start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen(args, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _stop_and_time(proc: subprocess.Popen, sig: int) -> tuple[float, str]:
    sent = time.monotonic()
    proc.send_signal(sig)
    try:
        text, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        text, _ = proc.communicate()
        return 99.0, text
    return time.monotonic() - sent, text


@pytest.mark.slow
def test_sigint_and_sigterm_at_random_moments_stop_within_5s_and_resume_whole(tmp_path):
    rng = random.Random(22)
    server = DelayServer(delay_s=8.0).start()  # a call in flight outlives the 5 s: it must be abandoned
    spec = tmp_path / "stops.toml"
    spec.write_text(SPEC.format(model=MODEL, url=server.url, key_env=KEY_ENV))
    out, cache = tmp_path / "out", tmp_path / "cache"
    args = llmhpo_cmd("run", str(spec), "--out", str(out), "--cache", str(cache), "--timeout", "60")
    campaign = out / "stops"
    stops = []
    try:
        # two stops while LLM calls and evaluations are in flight, one in the baseline phase; each at a
        # seeded random moment after its landmark
        for sig, landmark in ((signal.SIGINT, "requests"), (signal.SIGTERM, "requests"), (signal.SIGINT, "baseline")):
            if landmark == "baseline":  # no LLM call in flight is under test any more: the trials finish at once
                server.delay_s = 0.0
            proc = _start(args)
            seen, wait_for = len(server.received), rng.randint(1, 6)
            deadline = time.monotonic() + 300
            while proc.poll() is None and time.monotonic() < deadline:
                if landmark == "requests" and len(server.received) - seen >= wait_for:
                    break
                if landmark == "baseline" and _rows(campaign / "baseline.jsonl"):
                    break
                time.sleep(0.02)
            time.sleep(rng.uniform(0.0, 2.0))
            if proc.poll() is not None:
                pytest.fail(f"finished before the {landmark} stop: {proc.communicate()[0]}")
            took, text = _stop_and_time(proc, sig)
            stops.append((signal.Signals(sig).name, landmark, round(took, 2), len(_rows(campaign / "trials.jsonl"))))
            assert took <= LIMIT_S, f"{signal.Signals(sig).name}: exited after {took:.1f} s\n{text}"
            assert proc.returncode == 128 + sig, text
            assert "stopped (" in text and "run the same command to resume" in text, text
        final = subprocess.run(args, env=child_env(), capture_output=True, text=True, timeout=600)
        assert final.returncode == 0, final.stdout + final.stderr
    finally:
        server.stop()
    print("stops (signal, landmark, seconds to exit, trials journaled):", stops)
    rows = _rows(campaign / "trials.jsonl")
    keys = [(r["run_id"], r["index"]) for r in rows]
    assert len(keys) == len(set(keys)) == 2 * RUNS * BUDGET, stops  # nothing lost, nothing twice
    baseline = _rows(campaign / "baseline.jsonl")
    samples = [(r["benchmark"], r["sample"]) for r in baseline]
    assert len(samples) == len(set(samples)) == 2 * SAMPLES
    manifest = json.loads((campaign / "manifest.json").read_text())
    assert manifest["sessions"] == len(stops) + 1  # every stop landed after the journal was opened
    assert set(manifest["phase_s"]) == {"trials", "baseline"}
    replayed = subprocess.run(llmhpo_cmd("replay", str(campaign), "--cache", str(cache)), env=child_env(),
                              capture_output=True, text=True, timeout=600)
    assert replayed.returncode == 0 and "identical to the journal" in replayed.stdout, replayed.stdout + replayed.stderr


@pytest.mark.slow
def test_a_second_ctrl_c_exits_at_once_with_the_journal_intact(tmp_path):
    server = DelayServer(delay_s=30.0).start()
    spec = tmp_path / "stops.toml"
    spec.write_text(SPEC.format(model=MODEL, url=server.url, key_env=KEY_ENV))
    out, cache = tmp_path / "out", tmp_path / "cache"
    args = llmhpo_cmd("run", str(spec), "--out", str(out), "--cache", str(cache), "--timeout", "60")
    try:
        proc = _start(args)
        deadline = time.monotonic() + 120
        while len(server.received) < 2:  # LLM calls in flight
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        time.sleep(0.05)
        took, text = _stop_and_time(proc, signal.SIGINT)
        assert took <= 2.0, text
        assert proc.returncode == 130, text
        rows = _rows(out / "stops" / "trials.jsonl")  # every line parses
        assert all(r["optimizer"] == "random" for r in rows)  # no LLM call answered, so no LLM trial
        plan = subprocess.run([*args, "--dry-run"], env=child_env(), capture_output=True, text=True, timeout=120)
        assert f"({len(rows)} journaled)" in plan.stdout, plan.stdout + plan.stderr  # the resume reads it whole
    finally:
        server.stop()

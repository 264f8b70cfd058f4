"""Faults, kills and replays end to end: a real OpenAI-wire server, real subprocesses, real SIGKILL.

Failed LLM attempts (empty reply, 5xx after retries, timeout) are part of a run's record: a resume
after a kill and a strict replay answer them from the journal instead of asking again, so both
reproduce the run exactly, and nothing bad is ever cached.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from llmhpo.cache.modes import Mode
from llmhpo.harness.campaign.replay import replay
from llmhpo.harness.campaign.run import CampaignContext, run_campaign
from llmhpo.harness.spec.campaign_spec import loads_spec
from tests.faults.chaos import KEY, KEY_ENV, MODEL, bad_cache_entries, child_env, llmhpo_cmd, run_chaos
from tests.faults.server import FAULTS, FaultServer

ONE_RUN = """
name = "faults"
budget = {budget}
seeds = [0]
benchmarks = ["toy/branin"]
workers = 1
[[optimizers]]
name = "llm"
model = "{model}"
[model_settings."{model}"]
api_base = "{url}"
api_key_env = "{key_env}"
"""


def _rows(directory: Path) -> list[dict]:
    return [json.loads(line) for line in (directory / "trials.jsonl").read_text().splitlines() if line.strip()]


def _transcripts(directory: Path) -> dict[int, dict]:
    (path,) = (directory / "transcripts").glob("*.jsonl")
    return {row["index"]: row["transcript"] for row in map(json.loads, path.read_text().splitlines())}


def test_replay_follows_empty_replies_exhausted_5xx_and_timeouts(tmp_path, monkeypatch):
    # trial 0: an empty reply, then a 500 twice (retries exhausted), then two hangs past the timeout
    # (exhausted): the optimizer falls back to a random config; trials 1 and 2 are answered normally
    server = FaultServer(script={1: "empty", 2: "500", 3: "500", 4: "hang", 5: "hang"}, hang_s=1.6).start()
    monkeypatch.setenv(KEY_ENV, KEY)
    spec = loads_spec(ONE_RUN.format(budget=3, model=MODEL, url=server.url, key_env=KEY_ENV))
    options = {"timeout_s": 1.0, "max_attempts": 2, "backoff_s": 0.01, "max_backoff_s": 0.02}
    try:
        outcome = run_campaign(spec, CampaignContext(out_dir=tmp_path / "out", cache_dir=tmp_path / "cache",
                                                     mode=Mode.LIVE, workers=1, gateway_options=options))
        # a NEW run asking the same questions is never served the failures: it asks live
        before = server.requests
        fresh = run_campaign(spec, CampaignContext(out_dir=tmp_path / "fresh", cache_dir=tmp_path / "cache",
                                                   mode=Mode.LIVE, workers=1, gateway_options=options))
        assert server.requests > before
        assert _rows(fresh.directory)[0]["source"] == "llm" and _rows(fresh.directory)[0]["llm"]["failures"] == 0
    finally:
        server.stop()
    assert dict(server.injected) == {"empty": 1, "500": 2, "hang": 2}
    first = _transcripts(outcome.directory)[0]
    attempts = first["attempts"]
    assert [a.get("reply") for a in attempts][:1] == [""]
    assert "500" in attempts[1]["error"] and "imeout" in attempts[2]["error"], attempts
    assert first["fallback"] is True and all(a["fingerprint"] for a in attempts)
    assert _rows(outcome.directory)[0]["llm"]["failures"] == 2
    # the server is stopped and the environment points nowhere: replay needs only the record
    monkeypatch.setenv("OPENAI_API_BASE", "http://127.0.0.1:9")
    result = replay(outcome.directory, cache_dir=tmp_path / "cache")
    assert result.identical, result.mismatches
    assert result.trials == 3
    assert bad_cache_entries(tmp_path / "cache") == 0


@pytest.mark.slow
def test_kill_after_a_failed_attempt_then_resume(tmp_path):
    # request 1 and 2: 500 (the first call of trial 0 fails after 2 attempts); 3: the re-ask answers;
    # 4 (trial 1): hangs until the run is killed
    server = FaultServer(script={1: "500", 2: "500", 4: "hang"}, hang_s=30.0).start()
    spec = tmp_path / "faults.toml"
    spec.write_text(ONE_RUN.format(budget=3, model=MODEL, url=server.url, key_env=KEY_ENV))
    out, cache = tmp_path / "out", tmp_path / "cache"
    args = llmhpo_cmd("run", str(spec), "--out", str(out), "--cache", str(cache), "--timeout", "60",
                   "--max-attempts", "2")
    try:
        proc = subprocess.Popen(args, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        trials = out / "faults" / "trials.jsonl"
        deadline = time.monotonic() + 120
        while not (server.requests >= 4 and trials.is_file() and trials.read_text().strip()):
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()[0]
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        (first,) = _rows(out / "faults")
        assert first["llm"]["failures"] == 1 and first["parse"]["attempts"] == 2
        # from now on the "model" answers every question differently: re-asking the failed attempt
        # live would change trial 0 and the resume would stop with "re-derived config != journaled"
        server.script, server.salt = {}, "changed"
        before = server.requests
        resumed = subprocess.run(args, env=child_env(), capture_output=True, text=True, timeout=300)
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        assert "1 resumed" in resumed.stdout
        # only the two unfinished trials asked anything (one call each): the failure was not re-asked
        assert server.requests - before == 2
    finally:
        server.stop()
    rows = _rows(out / "faults")
    assert [r["index"] for r in rows] == [0, 1, 2]
    assert rows[0] == first
    replayed = subprocess.run(llmhpo_cmd("replay", str(out / "faults"), "--cache", str(cache)), env=child_env(),
                              capture_output=True, text=True, timeout=300)
    assert replayed.returncode == 0 and "identical to the journal" in replayed.stdout, replayed.stderr


@pytest.mark.slow
def test_campaign_survives_faults_random_kills_and_replays(tmp_path):
    result = run_chaos(tmp_path, seed=3, kills=2, budget=6, fault_rate=0.7, max_faults=20, timeout_s=0.8)
    log = "\n----\n".join(result.outputs)
    assert result.crashed_campaigns == 0, log
    assert result.kills == 2, log
    assert result.lost == 0 and result.duplicated == 0, log
    assert result.replay_identical, log
    assert result.bad_cache_entries == 0
    assert result.secrets_found == 0
    assert set(result.faults) == set(FAULTS), result.faults  # every kind of fault was met


def test_replay_follows_a_failed_narrowing_call_of_llm_tpe(tmp_path, monkeypatch):
    # llm-tpe asks the LLM for narrower ranges after every result; the first such call fails (500 twice)
    server = FaultServer(script={2: "500", 3: "500"}).start()
    monkeypatch.setenv(KEY_ENV, KEY)
    text = ONE_RUN.format(budget=4, model=MODEL, url=server.url, key_env=KEY_ENV).replace(
        'name = "llm"', 'name = "llm-tpe"\noptions = { p = 0.0, narrow_every = 1, n_initial = 2 }')
    options = {"timeout_s": 5.0, "max_attempts": 2, "backoff_s": 0.01, "max_backoff_s": 0.02}
    try:
        outcome = run_campaign(loads_spec(text), CampaignContext(out_dir=tmp_path / "out",
                                                                 cache_dir=tmp_path / "cache", mode=Mode.LIVE,
                                                                 workers=1, gateway_options=options))
    finally:
        server.stop()
    narrowing = _transcripts(outcome.directory)[0]["tell_calls"]  # the call made when trial 0 was told
    assert len(narrowing) == 1 and "500" in narrowing[0]["error"] and narrowing[0]["fingerprint"]
    monkeypatch.setenv("OPENAI_API_BASE", "http://127.0.0.1:9")
    result = replay(outcome.directory, cache_dir=tmp_path / "cache")
    assert result.identical and result.trials == 4, result.mismatches

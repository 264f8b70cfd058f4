"""LLM calls of different runs in flight at once: same journal as a serial campaign (any order),
each run strictly sequential, 429s waited out without losing a trial, kill -9 / Ctrl-C resume.

The provider is a real OpenAI-compatible HTTP server with a fixed delay whose replies depend only
on the request (tests/servers/delay.py), reached through litellm as `openai/gpt-4o`. The two tasks
have the same prompt, so the runs of one seed first ask the same question: serially the second one
reads it from the cache; concurrently they are in flight at once and the gateway makes one call.
Which of the two trials then records the cache hit depends on timing, so hit and cost bookkeeping
is left out of the comparison (`without_hits`); everything else must be equal.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from llmhpo.cache.modes import Mode
from llmhpo.gateway import Gateway
from llmhpo.gateway.providers.local import LocalProvider
from llmhpo.harness.campaign.driver import Driver, RunState
from llmhpo.harness.campaign.executor import SerialExecutor
from llmhpo.harness.optimizers.ask_tell import Proposal
from llmhpo.harness.spec.campaign_spec import RunSpec, loads_spec
from tests.campaign.helpers import REPO, cli_env, stable, trials, without_hits
from tests.servers.delay import DelayServer

SPEC = """
name = "conc"
budget = 3
seeds = 3
benchmarks = ["toy/branin", "toy/branin-shifted"]
[[optimizers]]
name = "llm"
model = "openai/gpt-4o"
"""
RUNS = 6
ENV = {"OPENAI_API_KEY": "sk-test-not-a-real-key", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}


def _transcripts(directory: Path) -> dict[str, list[dict]]:
    """Transcript lines per run without timing and cache-hit bookkeeping."""
    out = {}
    for path in sorted((directory / "transcripts").glob("*.jsonl")):
        rows = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
        for row in rows:
            transcript = row.get("transcript") or row
            transcript.pop("totals", None)
            for attempt in transcript.get("attempts") or []:
                for name in ("latency_s", "cache_hit", "cost_usd"):
                    attempt.pop(name, None)
        out[path.name] = rows
    return out


@pytest.fixture(scope="module")
def delay_server():
    server = DelayServer(delay_s=0.3).start()
    with pytest.MonkeyPatch.context() as mp:
        for k, v in {**ENV, "OPENAI_API_BASE": server.url + "/v1"}.items():
            mp.setenv(k, v)
        yield server
    server.stop()


def _run(tmp: Path, name: str, concurrency: int, server: DelayServer, cache: Path | None = None):
    from llmhpo.harness.campaign.run import CampaignContext, run_campaign

    server.reset()
    spec = loads_spec(SPEC)
    return run_campaign(spec, CampaignContext(out_dir=tmp / name, cache_dir=cache or tmp / f"{name}-cache",
                                              mode=Mode.LIVE, workers=1, llm_concurrency=concurrency))


@pytest.fixture(scope="module")
def serial(tmp_path_factory, delay_server):
    tmp = tmp_path_factory.mktemp("serial")
    outcome = _run(tmp, "serial", 1, delay_server)
    assert delay_server.max_in_flight == 1
    outcome.notes.append(f"live calls {len(delay_server.received)}")
    return outcome


def test_concurrent_campaign_journals_the_same_trials_as_a_serial_one(tmp_path, delay_server, serial):
    outcome = _run(tmp_path, "concurrent", RUNS, delay_server)
    in_flight = delay_server.max_in_flight
    assert in_flight >= 3, f"LLM calls did not overlap (max in flight {in_flight})"
    assert in_flight <= RUNS
    assert f"live calls {len(delay_server.received)}" in serial.notes  # shared first questions asked once
    got, expected = stable(trials(outcome.directory)), stable(trials(serial.directory))
    assert len(expected) == RUNS * 3
    assert without_hits(got) == without_hits(expected)
    assert all(t["source"] == "llm" and t["llm"]["calls"] == 1 for t in got.values())
    assert _transcripts(outcome.directory) == _transcripts(serial.directory)
    assert outcome.stats.llm_calls == serial.stats.llm_calls == RUNS * 3
    assert outcome.stats.llm_hits == serial.stats.llm_hits >= 3


def test_a_concurrent_resume_from_the_serial_cache_asks_nothing(tmp_path, delay_server, serial):
    outcome = _run(tmp_path, "from-cache", RUNS, delay_server, cache=serial.directory.parent.parent / "serial-cache")
    assert delay_server.received == []
    got = stable(trials(outcome.directory))
    assert {k: t["config"] for k, t in got.items()} == {k: t["config"] for k, t in stable(trials(serial.directory)).items()}
    assert outcome.stats.llm_hits == RUNS * 3


@pytest.mark.slow
def test_429s_with_retry_after_lose_no_trial_and_change_no_result(tmp_path, serial):
    server = DelayServer(delay_s=0.2, throttle_every=4, retry_after=1).start()
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("OPENAI_API_BASE", server.url + "/v1")
            outcome = _run(tmp_path, "throttled", RUNS, server)
            server_throttled = server.throttled
    finally:
        server.stop()
    assert server_throttled >= 3
    got = stable(trials(outcome.directory))
    assert without_hits(got) == without_hits(stable(trials(serial.directory)))
    assert outcome.stats.llm_failures == 0


class _Probe:
    """An optimizer that takes a while to ask and checks the driver never overlaps two asks of one
    run, nor asks again before the previous proposal was told."""

    name = "probe"  # the Optimizer contract (optimizers/ask_tell.py)
    active: dict[str, int] = {}
    overlap = 0
    lock = threading.Lock()

    def __init__(self, run_id: str) -> None:
        self.run_id, self.asked, self.told = run_id, 0, 0

    def ask(self) -> Proposal:
        with self.lock:
            assert self.active.get(self.run_id, 0) == 0, f"two asks of {self.run_id} at once"
            assert self.asked == self.told, f"{self.run_id} asked before its last proposal was told"
            self.active[self.run_id] = 1
            type(self).overlap = max(self.overlap, sum(self.active.values()))
        time.sleep(0.05)
        self.asked += 1
        with self.lock:
            self.active[self.run_id] = 0
        return Proposal({"x1": 0.1 * self.asked, "x2": 0.2}, "probe", None)

    def tell(self, config, evaluation) -> None:
        self.told += 1


def test_each_run_stays_sequential_while_runs_overlap():
    from llmhpo.harness.benchmarks import load

    bench = load("toy/branin")
    states = []
    for i in range(5):
        run = RunSpec(f"r{i}", "toy/branin", "probe", "probe", "openai/gpt-4o", {}, i, 4)
        states.append(RunState(run, bench, _Probe(run.run_id)))
    sink: list = []
    driver = Driver(states, executor=SerialExecutor(), store=None, mode=Mode.OFF, gateway=Gateway(mode="off"),
                    sink=lambda trial, transcript: sink.append(trial.to_row()), llm_concurrency=5)
    stats = driver.run()
    assert stats.done == 20 and len(sink) == 20
    assert _Probe.overlap >= 2
    for i in range(5):
        assert [t["index"] for t in sink if t["run_id"] == f"r{i}"] == [0, 1, 2, 3]


@pytest.mark.slow
def test_concurrent_campaign_killed_and_interrupted_resumes_to_the_serial_result(tmp_path, delay_server, serial):
    spec = tmp_path / "conc.toml"
    spec.write_text(SPEC)
    out, cache = tmp_path / "out", tmp_path / "cache"
    journal = out / "conc" / "trials.jsonl"
    env = {**cli_env(), **ENV, "OPENAI_API_BASE": delay_server.url + "/v1"}
    cmd = [sys.executable, "-m", "llmhpo", "run", str(spec), "--out", str(out), "--cache", str(cache),
           "--workers", "1", "--llm-concurrency", str(RUNS)]
    for sig, at_least in ((signal.SIGKILL, 2), (signal.SIGINT, 8)):
        with (tmp_path / "stderr.log").open("w") as log:
            proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=log)
            deadline = time.monotonic() + 90
            while proc.poll() is None and _journaled(journal) < at_least and time.monotonic() < deadline:
                time.sleep(0.02)
            proc.send_signal(sig)
            code = proc.wait(timeout=60)
        if sig == signal.SIGKILL:
            assert code == -signal.SIGKILL
        else:
            assert code in (0, 130), (tmp_path / "stderr.log").read_text()
    assert 0 < len(stable(trials(out / "conc"))) <= RUNS * 3
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    # also, replies that came back after the kill or the stop were cached: the resume got them as hits
    assert without_hits(stable(trials(out / "conc"))) == without_hits(stable(trials(serial.directory)))
    assert os.path.getsize(journal) > 0


def _journaled(journal: Path) -> int:
    return journal.read_bytes().count(b"\n") if journal.exists() else 0


def test_replaying_an_llm_campaign_imports_no_heavy_library(serial):
    """Replay imports what the campaign's optimizers use: `llm` on toy tasks needs none of these."""
    code = ("import sys; from llmhpo.harness.campaign.replay import replay; r = replay(sys.argv[1]); "
            "heavy = ('skopt', 'sklearn', 'scipy.stats', 'pandas', 'optuna', 'litellm', 'xllamacpp', 'matplotlib'); "
            "print(r.identical, r.trials, sorted(m for m in heavy if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code, str(serial.directory)], cwd=REPO, env=cli_env(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[-2] == f"True {RUNS * 3} []"


def test_default_concurrency_is_each_providers_limit(monkeypatch):
    from llmhpo.harness.campaign.run import default_llm_concurrency

    monkeypatch.delenv("LLMHPO_LOCAL_COLD", raising=False)
    monkeypatch.delenv("LLMHPO_LOCAL_SLOTS", raising=False)

    def runs(*models):
        return [RunSpec(f"r{i}", "toy/branin", "x", "llm", m, {}, 0, 1) for i, m in enumerate(models)]

    gw = Gateway(mode="off", providers={"local": LocalProvider()})
    assert default_llm_concurrency(runs(None), gw) == 1
    assert default_llm_concurrency(runs("local/smollm2-135m", "local/smollm2-135m"), gw) == 2  # the slots
    assert default_llm_concurrency(runs("openai/gpt-4o", "anthropic/claude-3-5-sonnet-latest"), gw) == 16
    assert default_llm_concurrency(runs("openai/gpt-4o", "local/smollm2-135m", None), gw) == 18

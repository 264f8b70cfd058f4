"""A provider that keeps failing, end to end through the real campaign code.

An OpenAI-compatible test server on 127.0.0.1 answers every request with HTTP 500. The `llm`
optimizer's calls fail after the gateway's retries, each trial falls back to a random config as the
optimizer says, the campaign still finishes, and the journal and the report show the failures.
Nothing from a failed call is cached; the failed attempts are part of the journal, so a strict
replay follows that record and reproduces the campaign without asking the provider again.
"""

from __future__ import annotations

import csv
import json

import pytest

from llmhpo.cache.modes import Mode
from llmhpo.cache.store import CacheStore
from llmhpo.harness.campaign.run import CampaignContext, run_campaign
from llmhpo.harness.cli import main as cli_main
from llmhpo.harness.report import build_report
from llmhpo.harness.spec.campaign_spec import load_spec
from tests.campaign.helpers import trials
from tests.servers import Behaviour, OpenAIServer

BUDGET = 3
MAX_ATTEMPTS = 2  # gateway attempts per logical call (shortened from the default 4)
GATEWAY_OPTIONS = {"timeout_s": 10.0, "max_attempts": MAX_ATTEMPTS, "max_total_s": 30.0, "backoff_s": 0.01,
                   "max_backoff_s": 0.05}
REASKS = 2  # the llm optimizer's default: 1 + reasks calls per trial before it falls back

SPEC = f"""
name = "failing"
budget = {BUDGET}
seeds = [0]
benchmarks = ["toy/branin"]
workers = 1
[[optimizers]]
name = "llm"
model = "openai/test-model"
"""


@pytest.fixture(scope="module")
def failing_campaign(tmp_path_factory):
    import litellm

    litellm.suppress_debug_info = True
    tmp = tmp_path_factory.mktemp("failing")
    mp = pytest.MonkeyPatch()
    server = OpenAIServer().start()
    # every request (far more than the run can make) gets a 500 in the OpenAI error format
    server.script(*[Behaviour.error(500)] * 1000)
    try:
        mp.setenv("OPENAI_API_KEY", "sk-test-failing-provider")
        mp.setenv("OPENAI_API_BASE", server.url)
        mp.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        mp.delenv("OPENAI_BASE_URL", raising=False)
        spec_path = tmp / "failing.toml"
        spec_path.write_text(SPEC)
        spec = load_spec(spec_path)
        outcome = run_campaign(spec, CampaignContext(out_dir=tmp / "out", cache_dir=tmp / "cache",
                                                     mode=Mode.LIVE, workers=1,
                                                     gateway_options=GATEWAY_OPTIONS))
        received = list(server.received)
        yield {"outcome": outcome, "received": received, "cache": tmp / "cache", "mp": mp}
    finally:
        server.stop()
        mp.undo()


def test_campaign_finishes_with_every_trial_a_recorded_fallback(failing_campaign):
    outcome = failing_campaign["outcome"]
    assert outcome.stats.done == BUDGET
    rows = trials(outcome.directory)
    assert [r["index"] for r in rows] == list(range(BUDGET))
    calls_per_trial = 1 + REASKS
    for row in rows:
        assert row["status"] == "ok"
        assert "fallback" in row["source"], row["source"]
        assert row["parse"]["outcome"] == "fallback"
        assert row["parse"]["attempts"] == calls_per_trial
        llm = row["llm"]
        assert llm["failures"] == calls_per_trial > 0
        assert llm["cache_hits"] == 0
    assert outcome.stats.llm_failures == BUDGET * calls_per_trial


def test_server_was_called_within_the_attempt_bounds(failing_campaign):
    received = failing_campaign["received"]
    logical_calls = BUDGET * (1 + REASKS)
    # a 500 is transient: every logical call used all its attempts, and not one more
    assert len(received) == logical_calls * MAX_ATTEMPTS
    assert all(r.method == "POST" and r.path.endswith("/chat/completions") for r in received)
    assert all(isinstance(r.body, dict) and r.body.get("model") == "test-model" for r in received)


def test_nothing_from_the_failed_calls_is_cached(failing_campaign):
    store = CacheStore(failing_campaign["cache"])
    try:
        assert list(store.entries("llm")) == []
        assert len(list(store.entries("eval"))) == BUDGET  # the evaluations themselves were fine
    finally:
        store.close()


def test_report_shows_the_fallbacks_and_provider_failures(failing_campaign):
    directory = failing_campaign["outcome"].directory
    html = build_report(directory)
    md = (html.parent / "report.md").read_text()
    assert f"{BUDGET} trial(s) fell back to a random config" in md
    assert f"{BUDGET} fallbacks" in md
    assert "No LLM fallbacks." not in md
    # the LLM ledger table counts the failed provider calls and the fallbacks
    with (html.parent / "tables" / "ledger.csv").open() as f:
        (ledger,) = list(csv.DictReader(f))
    assert int(ledger["fallbacks"]) == BUDGET
    assert int(ledger["provider_failures"]) == BUDGET * (1 + REASKS)
    assert f"| {BUDGET} | {BUDGET * (1 + REASKS)} |" in md  # ... and report.md prints them
    fallbacks = (html.parent / "tables" / "fallbacks.csv").read_text().splitlines()
    assert len(fallbacks) == 1 + BUDGET


def test_replay_follows_the_recorded_failures(failing_campaign, capsys):
    outcome = failing_campaign["outcome"]
    # replay must never reach the provider: point the environment nowhere useful
    failing_campaign["mp"].setenv("OPENAI_API_BASE", "http://127.0.0.1:9")
    code = cli_main(["replay", str(outcome.directory), "--cache", str(failing_campaign["cache"])])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"replayed {BUDGET} trials" in out and "identical to the journal" in out
    # the journal is untouched by the attempt
    assert json.loads((outcome.directory / "trials.jsonl").read_text().splitlines()[-1])["index"] == BUDGET - 1

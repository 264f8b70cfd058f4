"""Issue #23 end to end: a model that repeats the last config it was shown (tests/servers/repeat.py),
under the current proposals revision. The harness re-asks, then perturbs; every step is counted in
the journal (`provenance`), the CLI summary, the report and its CSV; every evaluated config is what
the prompt shows, so no run evaluates the same shown config twice; and the campaign replays."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from llmhpo.harness import revisions
from llmhpo.harness.benchmarks import load
from llmhpo.harness.campaign.replay import replay
from llmhpo.harness.cli import main
from llmhpo.harness.journal.files import read_trials
from llmhpo.harness.report import build_report
from tests.servers.repeat import RepeatingOpenAIServer

SPEC = """
name = "echo"
budget = 6
seeds = [0]
benchmarks = ["toy/branin"]
workers = 1
[[optimizers]]
name = "random"
[[optimizers]]
name = "llm"
model = "openai/gpt-4o"
[[optimizers]]
name = "llm"
label = "llm-compressed"
model = "openai/gpt-4o"
options = {{style = "compressed"}}
[model_settings."openai/gpt-4o"]
api_base = "{url}"
api_key_env = "ECHO_OPENAI_KEY"
"""


@pytest.fixture
def echo_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[RepeatingOpenAIServer]:
    monkeypatch.setenv("ECHO_OPENAI_KEY", "sk-echo-0123456789")
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    server = RepeatingOpenAIServer().start()
    yield server
    server.stop()


def test_a_repeating_model_is_reasked_perturbed_and_counted_everywhere(
        echo_server: RepeatingOpenAIServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "echo.toml"
    spec.write_text(SPEC.format(url=echo_server.url))
    cache = tmp_path / "cache"
    assert main(["run", str(spec), "--out", str(tmp_path / "out"), "--cache", str(cache)]) == 0
    out = capsys.readouterr().out
    directory = tmp_path / "out" / "echo"
    assert json.loads((directory / "manifest.json").read_text())["revisions"] == dict(revisions.CURRENT)

    trials = [t for t in read_trials(directory) if t.model]
    space = load("toy/branin").space
    by_run: dict[str, list] = {}
    for t in trials:
        assert t.provenance in {"model", "reasked", "perturbed"}
        assert t.config == space.shown(t.config)  # evaluated exactly as the prompt shows it
        by_run.setdefault(t.run_id, []).append(space.key(space.shown(t.config)))
    for keys in by_run.values():
        assert len(set(keys)) == len(keys)  # never the same shown config twice in a run
    perturbed = sum(t.provenance == "perturbed" for t in trials)
    assert perturbed >= 8 and all(t.source.endswith("-perturbed") == (t.provenance == "perturbed") for t in trials)

    assert "provenance llm@openai/gpt-4o: the model chose 17% of 6 configs unchanged" in out
    assert "perturbed 5, fallback 0)  WARNING: 83% chosen by the harness" in out

    report = build_report(directory).parent
    summary = pd.read_csv(report / "tables" / "summary_b6.csv").set_index("optimizer")
    assert summary.loc["llm@openai/gpt-4o", "harness_chose_pct"] == pytest.approx(500 / 6)
    assert pd.isna(summary.loc["random", "model_chose_pct"])
    ledger = pd.read_csv(report / "tables" / "ledger.csv")
    assert int(ledger["perturbed"].sum()) == perturbed
    md = (report / "report.md").read_text()
    head = md.split("## Budget")[0]
    assert "WARNING: 83% chosen by the harness" in head  # the fidelity section, at the top

    result = replay(directory, cache_dir=cache)
    assert result.identical, result.mismatches[:5]

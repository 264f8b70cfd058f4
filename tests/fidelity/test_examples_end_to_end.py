"""Each example campaign, at smoke size, runs against the wire-format servers with zero refused
requests and zero random fallbacks, records every parse outcome, and replays with no server."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from llmhpo.harness.journal.jsonl import read_jsonl
from tests.fidelity.examples import EXAMPLES, reduced, run_against_servers
from tests.servers.replies import SHAPES

# The cache never stores an empty reply (gateway rule), so a run that met one replays only once the
# journal records failed attempts (#15, harness/campaign/recorded_attempts.py). Until then the replayed campaigns meet the
# refusal as their unusable first reply; the empty reply has its own live test below.
REPLAYABLE = tuple(s for s in SHAPES if s != "empty")


@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs_faithfully_then_replays_without_a_server(path, point_at_servers, tmp_path) -> None:
    for server in point_at_servers.values():
        server.shapes = REPLAYABLE
    spec = reduced(path)
    llm_labels = {o.label for o in spec.optimizers if o.model}
    result = run_against_servers(spec, tmp_path / "out", tmp_path / "cache", point_at_servers)

    assert result["refused"] == [], result["refused"][:3]
    assert not result["stats"].failed_runs
    assert result["requests"] > 0
    assert len(result["trials"]) == sum(r.budget for r in spec.runs) or any(
        "llm-tpe" in r.optimizer_name for r in spec.runs)  # patience may stop a hybrid early
    llm_trials = [t for t in result["trials"] if t["optimizer"] in llm_labels and t["parse"]]
    assert llm_trials, "no LLM proposal was made"
    assert all(t["parse"]["outcome"] != "fallback" for t in llm_trials)
    assert {o.label for o in spec.optimizers if o.name != "llm-tpe" and o.model} <= {t["optimizer"] for t in llm_trials}
    directory = result["directory"]
    for t in llm_trials:  # every parse outcome is in the transcript, attempt by attempt
        run_file = directory / "transcripts" / f"{t['run_id']}.jsonl"
        rows, _ = read_jsonl(run_file)
        [row] = [r for r in rows if r["index"] == t["index"]]
        attempts = row["transcript"]["attempts"]
        assert len(attempts) == t["parse"]["attempts"] and all("parse" in a for a in attempts)
        assert row["transcript"]["output"] == "text"
    manifest = json.loads((directory / "manifest.json").read_text())
    assert set(manifest["protocols"]) == llm_labels and set(manifest["protocols"].values()) == {"text"}
    assert set(manifest["capabilities"]) == {o.model for o in spec.optimizers if o.model}

    env = {k: v for k, v in os.environ.items()
           if not k.endswith(("_API_KEY", "_API_BASE", "_BASE_URL")) and k != "LLMHPO_CAPABILITIES"}
    env.update(LLMHPO_REPLAY_CHECK_IMPORTS="1", OPENAI_API_BASE="http://127.0.0.1:9")
    proc = subprocess.run([sys.executable, "-m", "llmhpo", "replay", str(directory)], capture_output=True,
                          text=True, env=env, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "identical to the journal" in proc.stdout and "litellm imported: False" in proc.stdout


def test_empty_and_refusing_replies_are_reasked_not_replaced(point_at_servers, tmp_path) -> None:
    """Against a model that first answers with nothing or a refusal: re-asked, never a random config."""
    from llmhpo.harness.spec.campaign_spec import loads_spec

    for server in point_at_servers.values():
        server.shapes = ("empty", "refusal")  # every first attempt unusable; re-asks get usable shapes
    spec = loads_spec('name = "unusable"\nbudget = 3\nseeds = [0]\nbenchmarks = ["toy/branin"]\n'
                      '[[optimizers]]\nname = "llm"\nmodel = "openai/gpt-4o"\n')
    result = run_against_servers(spec, tmp_path / "out", tmp_path / "cache", point_at_servers)
    assert result["refused"] == [] and result["outcomes"] == {"llm@openai/gpt-4o": {"reasked": 3}}
    rows, _ = read_jsonl(result["directory"] / "transcripts" / f"{spec.runs[0].run_id}.jsonl")
    firsts = [r["transcript"]["attempts"][0] for r in rows]
    assert {f["reply"] for f in firsts} <= {"", "I'm sorry, but I can't help with choosing hyperparameters for this request."}
    assert all(f["parse"]["error"] == "no configuration found in the reply" for f in firsts)

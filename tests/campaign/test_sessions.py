"""Summaries after a stop and a resume: resumed trials counted, every session's time, phases named."""

from __future__ import annotations

import json

import pytest

from llmhpo.cache.modes import Mode
from llmhpo.harness.campaign.replay import replay
from llmhpo.harness.campaign.run import CampaignContext, run_campaign
from llmhpo.harness.campaign.stopping import Stop
from llmhpo.harness.commands.run import summary_line
from llmhpo.harness.spec.campaign_spec import load_spec
from tests.campaign.helpers import trials, write_spec


def test_a_stopped_and_resumed_campaign_counts_every_trial_and_session(tmp_path):
    path = write_spec(tmp_path, name="sessions", budget=4, seeds=2)
    path.write_text(path.read_text().replace('name = "sessions"', 'name = "sessions"\nbaseline_samples = 30'))
    spec = load_spec(path)
    kw = dict(out_dir=tmp_path / "out", cache_dir=tmp_path / "cache", mode=Mode.LIVE, workers=1)
    stop = Stop()

    def stop_after_9(stats):
        if stats.done >= 9:
            stop.request("test")

    with pytest.raises(KeyboardInterrupt):
        run_campaign(spec, CampaignContext(stop=stop, **kw), on_progress=stop_after_9)
    folder = tmp_path / "out" / "sessions"
    first = len(trials(folder))
    assert first >= 9 and not (folder / "baseline.jsonl").exists()  # stopped in the trials phase
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["sessions"] == 1 and set(manifest["phase_s"]) == {"trials"} and manifest["live_wall_s"] is None

    outcome = run_campaign(spec, CampaignContext(**kw))
    s = outcome.stats
    assert s.done == 48 and s.rederived == first  # resumed: the journaled trials, full runs included
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["sessions"] == 2 and set(manifest["phase_s"]) == {"trials", "baseline"}
    assert manifest["elapsed_s"] == pytest.approx(sum(manifest["phase_s"].values()), abs=0.01)
    assert outcome.wall_s == pytest.approx(manifest["elapsed_s"], abs=0.01)
    line = summary_line(spec.name, s, outcome.wall_s)
    assert f"48 trials ({first} resumed, 0 crashed); this session: trials 0:00:" in line
    assert ", baseline 0:00:" in line and "all sessions 0:00:" in line
    assert "LLM cost none (no LLM calls)" in line

    again = run_campaign(spec, CampaignContext(**kw))  # nothing left: everything resumed
    assert again.stats.done == again.stats.rederived == 48
    result = replay(folder, cache_dir=tmp_path / "cache")
    assert result.identical and result.sessions == 3
    assert result.live_wall_s == pytest.approx(json.loads((folder / "manifest.json").read_text())["phase_s"]["trials"])
    assert "live wall time of the trials" in result.summary() and "over 3 sessions" in result.summary()

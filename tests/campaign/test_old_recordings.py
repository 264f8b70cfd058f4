"""Old recordings keep replaying: a campaign recorded by an earlier llmhpo replays identically today.

tests/data/campaigns/wire-r1 was recorded by scripts/record_fixture_campaign.py from a checkout of
the version before campaign revisions existed (its manifest has no `revisions`): every LLM
optimizer style against the OpenAI wire server, its cache exported as a cassette. Any change of
prompt wording, plot content, proposal rules or cache keys that is not kept as a revision makes a
request of this replay miss the cache (strict replay: CacheMiss) or a trial differ.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from llmhpo.cache.cassette import import_cassette
from llmhpo.cache.modes import Mode
from llmhpo.cache.store import CacheStore
from llmhpo.harness import revisions
from llmhpo.harness.campaign.replay import replay
from llmhpo.harness.errors import UserError

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "campaigns"


def recorded(tmp_path: Path, name: str = "wire-r1") -> tuple[Path, Path]:
    """A copy of the recorded campaign and a fresh cache holding its cassette."""
    directory = tmp_path / "results" / name
    shutil.copytree(FIXTURES / name, directory)
    cache = tmp_path / "cache"
    store = CacheStore(cache)
    import_cassette(store, FIXTURES / f"{name}.cassette.jsonl")
    store.close()
    return directory, cache


def test_the_fixture_predates_revisions() -> None:
    manifest = json.loads((FIXTURES / "wire-r1" / "manifest.json").read_text())
    assert "revisions" not in manifest
    assert revisions.of_manifest(manifest) == dict(revisions.LEGACY)


def test_a_campaign_recorded_before_revisions_replays_identically(tmp_path: Path) -> None:
    directory, cache = recorded(tmp_path)
    result = replay(directory, cache_dir=cache)
    assert result.identical, result.mismatches[:5]
    assert result.trials == 84 and result.llm_calls > 0


def test_a_recorded_revision_this_llmhpo_does_not_implement_is_refused(tmp_path: Path) -> None:
    directory, cache = recorded(tmp_path)
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest["revisions"] = {"prompts": "99"}
    (directory / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(UserError, match="prompts revision '99'.*implements 1"):
        replay(directory, cache_dir=cache)


def test_resume_keeps_the_recorded_revisions_when_newer_ones_exist(tmp_path: Path) -> None:
    """With newer revisions current (prompts 2, plots 3), resuming the old campaign must still send
    revision-1 words and revision-2 plots: the re-derived mmllm trials ask for exactly the recorded
    (cached) requests in strict replay.
    (The last trials are dropped: their one attempt each has a stored reply; an attempt whose reply
    was empty is never stored, so it can only be answered for a journaled trial.)"""
    from llmhpo.harness.campaign.run import CampaignContext, run_campaign
    from llmhpo.harness.spec.campaign_spec import CampaignSpec

    assert revisions.CURRENT["prompts"] != revisions.LEGACY["prompts"] and revisions.CURRENT["plots"] != "2"
    directory, cache = recorded(tmp_path)
    manifest = json.loads((directory / "manifest.json").read_text())
    kept = [line for line in (directory / "trials.jsonl").read_text().splitlines()
            if not (json.loads(line)["optimizer_name"] == "mmllm" and json.loads(line)["index"] == 5)]
    (directory / "trials.jsonl").write_text("\n".join(kept) + "\n")
    spec = CampaignSpec.from_dict(manifest["spec"])
    outcome = run_campaign(spec, CampaignContext(out_dir=directory.parent, cache_dir=cache, mode=Mode.REPLAY,
                                                 workers=1))
    assert outcome.complete and outcome.stats.llm_calls > 0
    after = json.loads((directory / "manifest.json").read_text())
    assert after["revisions"] == dict(revisions.LEGACY)
    assert after["template_hashes"] == manifest["template_hashes"]  # the words it ran with, not the newest
    assert replay(directory, cache_dir=cache).identical


def test_a_new_campaign_records_the_newest_revisions(tmp_path: Path) -> None:
    from llmhpo.harness.campaign.run import CampaignContext, run_campaign
    from llmhpo.harness.optimizers.templates import template_hashes
    from llmhpo.harness.spec.campaign_spec import loads_spec

    spec = loads_spec('name = "fresh"\nbudget = 2\nseeds = [0]\nbenchmarks = ["toy/branin"]\n'
                      '[[optimizers]]\nname = "random"\n')
    outcome = run_campaign(spec, CampaignContext(out_dir=tmp_path / "out", cache_dir=tmp_path / "cache",
                                                 mode=Mode.LIVE, workers=1))
    manifest = json.loads((outcome.directory / "manifest.json").read_text())
    assert manifest["revisions"] == dict(revisions.CURRENT) != dict(revisions.LEGACY)
    assert manifest["template_hashes"] == template_hashes(revisions.CURRENT["prompts"])
    old = json.loads((FIXTURES / "wire-r1" / "manifest.json").read_text())
    assert manifest["template_hashes"] != old["template_hashes"] == template_hashes("1")


SPEC_NOW = """
name = "now"
budget = 3
seeds = [0]
benchmarks = ["svm/blood-transfusion"]
workers = 1
[[optimizers]]
name = "llm"
model = "openai/gpt-4o"
[[optimizers]]
name = "mmllm"
model = "openai/gpt-4o"
[[optimizers]]
name = "mmllm-image-only"
model = "openai/gpt-4o"
[[optimizers]]
name = "llm-tpe"
model = "openai/gpt-4o"
options = {{p = 1.0}}
[model_settings."openai/gpt-4o"]
api_base = "{url}"
api_key_env = "REVISION_TEST_KEY"
"""


def test_a_campaign_recorded_with_the_current_revisions_replays_after_newer_ones_exist(tmp_path: Path, monkeypatch) -> None:
    """Revision N+1 of prompts and plots beside N (as the next change will add them): a campaign
    recorded with today's N replays identically in strict replay, while a new campaign gets N+1."""
    from llmhpo.harness.campaign.run import CampaignContext, run_campaign
    from llmhpo.harness.optimizers import plot_rules, plots, templates
    from llmhpo.harness.spec.campaign_spec import loads_spec
    from tests.servers import OpenAIServer

    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    monkeypatch.setenv("REVISION_TEST_KEY", "sk-revision-test-0123456789")
    server = OpenAIServer().start()
    try:
        spec = loads_spec(SPEC_NOW.format(url=server.url))
        recorded_with = dict(revisions.CURRENT)
        first = run_campaign(spec, CampaignContext(out_dir=tmp_path / "out", cache_dir=tmp_path / "cache",
                                                   mode=Mode.LIVE, workers=1))
        assert first.complete and first.stats.llm_calls >= 12
        manifest = json.loads((first.directory / "manifest.json").read_text())
        assert manifest["revisions"] == recorded_with

        next_prompts, next_plots = str(int(recorded_with["prompts"]) + 1), str(int(recorded_with["plots"]) + 1)
        newer_words = {**templates.PROMPT_REVISIONS[recorded_with["prompts"]], "system": "You tune hyperparameters."}
        monkeypatch.setitem(templates.PROMPT_REVISIONS, next_prompts, newer_words)  # type: ignore[index]
        monkeypatch.setitem(plots.PLOT_REVISIONS, next_plots,
                            lambda history, space, annotate=False: plot_rules.figure_r3(history, space, annotate=True))
        monkeypatch.setattr(revisions, "CURRENT", {**recorded_with, "prompts": next_prompts, "plots": next_plots})

        result = replay(first.directory, cache_dir=tmp_path / "cache")
        assert result.identical, result.mismatches[:5]
        assert result.trials == 12 and result.llm_calls > 0

        newer = run_campaign(loads_spec(SPEC_NOW.format(url=server.url).replace('"now"', '"newer"')),
                             CampaignContext(out_dir=tmp_path / "out", cache_dir=tmp_path / "cache", mode=Mode.LIVE,
                                             workers=1))
        assert json.loads((newer.directory / "manifest.json").read_text())["revisions"]["prompts"] == next_prompts
        sent = [r.body for r in server.received]
        assert any(m["content"] == "You tune hyperparameters." for body in sent for m in body["messages"]
                   if m["role"] == "system")
    finally:
        server.stop()


def test_a_repeating_model_recorded_under_proposals_revision_1_replays_identically(tmp_path: Path) -> None:
    """wire-repeat-r1 (scripts/record_fixture_campaign.py --repeat, before proposals revision 2): a
    model that repeats the last config it was shown, so re-asks and perturbations happen under
    revision 1, and a perturbed config shown rounded is proposed back and evaluated again (the bug
    revision 2 fixes). Revision 1 must keep doing exactly that on replay."""
    directory, cache = recorded(tmp_path, "wire-repeat-r1")
    rows = [json.loads(line) for line in (directory / "trials.jsonl").read_text().splitlines()]
    assert json.loads((directory / "manifest.json").read_text())["revisions"]["proposals"] == "1"
    assert sum(r["source"].endswith("-perturbed") for r in rows) >= 20
    chat = sorted((r for r in rows if r["run_id"].endswith("llm-openai-gpt-4o.b8.s1")), key=lambda r: r["index"])
    assert chat[1]["config"] == {"x1": 2.2851667381, "x2": 8.17921030926} and chat[1]["source"] == "llm-perturbed"
    assert chat[2]["config"] == {"x1": 2.28517, "x2": 8.17921} and chat[2]["source"] == "llm"  # the rounded repeat
    result = replay(directory, cache_dir=cache)
    assert result.identical, result.mismatches[:5]
    assert result.trials == 64 and result.llm_calls > 0

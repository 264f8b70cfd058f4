"""`llmhpo run --dry-run`: the plan's numbers against the campaign actually run on a wire server."""

from __future__ import annotations

import os

import pytest

from llmhpo.cache.modes import Mode
from llmhpo.harness.campaign.plan import make_plan
from llmhpo.harness.campaign.run import CampaignContext, run_campaign
from llmhpo.harness.spec.campaign_spec import loads_spec
from llmhpo.harness.spec.model_settings import endpoints_for
from tests.campaign.helpers import llmhpo
from tests.faults.chaos import KEY, KEY_ENV, MODEL, child_env
from tests.servers.catalogue import approx_tokens
from tests.servers.delay import DelayServer

SPEC = """
name = "planned"
budget = 5
seeds = [0, 1]
benchmarks = ["toy/branin", "toy/himmelblau-shifted"]
baseline_samples = 20
[[optimizers]]
name = "llm"
model = "{model}"
[[optimizers]]
name = "llm-tpe"
model = "{model}"
options = {{ p = 0.5, narrow_every = 2 }}
[[optimizers]]
name = "random"
[model_settings."{model}"]
api_base = "{url}"
api_key_env = "{key_env}"
"""


def _plan(spec, tmp_path):
    return make_plan(spec, workers=1, dask=None, llm_concurrency=None, cache_dir=tmp_path / "cache",
                     endpoints=endpoints_for(spec.model_settings, spec.models), out_dir=tmp_path / "out", mode=Mode.LIVE)


@pytest.fixture
def server():
    s = DelayServer(delay_s=0.0).start()
    yield s
    s.stop()


def test_dry_run_calls_are_exact_and_tokens_close_to_what_the_wire_saw(tmp_path, server, monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)
    path = tmp_path / "planned.toml"
    path.write_text(SPEC.format(model=MODEL, url=server.url, key_env=KEY_ENV))
    dry = llmhpo("run", str(path), "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache"), "--dry-run",
                 env={**child_env(), "LLMHPO_CACHE": str(tmp_path / "default-cache")})
    assert dry.returncode == 0, dry.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["planned.toml"]  # nothing created
    assert not server.received  # and nothing sent
    assert dry.stdout.startswith("plan for planned: 12 runs, 60 trials (0 journaled), 40 baseline samples")
    assert f"{MODEL}: 8 runs" in dry.stdout and "cost ~$" in dry.stdout

    spec = loads_spec(path.read_text())
    plan = _plan(spec, tmp_path)
    model = plan.models[MODEL]
    outcome = run_campaign(spec, CampaignContext(out_dir=tmp_path / "out", cache_dir=tmp_path / "cache",
                                                 mode=Mode.LIVE, workers=1))
    prompt = sum(approx_tokens(server.prompt_text(r)) for r in server.received)
    assert model.calls == outcome.stats.llm_calls  # exact (llm-tpe's coin and narrowing calls included)
    assert model.sent == len(server.received) == model.calls - outcome.stats.llm_hits  # llm and llm-tpe share first asks
    assert model.sent < model.calls < model.max_calls
    assert abs(model.sent_prompt_tokens - prompt) <= 0.25 * prompt, (model.sent_prompt_tokens, prompt)
    assert f"{model.calls} calls (at most {model.max_calls} with re-asks; {model.sent} sent" in dry.stdout
    assert f"~{model.prompt_tokens:,} prompt" in dry.stdout

    # after the run every request and evaluation on the path is in the cache, and the journal is done
    again = _plan(spec, tmp_path)
    assert again.llm_checked == again.llm_hits == model.calls and again.models[MODEL].sent == 0
    assert again.models[MODEL].cost_usd == 0.0
    assert again.eval_hits == again.evals_checked > 0
    assert again.journaled_trials == 60 and again.journaled_baseline == 40 and again.baseline_s == 0.0


def test_unpriced_model_cost_is_unknown(tmp_path):
    spec = loads_spec('name = "x"\nbudget = 2\nseeds = 1\nbenchmarks = ["toy/branin"]\n'
                      '[[optimizers]]\nname = "llm"\nmodel = "openai/no-such-model-xyz"\n'
                      '[model_settings."openai/no-such-model-xyz"]\napi_base = "http://127.0.0.1:9/v1"\n')
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    plan = _plan(spec, tmp_path)
    assert plan.models["openai/no-such-model-xyz"].cost_usd is None
    assert "cost unknown (unpriced)" in plan.headline() and "$0.0000" not in plan.render()


def test_the_plan_takes_the_specs_capability_overrides_as_the_campaign_does(tmp_path, server, monkeypatch):
    """A self-hosted vision model litellm does not know is declared vision-capable in the spec: the
    campaign sends it plots, so the plan must count the same calls and keys (before, the dry run took
    the model for text-only), and after the run it finds every call in the cache."""
    monkeypatch.setenv(KEY_ENV, KEY)
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    model = "openai/my-local-finetune"  # a self-hosted server: litellm knows nothing of it
    spec = loads_spec(f'name = "caps"\nbudget = 3\nseeds = 1\nbenchmarks = ["toy/branin"]\n'
                      f'[[optimizers]]\nname = "mmllm"\nmodel = "{model}"\n'
                      f'[model_settings."{model}"]\napi_base = "{server.url}"\napi_key_env = "{KEY_ENV}"\n'
                      f'capabilities = {{ images = true }}\n')
    plan = _plan(spec, tmp_path)
    outcome = run_campaign(spec, CampaignContext(out_dir=tmp_path / "out", cache_dir=tmp_path / "cache", mode=Mode.LIVE,
                                                 workers=1))
    assert plan.models[model].calls == outcome.stats.llm_calls == len(server.received) > 0
    again = _plan(spec, tmp_path)  # the same keys as the run: every call is found in the cache
    assert again.llm_checked == again.llm_hits == plan.models[model].calls

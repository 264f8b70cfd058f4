"""A new optimizer and a new benchmark family are one file plus one registration each, and then
run through their conformance suites and a campaign like the built-in ones."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from llmhpo.cache.modes import Mode
from llmhpo.harness import benchmarks, optimizers
from llmhpo.harness.campaign.run import CampaignContext, run_campaign
from llmhpo.harness.errors import UserError
from llmhpo.harness.spec.campaign_spec import loads_spec
from llmhpo.harness.testing import BenchmarkSuite, OptimizerSuite
from tests.campaign.helpers import trials
from tests.plugins.hill_climb import HillClimb


@pytest.fixture
def plugins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(benchmarks.FAMILIES, "bowl", "tests.plugins.bowl_family:Bowl")  # the benchmark's one line
    optimizers.register("hill-climb", HillClimb)  # the optimizer's one call
    yield
    optimizers.unregister("hill-climb")


class TestHillClimbConformance(OptimizerSuite):
    @pytest.fixture
    def make_optimizer(self, plugins: None):
        return lambda space, seed, budget, task: optimizers.create(
            "hill-climb", space=space, seed=seed, budget=budget, task=task, restart_after=1)


class TestBowlFamilyConformance(BenchmarkSuite):
    @pytest.fixture(params=["bowl/clean", "bowl/noisy"])
    def benchmark(self, request: pytest.FixtureRequest, plugins: None):
        return benchmarks.load(request.param)


def test_registered_plugins_are_known_everywhere(plugins: None) -> None:
    assert "hill-climb" in optimizers.names() and not optimizers.uses_llm("hill-climb")
    assert {"bowl/clean", "bowl/noisy"} <= set(benchmarks.names())
    assert optimizers.options_for("hill-climb") == {"restart_after": 3}
    with pytest.raises(UserError, match="option 'restart_after' of optimizer 'hill-climb': Input should be a valid integer"):
        optimizers.create("hill-climb", task=benchmarks.load("bowl/clean"), restart_after="soon")
    with pytest.raises(UserError, match=r"unknown option\(s\) 'restart' \(did you mean 'restart_after'"):
        optimizers.create("hill-climb", task=benchmarks.load("bowl/clean"), restart=2)
    with pytest.raises(UserError, match="already registered"):
        optimizers.register("hill-climb", HillClimb)
    with pytest.raises(UserError, match="already registered"):
        optimizers.register("random", HillClimb)


def test_a_plain_build_function_still_registers(plugins: None) -> None:
    """The older form: a callable plus {option: default}; options are typed by their defaults."""
    optimizers.register("hill-climb-fn", lambda *, space, seed, restart_after, **_: HillClimb(space, seed, restart_after),
                        options={"restart_after": 3})
    try:
        bowl = benchmarks.load("bowl/clean")
        with pytest.raises(UserError, match="option 'restart_after' of optimizer 'hill-climb-fn'"):
            optimizers.create("hill-climb-fn", task=bowl, restart_after="soon")
        opt = optimizers.create("hill-climb-fn", task=bowl, restart_after=5)
        assert isinstance(opt, HillClimb) and opt.restart_after == 5 and not optimizers.uses_llm("hill-climb-fn")
    finally:
        optimizers.unregister("hill-climb-fn")


def test_unregister_forgets_the_plugin(plugins: None) -> None:
    optimizers.unregister("hill-climb")
    assert "hill-climb" not in optimizers.names()
    with pytest.raises(UserError, match="unknown optimizer 'hill-climb'"):
        optimizers.create("hill-climb", task=benchmarks.load("bowl/clean"))
    optimizers.register("hill-climb", HillClimb)


SPEC = """
name = "plugins"
budget = 6
seeds = [0, 1]
benchmarks = ["bowl/*"]
[[optimizers]]
name = "random"
[[optimizers]]
name = "hill-climb"
options = { restart_after = 2 }
"""


def test_a_campaign_runs_the_plugins_and_resumes(plugins: None, tmp_path) -> None:
    spec = loads_spec(SPEC)
    assert sorted({(r.benchmark, r.optimizer_name) for r in spec.runs}) == [
        ("bowl/clean", "hill-climb"), ("bowl/clean", "random"), ("bowl/noisy", "hill-climb"), ("bowl/noisy", "random")]
    outcome = run_campaign(spec, CampaignContext(out_dir=tmp_path / "out", cache_dir=tmp_path / "cache",
                                                 mode=Mode.LIVE, workers=1))
    assert outcome.complete
    rows = trials(outcome.directory)
    assert len(rows) == 2 * 2 * 2 * 6
    bowl = benchmarks.load("bowl/clean")
    assert all(bowl.space.contains(r["config"]) for r in rows)
    climb = [r for r in rows if r["optimizer"] == "hill-climb" and r["benchmark"] == "bowl/clean" and r["seed"] == 0]
    assert climb[0]["config"] == bowl.space.default()  # the plugin's own first move, journaled as proposed
    again = run_campaign(spec, CampaignContext(out_dir=tmp_path / "out", cache_dir=tmp_path / "cache",
                                               mode=Mode.REPLAY, workers=1))
    assert again.complete and len(trials(again.directory)) == len(rows)

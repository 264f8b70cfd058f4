"""run_campaign takes its collaborators (store, gateway, executor) from the caller: built once by a
test, shared between campaigns, and left open for the caller (the campaign closes only what it built)."""

from __future__ import annotations

import json

import pytest

from llmhpo.cache.errors import CacheMiss
from llmhpo.cache.modes import Mode
from llmhpo.cache.store import CacheStore
from llmhpo.gateway import Gateway
from llmhpo.harness.campaign.executor import SerialExecutor
from llmhpo.harness.campaign.run import CampaignContext, run_campaign
from llmhpo.harness.errors import UserError
from llmhpo.harness.spec.campaign_spec import load_spec
from tests.campaign.helpers import stable, trials, write_spec


class _CountingExecutor(SerialExecutor):
    """A real in-process executor that counts what it was asked to evaluate."""

    def __init__(self) -> None:
        super().__init__()
        self.submitted = 0
        self.closed = False

    def submit(self, benchmark, config, seed):
        self.submitted += 1
        return super().submit(benchmark, config, seed)

    def close(self) -> None:
        self.closed = True


def test_passed_store_gateway_and_executor_are_used_and_left_open(tmp_path):
    spec = load_spec(write_spec(tmp_path, name="collab", budget=3, seeds=1, benchmarks=("toy/branin",)))
    store = CacheStore(tmp_path / "shared-cache")
    gateway = Gateway(cache_dir=store, mode=Mode.LIVE)
    executor = _CountingExecutor()
    try:
        first = run_campaign(spec, CampaignContext(out_dir=tmp_path / "a", cache_dir=tmp_path / "unused",
                                                   mode=Mode.LIVE, store=store, gateway=gateway,
                                                   executor=executor))
        assert first.stats.done == 9 and not executor.closed and not (tmp_path / "unused").exists()  # nothing built from cache_dir
        stored = sum(1 for _ in store.entries("eval"))  # the store is still open, and holds the evaluations
        assert stored == executor.submitted == len({(str(r["config"]), r["seed"]) for r in trials(first.directory)})
        # a strict replay through the same store evaluates nothing and journals the same trials
        executor.submitted = 0
        with pytest.raises(UserError, match="gateway passed in is in live mode, the campaign in replay"):
            run_campaign(spec, CampaignContext(out_dir=tmp_path / "b", cache_dir=tmp_path / "unused",
                                               mode=Mode.REPLAY, store=store, gateway=gateway,
                                               executor=executor))
        strict = Gateway(cache_dir=store, mode=Mode.REPLAY)
        again = run_campaign(spec, CampaignContext(out_dir=tmp_path / "b", cache_dir=tmp_path / "unused",
                                                   mode=Mode.REPLAY, store=store, gateway=strict,
                                                   executor=executor))
        assert executor.submitted == 0 and again.stats.eval_hits == 9
        assert stable(trials(again.directory)) == stable(trials(first.directory))
        # the manifest names the store actually used, so `llmhpo replay` finds it
        assert json.loads((first.directory / "manifest.json").read_text())["cache"]["path"] == str(store.path)
    finally:
        store.close()


def test_a_strict_replay_through_an_empty_passed_store_raises(tmp_path):
    spec = load_spec(write_spec(tmp_path, name="empty", budget=2, seeds=1, benchmarks=("toy/branin",)))
    store = CacheStore(tmp_path / "empty-cache")
    try:
        with pytest.raises(CacheMiss, match="evaluation"):
            run_campaign(spec, CampaignContext(out_dir=tmp_path / "out", cache_dir=tmp_path / "unused",
                                               mode=Mode.REPLAY, store=store, executor=_CountingExecutor()))
    finally:
        store.close()

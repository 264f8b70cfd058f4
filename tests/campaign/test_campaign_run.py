"""Whole small campaigns end to end: process pool vs Dask LocalCluster, crashes, replay."""

from __future__ import annotations

import json

import pytest

from llmhpo.cache.modes import Mode
from llmhpo.harness.benchmarks import load
from llmhpo.harness.campaign.run import CampaignContext, run_campaign
from llmhpo.harness.spec.campaign_spec import load_spec
from tests.campaign.helpers import FlakyExecutor, cli_env, llmhpo, stable, trials, write_spec


def _run(spec_path, out, cache, **kw):
    spec = load_spec(spec_path)
    return run_campaign(spec, CampaignContext(out_dir=out, cache_dir=cache, mode=Mode.LIVE, **kw))


@pytest.fixture(scope="module")
def pool_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pool")
    spec = write_spec(tmp, budget=4, seeds=2)
    outcome = _run(spec, tmp / "out", tmp / "cache", workers=2)
    return spec, tmp, outcome


def test_process_pool_campaign_is_complete(pool_run):
    spec, tmp, outcome = pool_run
    rows = trials(outcome.directory)
    table = stable(rows)
    manifest = json.loads((outcome.directory / "manifest.json").read_text())
    assert {(r["run_id"], i) for r in manifest["runs"] for i in range(r["budget"])} == set(table)
    assert len(rows) == 2 * 3 * 2 * 4
    assert manifest["live_wall_s"] > 0 and manifest["template_hashes"] and manifest["versions"]["numpy"]
    assert all(r["status"] == "ok" and r["llm"] is None and r["parse"] is None for r in rows)
    # gp and tpe share the seeded initial design with each other, not with random
    first = {(r["benchmark"], r["optimizer"], r["seed"]): r["config"] for r in rows if r["index"] == 0}
    assert first[("toy/branin", "gp", 0)] != first[("toy/branin", "random", 0)]


def test_dask_local_cluster_gives_the_same_journal(pool_run, tmp_path):
    spec, _, outcome = pool_run
    dask_outcome = _run(spec, tmp_path / "out", tmp_path / "cache", workers=2, dask="local")
    assert stable(trials(dask_outcome.directory)) == stable(trials(outcome.directory))


def test_serial_rerun_resumes_nothing_and_replay_is_identical_and_litellm_free(pool_run):
    spec, tmp, outcome = pool_run
    again = _run(spec, tmp / "out", tmp / "cache", workers=1)
    assert again.stats.done == len(trials(outcome.directory)) and again.stats.eval_lookups == 0
    env = dict(cli_env(), LLMHPO_REPLAY_CHECK_IMPORTS="1")
    res = llmhpo("replay", str(outcome.directory), env=env)
    assert res.returncode == 0, res.stderr
    assert "identical to the journal" in res.stdout and "would have cost $0.0000" in res.stdout
    assert "live wall time" in res.stdout and "litellm imported: False" in res.stdout


def test_replay_detects_a_tampered_journal(pool_run, tmp_path):
    _, _, outcome = pool_run
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(outcome.directory, copy)
    lines = (copy / "trials.jsonl").read_text().splitlines()
    row = json.loads(lines[3])
    row["loss"] += 1.0
    lines[3] = json.dumps(row)
    (copy / "trials.jsonl").write_text("\n".join(lines) + "\n")
    res = llmhpo("replay", str(copy))
    assert res.returncode == 1
    assert f"{row['run_id']}#{row['index']}: loss" in res.stderr


def test_crashing_benchmark_is_recorded_and_the_campaign_goes_on(tmp_path):
    spec = write_spec(tmp_path, name="flaky", budget=8, seeds=2, benchmarks=("toy/branin",))
    outcome = _run(spec, tmp_path / "out", tmp_path / "cache", executor=FlakyExecutor())
    rows = trials(outcome.directory)
    assert len(rows) == 3 * 2 * 8
    bad = [r for r in rows if r["status"] == "crashed"]
    assert bad and all(r["loss"] == load("toy/branin").worst_loss for r in bad)
    assert {r["error"].split(":")[0] for r in bad} <= {"RuntimeError", "non-finite loss nan"}
    assert any("solver diverged" in r["error"] for r in bad) and any("non-finite" in r["error"] for r in bad)
    assert outcome.stats.crashed == len(bad)
    # crashes are never cached: a second campaign over the same cache evaluates them again
    from llmhpo.cache.store import CacheStore

    store = CacheStore(tmp_path / "cache")
    assert sum(1 for _ in store.entries("eval")) == len({json.dumps(r["config"], sort_keys=True) + str(r["seed"])
                                                         for r in rows if r["status"] == "ok"})
    store.close()


def test_strict_replay_never_trains_a_missing_baseline_sample(pool_run, tmp_path):
    """The trials replay from the warm cache, but the baseline samples were never evaluated:
    REPLAY must stop on the first baseline miss instead of evaluating it."""
    from llmhpo.cache.errors import CacheMiss

    _, tmp, _ = pool_run
    path = write_spec(tmp_path, budget=4, seeds=2)
    path.write_text("baseline_samples = 3\n" + path.read_text())  # top level, before the [[optimizers]] tables
    spec = load_spec(path)
    with pytest.raises(CacheMiss, match="baseline evaluation"):
        run_campaign(spec, CampaignContext(out_dir=tmp_path / "out", cache_dir=tmp / "cache",
                                           mode=Mode.REPLAY, workers=1))

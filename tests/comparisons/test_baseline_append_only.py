"""baseline.jsonl is append-only: resume, re-run and a larger baseline_samples add rows, never remove."""

from __future__ import annotations

import json

import pytest

from llmhpo.cache.modes import Mode
from llmhpo.harness.campaign.run import CampaignContext, run_campaign
from llmhpo.harness.spec.campaign_spec import load_spec
from tests.campaign.helpers import write_spec


def _rows(directory) -> list[dict]:
    return [json.loads(line) for line in (directory / "baseline.jsonl").read_text().splitlines() if line.strip()]


def _spec(tmp_path, samples: int):
    path = write_spec(tmp_path, name="base", budget=2, seeds=1)
    path.write_text(f"baseline_samples = {samples}\n" + path.read_text())
    return load_spec(path)


@pytest.mark.slow  # five small campaigns (~15 s)
def test_resume_rerun_and_more_samples_only_add_rows(tmp_path):
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = run_campaign(_spec(tmp_path, 5), CampaignContext(out_dir=out, cache_dir=cache, mode=Mode.LIVE,
                                                             workers=1))
    rows = _rows(first.directory)
    assert len(rows) == 10 and sorted({r["benchmark"] for r in rows}) == ["toy/branin", "toy/himmelblau-shifted"]
    assert sorted(r["sample"] for r in rows if r["benchmark"] == "toy/branin") == [0, 1, 2, 3, 4]

    # a re-run with every trial journaled: the old code rewrote the file from the unfinished runs (0 rows)
    run_campaign(_spec(tmp_path, 5), CampaignContext(out_dir=out, cache_dir=cache, mode=Mode.LIVE, workers=1))
    assert _rows(first.directory) == rows

    # a larger number (same spec hash: the baseline size does not change the trials) appends the rest
    assert _spec(tmp_path, 5).spec_hash == _spec(tmp_path, 8).spec_hash
    run_campaign(_spec(tmp_path, 8), CampaignContext(out_dir=out, cache_dir=cache, mode=Mode.OFF, workers=1))
    grown = _rows(first.directory)
    assert grown[: len(rows)] == rows and len(grown) == 16
    assert sorted(r["sample"] for r in grown if r["benchmark"] == "toy/branin") == list(range(8))

    # sample i is the same config whatever run produced it: a fresh campaign of 8 gives the same rows
    fresh = run_campaign(_spec(tmp_path, 8), CampaignContext(out_dir=tmp_path / "fresh", cache_dir=cache,
                                                             mode=Mode.LIVE, workers=1))
    key = lambda r: (r["benchmark"], r["sample"])  # noqa: E731
    assert sorted(_rows(fresh.directory), key=key) == sorted(grown, key=key)

    # a smaller number never removes rows
    run_campaign(_spec(tmp_path, 2), CampaignContext(out_dir=out, cache_dir=cache, mode=Mode.LIVE, workers=1))
    assert _rows(first.directory) == grown

"""Run an example spec, reduced to a smoke size, against the wire-format test servers.

Shared by the end-to-end tests and scripts/bench_fidelity.py. The reduction keeps what matters
for fidelity and drops only size: budget 3, one seed, the first task of each benchmark family
(`svm/*`, `xgb/*`, ...), every optimizer with the spec's own models and options, no baseline
samples, the lowest training fidelity of the costly families (CHEAP). The models reach the servers the way a user points a campaign at a proxy: the
provider's *_API_BASE and key environment variables.
"""

from __future__ import annotations

import fnmatch
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

from llmhpo.harness.spec.campaign_spec import CampaignSpec, parse_spec

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "examples").glob("*.toml"))


# The bundled OpenML datasets, smallest first (rows: 690 ... 5404): the cheapest task of a family is
# trained, since fidelity does not depend on the dataset and a smoke run must stay fast.
BY_SIZE = ("australian", "blood-transfusion", "vehicle", "credit-g", "car", "kc1", "segment", "phoneme")


def _cost_rank(name: str) -> int:
    dataset = name.split("/", 1)[-1].split("@", 1)[0]
    return BY_SIZE.index(dataset) if dataset in BY_SIZE else len(BY_SIZE)


# The lowest training fidelity of the costly families: a smoke run checks how models are talked to,
# not how good xgboost gets with 2000 trees (HPOBench's fidelity bounds, harness/benchmarks/ml_models.py).
CHEAP = {"xgb": "@n_estimators=50", "rf": "@n_estimators=16", "lr": "@iter=100", "mlp": "@iter=27"}


def one_task_per_family(benchmarks: list[str]) -> list[str]:
    from llmhpo.harness import benchmarks as registry
    known = registry.names()
    families: dict[str, list[str]] = {}
    for item in benchmarks:
        names = fnmatch.filter(known, item) if any(c in item for c in "*?[") else [item]
        for name in names:
            families.setdefault(name.split("/", 1)[0], []).append(name)
    chosen = [min(names, key=_cost_rank) for names in families.values()]
    return [n + CHEAP.get(n.split("/", 1)[0], "") if "@" not in n else n for n in chosen]


def reduced(path: Path, name_suffix: str = "") -> CampaignSpec:
    data: dict[str, Any] = tomllib.loads(path.read_text())
    data = {k: v for k, v in data.items() if k not in ("cache", "output", "workers", "dask")}
    benches = data.get("benchmarks")
    data.update(budget=3, seeds=[0], baseline_samples=0,
                benchmarks=one_task_per_family(benches if isinstance(benches, list) else [benches]))
    data["name"] = str(data.get("name", path.stem)) + name_suffix
    return parse_spec(data, source=f"{path} (reduced)")


def run_against_servers(spec: CampaignSpec, out: Path, cache: Path, servers: dict[str, Any]) -> dict[str, Any]:
    """Run `spec` live into `out` and summarize what the servers refused and how replies parsed."""
    from llmhpo.cache.modes import Mode
    from llmhpo.harness.campaign.run import CampaignContext, run_campaign
    from llmhpo.harness.journal.jsonl import read_jsonl

    outcome = run_campaign(spec, CampaignContext(out_dir=out, cache_dir=cache, mode=Mode.LIVE, workers=1))
    trials, _ = read_jsonl(outcome.directory / "trials.jsonl")
    outcomes: dict[str, Counter[str]] = {}
    for t in trials:
        if t.get("parse"):
            outcomes.setdefault(t["optimizer"], Counter())[t["parse"]["outcome"]] += 1
    return {
        "directory": outcome.directory,
        "trials": trials,
        "stats": outcome.stats,
        "refused": [r for s in servers.values() for r in s.refused],
        "requests": sum(len(s.received) for s in servers.values()),
        "outcomes": outcomes,
    }

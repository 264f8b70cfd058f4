"""HPOBench evaluation-cache keys and losses pinned to main's values before the benchmark base class
(issue 13): same keys, same losses, same worker protocol."""

from __future__ import annotations

import pytest

from llmhpo.harness.benchmarks import load
from llmhpo.harness.campaign.evaluation import eval_key

# computed on main at 626551c
HPOBENCH_PINNED = [
    ("hpobench/svm/31@subsample=0.1", {"C": 1.0, "gamma": 0.1}, 0,
     "a7cd9ca4e038dddcbed6907599eaefbf87ab7ab832a331c64737005951e5819d", 0.2861952861952862),
    ("hpobench-fixed/lr/31@iter=10,subsample=0.1", {"alpha": 0.001, "eta0": 0.01}, 0,
     "a6409926d3444917f305ea12f51589d16dbd54021781bdf818fc9ccd6eade19c", 0.2727272727272727),
]



@pytest.mark.slow
@pytest.mark.parametrize(("name", "config", "seed", "key", "loss"), HPOBENCH_PINNED, ids=[p[0] for p in HPOBENCH_PINNED])
def test_hpobench_keys_and_losses_are_the_ones_main_computed(hpobench_home, name, config, seed, key, loss) -> None:
    bench = load(name)
    assert eval_key(bench, config, seed) == key
    assert bench.evaluate(config, seed).loss == loss

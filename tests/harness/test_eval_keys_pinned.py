"""Evaluation-cache keys and losses pinned to the values main computed before the benchmark base
class (issue 13): reshaping the benchmarks must not change a single key or loss, or every existing
evaluation cache and journal would silently stop matching."""

from __future__ import annotations

import pytest

from llmhpo.harness.benchmarks import load
from llmhpo.harness.campaign.evaluation import eval_key

# (benchmark, config as an optimizer might propose it, seed, eval_key, validation loss), computed on
# main at 626551c; configs include un-canonical forms (an int for a float, a float one ulp off).
PINNED = [
    ("toy/branin", {"x1": 1.0000000000000002, "x2": 2}, 0,
     "cb27f003b5837b282aca601caff8814f83d27f430ce27c0a0445d3879051b537", 21.62763539206238),
    ("toy/ackley-shifted", {"x1": -0.3, "x2": 0.1}, 3,
     "82cda55161e222a2d026c5a24b2b420fc33f147037e929bf8f8d14dbec7f1343", 2.8916166904330063),
    ("svm/credit-g@subsample=0.1", {"C": 1.0, "gamma": 0.1}, 1,
     "b87dae315e31763590e9ce6babad7579e708f750e9a55f77e787b87aab8545f0", 0.29966329966329963),
    ("nn-tab/australian", {"alpha": 0.0021544348, "batch_size": 40, "depth": 3, "learning_rate_init": 0.0016681006,
                           "width": 64}, 2,
     "af427a89f39fc17fda214d901c5d0d39c4908f7bb5d54d9c9a3c9811620aa4d0", 0.06366878735299786),
    ("hpolib/naval-propulsion", {"activation_fn_1": "relu", "activation_fn_2": "relu", "batch_size": 64,
                                 "dropout_1": 0.3, "dropout_2": 0.3, "init_lr": 0.01, "lr_schedule": "const",
                                 "n_units_1": 16, "n_units_2": 64}, 4,
     "eb11c5dbe0de3aaa68eb30b9bff5a389b71806dc8448527b719c0e290110a5a6", 0.12724506855010986),
    ("nas201/cifar10", {"Op0": "none", "Op1": "none", "Op2": "nor_conv_3x3", "Op3": "nor_conv_1x1",
                        "Op4": "nor_conv_1x1", "Op5": "nor_conv_3x3"}, 0,
     "c754c1c34e32902e1670699d44f72b1d003c9935d0a4ca35a240156cac323c68", 0.13664000029296874),
    ("lr/car@iter=10,subsample=0.1", {"alpha": 4.393908550982569e-05, "eta0": 0.003136095737603162}, 7,
     "8499c2482bf630048630cb41d832620d8859080465850a25559b5c97781ed608", 0.2996108949416343),
]

@pytest.mark.parametrize(("name", "config", "seed", "key", "loss"), PINNED, ids=[p[0] for p in PINNED])
def test_keys_and_losses_are_the_ones_main_computed(name, config, seed, key, loss) -> None:
    bench = load(name)
    assert eval_key(bench, config, seed) == key
    assert bench.evaluate(config, seed).loss == loss

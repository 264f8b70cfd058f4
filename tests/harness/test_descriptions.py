"""Task descriptions (prompts revision 2) state each family's fixed settings, read from the same
constants the evaluation uses; revision 1's words stay as old campaigns were shown them."""

from __future__ import annotations

import ast
import re

import pytest

from llmhpo.harness.benchmarks import load
from llmhpo.harness.benchmarks.base import task_description
from llmhpo.harness.benchmarks.ml_data import DATASETS, dataset_facts, load_splits
from llmhpo.harness.benchmarks.ml_models import MODELS


def stated_arguments(text: str) -> tuple[str, dict]:
    """The estimator and the constructor arguments a description states ("Model: est(k=v, ...)")."""
    found = re.search(r"Model: ([\w.]+)\((.*?)\); tuned: ([\w, ]+)\.", text)
    assert found, text
    call = ast.parse(f"f({found.group(2)})", mode="eval").body
    return found.group(1), {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}


@pytest.mark.parametrize("name", ["svm/credit-g", "xgb/segment", "xgb/kc1@n_estimators=100", "rf/car", "lr/australian",
                                  "mlp/vehicle@iter=20,subsample=0.5"])
def test_ml_description_states_the_arguments_the_estimator_is_built_with(name: str) -> None:
    bench = load(name)
    text = bench.describe()
    estimator, stated = stated_arguments(text)
    splits = load_splits(bench.dataset)
    model = bench.spec.build(bench.space.default(), bench.fidelity, 0, splits)
    assert f"{type(model).__module__.split('.')[0]}.{type(model).__name__}" == \
        f"{estimator.split('.')[0]}.{estimator.rsplit('.', 1)[1]}"
    params = model.get_params()
    assert stated and all(params[k] == v for k, v in stated.items()), (stated, params)
    for p in bench.space.params:  # each parameter keeps its line (meaning and range) below the description
        assert p.name in text
    assert "The loss is 1 - validation accuracy" in text
    if bench.fidelity["subsample"] < 1:
        assert "random 50% of the training rows" in text


def test_fixed_settings_that_decide_the_tuned_parameters_are_named() -> None:
    """What the models' own remarks missed: scaling (gamma, eta0), the schedule and max_iter of SGD."""
    lr = load("lr/credit-g").describe()
    assert "learning_rate='adaptive'" in lr and "tol=None" in lr and "max_iter=1000" in lr
    assert "eta0 is the learning rate of all 1000 epochs" in lr
    svm = load("svm/australian").describe()
    assert "kernel='rbf'" in svm and "6 numeric features standardized (zero mean, unit variance)" in svm
    assert "8 categorical features one-hot encoded" in svm and "42 input columns" in svm
    assert "n_estimators=512" in load("rf/kc1").describe() and "bootstrap=True" in load("rf/kc1").describe()
    xgb = load("xgb/blood-transfusion").describe()
    assert "subsample=1" in xgb and "objective='binary:logistic'" in xgb and "n_estimators=2000" in xgb


@pytest.mark.slow
@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_data_sentence_matches_the_prepared_splits(dataset: str) -> None:
    facts, splits = dataset_facts(dataset), load_splits(dataset)
    assert facts.n_encoded == splits.n_features
    assert facts.split_sizes() == (len(splits.y_train), len(splits.y_valid), len(splits.y_test))
    text = load(f"svm/{dataset}").describe()
    train, valid, _ = facts.split_sizes()
    assert f"{train} training rows, {valid} validation rows" in text
    assert f"{splits.n_features} input columns" in text


def test_revision_1_descriptions_are_unchanged() -> None:
    """The exact words campaigns recorded before revision 2 were shown."""
    assert load("svm/credit-g").describe_for("1") == (
        "a support vector machine with an RBF kernel, trained with scikit-learn, on the credit-g dataset (1000 samples, "
        "20 features, 2 classes): German bank customers; predict good or bad credit risk. The loss is 1 - validation "
        "accuracy (the error rate).")
    assert load("nn-tab/kc1").describe_for("1") == (
        "a multi-layer perceptron (scikit-learn, Adam) from HPOBench's tabular benchmark, on the kc1 dataset. "
        "The loss is 1 - validation accuracy (the error rate).")
    assert load("hpolib/slice-localization").describe_for("1") == (
        "a two-layer fully connected regression network (HPOLib FCNet tabular benchmark) on the slice-localization "
        "dataset. The loss is the validation mean squared error.")
    toy = load("toy/branin")
    assert toy.describe_for("1") == toy.describe() == (
        "a deterministic black-box function of two real inputs x1 and x2; the loss is the function value, which is "
        "nonnegative")


@pytest.mark.parametrize("name", ["nn-tab/credit-g", "hpolib/naval-propulsion", "nas201/cifar100"])
def test_tabular_descriptions_state_the_recorded_runs(name: str) -> None:
    from llmhpo.harness.benchmarks.tabular import table_rows

    bench = load(name)
    text = bench.describe()
    row = next(iter(table_rows(bench.family_key, bench.package_dataset)))
    repeats = len(row[bench.family.metric])
    assert f"The table holds {repeats} recorded training runs" in text
    assert bench.family.loss_text in text
    if name.startswith("nn-tab"):  # HPOBench's MLP at its maximal fidelity: the built-in mlp's own definition
        mlp = MODELS["mlp"]
        _, stated = stated_arguments(text)
        assert stated == {**mlp.fixed, "max_iter": mlp.fidelity["iter"]}
        assert "OpenML task 31's test split" in text and "61 input columns" in text
    else:
        assert "Fixed by the benchmark:" in text and "epochs" in text


def test_hpobench_descriptions_state_the_matching_model() -> None:
    from llmhpo.harness.benchmarks.hpobench_adapter import HPOBenchBenchmark

    if not HPOBenchBenchmark.names():
        pytest.skip("HPOBench's environment is not set up")
    fixed, master = load("hpobench-fixed/lr/31"), load("hpobench/nn/31")
    assert stated_arguments(fixed.describe())[1] == {**MODELS["lr"].fixed, "max_iter": 1000}
    assert stated_arguments(master.describe())[1]["max_iter"] == master.fidelity["iter"]
    assert "also trained on the validation rows" in master.describe()
    assert master.describe_for("1").startswith("HPOBench's nn benchmark on OpenML task 31 (credit-g")
    assert "Model:" not in master.describe_for("1")


def test_a_plain_benchmark_keeps_its_one_description() -> None:
    class Wrapped:
        def describe(self) -> str:
            return "a wrapped task"

    assert task_description(Wrapped(), "1") == task_description(Wrapped(), "2") == "a wrapped task"  # type: ignore[arg-type]

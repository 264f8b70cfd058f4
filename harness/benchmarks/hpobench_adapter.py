"""hpobench/<model>/<task_id> and hpobench-fixed/<model>/<task_id>: HPOBench itself, in its own environment.

HPOBench's ML benchmarks need libraries of 2021-2023 that cannot share an environment with the
project's, so `llmhpo hpobench setup` builds one and every evaluation runs in a long-lived worker
there (harness/hpobench/worker.py); this process never imports HPOBench. Models: svm, lr, rf, xgb,
nn (HPOBench's names; `nn` is the project's `mlp`); task ids: the 8 OpenML tasks of the bundled data.

- `hpobench/...` is HPOBench master as shipped. **Its loss is master's leaked validation loss**:
  master trains the validation model on train+valid (`if eval == "valid"` compares the builtin
  `eval`, so it is never true), so `loss` = 1 - accuracy on rows the model was fit on; it runs
  0.06 (SVM) to 0.11 (XGB) lower than a clean validation loss. `test_loss` is master's test loss of
  that same model (fit on train+valid); master subsamples rows with replacement even at 1.0.
- `hpobench-fixed/...` switches both quirks off from outside: the validation model trains on train
  only, the test model on train+valid, and rows are subsampled without replacement (all rows at
  1.0). For svm and lr it equals the project's `svm/<dataset>` and `lr/<dataset>` exactly.

The benchmark's rng is reset to the evaluation seed before each call (as if built with rng=seed),
so results do not depend on the order of evaluations. Fidelities default to the maximum (HPOBench's
"BB" values); `@name=value` overrides are checked against HPOBench's fidelity space at load.
"""

from __future__ import annotations

import functools
from typing import Any

from llmhpo.harness.benchmarks import ml_models
from llmhpo.harness.benchmarks.base import BaseBenchmark, CanonicalConfig, Evaluation
from llmhpo.harness.benchmarks.ml_data import DATASETS, data_text, dataset_facts, hpobench_split
from llmhpo.harness.benchmarks.ml_models import MEASURED_SECONDS, SAFETY
from llmhpo.harness.errors import UserError
from llmhpo.harness.hpobench.client import worker
from llmhpo.harness.hpobench.env import HPOBenchHome
from llmhpo.harness.hpobench.openml_cache import task_ids
from llmhpo.harness.space import SearchSpace

FAMILIES = {"hpobench": False, "hpobench-fixed": True}  # family -> quirks switched off
MODELS = ("svm", "lr", "rf", "xgb", "nn")
PROJECT_MODEL = {"nn": "mlp"}  # HPOBench's model name -> the built-in family with the same model


@functools.cache
def _tasks() -> dict[int, str]:
    return task_ids()


def _home() -> Any:
    return HPOBenchHome.resolve()


def _setup_info() -> dict[str, Any] | None:
    return _home().setup_info()


def _check_fidelity(name: str, fidelity_space: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """The full fidelity (defaults = HPOBench's maxima) with `given` validated against HPOBench's space."""
    space = {hp["name"]: hp for hp in fidelity_space["hyperparameters"]}
    out = {k: hp.get("default", hp.get("value")) for k, hp in space.items()}
    for key, value in given.items():
        hp = space.get(key)
        if hp is None:
            raise UserError(f"{name}: unknown fidelity {key!r} (HPOBench's fidelities: {', '.join(space)})")
        if hp["type"] == "int" and (not isinstance(value, int | float) or float(value) != int(value)):
            raise UserError(f"{name}: fidelity {key}={value!r} must be an integer in [{hp['lower']}, {hp['upper']}]")
        if not hp["lower"] <= value <= hp["upper"]:
            raise UserError(f"{name}: fidelity {key}={value!r} outside HPOBench's range [{hp['lower']}, {hp['upper']}]")
        out[key] = int(value) if hp["type"] == "int" else float(value)
    return out


class HPOBenchBenchmark(BaseBenchmark):
    version = "1"
    deterministic = True
    worst_loss = 1.0

    def __init__(self, family: str, model: str, task_id: int, spaces: dict[str, Any],
                 fidelity: dict[str, Any] | None = None) -> None:
        self.family, self.model, self.task_id = family, model, task_id
        self.fixed_quirks = FAMILIES[family]
        self.dataset = _tasks()[task_id]
        base = f"{family}/{model}/{task_id}"
        self.space = SearchSpace.from_configspace_json(spaces["space"])
        self.fidelity = _check_fidelity(base, spaces["fidelity_space"], dict(fidelity or {}))
        maxima = _check_fidelity(base, spaces["fidelity_space"], {})
        changed = {k: v for k, v in self.fidelity.items() if v != maxima[k]}
        self.name = base + ("@" + ",".join(f"{k}={v}" for k, v in changed.items()) if changed else "")
        scale = 1.0
        for k, v in self.fidelity.items():
            scale *= v / maxima[k]
        self.expected_seconds = SAFETY * MEASURED_SECONDS[PROJECT_MODEL.get(model, model)][self.dataset] * max(scale, 0.05)

    def _describe_r1(self) -> str:
        leak = ("1 - validation accuracy" if self.fixed_quirks else
                "1 - validation accuracy of a model that was also trained on the validation rows (HPOBench master)")
        return (f"HPOBench's {self.model} benchmark on OpenML task {self.task_id} ({self.dataset}: "
                f"{DATASETS[self.dataset].about}). The loss is {leak}.")

    old_descriptions = {"1": _describe_r1}

    def describe(self) -> str:
        """Revision 1's words plus the model's fixed settings and the data pipeline: HPOBench's model is the
        built-in family's (ml_models: same arguments), its data the bundled dataset's, split by OpenML."""
        spec = ml_models.MODELS[PROJECT_MODEL.get(self.model, self.model)]
        first, _, loss = self._describe_r1().partition(" The loss is ")
        return "\n".join([first, ml_models.model_text(spec, self.fidelity, dataset_facts(self.dataset).n_classes),
                          data_text(self.dataset, hpobench_split(self.task_id)), "The loss is " + loss])

    def _evaluate(self, config: CanonicalConfig, seed: int) -> Evaluation:
        config = {**self.space.fixed, **config}  # HPOBench's ConfigSpace constants ride along
        reply = worker(_home()).request("evaluate", model=self.model, task_id=self.task_id, config=config,
                                        fidelity=self.fidelity, seed=int(seed), fixed=self.fixed_quirks)
        return Evaluation(loss=float(reply["loss"]), test_loss=float(reply["test_loss"]),
                          cost_s=float(reply["cost_s"]), status="ok",
                          info={**reply["info"], "worker_wall_s": reply["wall_s"]})

    @classmethod
    def names(cls) -> list[str]:
        """Both families for every model and task, once `llmhpo hpobench setup` has completed."""
        if _setup_info() is None:
            return []
        return [f"{f}/{m}/{t}" for f in FAMILIES for m in MODELS for t in _tasks()]

    @classmethod
    def create(cls, name: str, fidelity: dict[str, Any] | None = None) -> HPOBenchBenchmark:
        parts = name.split("/")
        if len(parts) != 3 or parts[0] not in FAMILIES:
            raise KeyError(name)
        family, model, task = parts
        if model not in MODELS:
            raise UserError(f"{name}: unknown HPOBench model {model!r} (known: {', '.join(MODELS)})")
        known = ", ".join(f"{t} ({d})" for t, d in _tasks().items())
        if not task.isdigit() or int(task) not in _tasks():
            raise UserError(f"{name}: unknown task id {task!r}; the offline tasks are {known}")
        info = _setup_info()
        if info is None:
            raise UserError(f"{name} needs HPOBench's environment, which is not set up at {_home().root}; "
                            "run `llmhpo hpobench setup` (or set $LLMHPO_HPOBENCH_HOME)")
        return cls(family, model, int(task), info["spaces"][model], fidelity)

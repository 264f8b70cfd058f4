"""SMAC3 Bayesian optimization through its ask/tell interface: the BO baselines of Zhang et al. and
mm-llm-hpo, with the facades' default components.

- `smac-rf`: HyperparameterOptimizationFacade (random forest on log-scaled costs, log-EI, local +
  sorted random search, 20 % interleaved random configs, model retrained every 8 proposals).
- `smac-gp`: BlackBoxFacade (GP with Matern/Hamming kernel and priors, EI, retrained every proposal).

The space reaches SMAC through `SearchSpace.to_configspace()` (log scales, integers, categoricals and
ordinal grids kept; fixed values as Constants, dropped again from proposals).

Initial design (`initial_design` option): "shared" (default) hands SMAC the project's seeded Latin
hypercube (initial.py), the same points gp/rf/tpe start from, `n_initial` of them (default: a quarter
of the budget, the rule every BO optimizer here uses); "smac" uses the facade's own Sobol design,
`n_initial` points if given, else SMAC's rule (n_configs_per_hyperparameter x dimensions, at most a
quarter of the budget) -- the paper's setting.

Deviations from the facade defaults, all forced by how a run is evaluated here: the Scenario is
`deterministic=True` (a run evaluates every trial at its one seed, so SMAC's repeats of a config on
other seeds would re-evaluate the same thing), `n_trials` is the run's budget, `crash_cost` is the
benchmark's worst loss, and the seed is the run seed modulo 2**31 (SMAC treats -1 as "pick one at
random"). Determinism: the facades seed every component from the Scenario seed and no component reads
the clock, so one seed gives the same proposals on the same machine (tests/optimizers/test_smac.py)
-- once the local search's start points are put in a fixed order (`_order_start_points`: SMAC orders
them by string hashes, which differ per process). Floating-point differences from another BLAS or
thread count can still change a GP fit, as for `gp`.

SMAC writes its run folder under a fresh temporary directory per optimizer (made at the first ask),
removed when the optimizer is garbage-collected (a folder left by a killed process, named with its pid,
is removed by the next SMAC optimizer made on the machine); `keep_run_dir = true` keeps it, with the runhistory
saved after every trial: in a campaign under `<campaign>/optimizer-files/<run_id>/`, elsewhere in the
kept temporary directory (`.run_dir`).
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
import shutil
import tempfile
import warnings
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from llmhpo.harness.errors import UserError
from llmhpo.harness.optimizers.ask_tell import Proposal
from llmhpo.harness.optimizers.initial import initial_design
from llmhpo.harness.optimizers.plugin import DesignSize, OptimizerPlugin, Options, design_size
from llmhpo.harness.space import SearchSpace
from llmhpo.harness.values import native

if TYPE_CHECKING:
    from llmhpo.harness.benchmarks.base import Benchmark

FACADES = {"smac-rf": "HyperparameterOptimizationFacade", "smac-gp": "BlackBoxFacade"}
FALLBACK_STREAM = 2_000_029  # salt of the random stream used once SMAC has exhausted a discrete space
INSTALL_HINT = 'SMAC3 is not installed; install the extra: pip install -e ".[smac]" (or bash scripts/install.sh --test)'


RUN_DIR_PREFIX = "llmhpo-"
ORPHAN_NAME = re.compile(re.escape(RUN_DIR_PREFIX) + r"smac-[a-z]+-p(\d+)-[^-]+")  # <prefix><name>-p<pid>-<random>


def remove_orphaned_run_dirs() -> None:
    """Temporary SMAC folders whose process is gone (SIGKILL skips the finalizer) are removed."""
    for path in Path(tempfile.gettempdir()).glob(f"{RUN_DIR_PREFIX}smac-*-p*-*"):
        owner = ORPHAN_NAME.fullmatch(path.name)  # mkstemp's random suffix may itself start with "p"
        if owner and not _alive(int(owner.group(1))):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def require_smac() -> None:
    """One clear error, before anything runs, when the optional dependency is missing."""
    if importlib.util.find_spec("smac") is None:
        raise UserError(INSTALL_HINT)


def _key(space: SearchSpace, config: dict[str, Any]) -> str:
    """The same key for a proposal and for the canonical (12-digit) copy the driver tells back."""
    return space.key(space.repair(config)[0])


class SMACOptions(Options):
    n_initial: DesignSize | None = None
    initial_design: Literal["shared", "smac"] = "shared"
    keep_run_dir: bool = False


class SMACOptimizer(OptimizerPlugin):
    """One SMAC facade driven by ask/tell; `name` is "smac-rf" or "smac-gp" (SMACRF, SMACGP below)."""

    Options = SMACOptions

    @classmethod
    def build(cls, options: SMACOptions, *, space: SearchSpace, seed: int, budget: int, task: Benchmark | None = None,
              workdir: Path | None = None, **_: Any) -> SMACOptimizer:
        shared = options.initial_design == "shared"
        n_initial = design_size(options.n_initial, budget) if shared else options.n_initial
        worst = math.inf if task is None else task.worst_loss  # every benchmark declares one
        return cls(space, seed, name=cls.name, budget=budget, n_initial=n_initial, initial_design=options.initial_design,
                   keep_run_dir=options.keep_run_dir, worst_loss=worst, workdir=workdir)

    def __init__(
        self,
        space: SearchSpace,
        seed: int,
        *,
        name: str,
        budget: int,
        n_initial: int | None = None,
        initial_design: str,
        worst_loss: float = math.inf,
        keep_run_dir: bool,
        workdir: Path | None = None,
    ) -> None:
        require_smac()
        if name not in FACADES:
            raise UserError(f"unknown SMAC facade {name!r}; choose one of: {', '.join(FACADES)}")
        if initial_design == "shared" and n_initial is None:
            raise UserError(f"{name}: the shared initial design needs n_initial")
        self.name = name
        self.space = space
        self.seed = int(seed)
        self.budget = int(budget)
        self.n_initial = n_initial
        self.initial_design = initial_design
        self.crash_cost = float(worst_loss) if math.isfinite(float(worst_loss)) else math.inf
        self.keep_run_dir = keep_run_dir
        self._workdir = workdir
        self.run_dir: Path | None = None  # made with SMAC, so creating an optimizer leaves no folder behind
        self._smac: Any = None
        self._pending: dict[str, Any] = {}
        self._exhausted_rng: np.random.Generator | None = None
        self._exact: dict[str, dict[str, Any]] = {}
        self._trial_seed: int | None = None  # the seed SMAC's intensifier gives every trial (deterministic)

    # -- SMAC is built at the first ask or tell: creating an optimizer (spec validation does) stays cheap
    def facade(self) -> Any:
        if self._smac is not None:
            return self._smac
        import smac
        from ConfigSpace import Configuration

        facade = getattr(smac, FACADES[self.name])
        cs = self.space.to_configspace()
        if self.keep_run_dir and self._workdir is not None:
            self.run_dir = Path(self._workdir)
            self.run_dir.mkdir(parents=True, exist_ok=True)
        else:  # unique per optimizer, so concurrent runs never share SMAC's folder
            remove_orphaned_run_dirs()
            self.run_dir = Path(tempfile.mkdtemp(prefix=f"{RUN_DIR_PREFIX}{self.name}-p{os.getpid()}-"))
            if not self.keep_run_dir:
                weakref.finalize(self, shutil.rmtree, str(self.run_dir), True)
        scenario = smac.Scenario(
            cs, name=self.name, output_directory=self.run_dir, deterministic=True, n_trials=self.budget,
            seed=self.seed % 2**31, crash_cost=self.crash_cost,
        )
        if self.initial_design == "shared":
            points = initial_design(self.space, self.seed, self.n_initial or 1)
            # ConfigSpace stores values at ~13 digits; proposals give back the exact shared points
            self._exact = {_key(self.space, config): config for config in points}
            design = [Configuration(cs, values={**config, **self.space.fixed}, origin="Initial Design: shared")
                      for config in points]
            init = facade.get_initial_design(scenario, n_configs=0, additional_configs=design)
        elif self.n_initial is not None:
            init = facade.get_initial_design(scenario, n_configs=self.n_initial, max_ratio=1.0)
        else:
            init = facade.get_initial_design(scenario)
        with warnings.catch_warnings():  # SMAC's own use of a deprecated ConfigSpace call
            warnings.filterwarnings("ignore", category=DeprecationWarning, module="smac")
            self._smac = facade(scenario, target_function=_not_called, initial_design=init, overwrite=True,
                                logging_level=False)
        _order_start_points(self._smac._acquisition_maximizer._local_search)
        return self._smac

    def ask(self) -> Proposal:
        from smac.main.exceptions import ConfigurationSpaceExhaustedException

        if self._exhausted_rng is None:
            try:
                info = self.facade().ask()
            except (ConfigurationSpaceExhaustedException, StopIteration):
                # Every config of a small discrete space was proposed: go on with seeded random draws.
                self._exhausted_rng = np.random.default_rng([self.seed % 2**32, FALLBACK_STREAM])
            else:
                values = {k: native(v) for k, v in dict(info.config).items() if k in self.space.names}
                config, _ = self.space.repair(values)
                key = _key(self.space, config)
                config = dict(self._exact.get(key, config))
                self._pending[key] = info
                self._trial_seed = info.seed if self._trial_seed is None else self._trial_seed
                return Proposal(config, _source(self.name, info.config.origin))
        return Proposal(self.space.sample(self._exhausted_rng), f"{self.name}-exhausted")

    def tell(self, config: dict[str, Any], evaluation: Any) -> None:
        """Reads only `.loss`, `.status` and `.cost_s` (ARCHITECTURE.md, "Optimizer"). A crash is told as
        StatusType.CRASHED with the benchmark's worst loss as its cost, as SMAC's own runner does."""
        from ConfigSpace import Configuration
        from smac.runhistory.dataclasses import TrialInfo, TrialValue
        from smac.runhistory.enumerations import StatusType

        smac = self.facade()
        loss = float(evaluation.loss)
        ok = evaluation.status == "ok" and math.isfinite(loss)
        cost = loss if math.isfinite(loss) else self.crash_cost
        info = self._pending.pop(_key(self.space, config), None)
        if info is None:  # a config SMAC did not propose (a hybrid's, or the fallback's): SMAC still learns it
            values = {**self.space.repair(config)[0], **self.space.fixed}
            seed = self._trial_seed if self._trial_seed is not None else smac.scenario.seed
            info = TrialInfo(Configuration(smac.scenario.configspace, values=values, origin="told"), seed=seed)
        value = TrialValue(cost=cost, time=float(evaluation.cost_s),
                           status=StatusType.SUCCESS if ok else StatusType.CRASHED)
        smac.tell(info, value, save=self.keep_run_dir)


def _order_start_points(local_search: Any) -> None:
    """Make SMAC's local search independent of PYTHONHASHSEED (else resume and replay, in a new process,
    would re-derive other configs). SMAC 2.4 de-duplicates the local search's start points through a set
    of Configurations, hashed by their repr string, so their order -- and with it which random neighbours
    each start draws -- changed from process to process. Sorting them by that repr fixes the order."""
    unordered = local_search._get_initial_points

    def ordered(*args: Any, **kwargs: Any) -> list[Any]:
        return sorted(unordered(*args, **kwargs), key=repr)

    local_search._get_initial_points = ordered


class SMACRF(SMACOptimizer):
    name = "smac-rf"


class SMACGP(SMACOptimizer):
    name = "smac-gp"


def _not_called(config: Any, seed: int = 0) -> float:
    raise RuntimeError("SMAC is driven by ask/tell here; its target function is never called")


def _source(name: str, origin: str | None) -> str:
    """"initial" for design points, "<name>-random" for SMAC's interleaved random configs, else name."""
    origin = origin or ""
    if origin.startswith("Initial Design"):
        return "initial"
    if origin == "Random Search":
        return f"{name}-random"
    return name

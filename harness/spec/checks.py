"""Spec checks that need a gateway: each optimizer built once on a task, each model asked what it takes.

Why construct instead of re-checking options here: `optimizers.create` is the one place that knows an
optimizer's options, and `optimizers.check_model` the one place that says a model cannot read plots;
calling them means a spec accepts exactly what a run will accept. No model is called (gateway mode
off); only capabilities are looked up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from llmhpo.cache.modes import Mode
from llmhpo.gateway import Gateway
from llmhpo.harness import benchmarks, optimizers
from llmhpo.harness.errors import UserError
from llmhpo.harness.faithfulness import capability_overrides
from llmhpo.harness.spec.errors import where

if TYPE_CHECKING:
    from llmhpo.gateway.client import LLMClient


class OptimizerEntry(Protocol):
    """What these checks read of a resolved [[optimizers]] entry (spec.OptimizerSpec; named by its
    fields here so that spec.py, which calls these checks, is not imported back)."""

    @property
    def name(self) -> str: ...
    @property
    def model(self) -> str | None: ...
    @property
    def options(self) -> dict[str, Any]: ...


E = TypeVar("E", bound=OptimizerEntry)
# (index of the [[optimizers]] table, its resolved entry, where its model is written: ("model",) or
# ("models", j)): problems point at the table, model problems at the model.
ModelAt = tuple[str] | tuple[str, int]
Located = tuple[int, E, ModelAt]


def check_optimizers(
    opts: list[Located[E]], *, benchmark: str, budget: int, model_settings: dict[str, dict[str, Any]],
    model_override: str | None, problems: list[str], notes: list[str],
) -> list[Located[E]]:
    """The entries that stay (plot-reading ones go under a text-only --model, with a note); every
    problem appended to `problems`."""
    gateway = Gateway(mode=Mode.OFF, capabilities=capability_overrides(model_settings))
    if model_override:
        before = len(problems)
        opts = _drop_image_optimizers(opts, model_override, gateway, notes, problems)
        if len(problems) > before:  # --model itself is refused: say so once, not once per entry
            opts = [(index, opt, at) for index, opt, at in opts if opt.model != model_override]
    for index, opt, model_at in opts:
        _check_optimizer(index, opt, model_at, benchmark, budget, gateway, problems)
    return opts


def _check_optimizer(index: int, opt: OptimizerEntry, model_at: ModelAt, benchmark: str, budget: int,
                     gateway: LLMClient, problems: list[str]) -> None:
    """Construct the optimizer once (no ask) so unknown options and text-only models surface now."""
    at = where(("optimizers", index))
    if opt.model is not None:
        try:
            gateway.capabilities(opt.model)  # an unknown provider prefix, say
            optimizers.check_model(opt.name, opt.model, gateway)
        except Exception as exc:  # UserError, gateway.errors.ConfigurationError
            problems.append(f"{where(('optimizers', index, *model_at))}: {exc}")
            return
    try:
        bench = benchmarks.load(benchmark)
        optimizers.create(opt.name, space=bench.space, seed=0, budget=budget, task=bench, model=opt.model,
                          gateway=gateway, **opt.options)
    except UserError as exc:
        problems.append(f"{at}.options: {exc}")
    except TypeError as exc:
        problems.append(f"{at}.options: bad options {sorted(opt.options)}: {exc}")


def _drop_image_optimizers(opts: list[Located[E]], model: str, gateway: LLMClient, notes: list[str],
                           problems: list[str]) -> list[Located[E]]:
    """`--model M` with a text-only M: plot-reading optimizers cannot run on it; skip them, say so."""
    try:
        gateway.capabilities(model)
    except Exception as exc:  # unknown provider prefix
        problems.append(f"--model: {exc}")
        return opts
    kept = []
    for index, opt, model_at in opts:
        try:
            optimizers.check_model(opt.name, model, gateway)
        except UserError:
            notes.append(f"skipped {opt.name}: it sends plots and --model {model} is text-only")
            continue
        kept.append((index, opt, model_at))
    return kept

"""Optimizer registry: `create(name, space=, seed=, budget=, task=, model=, gateway=, workdir=, **options)`.

Adding an optimizer: one module in this package whose class follows the plugin contract
(plugin.py: `Options`, `uses_llm`, `needs_images`, `build`) and one line in REGISTRY; or, from
outside the package, one `register(...)` call (the registry is `llmhpo.registry.Registry`, shared
with benchmark and provider families). Modules are imported when an optimizer is first
looked up, so importing this package imports no optimizer library (skopt, optuna, SMAC). Options
are validated by the class's `Options` model before anything runs, so a typo in a campaign spec is
one clear error naming the option and the optimizer, not a failure halfway through.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError, create_model

import llmhpo.gateway as gw
from llmhpo.harness.errors import RegistryUserError, UserError, suggest
from llmhpo.harness.optimizers.ask_tell import Optimizer, Proposal
from llmhpo.harness.optimizers.plugin import OptimizerPlugin, Options, as_plugin
from llmhpo.registry import Registry

if TYPE_CHECKING:
    from llmhpo.gateway.client import LLMClient
    from llmhpo.harness.benchmarks.base import Benchmark
    from llmhpo.harness.revisions import Revisions
    from llmhpo.harness.space import SearchSpace

# name -> "module:Class" (a plugin class, see plugin.py); one line per built-in optimizer; `register`
# adds classes
REGISTRY: dict[str, str | type[OptimizerPlugin]] = {
    "random": "llmhpo.harness.optimizers.random_search:RandomSearch",
    "gp": "llmhpo.harness.optimizers.skopt_bo:SkoptGP",
    "rf": "llmhpo.harness.optimizers.skopt_bo:SkoptForest",
    "tpe": "llmhpo.harness.optimizers.tpe:TPEOptimizer",
    "smac-rf": "llmhpo.harness.optimizers.smac_bo:SMACRF",
    "smac-gp": "llmhpo.harness.optimizers.smac_bo:SMACGP",
    "llm": "llmhpo.harness.optimizers.llm:LLMOptimizer",
    "mmllm": "llmhpo.harness.optimizers.mmllm:MMLLMOptimizer",
    "mmllm-image-only": "llmhpo.harness.optimizers.mmllm:ImageOnlyOptimizer",
    "llm-tpe": "llmhpo.harness.optimizers.hybrid:LLMTPE",
    "llm-init-gp": "llmhpo.harness.optimizers.hybrid:LLMInitGP",
}
_REGISTRY: Registry[OptimizerPlugin] = Registry("optimizer", REGISTRY, OptimizerPlugin, error=RegistryUserError)

__all__ = ["REGISTRY", "Optimizer", "OptimizerPlugin", "Options", "Proposal", "check_model", "create", "fits_model",
           "names", "options_for", "plugin_class", "register", "requires_images", "unregister", "uses_llm"]


def names() -> list[str]:
    return _REGISTRY.names()


def plugin_class(name: str) -> type[OptimizerPlugin]:
    """The class registered as `name` (its module imported now, not before)."""
    return _REGISTRY.resolve(name)


def options_for(name: str) -> dict[str, Any]:
    """The options `name` accepts, with their defaults (None: computed from the budget or the model)."""
    return plugin_class(name).Options.defaults()


def requires_images(name: str) -> bool:
    return plugin_class(name).needs_images


def uses_llm(name: str) -> bool:
    return plugin_class(name).uses_llm


def fits_model(name: str, model: str, gateway: LLMClient) -> bool:
    """Whether optimizer `name` can run on `model`: one that sends plots needs a vision model."""
    return not requires_images(name) or bool(gateway.capabilities(model).images)


def check_model(name: str, model: str | None, gateway: LLMClient | None) -> None:
    """The one place that refuses a plot-sending optimizer on a text-only model (UserError).
    `model`/`gateway` None: the defaults `create` would use."""
    if not requires_images(name):
        return
    model, gateway = _llm_defaults(model, gateway)
    if not fits_model(name, model, gateway):
        raise UserError(f"{name} sends plots, but model {model!r} is text-only; "
                        "use a vision model such as openai/gpt-4o or anthropic/claude-sonnet-4-5")


def register(
    name: str,
    build: str | type[OptimizerPlugin] | Callable[..., Optimizer],
    *,
    options: dict[str, Any] | None = None,
    uses_llm: bool = False,
    needs_images: bool = False,
) -> None:
    """Add an optimizer defined outside this package (a plugin, a test); from then on specs,
    campaigns and `create` know `name`. `build` is a plugin class (plugin.py; it declares its own
    options and flags) or its import path "module:Class" (imported on first use), or a plain
    callable called as `build(space=, seed=, budget=, task=, model=, gateway=, **options)` with `options` = {name: default} (each option typed by its default); what it
    returns, unless an OptimizerPlugin, reaches the driver wrapped (plugin.as_plugin: its hooks mapped there)."""
    plugin = isinstance(build, str) or (isinstance(build, type) and issubclass(build, OptimizerPlugin))
    if plugin and (options is not None or uses_llm or needs_images):
        raise UserError(f"optimizer {name!r}: a plugin class declares its own Options and flags")
    _REGISTRY.register(name, build if plugin else _wrap(name, build, options or {}, uses_llm=uses_llm,
                                                        needs_images=needs_images))


def unregister(name: str) -> None:
    """Remove an optimizer added by `register` (built-in ones stay)."""
    _REGISTRY.unregister(name)


def _wrap(name: str, build: Callable[..., Optimizer], defaults: dict[str, Any], *, uses_llm: bool,
          needs_images: bool) -> type[OptimizerPlugin]:
    """A plugin class around a plain build function: options typed by their defaults."""
    fields: dict[str, Any] = {key: (Any if value is None else type(value), value) for key, value in defaults.items()}
    model = create_model(f"Options[{name}]", __base__=Options, **fields)

    def build_from(cls: type, options: Options, *, workdir: Path | None = None, revisions: Revisions | None = None,
                   **context: Any) -> Optimizer:
        return build(**context, **options.model_dump())

    return type(f"Registered[{name}]", (OptimizerPlugin,), {
        "Options": model, "uses_llm": uses_llm, "needs_images": needs_images, "build": classmethod(build_from)})


def _llm_defaults(model: str | None, gateway: LLMClient | None) -> tuple[str, LLMClient]:
    """LLM optimizers default to `gateway.DEFAULT_MODEL` through a Gateway on the default cache."""
    return model or gw.DEFAULT_MODEL, gateway if gateway is not None else gw.Gateway()


def _validate(name: str, cls: type[OptimizerPlugin], options: dict[str, Any], budget: int) -> Options:
    """Options -> the validated model; every problem named by option and optimizer in one UserError."""
    try:
        return cls.Options.model_validate(options, context={"budget": budget})
    except ValidationError as exc:
        raise UserError("; ".join(_describe(name, cls.Options, exc))) from None


def _describe(name: str, model: type[Options], exc: ValidationError) -> list[str]:
    valid = list(model.model_fields)
    unknown = [str(e["loc"][0]) for e in exc.errors() if e["type"] == "extra_forbidden"]
    problems = []
    if unknown:
        named = ", ".join(f"{u!r}{suggest(u, valid)}" for u in unknown)
        problems.append(f"unknown option(s) {named} for optimizer {name!r}; valid options: "
                        f"{', '.join(valid) if valid else 'none'}")
    for error in exc.errors():
        if error["type"] == "extra_forbidden":
            continue
        msg = error["msg"].removeprefix("Value error, ")
        if error["type"] == "literal_error":
            msg = "must be one of " + str(error["ctx"]["expected"]).replace(" or ", ", ")
        where = f"option {error['loc'][0]!r} of optimizer {name!r}" if error["loc"] else f"optimizer {name!r}"
        said = error["type"] == "value_error" or not error["loc"]  # our own messages name the value
        problems.append(f"{where}: {msg}" if said else f"{where}: {msg}, got {error['input']!r}")
    return problems


def create(
    name: str,
    *,
    space: SearchSpace | None = None,
    seed: int = 0,
    budget: int = 10,
    task: Benchmark | None = None,
    model: str | None = None,
    gateway: LLMClient | None = None,
    workdir: Path | None = None,
    revisions: Revisions | None = None,
    **options: Any,
) -> OptimizerPlugin:
    """A fresh optimizer for one run. `space` defaults to `task.space`; LLM optimizers default to
    `gateway.DEFAULT_MODEL` through a Gateway on the default cache. `workdir`: a directory of this
    run's own where an optimizer may keep files when its options ask (a campaign passes one).
    `revisions`: the campaign's (harness/revisions.py); None = the newest. Always an OptimizerPlugin
    (its optional hooks declared): a plain build function's optimizer comes wrapped (`as_plugin`)."""
    cls = plugin_class(name)
    if space is None:
        if task is None:
            raise UserError(f"optimizer {name!r} needs a search space or a task")
        space = task.space
    if not isinstance(budget, int) or isinstance(budget, bool) or budget < 1:
        raise UserError(f"budget must be a positive integer, got {budget!r}")
    opts = _validate(name, cls, options, budget)
    if cls.uses_llm:
        model, gateway = _llm_defaults(model, gateway)
        check_model(name, model, gateway)
    return as_plugin(cls.build(opts, space=space, seed=seed, budget=budget, task=task, model=model, gateway=gateway,
                               workdir=workdir, revisions=revisions))

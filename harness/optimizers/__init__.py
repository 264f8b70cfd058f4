"""Optimizer registry: `create(name, space=, seed=, budget=, task=, model=, gateway=, **options)`.

Adding an optimizer: one module in this package, one entry in OPTIONS (its options and defaults)
and one branch in `create`; or, from outside the package, one `register(...)` call. Options are
checked here, before anything runs, so a typo in a campaign spec is one clear error listing the
valid names, not a failure halfway through.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any, NamedTuple

from harness.errors import UserError
from harness.optimizers.base import Optimizer, Proposal

_LLM_OPTIONS: dict[str, Any] = {
    "style": "chat",
    "cot": False,
    "system_prompt": True,
    "budget_sentence": True,
    "space_style": "zhang",
    "temperature": 0.0,
    "max_tokens": None,
    "reasks": 2,
    "output": None,  # text | json | schema; None = schema for local/ models, text otherwise (protocol.py)
}

# name -> {option: default}; None defaults are computed from the budget (n_initial, k) or the mode.
OPTIONS: dict[str, dict[str, Any]] = {
    "random": {},
    "gp": {"n_initial": None, "gp_settings": "fast"},
    "rf": {"n_initial": None, "surrogate": "rf"},
    "tpe": {"n_initial": None, "multivariate": False},
    "smac-rf": {"n_initial": None, "initial_design": "shared", "keep_run_dir": False},
    "smac-gp": {"n_initial": None, "initial_design": "shared", "keep_run_dir": False},
    "llm": {**_LLM_OPTIONS, "patience": 0},
    "mmllm": {**_LLM_OPTIONS, "style": "compressed"},
    "mmllm-image-only": {**_LLM_OPTIONS, "style": "compressed"},
    "llm-tpe": {**_LLM_OPTIONS, "p": 0.5, "n_initial": None, "patience": 0, "narrow_every": 0},
    "llm-init-gp": {**_LLM_OPTIONS, "k": None, "gp_settings": "fast"},
}
# Options whose default is None (computed later) take a positive integer when given.
POSITIVE_INT_OPTIONS = frozenset({"n_initial", "k", "max_tokens"})
LLM_OPTIMIZERS = frozenset({"llm", "mmllm", "mmllm-image-only", "llm-tpe", "llm-init-gp"})
IMAGE_OPTIMIZERS = frozenset({"mmllm", "mmllm-image-only"})


class Plugin(NamedTuple):
    """An optimizer registered from outside this package (see `register`)."""

    build: Callable[..., Optimizer]
    uses_llm: bool
    needs_images: bool


PLUGINS: dict[str, Plugin] = {}

__all__ = ["OPTIONS", "Optimizer", "Proposal", "create", "names", "options_for", "register", "requires_images",
           "unregister", "uses_llm"]


def names() -> list[str]:
    return list(OPTIONS)


def _check_name(name: str) -> None:
    if name not in OPTIONS:
        close = difflib.get_close_matches(name, list(OPTIONS), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise UserError(f"unknown optimizer {name!r}{hint}; valid optimizers: {', '.join(OPTIONS)}")


def options_for(name: str) -> dict[str, Any]:
    """The options `name` accepts, with their defaults."""
    _check_name(name)
    return dict(OPTIONS[name])


def requires_images(name: str) -> bool:
    _check_name(name)
    return name in IMAGE_OPTIMIZERS or (name in PLUGINS and PLUGINS[name].needs_images)


def check_model(name: str, model: str, gateway: Any) -> None:
    """The one place that refuses a text-only `model` for an optimizer that sends plots (UserError)."""
    if requires_images(name) and not gateway.capabilities(model).images:
        raise UserError(f"{name} sends plots, but model {model!r} is text-only; "
                        "use a vision model such as openai/gpt-4o or anthropic/claude-sonnet-4-5")


def uses_llm(name: str) -> bool:
    _check_name(name)
    return name in LLM_OPTIMIZERS or (name in PLUGINS and PLUGINS[name].uses_llm)


def register(
    name: str,
    build: Callable[..., Optimizer],
    *,
    options: dict[str, Any] | None = None,
    uses_llm: bool = False,
    needs_images: bool = False,
) -> None:
    """Add an optimizer defined outside this package (a plugin, a test). `build` is called as
    `build(space=, seed=, budget=, task=, model=, gateway=, **options)` with the checked options
    (`options` = {name: default}); from then on specs, campaigns and `create` know `name`."""
    if name in OPTIONS:
        raise UserError(f"optimizer {name!r} is already registered")
    OPTIONS[name] = dict(options or {})
    PLUGINS[name] = Plugin(build, uses_llm, needs_images)


def unregister(name: str) -> None:
    """Remove an optimizer added by `register` (built-in ones stay)."""
    if name in PLUGINS:
        del PLUGINS[name], OPTIONS[name]


def _resolve_options(name: str, options: dict[str, Any]) -> dict[str, Any]:
    valid = OPTIONS[name]
    unknown = sorted(set(options) - set(valid))
    if unknown:
        listing = ", ".join(valid) if valid else "none"
        raise UserError(f"unknown option(s) {', '.join(map(repr, unknown))} for optimizer {name!r}; valid options: {listing}")
    out = dict(valid)
    for key, value in options.items():
        default = valid[key]
        if key == "output":
            from harness.optimizers.protocol import PROTOCOLS

            if value is not None and value not in PROTOCOLS:
                raise UserError(f"option 'output' of optimizer {name!r} must be one of {', '.join(PROTOCOLS)}, got {value!r}")
            out[key] = value
            continue
        if key in POSITIVE_INT_OPTIONS:
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                raise UserError(f"option {key!r} of optimizer {name!r} must be a positive integer, got {value!r}")
            out[key] = value
            continue
        ok = (
            value is None
            or (isinstance(default, bool) and isinstance(value, bool))
            or (not isinstance(default, bool) and isinstance(default, int) and isinstance(value, int) and not isinstance(value, bool))
            or (isinstance(default, float) and isinstance(value, int | float) and not isinstance(value, bool))
            or (isinstance(default, str) and isinstance(value, str))
        )
        if not ok:
            raise UserError(f"option {key!r} of optimizer {name!r} must be a {type(default).__name__}, got {value!r}")
        out[key] = value
    return out


def create(
    name: str,
    *,
    space: Any = None,
    seed: int = 0,
    budget: int = 10,
    task: Any = None,
    model: str | None = None,
    gateway: Any = None,
    workdir: Any = None,
    **options: Any,
) -> Optimizer:
    """A fresh optimizer for one run. `space` defaults to `task.space`; LLM optimizers default to
    `gateway.DEFAULT_MODEL` through a Gateway on the default cache. `workdir`: a directory of this
    run's own where an optimizer may keep files when its options ask (a campaign passes one)."""
    _check_name(name)
    opts = _resolve_options(name, options)
    if space is None:
        if task is None:
            raise UserError(f"optimizer {name!r} needs a search space or a task")
        space = task.space
    if not isinstance(budget, int) or isinstance(budget, bool) or budget < 1:
        raise UserError(f"budget must be a positive integer, got {budget!r}")
    for key in ("n_initial", "k"):  # a design larger than the budget is never used (and may not fit in memory)
        if opts.get(key) is not None and opts[key] > budget:
            raise UserError(f"option {key!r} of optimizer {name!r} ({opts[key]}) cannot exceed the budget ({budget})")
    from harness.optimizers.initial import n_initial_for

    if name in PLUGINS:
        return PLUGINS[name].build(space=space, seed=seed, budget=budget, task=task, model=model, gateway=gateway,
                                   **opts)
    if name == "random":
        from harness.optimizers.random_search import RandomSearch

        return RandomSearch(space, seed)
    if name in ("gp", "rf"):
        from harness.optimizers.skopt_bo import SkoptOptimizer

        n_init = opts["n_initial"] if opts["n_initial"] is not None else n_initial_for(budget)
        if name == "gp":
            return SkoptOptimizer(space, seed, kind="gp", n_initial=n_init, settings=opts["gp_settings"])
        if opts["surrogate"] not in ("rf", "et"):
            raise UserError(f"option 'surrogate' of optimizer 'rf' must be 'rf' or 'et', got {opts['surrogate']!r}")
        opt = SkoptOptimizer(space, seed, kind=opts["surrogate"], n_initial=n_init)
        opt.name = "rf"
        return opt
    if name == "tpe":
        from harness.optimizers.tpe import TPEOptimizer

        n_init = opts["n_initial"] if opts["n_initial"] is not None else n_initial_for(budget)
        return TPEOptimizer(space, seed, n_initial=n_init, multivariate=opts["multivariate"])
    if name in ("smac-rf", "smac-gp"):
        from harness.optimizers.smac_bo import SMACOptimizer

        n_init = opts["n_initial"]
        if n_init is None and opts["initial_design"] == "shared":
            n_init = n_initial_for(budget)
        return SMACOptimizer(space, seed, name=name, budget=budget, n_initial=n_init,
                             initial_design=opts["initial_design"], keep_run_dir=opts["keep_run_dir"],
                             worst_loss=getattr(task, "worst_loss", float("inf")), workdir=workdir)
    return _build_llm(name, space, seed, budget, task, model, gateway, opts)


def _build_llm(
    name: str, space: Any, seed: int, budget: int, task: Any, model: str | None, gateway: Any, opts: dict[str, Any]
) -> Optimizer:
    import gateway as gw
    from harness.optimizers.initial import n_initial_for
    from harness.optimizers.llm import LLMOptimizer
    from harness.optimizers.mmllm import ImageOnlyOptimizer, MMLLMOptimizer

    model = model or gw.DEFAULT_MODEL
    if gateway is None:
        gateway = gw.Gateway()
    if name in IMAGE_OPTIMIZERS and not gateway.capabilities(model).images:
        raise UserError(f"model {model} cannot take images; {name} needs a vision model such as openai/gpt-4o")
    llm_opts = {k: opts[k] for k in _LLM_OPTIONS}
    system = llm_opts.pop("system_prompt")
    common = dict(model=model, gateway=gateway, task=task, system_prompt=system, **llm_opts)
    cls = {"mmllm": MMLLMOptimizer, "mmllm-image-only": ImageOnlyOptimizer}.get(name, LLMOptimizer)
    llm = cls(space, seed, budget, **common)
    if name == "llm-tpe":
        from harness.optimizers.hybrid import LLMTPE

        n_init = opts["n_initial"] if opts["n_initial"] is not None else n_initial_for(budget)
        if not 0.0 <= opts["p"] <= 1.0:
            raise UserError(f"option 'p' of optimizer 'llm-tpe' must be in [0, 1], got {opts['p']!r}")
        return LLMTPE(space, seed, llm=llm, n_initial=n_init, p=opts["p"], patience=opts["patience"],
                      narrow_every=opts["narrow_every"])
    if name == "llm-init-gp":
        from harness.optimizers.hybrid import LLMInitGP

        k = opts["k"] if opts["k"] is not None else n_initial_for(budget)
        return LLMInitGP(space, seed, llm=llm, k=k, gp_settings=opts["gp_settings"])
    if name == "llm" and opts["patience"]:
        from harness.optimizers.patience import WithPatience

        return WithPatience(llm, opts["patience"])
    return llm

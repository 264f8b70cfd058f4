"""Campaign spec: a TOML file -> a validated `CampaignSpec` -> the list of runs.

Why validate everything up front and collect every problem: a campaign can run for hours, so a typo
in the last optimizer table must not surface after the first hour, and fixing problems one error at
a time is slow. `parse_spec` raises one `UserError` whose message has one line per problem.

A run is one (benchmark, optimizer entry, seed, budget); its id is a readable, file-name-safe slug
(the journal names transcript files after it).
"""

from __future__ import annotations

import difflib
import fnmatch
import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cache.key import canonical_json
from harness.errors import UserError

TOP_KEYS = ("name", "description", "budget", "seeds", "benchmarks", "optimizers", "cache", "output",
            "workers", "dask", "baseline_samples", "model_settings", "llm_concurrency")
OPTIMIZER_KEYS = ("name", "model", "options", "label")
CACHE_KEYS = ("dir", "mode")
MODES = ("live", "replay", "record", "off")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_SLUG_RE = re.compile(r"[^A-Za-z0-9._-]+")
# Upper bounds that catch typos (budget = 1000000000 would allocate GiBs for an initial design and
# run for ever); `llmhpo run --allow-large` lifts them for a campaign that really is that big.
MAX_BUDGET = 10_000
MAX_BASELINE_SAMPLES = 100_000
# Optimizers that talk to a model when the registry does not say so itself.
_LLM_HINT = ("llm",)


@dataclass(frozen=True)
class OptimizerSpec:
    name: str
    model: str | None
    options: dict[str, Any]
    label: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "model": self.model, "options": dict(self.options), "label": self.label}


@dataclass(frozen=True)
class RunSpec:
    """One sequential optimization run; the manifest lists these."""

    run_id: str
    benchmark: str
    optimizer: str  # label
    optimizer_name: str
    model: str | None
    options: dict[str, Any]
    seed: int
    budget: int

    def to_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "benchmark": self.benchmark, "optimizer": self.optimizer,
                "optimizer_name": self.optimizer_name, "model": self.model, "options": dict(self.options),
                "seed": self.seed, "budget": self.budget}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunSpec:
        return cls(str(d["run_id"]), str(d["benchmark"]), str(d["optimizer"]), str(d["optimizer_name"]),
                   d.get("model"), dict(d.get("options") or {}), int(d["seed"]), int(d["budget"]))


@dataclass(frozen=True)
class CampaignSpec:
    name: str
    budgets: tuple[int, ...]
    seeds: tuple[int, ...]
    benchmarks: tuple[str, ...]
    optimizers: tuple[OptimizerSpec, ...]
    description: str = ""
    cache_dir: str | None = None
    cache_mode: str = "live"
    output: str | None = None
    workers: int | None = None
    dask: str | None = None
    baseline_samples: int = 0
    llm_concurrency: int | None = None  # LLM calls in flight across runs; None: per provider
    source: str = "<spec>"
    notes: tuple[str, ...] = ()
    model_settings: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False)
    runs: tuple[RunSpec, ...] = field(default=(), compare=False)

    def identity(self) -> dict[str, Any]:
        """What determines the results (not where or how fast they are computed)."""
        # baseline_samples is not part of it: the baseline is append-only, so a larger number only
        # adds samples to the same campaign (the report refuses the bootstrap below it).
        return {"name": self.name, "budgets": list(self.budgets), "seeds": list(self.seeds),
                "benchmarks": list(self.benchmarks), "optimizers": [o.to_dict() for o in self.optimizers]}

    def to_dict(self) -> dict[str, Any]:
        return {**self.identity(), "baseline_samples": self.baseline_samples, "description": self.description,
                "cache": {"dir": self.cache_dir, "mode": self.cache_mode},
                "output": self.output, "workers": self.workers, "dask": self.dask,
                "model_settings": self.model_settings, "llm_concurrency": self.llm_concurrency}

    @property
    def models(self) -> list[str]:
        """The distinct models the campaign's LLM optimizers use."""
        return sorted({o.model for o in self.optimizers if o.model})

    @property
    def spec_hash(self) -> str:
        return hashlib.sha256(canonical_json(self.identity()).encode()).hexdigest()


def _suggest(word: str, choices: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.5)
    return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""


def _unknown_keys(table: dict[str, Any], allowed: tuple[str, ...], where: str, problems: list[str]) -> None:
    for key in table:
        if key not in allowed:
            problems.append(f"{where}: unknown key {key!r}{_suggest(key, allowed)}; allowed: {', '.join(allowed)}")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _int_list(value: Any, what: str, lo: int, problems: list[str]) -> list[int]:
    items = value if isinstance(value, list) else [value]
    if not items:
        problems.append(f"{what}: empty list")
        return []
    bad = [v for v in items if not _is_int(v) or v < lo]
    if bad:
        problems.append(f"{what}: expected integers >= {lo}, got {bad[0]!r}")
        return []
    if len(set(items)) != len(items):
        problems.append(f"{what}: duplicate values in {items}")
    return list(dict.fromkeys(items))


def uses_model(optimizer: str) -> bool:
    """Whether an optimizer talks to an LLM (and so takes a `model`)."""
    from harness import optimizers

    probe = getattr(optimizers, "uses_llm", None) or getattr(optimizers, "requires_llm", None)
    if callable(probe):
        return bool(probe(optimizer))
    return any(h in optimizer for h in _LLM_HINT)


def slug(text: str) -> str:
    return _SLUG_RE.sub("-", text).strip("-")


def _benchmarks(value: Any, problems: list[str]) -> list[str]:
    from harness import benchmarks

    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        problems.append("benchmarks: expected a non-empty list of benchmark names or globs (e.g. \"svm/*\")")
        return []
    known = benchmarks.names()
    out: list[str] = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            problems.append(f"benchmarks: expected a name, got {item!r}")
            continue
        item = item.strip()
        if any(c in item for c in "*?["):
            matched = fnmatch.filter(known, item)
            if not matched:
                problems.append(f"benchmarks: pattern {item!r} matches no benchmark{_suggest(item, known)}")
            out.extend(matched)
            continue
        try:
            benchmarks.load(item)
        except UserError as exc:
            problems.append(f"benchmarks: {exc}")
            continue
        out.append(item)
    return list(dict.fromkeys(out))


def _optimizers(value: Any, model_override: str | None, problems: list[str]) -> list[OptimizerSpec]:
    from harness import optimizers

    if not isinstance(value, list) or not value:
        problems.append("optimizers: expected one or more [[optimizers]] tables")
        return []
    known = list(optimizers.names())
    out: list[OptimizerSpec] = []
    originals: list[str | None] = []
    for i, entry in enumerate(value, start=1):
        where = f"optimizers[{i}]"
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected a table with name, model, options, label")
            continue
        _unknown_keys(entry, OPTIMIZER_KEYS, where, problems)
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            problems.append(f"{where}: missing optimizer name; choose one of: {', '.join(known)}")
            continue
        if name not in known:
            problems.append(f"{where}: unknown optimizer {name!r}{_suggest(name, known)}; known: {', '.join(known)}")
            continue
        where = f"{where} ({name})"
        options = entry.get("options", {})
        if not isinstance(options, dict):
            problems.append(f"{where}: options must be a table, got {type(options).__name__}")
            options = {}
        model = entry.get("model")
        if model is not None and not isinstance(model, str):
            problems.append(f"{where}: model must be a string like \"openai/gpt-4o\"")
            model = None
        if uses_model(name):
            from gateway import DEFAULT_MODEL

            model = model_override or model or DEFAULT_MODEL
        elif model is not None:
            problems.append(f"{where}: {name} does not use a model (got model {model!r})")
            model = None
        label = entry.get("label")
        if label is not None and (not isinstance(label, str) or not label.strip()):
            problems.append(f"{where}: label must be a non-empty string")
            label = None
        default_label = name + (f"@{model}" if model else "")
        original = entry.get("model") if model_override and isinstance(entry.get("model"), str) else None
        out.append(OptimizerSpec(name, model, dict(options), label.strip() if label else default_label))
        originals.append(original if not label else None)
    # After a --model override two entries may have become the same one: keep the first; entries
    # that still differ (options) keep the model they named in their label.
    unique: dict[str, OptimizerSpec] = {}
    for o, original in zip(out, originals, strict=True):
        prior = unique.get(o.label)
        if prior is not None and prior != o and original:
            o = OptimizerSpec(o.name, o.model, o.options, f"{o.label}~{original}")
            prior = unique.get(o.label)
        if prior is None:
            unique[o.label] = o
        elif prior != o:
            problems.append(f"optimizers: two entries share the label {o.label!r}; give each a distinct `label`")
    return list(unique.values())


def _check_optimizer(opt: OptimizerSpec, benchmark: str, budget: int, gateway: Any, problems: list[str]) -> None:
    """Construct the optimizer once (no ask) so unknown options and text-only models surface now."""
    from harness import benchmarks, optimizers

    where = f"optimizer {opt.label!r}"
    if opt.model is not None:
        try:
            gateway.capabilities(opt.model)
        except Exception as exc:  # ConfigurationError: unknown provider prefix, etc.
            problems.append(f"{where}: {exc}")
            return
        try:
            optimizers.check_model(opt.name, opt.model, gateway)
        except UserError as exc:
            problems.append(f"{where}: {exc}")
            return
    try:
        bench = benchmarks.load(benchmark)
        optimizers.create(opt.name, space=bench.space, seed=0, budget=budget, task=bench, model=opt.model,
                          gateway=gateway, **opt.options)
    except UserError as exc:
        problems.append(f"{where}: {exc}")
    except TypeError as exc:
        problems.append(f"{where}: bad options {sorted(opt.options)}: {exc}")


def _drop_image_optimizers(
    opts: list[OptimizerSpec], model: str, gateway: Any, notes: list[str], problems: list[str],
) -> list[OptimizerSpec]:
    """`--model M` with a text-only M: plot-reading optimizers cannot run on it; skip them, say so."""
    from harness import optimizers

    try:
        gateway.capabilities(model)
        kept = [o for o in opts if optimizers.fits_model(o.name, model, gateway)]
    except Exception as exc:  # unknown provider prefix
        problems.append(f"--model: {exc}")
        return opts
    for o in opts:
        if o not in kept:
            notes.append(f"skipped {o.name}: it sends plots and --model {model} is text-only")
    return kept


def make_runs(spec: CampaignSpec) -> tuple[RunSpec, ...]:
    """benchmark x optimizer x budget x seed, with unique file-name-safe run ids."""
    runs: list[RunSpec] = []
    seen: set[str] = set()
    for bench in spec.benchmarks:
        for opt in spec.optimizers:
            for budget in spec.budgets:
                for seed in spec.seeds:
                    run_id = f"{slug(bench)}.{slug(opt.label)}.b{budget}.s{seed}"
                    if run_id in seen:
                        raw = canonical_json([bench, opt.to_dict(), budget, seed])
                        run_id += "." + hashlib.sha256(raw.encode()).hexdigest()[:8]
                    seen.add(run_id)
                    runs.append(RunSpec(run_id, bench, opt.label, opt.name, opt.model, dict(opt.options), seed, budget))
    return tuple(runs)


def parse_spec(
    data: dict[str, Any], *, source: str = "<spec>", model_override: str | None = None, check: bool = True,
    allow_large: bool = False,
) -> CampaignSpec:
    """Validate a parsed TOML document; UserError with one line per problem.

    check=False skips constructing optimizers and asking providers about models (replay re-reads a
    spec that was already checked when it ran, and must not load provider code).
    """
    problems: list[str] = []
    _unknown_keys(data, TOP_KEYS, "spec", problems)
    name = data.get("name")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        problems.append(f"name: expected a campaign name of letters, digits, '.', '_', '-' (got {name!r})")
        name = "campaign"
    budgets = _int_list(data.get("budget", 10), "budget", 1, problems)
    if not allow_large and any(b > MAX_BUDGET for b in budgets):
        problems.append(f"budget: {max(budgets)} is above the limit of {MAX_BUDGET} trials per run "
                        "(pass --allow-large if you really mean it)")
        budgets = [min(b, MAX_BUDGET) for b in budgets]
    seeds_raw = data.get("seeds", 3)
    if _is_int(seeds_raw):
        if seeds_raw < 1:
            problems.append(f"seeds: a count must be >= 1 (got {seeds_raw})")
        seeds = list(range(max(seeds_raw, 0)))
    else:
        seeds = _int_list(seeds_raw, "seeds", 0, problems) if isinstance(seeds_raw, list) else []
        if not isinstance(seeds_raw, list):
            problems.append(f"seeds: expected a count or a list of integers (got {seeds_raw!r})")
    benches = _benchmarks(data.get("benchmarks"), problems)
    opts = _optimizers(data.get("optimizers"), model_override, problems)
    cache = data.get("cache", {})
    if not isinstance(cache, dict):
        problems.append("cache: expected a table with dir and mode")
        cache = {}
    _unknown_keys(cache, CACHE_KEYS, "cache", problems)
    cache_dir = cache.get("dir")
    if cache_dir is not None and not isinstance(cache_dir, str):
        problems.append("cache.dir: expected a path string")
        cache_dir = None
    mode = cache.get("mode", "live")
    if not isinstance(mode, str) or mode.lower() not in MODES:
        problems.append(f"cache.mode: expected one of {', '.join(MODES)} (got {mode!r}){_suggest(str(mode), MODES)}")
        mode = "live"
    output = data.get("output")
    if output is not None and not isinstance(output, str):
        problems.append("output: expected a directory path string")
        output = None
    workers = data.get("workers")
    if workers is not None and (not _is_int(workers) or workers < 1):
        problems.append(f"workers: expected an integer >= 1 (got {workers!r})")
        workers = None
    llm_concurrency = data.get("llm_concurrency")
    if llm_concurrency is not None and (not _is_int(llm_concurrency) or llm_concurrency < 1):
        problems.append(f"llm_concurrency: expected an integer >= 1 (got {llm_concurrency!r})")
        llm_concurrency = None
    dask = data.get("dask")
    if dask is not None and (not isinstance(dask, str) or not (dask == "local" or "://" in dask)):
        problems.append(f"dask: expected \"local\" or a scheduler address like \"tcp://host:8786\" (got {dask!r})")
        dask = None
    baseline = data.get("baseline_samples", 0)
    if not _is_int(baseline) or baseline < 0:
        problems.append(f"baseline_samples: expected an integer >= 0 (got {baseline!r})")
        baseline = 0
    elif baseline > MAX_BASELINE_SAMPLES and not allow_large:
        problems.append(f"baseline_samples: {baseline} is above the limit of {MAX_BASELINE_SAMPLES} "
                        "(pass --allow-large if you really mean it)")
    from harness.model_settings import capability_overrides, parse_model_settings

    model_settings = parse_model_settings(data.get("model_settings"), problems)
    description = data.get("description", "")
    if not isinstance(description, str):
        problems.append("description: expected a string")
        description = ""
    notes: list[str] = []
    if check and opts:
        from gateway import Gateway

        gateway = Gateway(mode="off", capabilities=capability_overrides(model_settings))
        if model_override:
            opts = _drop_image_optimizers(opts, model_override, gateway, notes, problems)
        for opt in opts:
            # Even when the benchmarks or budgets are wrong, options can be checked on a toy task.
            _check_optimizer(opt, benches[0] if benches else "toy/quadratic", budgets[0] if budgets else 10,
                             gateway, problems)
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise UserError(f"{source}: {len(problems)} problem(s) in the campaign spec:\n{lines}")
    spec = CampaignSpec(
        name=name, budgets=tuple(budgets), seeds=tuple(seeds), benchmarks=tuple(benches), optimizers=tuple(opts),
        description=description, cache_dir=cache_dir, cache_mode=mode.lower(), output=output, workers=workers,
        dask=dask, baseline_samples=baseline, llm_concurrency=llm_concurrency, source=source, notes=tuple(notes),
        model_settings=model_settings,
    )
    return _with_runs(spec)


def _with_runs(spec: CampaignSpec) -> CampaignSpec:
    from dataclasses import replace

    return replace(spec, runs=make_runs(spec))


def load_spec(path: str | Path, *, model_override: str | None = None, check: bool = True,
              allow_large: bool = False) -> CampaignSpec:
    """Read and validate a TOML spec file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read campaign spec {path}: {exc.strerror or exc}") from None
    return loads_spec(text, source=str(path), model_override=model_override, check=check, allow_large=allow_large)


def loads_spec(text: str, *, source: str = "<spec>", model_override: str | None = None, check: bool = True,
               allow_large: bool = False) -> CampaignSpec:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{source}: not valid TOML: {exc}") from None
    return parse_spec(data, source=source, model_override=model_override, check=check, allow_large=allow_large)

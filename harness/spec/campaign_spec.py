"""Campaign spec: a TOML (or JSON) file -> a validated `CampaignSpec` -> the list of runs.

Why validate everything up front and collect every problem: a campaign can run for hours, so a typo
in the last optimizer table must not surface after the first hour, and fixing problems one error at
a time is slow. `parse_spec` raises one `UserError` whose message has one line per problem, each
starting with where it is (`optimizers[2].options: ...`). The keys, types and ranges are the pydantic
models of `harness.spec.document`; what needs a gateway is in `harness.spec.checks`.

A run is one (benchmark, optimizer entry, seed, budget); its id is a readable, file-name-safe slug
(the journal names transcript files after it).
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from llmhpo.cache.key import canonical_json
from llmhpo.cache.modes import Mode
from llmhpo.gateway import DEFAULT_MODEL
from llmhpo.harness import optimizers
from llmhpo.harness.errors import UserError
from llmhpo.harness.limits import (
    HARD_MAX_RUNS,
    MAX_RUNS,
    RUN_ID_MAX,
    check_depth,
    parse_json_spec,
    read_spec_text,
)
from llmhpo.harness.names import slug
from llmhpo.harness.spec.checks import Located, ModelAt, check_optimizers
from llmhpo.harness.spec.document import (
    DEFAULT_BUDGET,
    MAX_BASELINE_SAMPLES,
    MAX_BUDGET,
    Benchmarks,
    Budgets,
    OptimizerEntry,
    SpecDocument,
    valid_part,
)
from llmhpo.harness.spec.errors import problems_of, where
from llmhpo.harness.spec.model_settings import ModelSettingsTable, settings_table
from llmhpo.harness.spec.runs import OptimizerSpec, RunSpec

__all__ = ["MAX_BASELINE_SAMPLES", "MAX_BUDGET", "CampaignSpec", "OptimizerSpec", "RunSpec", "load_spec",
           "loads_spec", "make_runs", "parse_spec"]


@dataclass(frozen=True)
class CampaignSpec:
    name: str
    budgets: tuple[int, ...]
    seeds: tuple[int, ...]
    benchmarks: tuple[str, ...]
    optimizers: tuple[OptimizerSpec, ...]
    description: str = ""
    cache_dir: str | None = None
    cache_mode: str = Mode.LIVE.value  # a cache.modes.Mode name, as manifests store it
    output: str | None = None
    workers: int | None = None
    dask: str | None = None
    baseline_samples: int = 0
    llm_concurrency: int | None = None  # LLM calls in flight across runs; None: per provider
    source: str = "<spec>"
    notes: tuple[str, ...] = ()
    model_settings: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False)
    runs: tuple[RunSpec, ...] = field(default=(), compare=False)
    shrink: dict[str, Any] | None = field(default=None, compare=False)  # harness.campaign.shrink: the flags that cut it down

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

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, source: str = "<manifest>") -> CampaignSpec:
        """The spec `to_dict` wrote (a manifest's "spec"), validated like a spec file, without
        constructing optimizers or asking providers (replay must not load provider code)."""
        return parse_spec(cls.document(d), source=source, check=False, allow_large=True)

    @staticmethod
    def document(d: dict[str, Any]) -> dict[str, Any]:
        """The spec document (what a JSON spec file holds) of a `to_dict` (`llmhpo unpack` writes it)."""
        data = {k: v for k, v in d.items() if k != "budgets"}
        if "budgets" in d:
            data["budget"] = d["budgets"]
        if isinstance(d.get("cache"), dict):
            data["cache"] = {k: v for k, v in d["cache"].items() if v is not None}
        return data

    @property
    def models(self) -> list[str]:
        """The distinct models the campaign's LLM optimizers use."""
        return sorted({o.model for o in self.optimizers if o.model})

    @property
    def spec_hash(self) -> str:
        return hashlib.sha256(canonical_json(self.identity()).encode()).hexdigest()


def _expand(entries: list[tuple[int, OptimizerEntry]]) -> list[tuple[int, OptimizerEntry, ModelAt]]:
    """One entry per model of a `models = [...]` table (label `name@model`, or `label@model` when the
    table gives a label), each with where its model is written (`model` or `models[j]`); a spec
    without `models` resolves to exactly the entries (and spec hash) it always did."""
    out: list[tuple[int, OptimizerEntry, ModelAt]] = []
    for index, entry in entries:
        if not entry.models:
            out.append((index, entry, ("model",)))
            continue
        out += [(index, entry.model_copy(update={"model": model, "models": None}), ("models", j))
                for j, model in enumerate(entry.models)]
    return out


def _resolve_optimizers(entries: list[tuple[int, OptimizerEntry]], model_override: str | None,
                        problems: list[str]) -> list[Located[OptimizerSpec]]:
    """Models filled in (--model, else the entry's, else the default) and labels made unique.

    `--model M` replaces every entry's model, a `models` list included: the entries of one table then
    become the same entry, which runs once (on M)."""
    resolved: list[tuple[int, OptimizerSpec, str | None, ModelAt]] = []
    for index, entry, model_at in _expand(entries):
        model = (model_override or entry.model or DEFAULT_MODEL) if optimizers.uses_llm(entry.name) else None
        if model_at[0] == "models":  # a models axis: each entry's label names its model
            label = f"{entry.label or entry.name}@{model}"
        else:
            label = entry.label or entry.name + (f"@{model}" if model else "")
        # the model an entry named before --model replaced it (only when its label is the default)
        original = entry.model if model_override and not entry.label else None
        resolved.append((index, OptimizerSpec(entry.name, model, dict(entry.options), label), original, model_at))
    # After a --model override two entries may have become the same one: keep the first; entries
    # that still differ (options) keep the model they named in their label.
    unique: dict[str, Located[OptimizerSpec]] = {}
    for index, opt, original, model_at in resolved:
        prior = unique.get(opt.label)
        if prior is not None and prior[1] != opt and original:
            opt = replace(opt, label=f"{opt.label}~{original}")
            prior = unique.get(opt.label)
        if prior is None:
            unique[opt.label] = (index, opt, model_at)
        elif prior[1] != opt:
            problems.append(f"{where(('optimizers', index, 'label'))}: {opt.label!r} is already the label of "
                            f"{where(('optimizers', prior[0]))}; give each entry a distinct `label`")
    return list(unique.values())


def _valid_entries(raw: Any) -> list[tuple[int, OptimizerEntry]]:
    """The [[optimizers]] tables that are fine on their own, in a spec that has problems elsewhere."""
    out = []
    for index, table in enumerate(raw if isinstance(raw, list) else []):
        if isinstance(table, dict):  # its unknown keys are reported already: still check the rest (options)
            table = {k: v for k, v in table.items() if k in OptimizerEntry.model_fields}
        try:
            out.append((index, OptimizerEntry.model_validate(table)))
        except ValidationError:
            continue
    return out


def make_runs(spec: CampaignSpec) -> tuple[RunSpec, ...]:
    """benchmark x optimizer x budget x seed, with unique file-name-safe run ids."""
    runs: list[RunSpec] = []
    seen: set[str] = set()
    for bench in spec.benchmarks:
        for opt in spec.optimizers:
            for budget in spec.budgets:
                for seed in spec.seeds:
                    run_id = f"{slug(bench)}.{slug(opt.label)}.b{budget}.s{seed}"
                    if run_id in seen or len(run_id) > RUN_ID_MAX:
                        raw = canonical_json([bench, opt.to_dict(), budget, seed])
                        # a too long id (it never fitted a file name) keeps its readable start
                        run_id = run_id[: RUN_ID_MAX - 9] + "." + hashlib.sha256(raw.encode()).hexdigest()[:8]
                    seen.add(run_id)
                    runs.append(RunSpec(run_id, bench, opt.label, opt.name, opt.model, dict(opt.options), seed, budget))
    return tuple(runs)


def parse_spec(
    data: dict[str, Any], *, source: str = "<spec>", model_override: str | None = None, check: bool = True,
    allow_large: bool = False,
) -> CampaignSpec:
    """Validate a parsed TOML/JSON document; UserError with one line per problem.

    check=False skips constructing optimizers and asking providers about models (replay re-reads a
    spec that was already checked when it ran, and must not load provider code).
    """
    problems: list[str] = []
    doc: SpecDocument | None = None
    try:
        doc = SpecDocument.model_validate(data, context={"allow_large": allow_large, "recorded": not check})
    except ValidationError as exc:
        problems.extend(problems_of(exc, SpecDocument))
    entries = list(enumerate(doc.optimizers)) if doc else _valid_entries(_get(data, "optimizers"))
    located = _resolve_optimizers(entries, model_override, problems)
    if doc:
        settings = settings_table(doc.model_settings)
    else:
        settings = settings_table(valid_part(ModelSettingsTable | None, _get(data, "model_settings"), None,
                                             allow_large=allow_large))
    notes: list[str] = []
    if check and located:
        # Even when the benchmarks or budgets are wrong, options can be checked on a toy task.
        benches = doc.benchmarks if doc else valid_part(Benchmarks, _get(data, "benchmarks"), [], allow_large=allow_large)
        budgets = doc.budget if doc else valid_part(Budgets, _get(data, "budget", DEFAULT_BUDGET), [DEFAULT_BUDGET],
                                                    allow_large=allow_large)
        # the smallest budget: an initial design must fit every run's budget
        located = check_optimizers(located, benchmark=benches[0] if benches else "toy/quadratic", budget=min(budgets),
                                   model_settings=settings, model_override=model_override, problems=problems,
                                   notes=notes)
        if not located and not problems:  # --model skipped every entry: a campaign of nothing is a mistake
            problems.append(f"optimizers: none left to run ({'; '.join(notes)})")
    if doc:
        problems.extend(run_count_problems(doc, len(located), allow_large))
    if problems or doc is None:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise UserError(f"{source}: {len(problems)} problem(s) in the campaign spec:\n{lines}")
    spec = CampaignSpec(
        name=doc.name, budgets=tuple(doc.budget), seeds=tuple(doc.seeds), benchmarks=tuple(doc.benchmarks),
        optimizers=tuple(opt for _, opt, _ in located), description=doc.description, cache_dir=doc.cache.dir,
        cache_mode=doc.cache.mode.value, output=doc.output, workers=doc.workers, dask=doc.dask,
        baseline_samples=doc.baseline_samples, llm_concurrency=doc.llm_concurrency, source=source,
        notes=tuple(notes), model_settings=settings,
    )
    return replace(spec, runs=make_runs(spec))


def _get(data: Any, key: str, default: Any = None) -> Any:
    return data.get(key, default) if isinstance(data, dict) else default


def run_count_problems(doc: SpecDocument, optimizers: int, allow_large: bool) -> list[str]:
    """benchmarks x optimizers x budgets x seeds above MAX_RUNS (before any run is built)."""
    runs = len(doc.benchmarks) * optimizers * len(doc.budget) * len(doc.seeds)
    if runs > HARD_MAX_RUNS:
        return [f"spec: {runs} runs (benchmarks x optimizers x budgets x seeds) cannot be held in memory; at most "
                f"{HARD_MAX_RUNS}, even with --allow-large"]
    if runs > MAX_RUNS and not allow_large:
        return [f"spec: {runs} runs (benchmarks x optimizers x budgets x seeds) is above the limit of {MAX_RUNS} "
                "(pass --allow-large if you really mean it)"]
    return []


def load_spec(path: str | Path, *, model_override: str | None = None, check: bool = True,
              allow_large: bool = False) -> CampaignSpec:
    """Read and validate a spec file: TOML, or JSON when it is named *.json (size, depth and UTF-8
    bounded first: `harness.limits`)."""
    path = Path(path)
    text = read_spec_text(path)
    if path.suffix.lower() == ".json":
        data = parse_json_spec(text, str(path))
        return parse_spec(data, source=str(path), model_override=model_override, check=check, allow_large=allow_large)
    return loads_spec(text, source=str(path), model_override=model_override, check=check, allow_large=allow_large)


def loads_spec(text: str, *, source: str = "<spec>", model_override: str | None = None, check: bool = True,
               allow_large: bool = False) -> CampaignSpec:
    """Validate a TOML spec given as text."""
    check_depth(text, source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{source}: not valid TOML: {exc}") from None
    except RecursionError:
        raise UserError(f"{source}: nested too deeply") from None
    return parse_spec(data, source=source, model_override=model_override, check=check, allow_large=allow_large)

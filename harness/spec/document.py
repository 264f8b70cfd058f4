"""The campaign spec document (TOML or JSON) as pydantic models: its keys, types and ranges.

Why pydantic with `extra="forbid"`: every problem comes back at once with its location (a typo in
the last [[optimizers]] table is reported with the others, before anything runs), and each key is
declared once, here. Registry checks (known benchmarks and optimizers) are validators too, so the
document alone says whether names are valid; what needs a gateway (models, options) is checked by
`harness.spec.checks` after this.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StrictStr,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
)

from llmhpo.cache.modes import Mode
from llmhpo.harness.errors import UserError, suggest
from llmhpo.harness.limits import (
    HARD_MAX_RUNS,
    MAX_SEEDS,
    SEED_LIMIT,
    dask_problem,
    name_problem,
    seed_problem,
)
from llmhpo.harness.spec.errors import invalid
from llmhpo.harness.spec.model_settings import ModelSettingsTable

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# Upper bounds that catch typos (budget = 1000000000 would allocate GiBs for an initial design and
# run for ever); `llmhpo run --allow-large` lifts them for a campaign that really is that big.
MAX_BUDGET = 10_000
MAX_BASELINE_SAMPLES = 100_000
DEFAULT_BUDGET = 10
DEFAULT_SEEDS = 3
T = TypeVar("T")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _at_least(lo: int) -> PlainValidator:
    """An integer >= lo; bool is not an integer here (TOML `true` is no count)."""
    def check(value: Any) -> int:
        if not _is_int(value) or value < lo:
            raise invalid(f"expected an integer >= {lo} (got {value!r})")
        return value
    return PlainValidator(check)


def _allow_large(info: ValidationInfo) -> bool:
    return bool((info.context or {}).get("allow_large"))


def _recorded(info: ValidationInfo) -> bool:
    """Re-reading the spec of a campaign that already ran (replay, resume): its names and seeds stand."""
    return bool((info.context or {}).get("recorded"))


def _int_list(value: Any, lo: int) -> list[int]:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise invalid("empty list")
    bad = [v for v in items if not _is_int(v) or v < lo]
    if bad:
        raise invalid(f"expected integers >= {lo}, got {bad[0]!r}")
    if len(set(items)) != len(items):
        raise invalid(f"duplicate values in {items}")
    return items


def _budgets(value: Any, info: ValidationInfo) -> list[int]:
    budgets = _int_list(value, 1)
    if max(budgets) > MAX_BUDGET and not _allow_large(info):
        raise invalid(f"{max(budgets)} is above the limit of {MAX_BUDGET} trials per run "
                      "(pass --allow-large if you really mean it)")
    return budgets


def _seeds(value: Any, info: ValidationInfo) -> list[int]:
    """A count n (seeds 0..n-1) or a list of seeds, each in `limits.SEED_LIMIT`'s range; at most
    MAX_SEEDS of them unless --allow-large."""
    if _is_int(value):
        if value < 1:
            raise invalid(f"a count must be >= 1 (got {value})")
        if value > SEED_LIMIT:
            raise invalid(f"a count of {value} seeds: seeds are 0 <= seed < 2**31, so at most {SEED_LIMIT}")
        if value > HARD_MAX_RUNS:
            raise invalid(f"a count of {value} seeds: at most {HARD_MAX_RUNS} runs fit in memory, even with --allow-large")
        seeds = range(value)
    elif isinstance(value, list):
        seeds = _int_list(value, 0)
        if not _recorded(info):
            bad = next((p for p in map(seed_problem, seeds) if p), None)
            if bad:
                raise invalid(bad)
    else:
        raise invalid(f"expected a count or a list of integers (got {value!r})")
    if len(seeds) > MAX_SEEDS and not _allow_large(info):
        raise invalid(f"{len(seeds)} seeds is above the limit of {MAX_SEEDS} (pass --allow-large if you really mean it)")
    return list(seeds)


def _campaign_name(name: Any, info: ValidationInfo) -> str:
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise invalid(f"expected a campaign name of letters, digits, '.', '_', '-' (got {name!r})")
    problem = None if _recorded(info) else name_problem(name, "the name")
    if problem:
        raise invalid(problem)
    return name


def _benchmark_list(value: Any) -> list[Any]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise invalid('expected a non-empty list of benchmark names or globs (e.g. "svm/*")')
    return items


def _benchmark(item: Any) -> list[str]:
    """The benchmarks one entry names: itself, or every registered name a glob matches."""
    from llmhpo.harness import benchmarks
    if not isinstance(item, str) or not item.strip():
        raise invalid(f"expected a name, got {item!r}")
    item = item.strip()
    if any(c in item for c in "*?["):
        known = benchmarks.names()
        matched = fnmatch.filter(known, item)
        if not matched:
            raise invalid(f"pattern {item!r} matches no benchmark{suggest(item, known)}")
        return matched
    try:
        benchmarks.load(item)
    except UserError as exc:
        raise invalid(str(exc)) from None
    return [item]


def _distinct(groups: list[list[str]]) -> list[str]:
    return list(dict.fromkeys(name for group in groups for name in group))


def _tables(value: Any) -> Any:
    if not isinstance(value, list) or not value:
        raise invalid("expected one or more [[optimizers]] tables")
    return value


def _optimizer_name(name: Any) -> str:
    from llmhpo.harness import optimizers
    known = optimizers.names()
    if not isinstance(name, str) or not name:
        raise invalid(f"missing optimizer name; choose one of: {', '.join(known)}")
    if name not in known:
        raise invalid(f"unknown optimizer {name!r}{suggest(name, known)}; known: {', '.join(known)}")
    return name


def _model_if_used(model: str | None, info: ValidationInfo) -> str | None:
    from llmhpo.harness import optimizers
    name = info.data.get("name")  # absent when the name itself was refused
    if model is not None and name is not None and not optimizers.uses_llm(name):
        raise invalid(f"{name} does not use a model (got model {model!r})")
    return model


def _models(value: Any, info: ValidationInfo) -> list[str]:
    """`models = [...]`: the models axis of one table (one entry per model, see spec._expand)."""
    from llmhpo.harness import optimizers
    if not isinstance(value, list) or not value:
        raise invalid(f"expected a non-empty list of model names (got {value!r})")
    bad = [m for m in value if not isinstance(m, str) or not m.strip()]
    if bad:
        raise invalid(f"expected model names, got {bad[0]!r}")
    models = [m.strip() for m in value]
    twice = sorted({m for m in models if models.count(m) > 1})
    if twice:
        raise invalid(f"{', '.join(map(repr, twice))} listed more than once")
    if info.data.get("model") is not None:
        raise invalid("give either `model` or `models`, not both")
    name = info.data.get("name")
    if name is not None and not optimizers.uses_llm(name):
        raise invalid(f"{name} does not use a model (got models {models!r})")
    return models


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _dask(address: str) -> str:
    problem = dask_problem(address)
    if problem:
        raise invalid(problem)
    return address


def _label(label: str | None, info: ValidationInfo) -> str | None:
    problem = None if label is None or _recorded(info) else name_problem(label, "the label")
    if problem:
        raise invalid(problem)
    return label


def _baseline_limit(n: int, info: ValidationInfo) -> int:
    if n > MAX_BASELINE_SAMPLES and not _allow_large(info):
        raise invalid(f"{n} is above the limit of {MAX_BASELINE_SAMPLES} (pass --allow-large if you really mean it)")
    return n


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, protected_namespaces=())


class OptimizerEntry(_Table):
    """One [[optimizers]] table. `model` is filled in later (--model, the default model); `models`
    instead of `model` makes one entry per model (`harness.spec.campaign_spec` expands it)."""

    name: Annotated[str, PlainValidator(_optimizer_name)] = Field(None, validate_default=True)
    model: Annotated[StrictStr | None, AfterValidator(_model_if_used)] = None
    models: Annotated[list[str], PlainValidator(_models)] | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    label: Annotated[Annotated[StrictStr, StringConstraints(strip_whitespace=True, min_length=1)] | None,
                     AfterValidator(_label)] = None


class CacheTable(_Table):
    """[cache]: where LLM replies and evaluations are cached, and how (a `cache.modes.Mode` name)."""

    dir: StrictStr | None = None
    mode: Annotated[Mode, BeforeValidator(_lower)] = Mode.LIVE


Budgets = Annotated[list[int], PlainValidator(_budgets)]
Seeds = Annotated[list[int], PlainValidator(_seeds)]
# Each entry validates on its own (so every bad one is reported), then globs are flattened.
Benchmarks = Annotated[list[Annotated[list[str], PlainValidator(_benchmark)]],
                       BeforeValidator(_benchmark_list), AfterValidator(_distinct)]
Optimizers = Annotated[list[OptimizerEntry], BeforeValidator(_tables)]
PositiveInt = Annotated[int, _at_least(1)]


class SpecDocument(_Table):
    """The whole spec as written; `harness.spec.campaign_spec.parse_spec` turns it into a `CampaignSpec`."""

    name: Annotated[str, PlainValidator(_campaign_name)] = Field(None, validate_default=True)
    description: StrictStr = ""
    budget: Budgets = Field(DEFAULT_BUDGET, validate_default=True)
    seeds: Seeds = Field(DEFAULT_SEEDS, validate_default=True)
    benchmarks: Benchmarks = Field(None, validate_default=True)
    optimizers: Optimizers = Field(None, validate_default=True)
    cache: CacheTable = Field(default_factory=CacheTable)
    output: StrictStr | None = None
    workers: PositiveInt | None = None
    dask: Annotated[StrictStr, AfterValidator(_dask)] | None = None
    baseline_samples: Annotated[int, _at_least(0), AfterValidator(_baseline_limit)] = 0
    model_settings: ModelSettingsTable | None = None
    llm_concurrency: PositiveInt | None = None  # LLM calls in flight across runs; None: per provider


def valid_part(kind: Any, value: Any, default: T, *, allow_large: bool) -> T:
    """`value` validated as `kind` on its own, else `default`: when a spec has problems, the parts
    that are fine are still checked further (options on its first benchmark, say)."""
    try:
        return TypeAdapter(kind).validate_python(value, context={"allow_large": allow_large})
    except ValidationError:
        return default

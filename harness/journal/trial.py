"""The Trial record: one line of trials.jsonl, and the one place its field list is written.

Why one place: the journal writes it, resume and the report read it, a replay compares it. Each
field's metadata says what the others need (compared by a replay? written only when set?), and
`from_row` coerces a journaled value by the field's type, so a new field is one line here.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable, Iterable
from dataclasses import Field, asdict, dataclass, field, fields
from typing import Any, TypeVar

from llmhpo.harness.errors import UserError

T = TypeVar("T")

COMPARED = "compared"  # metadata: a replay must reproduce the value (the rest are timings and cache provenance)
WHEN_SET = "when_set"  # metadata: written only when not None; absent in older rows, so compared only when journaled
FALLBACK = "fallback"  # metadata: the field whose value an older row's missing/empty value takes
RUN = "run"  # metadata: the value is the run's (harness.spec.campaign_spec.RunSpec's attribute of the same name)
MISSING = "missing"  # metadata: the value an older row without the field gets (a field with no default)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


# how a journaled value is coerced, by the field's declared type (anything else is kept as read)
_COERCE: dict[str, Callable[[Any], Any]] = {"str": str, "int": int, "float": float, "bool": bool, "float | None": _float}


@dataclass(frozen=True)
class Trial:
    """One finished trial: a line of trials.jsonl, written by the campaign and read by resume, replay
    and the report. Field order is the on-disk key order; `llm` is the usage summary of the proposal's
    transcript (harness.usage) and `parse` its parse record, both None for classical proposals."""

    run_id: str = field(metadata={RUN: True})
    index: int
    benchmark: str = field(metadata={RUN: True})
    optimizer: str = field(metadata={RUN: True})
    optimizer_name: str = field(metadata={RUN: True, FALLBACK: "optimizer"})
    model: str | None = field(metadata={RUN: True})
    seed: int = field(metadata={RUN: True, MISSING: 0})
    budget: int = field(metadata={RUN: True, MISSING: 0})
    config: dict[str, Any] = field(metadata={COMPARED: True, MISSING: {}})
    loss: float | None = field(metadata={COMPARED: True})
    test_loss: float | None = field(metadata={COMPARED: True})
    status: str = field(default="ok", metadata={COMPARED: True})
    error: str | None = None
    eval_cost_s: float = 0.0
    eval_cache_hit: bool = False
    wall_s: float = 0.0
    source: str = field(default="", metadata={COMPARED: True})
    parse: dict[str, Any] | None = None
    llm: dict[str, Any] | None = None
    transcript_ref: str | None = None
    # harness.journal.provenance.Provenance of an LLM trial; None (and no key) in classical and older rows
    provenance: str | None = field(default=None, metadata={COMPARED: True, WHEN_SET: True})

    REQUIRED = ("run_id", "index", "benchmark", "optimizer", "loss")

    def to_row(self) -> dict[str, Any]:
        """The trials.jsonl line (a JSON object, keys in field order; a `when_set` field only when not
        None, so classical trials and re-written old rows keep their bytes)."""
        row = asdict(self)
        return {k: v for k, v in row.items() if v is not None or k not in WHEN_SET_FIELDS}

    @classmethod
    def from_row(cls, row: dict[str, Any], where: Any = "trials.jsonl") -> Trial:
        """A journaled line, new or old (older journals lack optional fields: their defaults apply);
        UserError naming `where` when a required field is missing."""
        missing = [k for k in cls.REQUIRED if k not in row]
        if missing:
            raise UserError(f"{where}: trial {row.get('run_id')}#{row.get('index')} lacks {', '.join(missing)}")
        return cls(**{f.name: _read(f, row) for f in fields(cls)})

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _read(f: Field[Any], row: dict[str, Any]) -> Any:
    """One field of a journaled row, coerced by its type. An absent or empty value of an optional field
    that cannot be None (an older row) takes its fallback field's value, its `missing` value or its default."""
    value = row.get(f.name)
    if f.name not in Trial.REQUIRED and "None" not in str(f.type) and not value:
        meta = f.metadata
        value = row.get(meta[FALLBACK]) if FALLBACK in meta else copy.copy(meta[MISSING]) if MISSING in meta else f.default
    coerce = _COERCE.get(str(f.type))
    return value if coerce is None else coerce(value)


WHEN_SET_FIELDS = frozenset(f.name for f in fields(Trial) if f.metadata.get(WHEN_SET))
COMPARED_FIELDS = tuple(f.name for f in fields(Trial) if f.metadata.get(COMPARED))
FIELD_NAMES = tuple(f.name for f in fields(Trial))
RUN_FIELDS = tuple(f.name for f in fields(Trial) if f.metadata.get(RUN))  # what a trial repeats of its run


def first_wins(items: Iterable[T], key: Callable[[T], Hashable]) -> tuple[list[T], list[T]]:
    """(kept, duplicates): the journal's one rule for a repeated line (a killed run's re-write of a
    trial, transcript or stop record): the first line of a key wins, later ones are ignored."""
    seen: set[Hashable] = set()
    kept: list[T] = []
    dropped: list[T] = []
    for item in items:
        k = key(item)
        (dropped if k in seen else kept).append(item)
        seen.add(k)
    return kept, dropped

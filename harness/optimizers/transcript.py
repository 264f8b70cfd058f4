"""Typed records of a proposal's transcript: its LLM calls, their usage, duplicate handling, outcome.

Why typed: the transcript is the trial's schema (journaled in transcripts/<run_id>.jsonl, read by
usage, recording, provenance, resume/replay and the report), so its keys are written here, once,
and read as attributes everywhere else. The journal keeps the JSON form, byte for byte: every
record knows the keys it holds in the order they were written (`keys`, dict semantics: `set` keeps
a key's place and appends new ones in the class's `ORDER`), so `to_json()` gives exactly the dict a
writer gave before these records existed, and `from_json(row)` followed by `to_json()` gives any
row back unchanged, older rows without newer keys and keys this version does not know included.

Outcome words: who chose the config is `harness.journal.provenance.Provenance` (model, repaired, reasked,
perturbed, fallback); `Outcome` holds the other outcome words the records write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum, StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Self

if TYPE_CHECKING:
    from llmhpo.gateway.types import Response


class Outcome(StrEnum):
    """Outcome words the transcript and the journal's parse summary write, besides provenance's."""

    OK = "ok"  # parse summary: the first usable reply needed neither a re-ask nor a repair
    REASK = "reask"  # a repeat on a deterministic benchmark, re-asked: the model's next reply was new
    PERTURB = "perturb"  # the re-asked reply repeated too: a nearby config was evaluated instead


RESOLUTIONS = (Outcome.REASK, Outcome.PERTURB)  # how a DuplicateHandling may be resolved
NARROWING = "narrowing"  # the kind of llm-tpe's tell-time call (TellCall.kind)


def outcome(value: Any, allowed: Sequence[Outcome], where: str) -> Outcome:
    """`value` as one of the `allowed` outcomes; anything else is a clear ValueError naming `where`."""
    if isinstance(value, str) and value in {o.value for o in allowed}:
        return Outcome(value)
    raise ValueError(f"transcript {where}: unknown outcome {value!r} (known: {', '.join(o.value for o in allowed)})")


def _encode(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_json()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return [_encode(v) for v in value]
    return value


@dataclass(frozen=True, kw_only=True)
class Record:
    """A JSON object with typed fields. `keys`: the JSON keys it holds, in written order (known and
    unknown); `extra`: the values of keys this version does not know, as read."""

    ORDER: ClassVar[tuple[str, ...]] = ()  # the known keys in the order a writer adds them
    DECODE: ClassVar[Mapping[str, Callable[[Any], Any]]] = {}  # key -> JSON value to field value

    keys: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def new(cls, **values: Any) -> Self:
        """A record holding exactly `values` (in `ORDER`)."""
        return cls().set(**values)

    def set(self, **values: Any) -> Self:
        """Like dict.update: a key already held keeps its place, new keys follow in `ORDER`."""
        unknown = set(values) - set(self.ORDER)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no key {sorted(unknown)}")
        new = tuple(k for k in self.ORDER if k in values and k not in self.keys)
        return replace(self, **values, keys=self.keys + new)

    def to_json(self) -> dict[str, Any]:
        """The record as journaled: its keys in written order, values as JSON (lists, plain strings)."""
        return {k: self.extra[k] if k in self.extra else _encode(getattr(self, k)) for k in self.keys}

    @classmethod
    def from_json(cls, row: Mapping[str, Any]) -> Self:
        """A journaled row (any version: missing keys stay unset, unknown keys are kept as read)."""
        if not isinstance(row, Mapping):
            raise ValueError(f"{cls.__name__}: expected a JSON object, got {type(row).__name__}")
        known = {k: cls.DECODE.get(k, _same)(v) for k, v in row.items() if k in cls.ORDER}
        extra = {k: v for k, v in row.items() if k not in cls.ORDER}
        return cls(**known, keys=tuple(row), extra=extra)

    @classmethod
    def of(cls, value: Self | Mapping[str, Any]) -> Self:
        """A record, or its JSON form read."""
        return value if isinstance(value, cls) else cls.from_json(value)


def _same(value: Any) -> Any:
    return value


def _tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _many(cls: type[Record]) -> Callable[[Any], Any]:
    def decode(value: Any) -> Any:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise ValueError(f"transcript: expected a list of {cls.__name__} records, got {type(value).__name__}")
        return tuple(cls.from_json(v) for v in value)

    return decode


def _one(cls: type[Record]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else cls.from_json(value)


@dataclass(frozen=True, kw_only=True)
class TokenUsage(Record):
    """A call's tokens, as the gateway's Response counted them."""

    ORDER = ("prompt_tokens", "completion_tokens")

    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True, kw_only=True)
class ParseRecord(Record):
    """What parsing a reply found (parse.ParseResult without the config)."""

    ORDER = ("extracted", "method", "repairs", "error")
    DECODE = {"repairs": _tuple}

    extracted: dict[str, Any] | None = None
    method: str | None = None
    repairs: tuple[str, ...] = ()
    error: str | None = None


def usage_fields(response: Response) -> dict[str, Any]:
    """The usage part of one call's record (tokens, cost now, would-have-cost, cache hit), from the
    gateway's Response: the one place harness.usage's sums come from."""
    return {"usage": TokenUsage.new(prompt_tokens=response.usage.prompt_tokens,
                                    completion_tokens=response.usage.completion_tokens),
            "cost_usd": response.cost_usd, "would_have_cost_usd": response.would_have_cost_usd,
            "cache_hit": response.cache_hit}


@dataclass(frozen=True, kw_only=True)
class Call(Record):
    """One LLM call as recorded: what was sent (messages with images as fingerprints), then the reply
    and its usage, or the error (a failed attempt, answered from the record on resume and replay)."""

    DECODE = {"usage": _one(TokenUsage)}

    messages: list[dict[str, Any]] | None = None
    fingerprint: str | None = None
    error: str | None = None
    reply: str | None = None
    finish_reason: str | None = None
    usage: TokenUsage | None = None
    cost_usd: float | None = None
    would_have_cost_usd: float | None = None
    cache_hit: bool | None = None
    latency_s: float | None = None

    @property
    def answered(self) -> bool:
        return not self.error

    def succeeded(self, response: Response) -> Self:
        """The call answered: its reply, usage and latency (never part of a cache key)."""
        return self.set(reply=response.text, finish_reason=response.finish_reason, **usage_fields(response),
                        latency_s=response.latency_s, fingerprint=response.fingerprint)

    def failed(self, error: str, fingerprint: str | None, from_journal: bool) -> Self:
        """The call failed (after the gateway's retries): what each kind of call records of it."""
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class Attempt(Call):
    """One call of an ask (the proposal and its re-asks), with what parsing its reply found."""

    ORDER = ("replicate", "messages", "error", "reply", "finish_reason", "usage", "cost_usd", "would_have_cost_usd",
             "cache_hit", "latency_s", "fingerprint", "from_journal", "parse")
    DECODE = {**Call.DECODE, "parse": _one(ParseRecord)}

    replicate: int | None = None
    from_journal: bool | None = None
    parse: ParseRecord | None = None

    def failed(self, error: str, fingerprint: str | None, from_journal: bool) -> Attempt:
        """An ask's failed attempt: no reply, its request's fingerprint, whether the journal answered it."""
        done = self.set(error=error, reply=None, fingerprint=fingerprint)
        return done.set(from_journal=True) if from_journal else done


@dataclass(frozen=True, kw_only=True)
class TellCall(Call):
    """A call made in tell() (llm-tpe's narrowing), journaled as the trial's `tell_calls`; an
    optimizer plugin's own kinds of record load here too (unknown keys kept)."""

    ORDER = ("kind", "after", "messages", "fingerprint", "error", "usage", "cost_usd", "would_have_cost_usd",
             "cache_hit", "latency_s", "reply", "finish_reason", "ranges")
    DECODE = {**Call.DECODE, "ranges": _tuple}

    kind: str | None = None
    after: int | None = None  # results told when it was made
    ranges: tuple[str, ...] | None = None  # the narrowed ranges, as handed to TPE

    def failed(self, error: str, fingerprint: str | None, from_journal: bool) -> TellCall:
        """A failed tell-time call records its error only (its fingerprint was taken before the call)."""
        return self.set(error=error)


@dataclass(frozen=True, kw_only=True)
class DuplicateHandling(Record):
    """A repeat of an evaluated config on a deterministic benchmark: re-asked once, then perturbed."""

    ORDER = ("config", "resolved_by", "perturbed_to")
    DECODE = {"resolved_by": lambda v: None if v is None else outcome(v, RESOLUTIONS, "duplicate.resolved_by")}

    config: dict[str, Any] | None = None
    resolved_by: Outcome | None = None
    perturbed_to: dict[str, Any] | None = None


@dataclass(frozen=True, kw_only=True)
class Transcript(Record):
    """A proposal's record: how it was asked, every call (`attempts`, then `tell_calls`), the repeat
    handling, the evaluated config with its repairs and notes, who chose it and this ask's usage."""

    ORDER = ("optimizer", "model", "style", "cot", "output", "template_version", "last_try", "image", "attempts",
             "fallback", "duplicate", "config", "repairs", "notes", "provenance", "totals", "tell_calls")
    DECODE = {"attempts": _many(Attempt), "duplicate": _one(DuplicateHandling), "repairs": _tuple, "notes": _tuple,
              "tell_calls": _many(TellCall)}

    optimizer: str | None = None
    model: str | None = None
    style: str | None = None
    cot: bool | None = None
    output: str | None = None
    template_version: str | None = None
    last_try: bool | None = None
    image: str | None = None  # the plot's fingerprint (multimodal), None without one
    attempts: tuple[Attempt, ...] = ()
    fallback: bool = False  # no usable reply: a seeded random config
    duplicate: DuplicateHandling | None = None
    config: dict[str, Any] | None = None
    repairs: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    provenance: str | None = None  # a harness.journal.provenance.Provenance word (proposals revision 2 on)
    totals: dict[str, Any] | None = None  # this ask's usage, as harness.usage.summarize sums it
    tell_calls: tuple[TellCall, ...] = ()

    @property
    def asked(self) -> bool:
        """Whether an LLM was asked for this proposal (an LLM proposal's transcript has `attempts`)."""
        return "attempts" in self.keys

    def calls(self) -> Iterator[Call]:
        """Every LLM call of the trial in the order made: the ask's attempts, then the tell-time calls."""
        yield from self.attempts
        yield from self.tell_calls

    @classmethod
    def read(cls, value: Transcript | Mapping[str, Any] | None) -> Transcript | None:
        """A transcript, its JSON form read, or None (a classical proposal)."""
        return None if value is None else cls.of(value)

"""Who chose an LLM trial's config: the model, the model after a re-ask, or the harness.

Why: a verdict "the LLM beats random" means something only if the LLM's own proposals did it. Each
LLM trial gets exactly one provenance (the journal's `provenance` field, classical trials None),
and the CLI summary, the report's fidelity section and its results table count them with one rule:
`MODEL_UNCHANGED` is what the model chose unchanged, `HARNESS_CHOSEN` above `fidelity.WARN_SHARE`
of an optimizer's LLM trials gets a warning.

Precedence when several things happened in one ask (the last step that chose the config wins):
perturbed > fallback > repaired > reasked > model. So a re-asked reply that needed a repair counts
as repaired, a random fallback that repeated an earlier config and was perturbed as perturbed.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from llmhpo.harness.optimizers.transcript import Outcome, Transcript


class Provenance(StrEnum):
    MODEL = "model"  # the model's first usable reply, as parsed, unchanged
    REPAIRED = "repaired"  # the model's reply changed to fit the space (clipped, snapped, defaults, rounded)
    REASKED = "reasked"  # re-asked after an empty, unusable or repeated reply; then the model's, unchanged
    PERTURBED = "perturbed"  # the model repeated an evaluated config (twice): the harness nudged it
    FALLBACK = "fallback"  # no usable reply: a seeded random config


FALLBACK_SOURCE = f"llm-{Provenance.FALLBACK.value}"  # a trial's `source` when the LLM gave no usable reply


def perturbed_source(source: str) -> str:
    """The `source` of a proposal the harness perturbed after a repeat ("llm-perturbed", ...)."""
    return f"{source}-{Provenance.PERTURBED.value}"


def _perturbed(source: str) -> bool:
    return source.endswith(perturbed_source(""))


def of_word(value: Any) -> Provenance:
    """A recorded provenance word as the enum; anything else is a clear ValueError."""
    try:
        return Provenance(value)
    except ValueError:
        known = ", ".join(p.value for p in Provenance)
        raise ValueError(f"unknown provenance {value!r} (known: {known})") from None


MODEL_UNCHANGED = frozenset({Provenance.MODEL, Provenance.REASKED})
HARNESS_CHOSEN = frozenset({Provenance.PERTURBED, Provenance.FALLBACK})

DESCRIPTIONS: Mapping[Provenance, str] = {
    Provenance.MODEL: "the model's first usable reply, evaluated as parsed",
    Provenance.REPAIRED: "the model's reply, changed by the harness to fit the search space (clipped, snapped "
                         "to a grid, a missing key set to its default, rounded to the precision prompts show)",
    Provenance.REASKED: "the model was asked again (empty, unusable or repeated reply); its next reply was "
                        "evaluated unchanged",
    Provenance.PERTURBED: "the model repeated an evaluated config and again when re-asked: the harness "
                          "evaluated a random nearby config instead",
    Provenance.FALLBACK: "no usable reply after the re-asks: the harness evaluated a seeded random config",
}


def of_transcript(source: str, transcript: Transcript | Mapping[str, Any] | None) -> Provenance | None:
    """The provenance of a proposal from its transcript (None: not an LLM proposal). Proposals
    revision 2 writes it in the transcript; revision 1 transcripts are read step by step."""
    record = Transcript.read(transcript)
    if record is None or not record.asked:
        return None
    if record.provenance:
        return of_word(record.provenance)
    duplicate = record.duplicate
    if _perturbed(source) or (duplicate is not None and duplicate.resolved_by is Outcome.PERTURB):
        return Provenance.PERTURBED
    if record.fallback:
        return Provenance.FALLBACK
    final = record.attempts[-1].parse if record.attempts else None  # the attempt whose config was evaluated
    if final is not None and final.repairs:
        return Provenance.REPAIRED
    return Provenance.REASKED if len(record.attempts) > 1 else Provenance.MODEL


def of_row(source: str, parse: Mapping[str, Any] | None) -> Provenance | None:
    """The provenance of a journal row written before the field existed, from its source and parse
    summary. One blind spot: a re-ask after a repeat kept the first reply's repairs in that summary,
    so such a trial counts as repaired when the first reply was repaired (and not when only the
    second was)."""
    if not parse:
        return None
    if _perturbed(source):
        return Provenance.PERTURBED
    if parse.get("outcome") == Provenance.FALLBACK.value:
        return Provenance.FALLBACK
    if parse.get("repairs"):
        return Provenance.REPAIRED
    return Provenance.REASKED if int(parse.get("attempts") or 0) > 1 else Provenance.MODEL


def of_trial(trial: Any) -> Provenance | None:
    """A journaled trial's provenance: its field, else derived from its row (older journals)."""
    recorded = getattr(trial, "provenance", None)
    return of_word(recorded) if recorded else of_row(trial.source, trial.parse)

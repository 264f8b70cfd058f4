"""How faithfully a campaign talked to its models: capabilities, protocols, refusals, fallbacks.

A comparison on a hosted model means something only if the model was asked the way the papers
asked it and its answers were used: this module records what each model was run with (so a
replay re-uses it without importing litellm) and summarizes random fallbacks and failed runs for
the CLI summary and the top of the report.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from llmhpo.harness.journal import FAILURES as FAILURES  # the journal's file of refused runs, summarized here

if TYPE_CHECKING:
    from llmhpo.harness.journal import Trial

FALLBACK_WARN = 0.10  # above this share of LLM proposals replaced by random configs, results are suspect


def manifest_entries(runs: Iterable[Any], gateway: Any) -> dict[str, Any]:
    """The manifest's record of what each model was run with: {"capabilities": {model: ...},
    "protocols": {optimizer label: text|json|schema}} (endpoints: `gateway.endpoints.record_endpoints`)."""
    from llmhpo.harness.optimizers.protocol import resolve

    caps: dict[str, Any] = {}
    protocols: dict[str, str] = {}
    for run in runs:
        if run.model is None:
            continue
        if run.model not in caps:
            caps[run.model] = gateway.capabilities(run.model)
        protocols[run.optimizer] = resolve(run.options.get("output"), run.model, caps[run.model],
                                           cot=bool(run.options.get("cot", False)))
    return {"capabilities": {m: c.to_dict() for m, c in caps.items()}, "protocols": protocols}


def replay_capabilities(manifest: dict[str, Any]) -> dict[str, Any]:
    """Gateway(capabilities=...) pinned to what the campaign ran with: a replay asks no provider
    (never imports litellm)."""
    from llmhpo.gateway.capabilities import Capabilities

    return {m: Capabilities.from_dict(d) for m, d in (manifest.get("capabilities") or {}).items()}


def count(rates: dict[str, list[int]], trial: Trial) -> None:
    """Add one journaled trial to "label @ model" -> [LLM proposals, random fallbacks]."""
    if trial.parse:
        label, model = trial.optimizer, str(trial.model)
        tally = rates.setdefault(label if model in label else f"{label} @ {model}", [0, 0])
        tally[0] += 1
        tally[1] += trial.parse.get("outcome") == "fallback"


def fallback_rates(trials: Iterable[Trial]) -> dict[str, list[int]]:
    """"label @ model" -> [LLM proposals, random fallbacks] over journaled trials."""
    out: dict[str, list[int]] = {}
    for t in trials:
        count(out, t)
    return out


def fallback_lines(rates: dict[str, Any]) -> list[str]:
    """One line per optimizer x model, with a warning above FALLBACK_WARN."""
    lines = []
    for key, (n, fallbacks) in sorted(rates.items()):
        share = fallbacks / n if n else 0.0
        warn = f"  WARNING: above {FALLBACK_WARN:.0%}, these results are largely random search" if share > FALLBACK_WARN else ""
        lines.append(f"random fallback {key}: {fallbacks}/{n} LLM proposals ({share:.0%}){warn}")
    return lines


def open_failures(failures: Iterable[dict[str, Any]], finished: dict[str, dict[int, Any]],
                  budgets: dict[str, int]) -> dict[str, dict[str, Any]]:
    """Runs whose last refusal still stands (a resume that completed the run clears it)."""
    last: dict[str, dict[str, Any]] = {}
    for record in failures:
        last[str(record["run_id"])] = record
    return {run_id: r for run_id, r in last.items()
            if len(finished.get(run_id, {})) < budgets.get(run_id, 0)}

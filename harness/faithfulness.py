"""How faithfully a campaign talked to its models: capabilities, protocols, refusals, fallbacks.

A comparison on a hosted model means something only if the model was asked the way the papers
asked it and its answers were used: this module records what each model was run with (so a
replay re-uses it without importing litellm) and summarizes random fallbacks and failed runs for
the CLI summary and the top of the report, with the provenance of every LLM trial (harness/journal/provenance.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from llmhpo.cache.modes import Mode
from llmhpo.gateway.capabilities import Capabilities
from llmhpo.gateway.endpoints import endpoints_from
from llmhpo.harness.journal.provenance import HARNESS_CHOSEN, MODEL_UNCHANGED, Provenance, of_trial
from llmhpo.harness.optimizers.protocol import resolve

if TYPE_CHECKING:
    from llmhpo.gateway.client import LLMClient
    from llmhpo.gateway.endpoints import Endpoint
    from llmhpo.harness.journal.trial import Trial
    from llmhpo.harness.spec.runs import RunSpec

WARN_SHARE = 0.10  # above this share of LLM trials chosen by the harness (fallback; + perturbed), results are suspect


def manifest_entries(runs: Iterable[RunSpec], gateway: LLMClient) -> dict[str, Any]:
    """The manifest's record of what each model was run with: {"capabilities": {model: ...},
    "protocols": {optimizer label: text|json|schema}} (endpoints: `gateway.endpoints.record_endpoints`)."""
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
    return {m: Capabilities.from_dict(d) for m, d in (manifest.get("capabilities") or {}).items()}


def capability_overrides(settings: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Gateway(capabilities=...) for these settings: the per-model overrides a spec declares."""
    return {m: s["capabilities"] for m, s in settings.items() if s.get("capabilities")}


def gateway_keying(model_settings: dict[str, dict[str, Any]], mode: Mode, previous: dict[str, Any] | None,
                   endpoints: dict[str, Endpoint]) -> tuple[dict[str, Endpoint], dict[str, Any]]:
    """(endpoints, capabilities) a campaign's gateway keys requests and answers capabilities by: the
    spec's capability overrides; in a strict replay of the campaign whose manifest is `previous`, the
    endpoints recorded live (pinned, whatever the environment says now) and the capabilities as
    recorded (no provider asked, no litellm import). The campaign and its dry-run plan both use it,
    so the plan asks the protocols and finds the cache entries the run will."""
    capabilities = capability_overrides(model_settings)
    if mode is Mode.REPLAY:
        previous = previous or {}
        if previous.get("endpoints"):
            endpoints = {**endpoints, **endpoints_from(previous["endpoints"], pinned=True)}
        capabilities.update(replay_capabilities(previous))
    return endpoints, capabilities


def count(rates: dict[str, dict[str, int]], trial: Trial) -> None:
    """Add one journaled trial to "label @ model" -> {"proposals": n, provenance: n, ...} (LLM trials only)."""
    kind = of_trial(trial)
    if kind is not None:
        label, model = trial.optimizer, str(trial.model)
        tally = rates.setdefault(label if model in label else f"{label} @ {model}", {})
        tally["proposals"] = tally.get("proposals", 0) + 1
        tally[kind.value] = tally.get(kind.value, 0) + 1


def fallback_rates(trials: Iterable[Trial]) -> dict[str, dict[str, int]]:
    """"label @ model" -> {"proposals": n, provenance: n, ...} over journaled trials."""
    out: dict[str, dict[str, int]] = {}
    for t in trials:
        count(out, t)
    return out


def above(share: float) -> bool:
    """The one warning rule: a share of LLM trials the harness chose (fallbacks; perturbed + fallbacks)
    above WARN_SHARE makes a comparison suspect."""
    return share > WARN_SHARE


def provenance_shares(tally: dict[str, int]) -> tuple[int, float, float]:
    """(LLM trials, share the model chose unchanged, share the harness chose) of one tally."""
    n = tally.get("proposals", 0)
    if not n:
        return 0, float("nan"), float("nan")
    return (n, sum(tally.get(k.value, 0) for k in MODEL_UNCHANGED) / n,
            sum(tally.get(k.value, 0) for k in HARNESS_CHOSEN) / n)


def fallback_lines(rates: dict[str, dict[str, int]]) -> list[str]:
    """Two lines per optimizer x model: random fallbacks, then every provenance with the share the
    model chose unchanged; each with a warning above WARN_SHARE."""
    lines = []
    for key, tally in sorted(rates.items()):
        n, unchanged, harness = provenance_shares(tally)
        fallbacks = tally.get(Provenance.FALLBACK.value, 0)
        share = fallbacks / n if n else 0.0
        warn = f"  WARNING: above {WARN_SHARE:.0%}, these results are largely random search" if above(share) else ""
        lines.append(f"random fallback {key}: {fallbacks}/{n} LLM proposals ({share:.0%}){warn}")
        counts = ", ".join(f"{kind.value} {tally.get(kind.value, 0)}" for kind in Provenance)
        warn = (f"  WARNING: {harness:.0%} chosen by the harness (perturbed + fallback), above {WARN_SHARE:.0%}: "
                "these results are not the model's alone") if above(harness) else ""
        lines.append(f"provenance {key}: the model chose {unchanged:.0%} of {n} configs unchanged ({counts}){warn}")
    return lines


def open_failures(failures: Iterable[dict[str, Any]], finished: dict[str, dict[int, Any]],
                  budgets: dict[str, int]) -> dict[str, dict[str, Any]]:
    """Runs whose last refusal still stands (a resume that completed the run clears it)."""
    last: dict[str, dict[str, Any]] = {}
    for record in failures:
        last[str(record["run_id"])] = record
    return {run_id: r for run_id, r in last.items()
            if len(finished.get(run_id, {})) < budgets.get(run_id, 0)}

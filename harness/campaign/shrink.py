"""Shrink flags: `--budget N --seeds N|LIST --benchmarks PATTERN... --optimizers NAME...` on run/demo.

Why a shrunk campaign gets a name of its own (`<name>-shrunk`): its trials answer a smaller
question, so they must never land in the full campaign's folder (a later full run would resume from
them, and the report would mix them). The manifest records the flags under `shrink`; resuming the
shrunk folder with other flags is refused with one line, before anything is written.

`--seeds` follows the spec's own `seeds`: an integer N is a count (the first N of the spec's seeds,
i.e. 0..N-1 for `seeds = N`), a comma-separated list names seed values (`--seeds 3,` is seed 3 alone),
each of which must be one of the spec's.
"""

from __future__ import annotations

import argparse
import fnmatch
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmhpo.harness.errors import UserError, suggest
from llmhpo.harness.journal.manifest import previous_manifest

if TYPE_CHECKING:
    from llmhpo.harness.spec.campaign_spec import CampaignSpec

SUFFIX = "-shrunk"


def add_flags(p: argparse.ArgumentParser) -> None:
    """The shrink flags of `run` and `demo`."""
    g = p.add_argument_group("shrink the campaign (results go to <name>-shrunk, never mixed with the full one)")
    g.add_argument("--budget", type=int, default=None, metavar="N", help="trials per run (replaces the spec's budgets)")
    g.add_argument("--seeds", default=None, metavar="N|S,S,...",
                   help="N: the spec's first N seeds; a comma list (e.g. 0,3 or 3,): those seeds")
    g.add_argument("--benchmarks", nargs="+", default=None, metavar="PATTERN",
                   help="keep the spec's benchmarks matching any glob (e.g. 'svm/*')")
    g.add_argument("--optimizers", nargs="+", default=None, metavar="NAME",
                   help="keep these optimizer entries (by label or name, e.g. llm tpe)")


def flags_of(args: argparse.Namespace) -> dict[str, Any]:
    """The shrink flags given on the command line (empty: the full campaign)."""
    flags = {k: getattr(args, k, None) for k in ("budget", "seeds", "benchmarks", "optimizers")}
    return {k: v for k, v in flags.items() if v is not None}


def _seeds(text: str, have: tuple[int, ...]) -> tuple[int, ...]:
    text = str(text).strip()
    try:
        if "," not in text:
            n = int(text)
            if not 1 <= n <= len(have):
                raise UserError(f"--seeds {n}: the spec has {len(have)} seed(s); give a count from 1 to {len(have)}")
            return have[:n]
        values = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise UserError(f"--seeds {text!r}: expected a count N or a comma-separated list of seeds (e.g. 0,3)") from None
    unknown = [s for s in values if s not in have]
    if unknown or not values:
        raise UserError(f"--seeds {text}: seed(s) {unknown} are not among the spec's seeds {list(have)}")
    return tuple(dict.fromkeys(values))


def _optimizers(names: list[str], entries: tuple[Any, ...]) -> tuple[Any, ...]:
    keep = []
    choices = sorted({o.label for o in entries} | {o.name for o in entries})
    for name in names:
        matched = [o for o in entries if name in (o.label, o.name)]
        if not matched:
            raise UserError(f"--optimizers: {name!r} is not an optimizer of this spec{suggest(name, choices)}; "
                            f"it has {', '.join(choices)}")
        keep.extend(matched)
    return tuple(o for o in entries if any(o is k for k in keep))


def apply(spec: CampaignSpec, flags: dict[str, Any]) -> CampaignSpec:
    """The spec cut down by `flags` and renamed `<name>-shrunk`, carrying `shrink` (the flags as
    recorded in the manifest); the spec itself when no flag is given."""
    from llmhpo.harness.spec.campaign_spec import make_runs

    if not flags:
        return spec
    changes: dict[str, Any] = {}
    recorded: dict[str, Any] = {}
    if "budget" in flags:
        budget = int(flags["budget"])
        if not 1 <= budget <= max(spec.budgets):
            raise UserError(f"--budget {budget}: shrink only, from 1 to the spec's largest budget {max(spec.budgets)}")
        changes["budgets"] = (budget,)
        recorded["budget"] = budget
    if "seeds" in flags:
        changes["seeds"] = _seeds(flags["seeds"], spec.seeds)
        recorded["seeds"] = list(changes["seeds"])
    if "benchmarks" in flags:
        patterns = list(flags["benchmarks"])
        kept = tuple(b for b in spec.benchmarks if any(fnmatch.fnmatchcase(b, p) for p in patterns))
        if not kept:
            raise UserError(f"--benchmarks {' '.join(patterns)}: matches none of the spec's benchmarks "
                            f"({', '.join(spec.benchmarks)}){suggest(patterns[0], list(spec.benchmarks))}")
        changes["benchmarks"] = kept
        recorded["benchmarks"] = patterns
    if "optimizers" in flags:
        changes["optimizers"] = _optimizers(list(flags["optimizers"]), spec.optimizers)
        recorded["optimizers"] = list(flags["optimizers"])
    shrunk = replace(spec, name=spec.name + SUFFIX, shrink=recorded, **changes)
    return replace(shrunk, runs=make_runs(shrunk))


def describe(shrink: dict[str, Any] | None) -> str:
    """The flags as the user would type them (for messages)."""
    if not shrink:
        return "no shrink flags"
    parts = []
    for key, value in shrink.items():
        shown = ",".join(map(str, value)) + ("," if len(value) == 1 else "") if key == "seeds" else (
            " ".join(value) if isinstance(value, list) else value)
        parts.append(f"--{key} {shown}")
    return " ".join(parts)


def check_resume(directory: Path, shrink: dict[str, Any] | None) -> None:
    """Refuse to resume a campaign folder that was run with other shrink flags (one line, exit 2)."""
    previous = previous_manifest(directory)
    if previous is None:  # a new campaign (an unreadable manifest: the journal reports it)
        return
    before = previous.get("shrink")
    if (before or None) != (shrink or None):
        raise UserError(f"{directory} was run with {describe(before)}, not {describe(shrink)}: resume it with the "
                        "same flags, or pass another --out")

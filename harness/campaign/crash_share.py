"""When a campaign's trials crashed too often for its results to mean anything: `llmhpo run` exits 1.

Why: a crashed trial is told to the optimizer with the benchmark's worst loss, so a campaign whose
every evaluation failed (a seed the model refuses, a broken install) still "finishes" with curves
of 1.0s. The rule: the run fails when ALL of a campaign's trials crashed, or when any run has
crashed in MORE THAN HALF (`MAX_CRASH_SHARE`) of its trials; the message names the run, the trial
and the first error. Counted over the whole journal, so a resumed campaign is judged the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

MAX_CRASH_SHARE = 0.5  # a run with a larger share of crashed trials fails the campaign


def crash_problem(trials: Iterable[Any]) -> str | None:
    """One line saying which runs crashed too often and the first error; None when the share is fine."""
    by_run: dict[str, list[Any]] = defaultdict(list)
    for trial in trials:
        by_run[trial.run_id].append(trial)
    if not by_run:
        return None
    crashed = {run: [t for t in rows if not t.ok] for run, rows in by_run.items()}
    bad = sorted(run for run, rows in by_run.items() if len(crashed[run]) > MAX_CRASH_SHARE * len(rows))
    if not bad:
        return None
    first = min(crashed[bad[0]], key=lambda t: t.index)
    error = " ".join(str(first.error or first.status).split())[:300]
    total = sum(len(rows) for rows in by_run.values())
    if all(len(crashed[run]) == len(rows) for run, rows in by_run.items()):
        head = f"all {total} trials crashed"
    else:
        head = (f"{len(bad)} of {len(by_run)} run(s) crashed in more than {MAX_CRASH_SHARE:.0%} of their trials "
                f"({', '.join(bad[:3])}{', ...' if len(bad) > 3 else ''})")
    return f"{head}; first error ({first.run_id}#{first.index}): {error}"

"""`llmhpo report`: metrics, figures and a static Markdown/HTML report of a campaign's results.

Reads only the on-disk results format (manifest.json, trials.jsonl, optional baseline.jsonl); see
`harness.report.metrics` for the metric definitions, which are also written into every report.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def build_report(results_dir: Path | str | Sequence[Path | str], out_dir: Path | str | None = None, *,
                 given: Sequence[str] | None = None) -> Path:
    """Build the report for a campaign results directory, or several merged; returns report.html.

    out_dir defaults to `<results_dir>/report` (required for several). Raises
    harness.errors.UserError on bad input, and on campaigns that cannot be merged.
    """
    # Imported here so `import llmhpo.harness.report` stays cheap (pandas, scipy, matplotlib load on use).
    from llmhpo.harness.report.build import build_report as _build

    return _build(results_dir, out_dir, given=given)


__all__ = ["build_report"]

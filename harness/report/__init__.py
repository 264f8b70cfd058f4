"""`llmhpo report`: metrics, figures and a static Markdown/HTML report of a campaign's results.

Reads only the on-disk results format (manifest.json, trials.jsonl, optional baseline.jsonl); see
`harness.report.metrics` for the metric definitions, which are also written into every report.
"""

from __future__ import annotations

from pathlib import Path


def build_report(results_dir: Path | str, out_dir: Path | str | None = None) -> Path:
    """Build the report for a campaign results directory; returns the path of report.html.

    out_dir defaults to `<results_dir>/report`. Raises harness.errors.UserError on bad input.
    """
    # Imported here so `import llmhpo.harness.report` stays cheap (pandas, scipy, matplotlib load on use).
    from llmhpo.harness.report.build import build_report as _build

    return _build(results_dir, out_dir)


__all__ = ["build_report"]

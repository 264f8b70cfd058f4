"""`llmhpo report RESULTS_DIR [--out DIR]`: metrics, figures, report.md / report.html and CSVs.

RESULTS_DIR may be a bundle (`llmhpo pack`); its report goes beside it (`<name>-report`) by default.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "report",
        help="write report.md, report.html, figures and CSV tables for a campaign",
        description="Build the report of a campaign results directory (the folder holding manifest.json "
        "and trials.jsonl, or an output folder holding exactly one campaign) or of a bundle written by `llmhpo pack`.",
    )
    parser.add_argument("results_dir", type=Path, metavar="RESULTS_DIR")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="output folder (default RESULTS_DIR/report; for a bundle, <name>-report beside it)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from llmhpo.harness.bundle import default_report_dir, is_bundle, open_campaign
    from llmhpo.harness.report import build_report

    out = args.out if args.out is not None or not is_bundle(args.results_dir) else default_report_dir(args.results_dir)
    with open_campaign(args.results_dir) as directory:
        path = build_report(directory, out)
    print(path)
    return 0

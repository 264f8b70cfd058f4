"""`llmhpo report RESULTS_DIR [--out DIR]`: metrics, figures, report.md / report.html and CSVs."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "report",
        help="write report.md, report.html, figures and CSV tables for a campaign",
        description="Build the report of a campaign results directory (the folder holding manifest.json "
        "and trials.jsonl, or an output folder holding exactly one campaign).",
    )
    parser.add_argument("results_dir", type=Path, metavar="RESULTS_DIR")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR", help="output folder (default RESULTS_DIR/report)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from llmhpo.harness.report import build_report

    path = build_report(args.results_dir, args.out)
    print(path)
    return 0

"""`llmhpo report SOURCE [SOURCE ...] [--out DIR]`: metrics, figures, report.md / report.html and CSVs.

Several sources are merged into one report when they are comparable (`harness.report.merge`): the
way to set a new model beside a published run without re-running it."""

from __future__ import annotations

import argparse
from contextlib import ExitStack
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "report",
        help="write report.md, report.html, figures and CSV tables for a campaign (or several, merged)",
        description="Build the report of a campaign results directory (the folder holding manifest.json "
        "and trials.jsonl, or an output folder holding exactly one campaign). Given several, merge them into "
        "one report when they ran the same tasks, seeds, budgets and benchmark versions (refused otherwise, "
        "naming each difference); --out is then required.",
    )
    parser.add_argument("sources", nargs="+", metavar="RESULTS_DIR",
                        help="a campaign results directory; several are merged into one report (A, B, ... in this order)")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="output folder (default RESULTS_DIR/report; required with several sources)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from llmhpo.harness.report import build_report
    from llmhpo.harness.report.merge import campaign_directory

    with ExitStack() as stack:
        directories = [stack.enter_context(campaign_directory(source)) for source in args.sources]
        path = build_report(directories if len(directories) > 1 else directories[0], args.out,
                            given=[str(s) for s in args.sources])
    print(path)
    return 0

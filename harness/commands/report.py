"""`llmhpo report SOURCE [SOURCE ...] [--out DIR]`: metrics, figures, report.md / report.html and CSVs.

A source is a results directory or a bundle (`llmhpo pack`; a lone bundle's report goes beside it,
`<name>-report`, by default). Several sources are merged into one report when they are comparable
(`harness.report.merge`): the way to set a new model beside a published run without re-running it."""

from __future__ import annotations

import argparse
from contextlib import ExitStack
from pathlib import Path

from llmhpo.harness.publish.bundle import default_report_dir, is_bundle
from llmhpo.harness.report import build_report


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "report",
        help="write report.md, report.html, figures and CSV tables for a campaign (or several, merged)",
        description="Build the report of a campaign results directory (the folder holding manifest.json "
        "and trials.jsonl, or an output folder holding exactly one campaign) or of a bundle written by "
        "`llmhpo pack`. Given several, merge them into "
        "one report when they ran the same tasks, seeds, budgets and benchmark versions (refused otherwise, "
        "naming each difference); --out is then required.",
    )
    parser.add_argument("sources", nargs="+", metavar="RESULTS_DIR",
                        help="a campaign results directory or bundle; several are merged into one report (A, B, ... in this order)")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="output folder (default RESULTS_DIR/report, for a bundle <name>-report beside it; required with "
                        "several sources)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from llmhpo.harness.report.merge import campaign_directory

    out = args.out
    if out is None and len(args.sources) == 1 and is_bundle(args.sources[0]):
        out = default_report_dir(args.sources[0])
    with ExitStack() as stack:
        directories = [stack.enter_context(campaign_directory(source)) for source in args.sources]
        path = build_report(directories if len(directories) > 1 else directories[0], out,
                            given=[str(s) for s in args.sources])
    print(path)
    return 0

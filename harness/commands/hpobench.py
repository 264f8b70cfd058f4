"""`llmhpo hpobench setup|status`: the separate HPOBench environment behind `hpobench/...` benchmarks."""

from __future__ import annotations

import argparse
import json
from typing import Any

from llmhpo.harness.hpobench.env import HPOBenchHome
from llmhpo.harness.hpobench.setup_env import setup


def register(sub: Any) -> None:
    top = sub.add_parser("hpobench", help="set up / inspect the real HPOBench environment (hpobench/* benchmarks)",
                         description="Real HPOBench in its own virtual environment, offline.")
    cmds = top.add_subparsers(dest="hpobench_command", required=True)
    home_help = "where the environment lives (default: $LLMHPO_HPOBENCH_HOME or the per-user data directory)"

    setup = cmds.add_parser("setup", help="build the environment: era pins, HPOBench, offline OpenML cache",
                            description="Build (or complete) HPOBench's environment; safe to run again.")
    setup.add_argument("--source", default=None, metavar="PATH_OR_URL",
                       help="HPOBench archive, checkout or pip/git URL (default: the pinned commit on GitHub)")
    setup.add_argument("--python", default=None, metavar="PYTHON",
                       help="interpreter for the environment, Python 3.9-3.11 (default: the one running llmhpo)")
    setup.add_argument("--home", default=None, metavar="DIR", help=home_help)
    setup.add_argument("--verbose", action="store_true", help="show pip's own output")
    setup.set_defaults(func=run_setup)

    status = cmds.add_parser("status", help="print where the environment is and whether it is ready")
    status.add_argument("--home", default=None, metavar="DIR", help=home_help)
    status.set_defaults(func=run_status)


def run_setup(args: argparse.Namespace) -> int:
    home = HPOBenchHome.resolve(args.home)
    setup(home, source=args.source, python=args.python, quiet=not args.verbose)
    print(home.root)
    return 0


def run_status(args: argparse.Namespace) -> int:
    home = HPOBenchHome.resolve(args.home)
    info = home.setup_info()
    out = {"home": str(home.root), "ready": info is not None}
    if info:
        out.update({k: info[k] for k in ("source", "python", "hpobench", "setup_seconds")})
    print(json.dumps(out, indent=2))
    return 0 if info else 1

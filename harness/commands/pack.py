"""`llmhpo pack RESULTS_DIR` and `llmhpo unpack BUNDLE DIR`: a campaign as one file, and back.

A bundle is also accepted wherever a results directory is (`llmhpo replay BUNDLE`, `llmhpo report
BUNDLE`); `unpack` is for resuming or extending it with `llmhpo run`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from llmhpo.harness.publish.bundle import unpack


def register(sub: Any) -> None:
    pack = sub.add_parser("pack", help="write a campaign and exactly the cache entries it used into one file",
                          description="Pack a finished campaign (its journal and the LLM replies and evaluations it "
                          "used, nothing else) into one bundle anyone can replay or report: "
                          "`llmhpo replay BUNDLE`, `llmhpo report BUNDLE`.")
    pack.add_argument("results", help="campaign results directory (the one holding manifest.json)")
    pack.add_argument("-o", "--output", default=None, metavar="FILE",
                      help="bundle file to write (default ./<campaign>.llmhpo.tar.gz)")
    pack.add_argument("--cache", dest="cache_dir", default=None, metavar="DIR",
                      help="the campaign's cache directory (default: the one recorded in the manifest)")
    pack.add_argument("--allow-incomplete", action="store_true",
                      help="pack an unfinished or damaged campaign anyway (the bundle says so)")
    pack.set_defaults(func=pack_cmd)

    unpack = sub.add_parser("unpack", help="unpack a campaign bundle into DIR/<campaign> and DIR/cache",
                            description="Unpack a bundle to resume or extend it: `llmhpo run DIR/spec.json --out DIR "
                            "--cache DIR/cache` continues the campaign (replay and report read bundles directly).")
    unpack.add_argument("bundle", help="bundle file written by `llmhpo pack`")
    unpack.add_argument("out", metavar="DIR", help="folder to create the campaign, its cache and spec.json in")
    unpack.set_defaults(func=unpack_cmd)


def pack_cmd(args: argparse.Namespace) -> int:
    from llmhpo.harness.publish.packing import pack

    packed = pack(args.results, args.output, cache_dir=args.cache_dir, allow_incomplete=args.allow_incomplete)
    for problem in packed.problems:
        print(f"note: incomplete: {problem}", file=sys.stderr)
    for note in packed.notes:
        print(f"note: {note}", file=sys.stderr)
    print(packed.summary())
    print(f"replay it anywhere: llmhpo replay {packed.path}")
    return 0


def unpack_cmd(args: argparse.Namespace) -> int:
    directory, cache_dir, spec = unpack(args.bundle, args.out)
    print(f"campaign: {directory}")
    print(f"cache: {cache_dir}")
    print(f"resume or extend it: llmhpo run {spec} --out {directory.parent} --cache {cache_dir}")
    return 0

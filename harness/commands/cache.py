"""`llmhpo cache stats|export|import|verify|repair|prune`: inspect, move and repair recorded replies.

Only the cache package is imported (never a provider library), so these run in milliseconds.
Exit codes: 0 ok, 1 `verify` found damage (in the index, an entry, a value file or a cassette),
2 usage errors (a directory that does not exist, a missing cassette, bad flags).
Nothing readable is ever deleted by `repair` or `prune --corrupt`, and every command that changes or
deletes entries first writes a backup cassette next to the cache (`cache.repair`).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from llmhpo.cache import default_dir
from llmhpo.cache.cassette import export_cassette, import_cassette, verify_cassette
from llmhpo.cache.errors import CacheError, CorruptEntry
from llmhpo.cache.repair import backup, inspect, repair
from llmhpo.harness.limits import check_days, check_path


def register(sub: Any) -> None:
    parser = sub.add_parser("cache", help="inspect, export, import, verify, repair or prune the cache",
                            description=__doc__.splitlines()[0])
    parser.add_argument("--cache", dest="cache_dir", default=None, metavar="DIR",
                        help="cache directory (default: $LLMHPO_CACHE or the per-user cache dir)")
    parser.set_defaults(func=run)
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    # --cache is accepted after the action too; SUPPRESS keeps a value given before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--cache", dest="cache_dir", default=argparse.SUPPRESS, metavar="DIR",
                        help="cache directory (default: $LLMHPO_CACHE or the per-user cache dir)")

    stats = actions.add_parser("stats", parents=[common], help="entries per namespace and size on disk")
    stats.add_argument("--json", action="store_true", help="print machine-readable JSON")

    export = actions.add_parser("export", parents=[common], help="write entries to a JSONL cassette")
    export.add_argument("file", metavar="FILE")
    export.add_argument("--namespace", default=None, metavar="NS", help="only this namespace (llm, eval, ...)")

    imp = actions.add_parser("import", parents=[common], help="load a JSONL cassette into the cache")
    imp.add_argument("file", metavar="FILE")

    verify = actions.add_parser("verify", parents=[common],
                                help="check every entry (or a cassette FILE); exit 1 on problems")
    verify.add_argument("file", nargs="?", default=None, metavar="FILE", help="verify this cassette instead")
    verify.add_argument("--repair", action="store_true", help="then repair what it found (as `cache repair`)")

    repair = actions.add_parser("repair", parents=[common],
                                help="rebuild the index from every readable recording (never deletes one)")
    repair.add_argument("--from", dest="sources", action="append", default=[], metavar="CASSETTE",
                        help="also restore the entries of this cassette (e.g. an export or a backup; repeatable)")

    prune = actions.add_parser("prune", parents=[common], help="delete old, namespaced or corrupt entries")
    prune.add_argument("--older-than", type=float, default=None, metavar="DAYS", dest="older_than",
                       help="delete entries recorded more than DAYS days ago")
    prune.add_argument("--namespace", default=None, metavar="NS", help="only entries of this namespace (llm, eval)")
    prune.add_argument("--corrupt", action="store_true",
                       help="repair: move entries that fail verification aside, re-index lost recordings")


def run(args: argparse.Namespace) -> int:
    from llmhpo.cache.store import CacheStore

    if args.action == "verify" and args.file:
        problems = verify_cassette(args.file)
        return _report(problems, f"cassette {args.file}")

    from pathlib import Path

    directory = Path(args.cache_dir).expanduser() if args.cache_dir else default_dir()
    check_path(directory, "cache directory")
    if args.action == "prune":
        check_days(args.older_than, "--older-than")
    if args.action == "prune" and args.older_than is None and args.namespace is None and not args.corrupt:
        raise CacheError("prune needs --older-than DAYS, --namespace NS or --corrupt (refusing to delete everything)")
    if args.action == "prune" and args.corrupt and (args.older_than is not None or args.namespace):
        raise CacheError("prune --corrupt repairs the whole cache; it takes no --older-than or --namespace")
    for cassette in ([args.file] if args.action == "import" else []) + list(getattr(args, "sources", [])):
        if not Path(cassette).is_file():
            raise CacheError(f"cassette {cassette} does not exist")  # before the cache directory is created
    if args.action != "import" and not directory.exists():
        # Reading a directory that does not exist is most likely a typo; do not create it.
        if args.action == "stats":
            print(f"cache: {directory} (does not exist yet)\nentries: 0")
            return 0
        raise CacheError(f"cache directory {directory} does not exist")
    if args.action == "verify":
        code = _report(inspect(directory), f"cache {directory}",
                       fix=f"fix: llmhpo cache repair --cache {directory}  (re-indexes lost recordings, moves "
                       "unreadable ones aside; backs up every readable recording first)")
        return _repair(directory, []) if code and args.repair else code
    if args.action == "repair" or (args.action == "prune" and args.corrupt):
        return _repair(directory, args.sources if args.action == "repair" else [])
    try:
        store = CacheStore(directory)
    except CorruptEntry as exc:  # a damaged index: exit 1 like verify (2 is for usage errors)
        print(f"llmhpo: damaged cache: {exc}", file=sys.stderr)
        return 1
    with store:
        if args.action == "stats":
            info = store.stats()
            if args.json:
                print(json.dumps(info, indent=2, sort_keys=True))
            else:
                print(f"cache: {info['path']}")
                print(f"entries: {info['entries']}  ({_human(info['bytes'])} on disk)")
                for ns, count in info["namespaces"].items():
                    print(f"  {ns}: {count}")
            return 0
        if args.action == "export":
            count = export_cassette(store, args.file, namespace=args.namespace)
            print(f"exported {count} entries to {args.file}")
            return 0
        if args.action == "import":
            saved: list[str] = []
            count = import_cassette(store, args.file,
                                    backup=lambda old: saved.append(str(backup(directory, old, "replaced"))))
            print(f"imported {count} entries into {store.path}")
            if saved:
                print(f"the entries it replaced were saved first to {saved[0]}")
            return 0
        if args.action == "prune":
            saved = []
            removed = store.prune(older_than_days=args.older_than, namespace=args.namespace,
                                  backup=lambda envelopes: saved.append(str(backup(directory, envelopes, "pruned"))))
            print(f"removed {removed} entries from {store.path}")
            if saved:
                print(f"the removed entries were saved first to {saved[0]} (llmhpo cache import it to undo)")
            return 0
    raise AssertionError(f"unhandled cache action {args.action}")  # argparse restricts the choices


def _repair(directory: Any, sources: list[str]) -> int:
    """`cache repair`, `verify --repair`, `prune --corrupt`: 0 when the cache verifies afterwards."""
    from pathlib import Path

    result = repair(Path(directory), tuple(Path(s) for s in sources))
    for line in result.lines():
        print(line)
    left = inspect(Path(directory))
    for problem in left:
        print(f"still: {problem}")
    print(f"cache {directory}: {'ok' if not left else f'{len(left)} problem(s) left'}")
    return 1 if left else 0


def _report(problems: list[str], what: str, fix: str | None = None) -> int:
    for problem in problems:
        print(problem)
    if problems:
        print(f"{what}: {len(problems)} problem(s)")
        if fix:
            print(fix)
        return 1
    print(f"{what}: ok")
    return 0


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"

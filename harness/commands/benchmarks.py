"""`llmhpo benchmarks` (list benchmarks) and `llmhpo eval NAME` (evaluate one configuration).

Listing builds spaces only (no data, no tables), so it is quick; `eval` prints one JSON object
with the canonical config, the Evaluation and whether it came from the evaluation cache.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from llmhpo.cache import default_dir
from llmhpo.cache.modes import Mode
from llmhpo.harness.errors import UserError
from llmhpo.harness.limits import check_depth, check_seed

if TYPE_CHECKING:
    from llmhpo.harness.space import SearchSpace


def register(sub: Any) -> None:
    lister = sub.add_parser("benchmarks", help="list benchmarks with space sizes and expected seconds per evaluation",
                            description="List every registered benchmark.")
    lister.add_argument("pattern", nargs="?", default="", help="only names containing this text (e.g. xgb/, toy)")
    lister.add_argument("--json", action="store_true", help="print machine-readable JSON")
    lister.add_argument("--describe", action="store_true", help="also print each benchmark's prompt description")
    lister.set_defaults(func=run_list)

    ev = sub.add_parser("eval", help="evaluate one configuration of a benchmark",
                        description="Evaluate one configuration (the default config unless --config is given).")
    ev.add_argument("name", help="benchmark name, e.g. svm/credit-g or xgb/australian@n_estimators=100")
    ev.add_argument("--config", default=None, metavar="JSON", help='configuration as JSON, e.g. \'{"C": 2.0, "gamma": 0.5}\'')
    ev.add_argument("--seed", type=int, default=0, help="evaluation seed (default 0)")
    ev.add_argument("--repair", action="store_true", help="repair an invalid config (clip, snap, fill) instead of failing")
    ev.add_argument("--cache", dest="cache_dir", default=None, metavar="DIR",
                    help="cache directory (default: $LLMHPO_CACHE or the per-user cache dir)")
    ev.add_argument("--mode", default=Mode.LIVE.value, choices=Mode.names(),
                    help="evaluation-cache mode (default live; off = no cache)")
    ev.set_defaults(func=run_eval)


def _size(space: SearchSpace) -> str:
    n = space.cardinality()
    return f"{len(space)} params, " + (f"{n} configs" if n is not None else "continuous")


def run_list(args: argparse.Namespace) -> int:
    from llmhpo.harness.benchmarks import load, names

    rows = []
    for name in names():
        if args.pattern and args.pattern not in name:
            continue
        b = load(name)
        row = {"name": name, "params": len(b.space), "configs": b.space.cardinality(),
               "expected_seconds": b.expected_seconds, "fidelity": b.fidelity}
        if args.describe:
            row["describe"] = b.describe()
        rows.append((row, _size(b.space)))
    if args.json:
        print(json.dumps([r for r, _ in rows], indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table("benchmark", "space", "expected s/eval", "fidelity", title=f"{len(rows)} benchmarks")
    for row, size in rows:
        fid = ", ".join(f"{k}={v}" for k, v in row["fidelity"].items()) or "-"
        table.add_row(row["name"], size, f"{row['expected_seconds']:g}", fid)
        if args.describe:
            table.add_row("", row["describe"], "", "")
    Console(width=max(100, Console().width)).print(table)
    return 0


def run_eval(args: argparse.Namespace) -> int:
    from llmhpo.harness.benchmarks import load
    from llmhpo.harness.benchmarks.base import canonical_config
    from llmhpo.harness.campaign.evaluation import evaluate_cached

    check_seed(args.seed)  # -1 or 2**32 would crash inside the model: a usage error, not a crashed evaluation
    bench = load(args.name)
    if args.config is None:
        config, repairs = bench.space.default(), []
    else:
        check_depth(args.config, "--config")  # a recursive parser must not see 100,000 nested brackets
        try:
            config = json.loads(args.config)
        except json.JSONDecodeError as exc:
            raise UserError(f"--config is not valid JSON: {exc}") from None
        if args.repair:
            config, repairs = bench.space.repair(config)
        else:
            repairs = []
    config = canonical_config(bench, config)  # once: InvalidConfig (exit 2) names the parameter
    mode = Mode.parse(args.mode)
    store = None
    if mode is not Mode.OFF:
        from llmhpo.cache.store import CacheStore

        store = CacheStore(args.cache_dir or default_dir())
    try:
        evaluation, hit = evaluate_cached(bench, config, args.seed, store, mode)
    finally:
        if store is not None:
            store.close()
    out = {"benchmark": bench.name, "seed": args.seed, "config": dict(config),
           "repairs": repairs, "cache_hit": hit, "evaluation": evaluation.to_dict()}
    json.dump(out, sys.stdout, indent=2)
    print()
    return 0 if evaluation.status == "ok" else 1

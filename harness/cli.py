"""`llmhpo` entry point: one sub-command per module in harness/commands/.

Command modules keep heavy imports (litellm, sklearn, xllamacpp) inside their `run` function so
`llmhpo --help` and replays stay fast. User errors print one clear message and exit with code 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# OpenMP threads (llama.cpp, xgboost) must sleep, not spin, while waiting: on 2 busy cores spinning made
# local-model replies ~100x slower. Read once when the OpenMP runtime starts, so set it before any import.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from llmhpo.cache.errors import CacheError
from llmhpo.gateway.errors import ConfigurationError, ProviderError
from llmhpo.harness.errors import UserError

# Adding a command: one module in harness/commands/ with register(subparsers) and one line here.
COMMAND_MODULES = (
    "ask",
    "serve",
    "proxy",
    "cache",
    "benchmarks",
    "run",
    "report",
    "pack",
    "hpobench",
)

USER_ERRORS = (UserError, ConfigurationError, CacheError)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="llmhpo", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"llmhpo.harness.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except USER_ERRORS as exc:
        print(f"llmhpo: error: {exc}", file=sys.stderr)
        return 2
    except ProviderError as exc:  # after retries (or a refusal): one line, never a traceback
        print(f"llmhpo: provider error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("llmhpo: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

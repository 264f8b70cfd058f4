"""The `llmhpo` command: one sub-command per module in harness/commands/ (a developer's note; the
user reads DESCRIPTION in `llmhpo --help`).

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

from llmhpo import __version__
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

DESCRIPTION = (
    "llmhpo calls any LLM (hosted or an embedded local model) through a record/replay cache, and "
    "benchmarks LLM-driven hyperparameter optimization against random search, Bayesian optimization "
    "and TPE; every run replays from its caches at no cost."
)
EPILOG = "Try `llmhpo demo` (offline, about 2 minutes). `llmhpo <command> --help` describes a command."


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="llmhpo", description=DESCRIPTION, epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"llmhpo {__version__}")
    parser._positionals.title = "commands"  # listed right under the description, before the options
    sub = parser.add_subparsers(dest="command", required=True, metavar="<command>")
    for name in COMMAND_MODULES:
        importlib.import_module(f"llmhpo.harness.commands.{name}").register(sub)
    for command in sub.choices.values():  # unknown arguments are reported with the sub-command's usage
        command.set_defaults(_parser=command)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # argparse would print the top-level usage; the sub-command's tells what it accepts
        getattr(args, "_parser", parser).error(f"unrecognized arguments: {' '.join(unknown)}")
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

"""`llmhpo ask`: one prompt (plus optional images) to any model through the gateway and its cache.

The reply goes to stdout and the one-line ledger to stderr, so `llmhpo ask ... > reply.txt`
captures just the model's answer.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from llmhpo.cache.modes import Mode
from llmhpo.gateway import DEFAULT_MODEL, Gateway, Message, Request, TextPart, load_image
from llmhpo.gateway.errors import ConfigurationError, ProviderError
from llmhpo.harness.limits import check_api_base, check_seed


def register(sub: Any) -> None:
    p = sub.add_parser(
        "ask",
        help="send one prompt to a model (through the record/replay cache)",
        description=__doc__.splitlines()[0],
    )
    p.add_argument("prompt", help="the user message")
    p.add_argument("--model", "-m", default=None, help="provider/model, default local/smollm2-135m")
    p.add_argument(
        "--image", action="append", default=[], metavar="FILE", help="attach an image (repeatable)"
    )
    p.add_argument("--system", default=None, help="system prompt")
    p.add_argument("--temperature", type=float, default=0.0)
    p.add_argument("--top-p", type=float, default=None)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--max-tokens", type=int, default=None)
    p.add_argument("--replicate", type=int, default=0, help="sample index: a different cache entry per value")
    p.add_argument("--api-base", default=None, help="URL of an OpenAI-compatible (or provider) server")
    p.add_argument(
        "--cache", default=None, metavar="DIR", help="cache directory (default: $LLMHPO_CACHE or per-user)"
    )
    p.add_argument("--mode", choices=Mode.names(), default=Mode.LIVE.value, help="cache mode (default live)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per attempt")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    check_api_base(args.api_base)  # the same rule as `run --api-base` and a spec's api_base
    if args.seed is not None:
        check_seed(args.seed)
    if args.max_tokens is not None and args.max_tokens < 1:
        raise ConfigurationError(f"--max-tokens must be >= 1, got {args.max_tokens}")
    images = tuple(load_image(path) for path in args.image)
    messages: list[Message] = []
    if args.system:
        messages.append(Message.text("system", args.system))
    messages.append(Message("user", (TextPart(args.prompt), *images)))
    request = Request(
        model=args.model or DEFAULT_MODEL,
        messages=tuple(messages),
        temperature=args.temperature,
        top_p=args.top_p,
        max_tokens=args.max_tokens,
        seed=args.seed,
        replicate=args.replicate,
        api_base=args.api_base,
    )
    with Gateway(cache_dir=args.cache, mode=args.mode, timeout_s=args.timeout) as gw:
        try:
            response = gw.complete(request)
        except ProviderError as exc:  # down, refusing, or out of retries: the provider's words on one line
            print(f"llmhpo: error: {' '.join(str(exc).split())}", file=sys.stderr)
            return 2
    print(response.text)
    print(ledger_line(response), file=sys.stderr)
    return 0


def _usd(value: float | None) -> str:
    return "unknown" if value is None else f"${value:.6f}"


def ledger_line(response: Any) -> str:
    """One line: where the reply came from, tokens, cost now and live cost, latency."""
    source = "cache hit" if response.cache_hit else "live"
    u = response.usage
    return (
        f"[{source}] model={response.model_served} tokens={u.prompt_tokens}+{u.completion_tokens} "
        f"cost={_usd(response.cost_usd)} would-have-cost={_usd(response.would_have_cost_usd)} "
        f"latency={response.latency_s:.3f}s finish={response.finish_reason} "
        f"fingerprint={(response.fingerprint or '')[:12]}"
    )

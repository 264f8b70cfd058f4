"""`llmhpo proxy`: OpenAI- and Anthropic-compatible endpoints over the record/replay cache.

Point any client at it (OPENAI_BASE_URL=http://127.0.0.1:8788/v1, ANTHROPIC_BASE_URL=
http://127.0.0.1:8788) and its LLM calls are recorded, replayed strictly, or passed through, with
the same keys, cassettes, retries and ledger as in-process calls. A line per request goes to
stderr; GET /stats has the totals.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import tempfile
from pathlib import Path
from typing import Any

from llmhpo.cache import default_dir
from llmhpo.cache.cassette import export_cassette, import_cassette
from llmhpo.cache.modes import Mode
from llmhpo.gateway import Gateway
from llmhpo.gateway.errors import ConfigurationError
from llmhpo.gateway.providers import PROVIDERS
from llmhpo.gateway.proxy import make_app
from llmhpo.gateway.proxy.server import bind, exposure_warning, foreground_server, url_of
from llmhpo.harness.limits import check_http_url

DEFAULT_PORT = 8788


def register(sub: Any) -> None:
    p = sub.add_parser(
        "proxy",
        help="record/replay any OpenAI or Anthropic client through the cache",
        description=__doc__.splitlines()[0],
    )
    p.add_argument("--mode", choices=Mode.names(), default=Mode.LIVE.value, help="cache mode (default live: read-through)")
    p.add_argument(
        "--cache", default=None, metavar="DIR", help="cache directory (default: $LLMHPO_CACHE or per-user)"
    )
    p.add_argument(
        "--cassette",
        default=None,
        metavar="FILE",
        help="replay from / record into this JSONL cassette (a private cache; instead of --cache)",
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)"
    )
    p.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT}; 0 = any free port)"
    )
    p.add_argument(
        "--upstream",
        action="append",
        default=[],
        metavar="PREFIX=URL",
        help="provider endpoint for a prefix, e.g. openai=http://127.0.0.1:8000/v1 (repeatable)",
    )
    p.add_argument(
        "--default-prefix",
        default=None,
        metavar="PREFIX",
        help="provider prefix for bare model names no rule matches (e.g. hosted_vllm)",
    )
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per upstream attempt")
    p.set_defaults(func=run)


def parse_upstreams(items: list[str]) -> dict[str, str]:
    upstreams: dict[str, str] = {}
    for item in items:
        prefix, sep, url = item.partition("=")
        if not sep or prefix not in PROVIDERS or not url.startswith(("http://", "https://")):
            raise ConfigurationError(
                f"--upstream {item!r}: expected PREFIX=http(s)://host:port/path with PREFIX one of "
                f"{', '.join(sorted(PROVIDERS))}"
            )
        try:  # the rule of `--api-base` in ask and run, and of a spec's api_base
            check_http_url(url, f"--upstream {prefix}=")
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None
        upstreams[prefix] = url
    return upstreams


def check_replay_source(mode: str, cache: str | None, cassette: str | None) -> None:
    """Replay needs recordings: a missing cache or cassette is a startup error, not 404s later."""
    if cache and cassette:
        raise ConfigurationError("use --cache DIR or --cassette FILE, not both")
    if mode != Mode.REPLAY.value:
        return
    if cassette:
        if not Path(cassette).is_file():
            raise ConfigurationError(
                f"--mode replay needs recordings, but cassette {cassette} does not exist: record first "
                f"(llmhpo proxy --mode record --cassette {cassette})"
            )
        return
    path = Path(cache).expanduser() if cache else default_dir()
    if not (path / "cache.db").is_file():
        raise ConfigurationError(
            f"--mode replay needs recordings, but there is no cache at {path}: record first "
            f"(llmhpo proxy --mode record --cache {path}) or pass the right --cache DIR"
        )


def open_cache(stack: contextlib.ExitStack, cache: str | None, cassette: str | None) -> Any:
    """The cache directory (or open store) to serve: --cache, or a private store loaded from --cassette."""
    if not cassette:
        return cache
    from llmhpo.cache.store import CacheStore

    store = stack.enter_context(CacheStore(stack.enter_context(tempfile.TemporaryDirectory()) + "/cache"))
    if Path(cassette).is_file():
        import_cassette(store, cassette)
    return store


def run(args: argparse.Namespace) -> int:
    from llmhpo.cache.store import CacheStore

    if args.default_prefix is not None and args.default_prefix not in PROVIDERS:
        raise ConfigurationError(f"--default-prefix must be one of {', '.join(sorted(PROVIDERS))}")
    upstreams = parse_upstreams(args.upstream)
    check_replay_source(args.mode, args.cache, args.cassette)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    logging.getLogger("LiteLLM").setLevel(logging.WARNING)

    with contextlib.ExitStack() as stack:
        cache = open_cache(stack, args.cache, args.cassette)
        sock = bind(args.host, args.port)
        warning = exposure_warning(args.host)
        if warning:
            print(warning, file=sys.stderr, flush=True)
        url = url_of(sock)
        gateway = stack.enter_context(Gateway(cache_dir=cache, mode=args.mode, timeout_s=args.timeout))
        app = make_app(
            gateway, default_prefix=args.default_prefix, upstreams=upstreams, address=sock.getsockname()[:2]
        )
        server = foreground_server(app)
        where = (
            f"cassette {args.cassette}"
            if args.cassette
            else f"cache {gateway.store.path if isinstance(gateway.store, CacheStore) else '-'}"
        )
        print(f"llmhpo proxy: mode {args.mode}, {where}, listening on {url} (Ctrl-C stops)")
        print(f"  OPENAI_BASE_URL={url}/v1  ANTHROPIC_BASE_URL={url}  stats: {url}/stats", flush=True)
        try:
            server.run(sockets=[sock])
        finally:
            stats = app.state.proxy.stats()
            print(
                f"llmhpo proxy stopped: {stats['requests']} requests, {stats['cache_hits']} hits, "
                f"{stats['misses']} misses, {stats['live_calls']} live calls, cost ${stats['cost_usd']:.6f}, "
                f"would-have-cost ${stats['would_have_cost_usd']:.6f}",
                flush=True,
            )
            if args.cassette and Mode.parse(args.mode).writes and stats["live_calls"]:
                count = export_cassette(cache, args.cassette, namespace="llm")  # the store loaded from it
                print(f"wrote {count} entries to cassette {args.cassette}", flush=True)
    return 0

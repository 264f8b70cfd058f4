"""`llmhpo serve`: a local GGUF model behind an OpenAI-compatible HTTP API (llama.cpp's own server).

Any OpenAI client, litellm, or llmhpo itself (model `openai/<alias>` with `--api-base URL/v1`) can
then use it. vLLM, Ollama and LM Studio servers plug in the same way: point `--api-base` at them.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

from llmhpo.gateway import DEFAULT_MODEL
from llmhpo.gateway.errors import ConfigurationError
from llmhpo.gateway.models import resolve
from llmhpo.gateway.providers.local import DEFAULT_N_CTX, build_params, start_server
from llmhpo.gateway.proxy.server import bind, is_loopback

DEFAULT_PORT = 8080


def register(sub: Any) -> None:
    p = sub.add_parser(
        "serve",
        help="serve a local model over an OpenAI-compatible HTTP API",
        description=__doc__.splitlines()[0],
    )
    p.add_argument("--model", "-m", default=None, help="local/<name> or local/<path.gguf> (default local/smollm2-135m)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT}; 0 = any free port)")
    p.add_argument("--alias", default=None, help="model id served (default: the model's short name)")
    p.add_argument("--n-ctx", type=int, default=None, help="context window in tokens (default 4096)")
    p.add_argument("--threads", type=int, default=None, help="CPU threads (default 2)")
    p.add_argument("--mmproj", default=None, metavar="FILE", help="multimodal projector GGUF for a vision model")
    p.set_defaults(func=run)


def check_port_free(host: str, port: int) -> None:
    """Fail fast, before loading a model, when the address cannot be bound."""
    bind(host, port).close()


def run(args: argparse.Namespace) -> int:
    import dataclasses

    model = args.model or DEFAULT_MODEL
    if not model.startswith("local/"):
        raise ConfigurationError(f"llmhpo serve runs local models only (local/<name> or local/<path.gguf>), got {model!r}")
    check_port_free(args.host, args.port)
    resolved = resolve(model, args.mmproj)
    if args.alias:
        resolved = dataclasses.replace(resolved, alias=args.alias)
    params = build_params(resolved, n_ctx=args.n_ctx or DEFAULT_N_CTX, n_threads=args.threads, host=args.host, port=args.port)
    server = start_server(params, model)
    base = f"{server.listening_address}/v1"
    print(f"serving {model} ({resolved.path.name}) at {base}  (OpenAI-compatible; Ctrl-C stops)")
    print(f"use it as: model openai/{resolved.alias}  api_base {base}")
    print(f'  e.g. llmhpo ask --model openai/{resolved.alias} --api-base {base} "Hello"', flush=True)

    if not is_loopback(args.host):
        print(f"warning: listening on {args.host} without authentication: anyone who can reach it can use it",
              file=sys.stderr, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    print("stopped", flush=True)
    del server
    return 0

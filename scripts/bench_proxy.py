"""Measure what `llmhpo proxy` adds on a cache hit and append a section to BENCHMARKS.md.

Why these numbers: a replayed client script makes every call through the proxy, so a hit must stay
far below a real provider's latency (hundreds of ms): goal p50 overhead <= 5 ms over an in-process
`Gateway.complete` hit (measured with a plain HTTP client; the official openai SDK's own client-side
cost is reported beside it), and >= 200 requests/s from 8 concurrent openai SDK clients. The proxy runs as a separate `llmhpo proxy --mode replay` process (as a user runs it); the
cache is filled directly, so nothing calls a provider and litellm is never imported.
Run: `.venv/bin/python scripts/bench_proxy.py [--no-append] [--hits 1000]`.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
for name in ("OPENAI_BASE_URL", "OPENAI_API_BASE"):  # the key's endpoint must be the default one
    os.environ.pop(name, None)

from benchmarks_md import publish  # noqa: E402

from llmhpo.cache.store import CacheStore  # noqa: E402
from llmhpo.gateway import Gateway  # noqa: E402
from llmhpo.gateway.proxy import openai_wire  # noqa: E402
from llmhpo.gateway.proxy.routing import route_model  # noqa: E402
from llmhpo.gateway.types import Response, Usage  # noqa: E402

BODY = {
    "model": "gpt-4o",
    "messages": [
        {"role": "system", "content": "You are an HPO assistant."},
        {"role": "user", "content": ("Propose the next learning rate and depth for XGBoost. " * 30)[:2048]},
    ],
    "temperature": 0,
    "max_tokens": 128,
}
REPLY = '{"lr": 0.03, "depth": 6}'


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def fill(cache: Path, n_distinct: int) -> None:
    """Store replies for BODY and n_distinct variants under the keys the proxy will compute."""
    with CacheStore(cache) as store, Gateway(cache_dir=store, mode="replay") as gw:
        for i in range(n_distinct + 1):
            body = variant(i)
            request, _ = gw.prepare(openai_wire.parse(body, route_model).request)
            value = Response(REPLY, "stop", Usage(600, 12), "gpt-4o-2024-08-06", 0.9, 0.0002).to_dict()
            store.put(gw.fingerprint(request), value, "llm", request=request.key_view())


def variant(i: int) -> dict:
    if i == 0:
        return BODY
    return {**BODY, "messages": [*BODY["messages"][:1], {"role": "user", "content": f"variant {i}"}]}


def start_proxy(cache: Path) -> tuple[subprocess.Popen, str]:
    cmd = [sys.executable, "-m", "llmhpo", "proxy", "--mode", "replay", "--cache", str(cache), "--port", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
    line = proc.stdout.readline()
    return proc, line.split("listening on ")[1].split()[0]


def timed(fn, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-append", action="store_true", help="print only; do not touch BENCHMARKS.md")
    parser.add_argument("--hits", type=int, default=1000, help="timed hits per single-client measure")
    parser.add_argument("--per-client", type=int, default=250, help="requests per client in the 8-client run")
    args = parser.parse_args()
    import httpx
    import openai

    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        fill(cache, 64)
        with CacheStore(cache) as store, Gateway(cache_dir=store, mode="replay") as gw:
            request = openai_wire.parse(BODY, route_model).request
            for _ in range(50):
                gw.complete(request)
            in_process = timed(lambda: gw.complete(request), args.hits)
        proc, url = start_proxy(cache)
        try:
            client = openai.OpenAI(base_url=f"{url}/v1", api_key="llmhpo", max_retries=0)
            ask = lambda: client.chat.completions.create(**BODY)  # noqa: E731
            assert ask().choices[0].message.content == REPLY
            for _ in range(50):
                ask()
            sdk = timed(ask, args.hits)
            stream = timed(lambda: list(client.chat.completions.create(**BODY, stream=True)), args.hits // 2)
            with httpx.Client() as raw:
                post = lambda: raw.post(f"{url}/v1/chat/completions", json=BODY).raise_for_status()  # noqa: E731
                raw_http = timed(post, args.hits)

            errors: list[BaseException] = []
            barrier = threading.Barrier(9)

            def worker(n: int) -> None:
                own = openai.OpenAI(base_url=f"{url}/v1", api_key="llmhpo", max_retries=0)
                barrier.wait()
                try:
                    for i in range(args.per_client):
                        own.chat.completions.create(**variant((n * args.per_client + i) % 65))
                except BaseException as exc:  # noqa: BLE001
                    errors.append(exc)

            threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
            for t in threads:
                t.start()
            barrier.wait()
            t0 = time.perf_counter()
            for t in threads:
                t.join()
            wall = time.perf_counter() - t0
            assert not errors, errors[:2]
            stats = httpx.get(f"{url}/stats").json()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    total = 8 * args.per_client
    assert stats["misses"] == 0 and stats["live_calls"] == 0

    ms = lambda xs, q: percentile(xs, q) * 1e3  # noqa: E731
    ip50, sp50, hp50 = ms(in_process, 0.5), ms(sdk, 0.5), ms(raw_http, 0.5)
    rows = [
        ("in-process `Gateway.complete` hit, p50 / p99", f"{ip50:.3f} / {ms(in_process, 0.99):.3f} ms", ""),
        ("raw httpx client -> proxy hit, p50 / p99", f"{hp50:.2f} / {ms(raw_http, 0.99):.2f} ms", ""),
        ("proxy overhead on a hit (httpx p50 - in-process p50)", f"{hp50 - ip50:.2f} ms", "<= 5 ms"),
        ("openai SDK -> proxy hit, p50 / p99", f"{sp50:.2f} / {ms(sdk, 0.99):.2f} ms", ""),
        ("overhead seen through the openai SDK (SDK p50 - in-process p50)", f"{sp50 - ip50:.2f} ms", ""),
        ("ratio SDK-through-proxy / in-process (p50)", f"{sp50 / ip50:.0f}x", ""),
        (
            "openai SDK, stream=true from the cache, p50 / p99",
            f"{ms(stream, 0.5):.2f} / {ms(stream, 0.99):.2f} ms",
            "",
        ),
        (
            f"8 concurrent SDK clients, {total} hits over 65 prompts",
            f"{total / wall:.0f} requests/s",
            ">= 200/s",
        ),
    ]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[0]
    lines = [
        "",
        f"## Proxy on cache hits (`scripts/bench_proxy.py`, {stamp})",
        "",
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs shared with other work (load average "
        f"{load:.1f} when it finished: read medians and ratios, not absolute times). `llmhpo proxy --mode "
        f"replay` in its own process (uvicorn, one worker); the clients in the bench process; "
        f"{args.hits} timed hits per single-client row; 2 KB prompt.",
        "",
        "| measure | result | goal |",
        "|---|---|---|",
        *[f"| {name} | {result} | {goal} |" for name, result, goal in rows],
        "",
    ]
    text = "\n".join(lines)
    publish(text, append=not args.no_append)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Measure the cache's hot paths and append a section to BENCHMARKS.md.

Why these numbers: a replayed campaign makes thousands of cache lookups, so a hit must cost far
less than an evaluation (goal p50 <= 0.5 ms for 2 KB of text + a 50 KB PNG, 1,000 replayed calls
<= 1 s), and `import llmhpo.cache` / `import llmhpo.gateway` must stay light (no litellm, < 0.3 s) so replays
and `llmhpo --help` start fast. Run: `.venv/bin/python scripts/bench_cache.py [--no-append]`.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks_md import publish  # noqa: E402

from llmhpo.cache import Mode, fingerprint, lookup  # noqa: E402
from llmhpo.cache.store import CacheStore  # noqa: E402
from llmhpo.gateway.types import ImagePart, Message, Request, Response, TextPart, Usage  # noqa: E402

MODEL = "openai/gpt-4o-mini"


def png_of_noise(side: int = 128, seed: int = 0) -> bytes:
    """A real, valid RGB PNG of random pixels (noise does not compress: ~50 KB at 128x128)."""
    rnd = __import__("random").Random(seed)
    rows = b"".join(b"\x00" + rnd.randbytes(side * 3) for _ in range(side))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def make_request(png: bytes, replicate: int = 0) -> Request:
    text = ("Propose the next learning rate and depth for XGBoost on this history. " * 30)[:2048]
    return Request(
        model=MODEL,
        messages=(Message.text("system", "You are an HPO assistant."),
                  Message("user", (TextPart(text), ImagePart(png, "image/png")))),
        temperature=0.0,
        max_tokens=128,
        replicate=replicate,
    )


def reply(i: int) -> dict:
    return Response(f'{{"lr": 0.0{i % 9 + 1}, "depth": {i % 7 + 2}}}', "stop", Usage(900, 20), MODEL, 0.8, 0.0002).to_dict()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def time_import(statement: str, runs: int = 5) -> tuple[float, bool]:
    """Median seconds to run `statement` in a fresh interpreter, and whether litellm got imported."""
    code = (f"import time,sys; t=time.perf_counter(); {statement}; d=time.perf_counter()-t; "
            "print(d, 'litellm' in sys.modules)")
    samples, leaked = [], False
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
        seconds, flag = out.stdout.split()
        samples.append(float(seconds))
        leaked |= flag == "True"
    return statistics.median(samples), leaked


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-append", action="store_true", help="print only; do not touch BENCHMARKS.md")
    parser.add_argument("--hits", type=int, default=3000)
    args = parser.parse_args()

    png = png_of_noise()
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = CacheStore(Path(tmp) / "cache")
        requests = [make_request(png, r) for r in range(1000)]

        put_s = []
        for i, req in enumerate(requests):
            view = req.key_view()
            t = time.perf_counter()
            store.put(fingerprint(view), reply(i), request=view)
            put_s.append(time.perf_counter() - t)

        hit_s = []
        req = requests[0]
        for _ in range(args.hits):
            t = time.perf_counter()
            value = store.get(fingerprint(req.key_view()))
            hit_s.append(time.perf_counter() - t)
        assert value == reply(0)

        walls = []
        for _ in range(3):
            t = time.perf_counter()
            for req in requests:
                view = req.key_view()
                lookup(store, Mode.REPLAY, fingerprint(view), summary="bench", request=view)
            walls.append(time.perf_counter() - t)

        gateway_wall = None
        try:
            from llmhpo.gateway import Gateway

            with Gateway(cache_dir=store, mode=Mode.REPLAY) as gw:
                t = time.perf_counter()
                hits = sum(gw.complete(req).cache_hit for req in requests)
                gateway_wall = time.perf_counter() - t
            assert hits == len(requests)
            gateway_leak = "litellm" in sys.modules
        except ImportError:
            gateway_leak = False
        store.close()

    hit_p50, hit_p99 = percentile(hit_s, 0.5) * 1e3, percentile(hit_s, 0.99) * 1e3
    rows.append(("cache hit p50 (fingerprint + get, 2 KB text + 50 KB PNG)", f"{hit_p50:.3f} ms", "<= 0.5 ms"))
    rows.append(("cache hit p99", f"{hit_p99:.3f} ms", ""))
    rows.append(("put p50 / p99", f"{percentile(put_s, 0.5) * 1e3:.3f} / {percentile(put_s, 0.99) * 1e3:.3f} ms", ""))
    rows.append(("1,000 replayed lookups (key_view + fingerprint + REPLAY lookup), median of 3",
                 f"{statistics.median(walls):.3f} s", "<= 1 s"))
    if gateway_wall is not None:
        rows.append(("1,000 replayed `Gateway.complete` calls (REPLAY)", f"{gateway_wall:.3f} s", "<= 1 s"))
        rows.append(("litellm imported during the gateway replay", str(gateway_leak), "False"))
    cache_imp, cache_leak = time_import("import llmhpo.cache, llmhpo.cache.store")
    rows.append(("`import llmhpo.cache, llmhpo.cache.store` (fresh process, median of 5)", f"{cache_imp * 1e3:.0f} ms", "< 300 ms"))
    try:
        gw_imp, gw_leak = time_import("import llmhpo.gateway")
        rows.append(("`import llmhpo.gateway` (fresh process, median of 5)", f"{gw_imp * 1e3:.0f} ms", "< 300 ms"))
        rows.append(("litellm in sys.modules after `import llmhpo.cache` / `import llmhpo.gateway`", f"{cache_leak} / {gw_leak}", "False"))
    except subprocess.CalledProcessError as exc:
        rows.append(("`import llmhpo.gateway`", f"failed: {exc.stderr.strip().splitlines()[-1]}", "< 300 ms"))

    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "",
        f"## Cache hot paths (`scripts/bench_cache.py`, {stamp})",
        "",
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs; PNG {len(png) // 1024} KiB; "
        f"{args.hits} hits, 1,000 puts, 1,000 distinct replayed requests.",
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

"""Replay speed against live (issue #20 goal: >= 100x), appended to BENCHMARKS.md.

1. The demo: `llmhpo demo` live (or `--demo-dir DIR`, a demo campaign already run, with the cache its
   manifest names), then `llmhpo replay DIR` and `llmhpo replay BUNDLE` (packed with `llmhpo pack`,
   replayed in a fresh HOME with an empty cache) as subprocesses, `--runs` times each.
2. A multimodal campaign: mmllm, mmllm-image-only and llm (openai/gpt-4o through litellm) plus random
   on two SVM tasks, against an OpenAI-wire server answering after `--delay` seconds (a capable
   hosted model's latency), `--concurrency` LLM calls in flight; then the same replays.

Each replay prints its in-process time (what `llmhpo replay` reports, the ratio it prints) and the
subprocess's wall time (interpreter start and imports included) is measured around it. A replay in a
separate process also reports how many plots it drew (must be 0) and whether litellm was imported.

Usage: .venv/bin/python scripts/bench_replay.py [--demo-dir DIR] [--delay 3] [--concurrency 4] [--runs 3] [--no-append]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from benchmarks_md import publish  # noqa: E402

MM_SPEC = """
name = "mm"
budget = {budget}
seeds = {seeds}
benchmarks = ["svm/credit-g", "svm/blood-transfusion"]
[[optimizers]]
name = "random"
[[optimizers]]
name = "llm"
model = "openai/gpt-4o"
[[optimizers]]
name = "mmllm"
model = "openai/gpt-4o"
[[optimizers]]
name = "mmllm-image-only"
model = "openai/gpt-4o"
"""
DRAWN = """
import sys
from llmhpo.harness.optimizers import plots
from llmhpo.harness.campaign.replay import replay
from llmhpo.harness.publish.bundle import open_campaign
with open_campaign(sys.argv[1]) as d:
    r = replay(d)
print(r.identical, plots.render_count(), "litellm" in sys.modules, "matplotlib" in sys.modules)
"""


def _env(home: Path | None = None) -> dict[str, str]:
    # PYTHONDONTWRITEBYTECODE would make every replay compile llmhpo's modules again (an installed
    # package has its bytecode): it is dropped, and a first replay (not timed) writes it
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "LLMHPO", "PYTHONDONTWRITEBYTECODE"))}
    env.update(LITELLM_LOCAL_MODEL_COST_MAP="True", LLMHPO_REPLAY_CHECK_IMPORTS="1")
    if home is not None:
        home.mkdir(parents=True, exist_ok=True)
        env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), XDG_DATA_HOME=str(home / ".local/share"),
                   LLMHPO_CACHE=str(home / "empty-cache"))
    return env


def _llmhpo(*args: str, env: dict[str, str], cwd: Path) -> tuple[subprocess.CompletedProcess, float]:
    start = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "llmhpo", *args], cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if res.returncode != 0:
        raise SystemExit(f"llmhpo {' '.join(args)} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")
    return res, wall


def _replays(source: Path, runs: int, tmp: Path, fresh_home: bool) -> dict[str, object]:
    inside, walls, out = [], [], ""
    _llmhpo("replay", str(source), env=_env(tmp / "home-warm" if fresh_home else None), cwd=tmp)  # bytecode, page cache
    for i in range(runs):
        home = tmp / f"home-{source.name}-{i}" if fresh_home else None
        res, wall = _llmhpo("replay", str(source), env=_env(home), cwd=home or tmp)
        out = res.stdout
        inside.append(float(re.search(r"in ([0-9.]+) s;", out).group(1)))
        walls.append(wall)
    drawn = subprocess.run([sys.executable, "-c", DRAWN, str(source)], env=_env(tmp / "home-drawn"), cwd=tmp,
                           capture_output=True, text=True, check=True).stdout.split()
    return {"inside": statistics.median(inside), "wall": statistics.median(walls), "identical": "identical" in out,
            "litellm": "litellm imported: True" in out, "drawn": int(drawn[1]), "plots_imported": drawn[3] == "True",
            "all_inside": inside, "all_wall": walls}


def _pack(directory: Path, tmp: Path) -> tuple[Path, int]:
    target = tmp / f"{directory.name}.llmhpo.tar.gz"
    _llmhpo("pack", str(directory), "-o", str(target), env=_env(), cwd=tmp)
    return target, target.stat().st_size


def _demo(args: argparse.Namespace, tmp: Path) -> Path:
    if args.demo_dir:
        return Path(args.demo_dir).resolve()
    print("running the demo live (a few minutes) ...", flush=True)
    _llmhpo("demo", "--out", str(tmp / "demo-out"), "--cache", str(tmp / "demo-cache"), env=_env(), cwd=tmp)
    return tmp / "demo-out" / "demo"


def _multimodal(args: argparse.Namespace, tmp: Path) -> Path:
    from llmhpo.cache.modes import Mode
    from llmhpo.harness.campaign.run import CampaignContext, run_campaign
    from llmhpo.harness.spec.campaign_spec import loads_spec
    from tests.servers.delay import DelayServer

    server = DelayServer(delay_s=args.delay).start()
    os.environ.update(OPENAI_API_BASE=server.url + "/v1", OPENAI_API_KEY="sk-bench-not-a-real-key")
    print(f"running the multimodal campaign live against a {args.delay:g} s server ...", flush=True)
    try:
        spec = loads_spec(MM_SPEC.format(budget=args.budget, seeds=args.seeds))
        outcome = run_campaign(spec, CampaignContext(out_dir=tmp / "mm-out", cache_dir=tmp / "mm-cache",
                                                     mode=Mode.LIVE, workers=1,
                                                     llm_concurrency=args.concurrency))
    finally:
        server.stop()
        for name in ("OPENAI_API_BASE", "OPENAI_API_KEY"):
            os.environ.pop(name, None)
    return outcome.directory


def _rows(name: str, directory: Path, tmp: Path, runs: int) -> tuple[list[str], int]:
    manifest = json.loads((directory / "manifest.json").read_text())
    live = float(manifest["live_wall_s"])
    trials = sum(1 for line in (directory / "trials.jsonl").read_text().splitlines() if line.strip())
    bundle, size = _pack(directory, tmp)
    rows = []
    for label, source, fresh in (("results dir", directory, False), ("bundle, fresh HOME", bundle, True)):
        r = _replays(source, runs, tmp, fresh)
        rows.append(f"| {name} ({trials} trials) | {label} | {live:.1f} | {r['inside']:.2f} | {live / r['inside']:.0f}x | "
                    f"{r['wall']:.2f} | {live / r['wall']:.0f}x | {r['identical']} | {r['drawn']} | {r['litellm']} |")
        print(rows[-1], r["all_inside"], r["all_wall"], flush=True)
    return rows, size


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--demo-dir", default=None, help="a demo campaign already run (its manifest names its cache)")
    ap.add_argument("--delay", type=float, default=3.0, help="seconds per reply of the multimodal campaign's server")
    ap.add_argument("--concurrency", type=int, default=4, help="LLM calls in flight in the live multimodal campaign")
    ap.add_argument("--budget", type=int, default=10)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-append", action="store_true")
    args = ap.parse_args()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="llmhpo-bench-replay-") as tmp_s:
        tmp = Path(tmp_s)
        demo_rows, demo_size = _rows("demo", _demo(args, tmp), tmp, args.runs)
        mm_rows, mm_size = _rows("multimodal", _multimodal(args, tmp), tmp, args.runs)
    lines = [f"\n## Replay speed (`scripts/bench_replay.py`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)\n",
             f"Medians of {args.runs} replays each, as subprocesses; load average at start {load[0]:.1f} on 2 cores "
             "(shared machine: read the ratios), after one untimed replay (bytecode written, files cached). \"in process\" is the time `llmhpo replay` reports (and its printed "
             "ratio); \"wall\" adds interpreter start and imports. Multimodal: random, llm, mmllm, mmllm-image-only on "
             f"svm/credit-g and svm/blood-transfusion x {args.seeds} seeds x budget {args.budget}, openai/gpt-4o via "
             f"litellm against an OpenAI-wire server answering after {args.delay:g} s, {args.concurrency} calls in "
             "flight. Bundles: demo {:.2f} MB, multimodal {:.2f} MB.\n".format(demo_size / 1e6, mm_size / 1e6),
             "| campaign | replayed from | live (s) | replay in process (s) | ratio | replay wall (s) | ratio | "
             "identical | plots drawn | litellm imported |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |", *demo_rows, *mm_rows]
    publish("\n".join(lines) + "\n", append=not args.no_append)


if __name__ == "__main__":
    main()

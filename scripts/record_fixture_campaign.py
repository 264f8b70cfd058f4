"""Record the frozen campaign that tests/campaign/test_old_recordings.py replays with today's code.

Why: "old recordings keep replaying" needs a campaign recorded by an EARLIER version of llmhpo, kept
byte for byte. Run this script from a checkout of that earlier version; it runs a small campaign of
every LLM optimizer style (llm chat, llm compressed + CoT, mmllm, mmllm-image-only, llm-tpe, plus
random and tpe) on toy/branin against the OpenAI wire server of tests/servers, then writes
`<dest>/<name>/` (manifest, trials, transcripts, baseline) and `<dest>/<name>.cassette.jsonl` (every
cache entry: LLM replies and evaluations). The manifest's cache path is blanked: a receiver passes
its own.

    python scripts/record_fixture_campaign.py --dest tests/data/campaigns --name wire-r1

`--repeat` records the campaign of a model that repeats the last config it was shown
(tests/servers/repeat.py: duplicates, re-asks and perturbations; proposals revision 1 in wire-repeat-r1):

    python scripts/record_fixture_campaign.py --dest tests/data/campaigns --name wire-repeat-r1 --repeat
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SPEC = """
name = "{name}"
budget = 6
seeds = [0, 1]
benchmarks = ["toy/branin"]
workers = 1
baseline_samples = 50
[[optimizers]]
name = "random"
[[optimizers]]
name = "tpe"
[[optimizers]]
name = "llm"
model = "openai/gpt-4o"
[[optimizers]]
name = "llm"
label = "llm-compressed-cot"
model = "openai/gpt-4o"
options = {{style = "compressed", cot = true}}
[[optimizers]]
name = "mmllm"
model = "openai/gpt-4o"
[[optimizers]]
name = "mmllm-image-only"
model = "openai/gpt-4o"
[[optimizers]]
name = "llm-tpe"
model = "openai/gpt-4o"
[model_settings."openai/gpt-4o"]
api_base = "{url}"
api_key_env = "FIXTURE_OPENAI_KEY"
"""

REPEAT_SPEC = """
name = "{name}"
budget = 8
seeds = [0, 1]
benchmarks = ["toy/branin"]
workers = 1
baseline_samples = 50
[[optimizers]]
name = "random"
[[optimizers]]
name = "llm"
model = "openai/gpt-4o"
[[optimizers]]
name = "llm"
label = "llm-compressed"
model = "openai/gpt-4o"
options = {{style = "compressed"}}
[[optimizers]]
name = "llm-tpe"
model = "openai/gpt-4o"
[model_settings."openai/gpt-4o"]
api_base = "{url}"
api_key_env = "FIXTURE_OPENAI_KEY"
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, required=True)
    parser.add_argument("--name", default="wire-r1")
    parser.add_argument("--repeat", action="store_true", help="a model that repeats the last config it was shown")
    args = parser.parse_args()
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    os.environ["FIXTURE_OPENAI_KEY"] = "sk-fixture-0123456789"
    from llmhpo.cache.cassette import export_cassette
    from llmhpo.cache.store import CacheStore
    from llmhpo.harness.cli import main as cli
    from tests.servers import OpenAIServer
    from tests.servers.repeat import RepeatingOpenAIServer

    server = (RepeatingOpenAIServer() if args.repeat else OpenAIServer()).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            spec = Path(tmp) / "spec.toml"
            spec.write_text((REPEAT_SPEC if args.repeat else SPEC).format(name=args.name, url=server.url), encoding="utf-8")
            out, cache = Path(tmp) / "out", Path(tmp) / "cache"
            code = cli(["run", str(spec), "--out", str(out), "--cache", str(cache)])
            if code != 0:
                return code
            target = args.dest / args.name
            shutil.rmtree(target, ignore_errors=True)
            args.dest.mkdir(parents=True, exist_ok=True)
            shutil.copytree(out / args.name, target, ignore=shutil.ignore_patterns(".lock", "optimizer-files"))
            manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
            manifest["cache"]["path"] = ""
            (target / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
            store = CacheStore(cache)
            written = export_cassette(store, args.dest / f"{args.name}.cassette.jsonl")
            store.close()
            print(f"{target}: {written} cache entries")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Record a campaign's progress events for tests/campaign/test_eta.py (the ETA replayed on its clock).

A real campaign against the delay wire server (LLM calls of 0.6 s, 4 in flight, bursts of finished
trials), stopped after 60 trials and resumed (the resume re-derives them in a burst): every progress
update is written with its time, so the test replays the display without sleeping.

    .venv/bin/python scripts/record_progress.py   # writes tests/campaign/data/progress_recording.json
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

FIELDS = ("total", "done", "rederived", "calls_answered", "asking", "phase", "baseline_done", "baseline_total")
SPEC = """
name = "recorded"
budget = 40
seeds = [0, 1, 2, 3]
benchmarks = ["toy/branin", "toy/himmelblau-shifted"]
baseline_samples = 300
[[optimizers]]
name = "llm"
model = "{model}"
[model_settings."{model}"]
api_base = "{url}"
api_key_env = "{key_env}"
"""


def main() -> None:
    from llmhpo.cache.modes import Mode
    from llmhpo.harness.campaign.run import CampaignContext, run_campaign
    from llmhpo.harness.campaign.stopping import Stop
    from llmhpo.harness.spec.campaign_spec import loads_spec
    from tests.faults.chaos import KEY, KEY_ENV, MODEL
    from tests.servers.delay import DelayServer

    os.environ[KEY_ENV] = KEY
    server = DelayServer(delay_s=0.6).start()
    tmp = Path(tempfile.mkdtemp())
    spec = loads_spec(SPEC.format(model=MODEL, url=server.url, key_env=KEY_ENV))
    sessions = []
    try:
        for session in range(2):
            events: list[dict] = []
            stop = Stop()
            t0 = time.monotonic()

            def record(stats, events=events, stop=stop, session=session, t0=t0):
                events.append({"t": round(time.monotonic() - t0, 4), **{f: getattr(stats, f) for f in FIELDS}})
                if session == 0 and stats.done >= 60:
                    stop.request("recording: stop after 60 trials")

            try:
                run_campaign(spec, CampaignContext(out_dir=tmp / "out", cache_dir=tmp / "cache",
                                                   mode=Mode.LIVE, workers=1, llm_concurrency=4, stop=stop),
                             on_progress=record)
            except KeyboardInterrupt:
                pass
            sessions.append(events)
    finally:
        server.stop()
    out = REPO / "tests" / "campaign" / "data" / "progress_recording.json"
    out.write_text(json.dumps({"spec": SPEC, "sessions": sessions}, indent=None) + "\n")
    print(f"{out}: {[len(s) for s in sessions]} events")


if __name__ == "__main__":
    main()

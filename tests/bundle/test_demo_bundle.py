"""The real demo, end to end as a user publishes it: `llmhpo demo` says how to pack, the bundle is
small, and a machine that never ran it (fresh HOME, empty cache, no network) replays it identically.

The demo's cache starts with the embedded model's recorded replies (tests/cassettes/test_demo_bundle.jsonl)
but one, the last proposal of a run: the demo still calls the embedded model live (the test checks
that it made exactly that one call), while the other proposals, which cost most of the demo's minutes on
2 cores, come from the recording; every evaluation (trials and baseline) is computed. A change of the
demo's prompts leaves the recording stale, and the test says so; re-record with
`scripts/record_cassettes.py tests/bundle/test_demo_bundle.py` (LLMHPO_RECORD=1: a fully live demo,
whose replies are written back)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from llmhpo.cache.cassette import export_cassette, import_cassette
from llmhpo.cache.store import CacheStore
from tests.bundle.conftest import keys_of, receiver_env
from tests.campaign.helpers import cli_env


def seed_all_but_one(cassette: Path, cache: Path, scratch: Path) -> tuple[set[tuple[str, str]], tuple[str, str]]:
    """Fill `cache` with the recorded replies but the one with the longest prompt (a run's last
    proposal: no later prompt of that run depends on its reply); returns (seeded keys, left-out key)."""
    lines = [line for line in cassette.read_text(encoding="utf-8").splitlines() if line.strip()]
    envelopes = [json.loads(line) for line in lines]
    last = max(range(len(lines)), key=lambda i: (len(json.dumps(envelopes[i]["request"])), envelopes[i]["fingerprint"]))
    scratch.write_text("".join(line + "\n" for i, line in enumerate(lines) if i != last), encoding="utf-8")
    with CacheStore(cache) as store:
        import_cassette(store, scratch)
    return keys_of(cache), (envelopes[last]["namespace"], envelopes[last]["fingerprint"])


@pytest.mark.slow
@pytest.mark.timeout(1800)  # the real demo: minutes on a busy 2-core machine (more when recording)
def test_the_demo_is_packed_small_and_replays_on_a_fresh_machine(tmp_path, module_cassette, recording_replies):
    def llmhpo(*args, env, cwd):
        return subprocess.run([sys.executable, "-m", "llmhpo", *args], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=1800)

    cache = tmp_path / "cache"
    if not recording_replies:
        seeded, left_out = seed_all_but_one(module_cassette, cache, tmp_path / "seed.jsonl")
    env = dict(cli_env(), LLMHPO_CACHE=str(cache), XDG_CACHE_HOME=str(tmp_path / "xdg"))
    demo = llmhpo("demo", "--out", str(tmp_path / "out"), "--cache", str(cache), env=env, cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert f"llmhpo pack {tmp_path / 'out' / 'demo'} -o demo.llmhpo.tar.gz" in demo.stdout
    if recording_replies:
        with CacheStore(cache) as store:
            export_cassette(store, module_cassette, namespace="llm")
    else:
        called = {k for k in keys_of(cache) if k[0] == "llm"} - seeded
        assert called == {left_out}, (
            f"the demo asked the model {len(called)} prompts the recording lacks (one expected): its prompts "
            "changed; re-record with scripts/record_cassettes.py tests/bundle/test_demo_bundle.py")
    packed = llmhpo("pack", str(tmp_path / "out" / "demo"), "-o", "demo.llmhpo.tar.gz", env=env, cwd=tmp_path)
    assert packed.returncode == 0, packed.stderr
    size = (tmp_path / "demo.llmhpo.tar.gz").stat().st_size
    assert size <= 2_000_000 and f"({size / 1e6:.2f} MB, complete)" in packed.stdout
    home = tmp_path / "home"
    replay = llmhpo("replay", str(tmp_path / "demo.llmhpo.tar.gz"), env=receiver_env(home), cwd=home)
    assert replay.returncode == 0, replay.stderr
    assert "replayed 120 trials" in replay.stdout and "identical to the journal" in replay.stdout
    assert "litellm imported: False" in replay.stdout

"""Kill a real `llmhpo run` at random moments (SIGKILL, and once Ctrl-C), resume, lose nothing."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time

import pytest

from llmhpo.cache.modes import Mode
from llmhpo.harness.campaign.run import CampaignContext, run_campaign
from llmhpo.harness.spec.campaign_spec import load_spec
from tests.campaign.helpers import REPO, cli_env, llmhpo, stable, trials, write_spec

pytestmark = pytest.mark.slow  # four real subprocess starts (~30 s on 2 busy cores)


def _lines(path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def _start(spec, out, cache, log):
    # stderr to a file, not a pipe: a pipe would also wait for any process the driver left behind
    return subprocess.Popen(
        [sys.executable, "-m", "llmhpo", "run", str(spec), "--out", str(out), "--cache", str(cache), "--workers", "2"],
        cwd=REPO, env=cli_env(), stdout=subprocess.DEVNULL, stderr=log,
    )


def _interrupt_after_progress(spec, out, cache, journal, rng, sig):
    """Start a run, wait until it journals a new trial, then signal it after a random short delay."""
    before = _lines(journal)
    log_path = journal.parent.parent.parent / "stderr.log"
    log = log_path.open("w")
    proc = _start(spec, out, cache, log)
    deadline = time.monotonic() + 60
    while proc.poll() is None and _lines(journal) <= before and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(rng.uniform(0.0, 0.4))
    if proc.poll() is None:
        proc.send_signal(sig)
    proc.wait(timeout=60)
    log.close()
    return proc.returncode, log_path.read_text()


def test_killed_and_interrupted_campaign_resumes_with_nothing_lost_or_duplicated(tmp_path):
    spec = write_spec(tmp_path, name="killme", budget=6, seeds=2)
    reference = run_campaign(load_spec(spec), CampaignContext(out_dir=tmp_path / "ref",
                                                              cache_dir=tmp_path / "ref-cache",
                                                              mode=Mode.LIVE, workers=1))
    expected = stable(trials(reference.directory))

    out, cache = tmp_path / "out", tmp_path / "cache"
    journal = out / "killme" / "trials.jsonl"
    rng = random.Random(12345)
    codes = []
    for sig in (signal.SIGKILL, signal.SIGINT, signal.SIGKILL):
        code, err = _interrupt_after_progress(spec, out, cache, journal, rng, sig)
        codes.append(code)
        if sig == signal.SIGINT and code != 0:
            assert code == 130 and "resume" in err, err
        if code == 0:  # finished before the signal landed: nothing left to interrupt
            break
    assert any(c == -signal.SIGKILL for c in codes), codes
    interrupted = len(stable(trials(out / "killme")))
    assert 0 < interrupted

    done = llmhpo("run", str(spec), "--out", str(out), "--cache", str(cache), "--workers", "2")
    assert done.returncode == 0, done.stderr
    got = stable(trials(out / "killme"))
    assert set(got) == set(expected)
    assert got == expected

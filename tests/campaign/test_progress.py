"""Progress: the figures (calls in flight, calls/s, hit rate, ETA), plain lines on a clock when the
output is not a terminal, and the CLI printing them into a log."""

from __future__ import annotations

import io
import time

from llmhpo.harness.progress import CampaignProgress, describe, plain_line
from llmhpo.harness.recording import Stats
from tests.campaign.helpers import llmhpo, write_spec


def test_figures_from_the_driver_stats():
    stats = Stats(total=100, done=30, rederived=10, eval_lookups=20, eval_hits=5, llm_calls=40, llm_hits=15, asking=7)
    d = describe(stats, elapsed_s=20.0)
    assert d["in_flight"] == "7"
    assert d["calls_per_s"] == "2.0"
    assert d["hit_rate"] == "33%"  # (5 + 15) / (20 + 40)
    assert d["eta"] == "0:01:10"  # 70 trials left at 20 new trials per 20 s
    assert "trials 30/100" in plain_line(stats, 20.0)


def test_plain_lines_keep_coming_while_nothing_finishes():
    out = io.StringIO()
    stats = Stats(total=10, asking=3)
    with CampaignProgress(10, stream=out, every_s=0.1, terminal=False) as progress:
        progress.update(stats)
        time.sleep(0.45)  # no trial finishes, yet the log is not silent
        stats.done = 4
        time.sleep(0.25)
    lines = out.getvalue().splitlines()
    assert len(lines) >= 4
    assert all("LLM calls in flight 3" in line and "ETA" in line for line in lines)
    assert lines[0].startswith("trials 0/10") and lines[-1].startswith("trials 4/10")


def test_cli_run_into_a_log_prints_progress_lines(tmp_path):
    spec = write_spec(tmp_path, name="logged", budget=3, seeds=1)
    done = llmhpo("run", str(spec), "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache"),
                  "--workers", "1")
    assert done.returncode == 0, done.stderr
    assert "trials 18/18 | LLM calls in flight 0" in done.stderr  # 2 tasks x 3 optimizers x 3 trials
    assert "--llm-concurrency" in llmhpo("run", "--help").stdout


def test_cli_rejects_a_nonpositive_llm_concurrency(tmp_path):
    spec = write_spec(tmp_path, name="bad", budget=2, seeds=1)
    done = llmhpo("run", str(spec), "--out", str(tmp_path / "out"), "--llm-concurrency", "0")
    assert done.returncode == 2 and "--llm-concurrency must be >= 1" in done.stderr
    spec.write_text(spec.read_text().replace('name = "bad"', 'name = "bad"\nllm_concurrency = "many"'))
    done = llmhpo("run", str(spec), "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "llm_concurrency: expected an integer >= 1" in done.stderr


def test_terminal_bar_shows_calls_in_flight():
    out = io.StringIO()
    stats = Stats(total=10, asking=2, llm_calls=4)
    with CampaignProgress(10, stream=out, every_s=0.1, terminal=True) as progress:
        progress.update(stats)
        time.sleep(0.2)
        stats.done = 5
        progress.update(stats)
    assert "in flight 2" in out.getvalue() and "calls/s" in out.getvalue()  # 80 columns cut the bar itself

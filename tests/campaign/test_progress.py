"""Progress: the figures (calls in flight, calls/s, hit rate, ETA), plain lines on a clock when the
output is not a terminal, and the CLI printing them into a log."""

from __future__ import annotations

import io
import time

from llmhpo.harness.campaign.progress import CampaignProgress, Figures
from llmhpo.harness.campaign.recording import Stats
from tests.campaign.helpers import llmhpo, write_spec


class FakeClock:
    """A replayed clock: the test moves it, nothing sleeps."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_figures_from_the_driver_stats():
    clock = FakeClock()
    figures = Figures(clock)
    stats = Stats(total=100, done=10, rederived=10, eval_lookups=20, eval_hits=5, llm_calls=40, llm_hits=15, asking=7)
    figures.observe(stats)  # the 10 resumed trials: no speed information
    for step in range(1, 21):  # then one new trial and two answered calls a second
        clock.t += 1.0
        stats.done, stats.calls_answered = 10 + step, 2 * step
        figures.observe(stats)
    d = figures.describe(stats)
    assert d["in_flight"] == "7"
    assert d["calls_per_s"] == "2.0/s"
    assert d["hit_rate"] == "33%"  # (5 + 15) / (20 + 40)
    assert d["eta"] == "0:01:10"  # 70 trials left at 1 new trial per second (measured from the first new one)
    assert d["cost"] == "$0.0000"
    line = figures.line(stats)
    assert line.startswith("phase trials 30/100 (1.0/s)") and "failed 0 trial(s)" in line


def test_eta_waits_for_a_warm_up_and_cost_is_unknown_when_unpriced():
    clock = FakeClock()
    figures = Figures(clock)
    stats = Stats(total=50, done=2, llm_calls=2, unpriced=2)
    clock.t += 3
    assert figures.describe(stats)["eta"] == "warming up"
    assert figures.describe(stats)["cost"] == "unknown (unpriced model)"
    stats.cost_usd = 0.5
    assert figures.describe(stats)["cost"].startswith(">= $0.5000")


def test_baseline_phase_has_its_own_count_rate_and_eta():
    clock = FakeClock()
    figures = Figures(clock)
    stats = Stats(total=10, done=10, phase="baseline", baseline_total=300, baseline_done=100)  # 100 from before
    figures.observe(stats)
    for step in range(1, 21):
        clock.t += 1.0
        stats.baseline_done = 100 + 5 * step
        figures.observe(stats)
    d = figures.describe(stats)
    assert d["phase"] == "phase baseline 200/300 (5.0/s) | trials 10/10 done"
    assert d["eta"] == "0:00:20"


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
    assert lines[0].startswith("phase trials 0/10") and lines[-1].startswith("phase trials 4/10")


def test_cli_run_into_a_log_prints_progress_lines(tmp_path):
    spec = write_spec(tmp_path, name="logged", budget=3, seeds=1)
    done = llmhpo("run", str(spec), "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache"),
                  "--workers", "1")
    assert done.returncode == 0, done.stderr
    assert "phase trials 18/18 (" in done.stderr  # 2 tasks x 3 optimizers x 3 trials
    assert "plan: 6 runs, 18 trials (0 journaled)" in done.stderr.splitlines()[0]
    assert "LLM cost none (no LLM calls)" in done.stderr and "$0.0000" not in done.stdout + done.stderr
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
    assert "in flight 2" in out.getvalue() and "calls" in out.getvalue()  # 80 columns cut the bar itself

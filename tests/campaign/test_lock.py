"""One writer per campaign directory: a second run is refused naming the holder's pid (exit 2);
the lock of a run killed with SIGKILL is taken over, and the resumed campaign has no duplicate.

The holder is a real second process holding the real lock (harness.lock), as a concurrent
`llmhpo run` would.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from llmhpo.harness.cli import main
from llmhpo.harness.lock import LOCK
from tests.campaign.helpers import REPO, cli_env, stable, trials, write_spec

HOLD = """
import sys, time
from pathlib import Path
from llmhpo.harness.lock import campaign_lock
with campaign_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(300)
"""


def _hold(directory: Path) -> subprocess.Popen:
    directory.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(directory)], cwd=REPO, env=cli_env(),
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


def test_second_run_is_refused_naming_the_holder_then_a_killed_holder_is_taken_over(tmp_path, capsys):
    spec = write_spec(tmp_path, budget=3, seeds=1)
    out, cache = tmp_path / "out", tmp_path / "cache"
    args = ["run", str(spec), "--out", str(out), "--cache", str(cache), "--workers", "1"]
    holder = _hold(out / "toy")
    try:
        assert main(args) == 2
        err = capsys.readouterr().err
        assert f"pid {holder.pid}" in err and "in use by another llmhpo run" in err
        assert err.strip().count("\n") == 0
        assert not (out / "toy" / "trials.jsonl").exists()  # the refused run wrote nothing
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    assert (out / "toy" / LOCK).read_text().strip() == str(holder.pid)  # a kill -9 leaves its pid behind
    assert main(args) == 0
    captured = capsys.readouterr()
    assert f"took over the lock left by pid {holder.pid}" in captured.err
    rows = trials(out / "toy")
    assert len(stable(rows)) == len(rows) == 2 * 3 * 3  # 2 benchmarks x 3 optimizers x budget 3, no duplicate
    assert (out / "toy" / LOCK).read_text() == ""  # released cleanly


def test_runs_into_different_campaigns_do_not_block_each_other(tmp_path):
    holder = _hold(tmp_path / "out" / "other")
    try:
        spec = write_spec(tmp_path, budget=2, seeds=1)
        start = time.monotonic()
        assert main(["run", str(spec), "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "c"),
                     "--workers", "1"]) == 0
        assert time.monotonic() - start < 120
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)

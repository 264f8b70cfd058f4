"""Two `llmhpo hpobench setup` on one home: the second waits for the first instead of pip-installing
into the same venv at once. The first is a real second process holding the home's real lock; the
second's interpreter is a stand-in that logs when setup reaches step 1, so the test sees the order."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from llmhpo.harness.errors import UserError
from llmhpo.harness.hpobench.env import HPOBenchHome
from llmhpo.harness.hpobench.setup_env import setup

REPO = Path(__file__).resolve().parents[2]
HOLD = """
import sys, time
from pathlib import Path
from llmhpo.harness.lock import exclusive_lock
with exclusive_lock(Path(sys.argv[1]), busy=None):
    print("locked", flush=True)
    time.sleep(300)
"""
FAKE_PYTHON = """#!/bin/sh
if [ "$1" = "-c" ]; then echo "3 11"; exit 0; fi
echo "$@" >> "{log}"
exit 1
"""


def test_a_second_setup_waits_for_the_first_then_runs(tmp_path, capsys):
    home = HPOBenchHome(tmp_path / "home")
    home.root.mkdir()
    log = tmp_path / "steps.log"
    python = tmp_path / "python"
    python.write_text(FAKE_PYTHON.format(log=log))
    python.chmod(0o755)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(home.root)], cwd=REPO, stdout=subprocess.PIPE,
                              text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    errors: list[BaseException] = []

    def second() -> None:
        try:
            setup(home, source=str(tmp_path), python=str(python))
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            errors.append(exc)

    thread = threading.Thread(target=second)
    try:
        thread.start()
        time.sleep(2.0)
        assert thread.is_alive() and not log.exists()  # waiting: step 1 has not started
        assert f"waiting for another setup of this home (pid {holder.pid})" in capsys.readouterr().err
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert "-m venv" in log.read_text()  # then it ran
    assert len(errors) == 1 and isinstance(errors[0], UserError)
    with pytest.raises(UserError, match="creating the virtual environment failed"):
        raise errors[0]

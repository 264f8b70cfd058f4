"""No leftovers: a SIGKILLed run's process-pool folder is removed by the next run (harness.campaign.pool_tmp).

The kill test runs the real CLI with a real process pool on a real sklearn benchmark, in a
temporary directory of its own (TMPDIR), so only its folders are looked at.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from llmhpo.harness.campaign import pool_tmp
from tests.campaign.helpers import REPO, cli_env


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _socket_file(path: Path, *, keep_open: bool) -> socket.socket | None:
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))
    sock.listen()
    if keep_open:
        return sock
    sock.close()  # the socket file stays, as after a SIGKILL
    return None


def test_sweep_removes_dead_owners_folders_only(tmp_path: Path) -> None:
    dead = tmp_path / f"{pool_tmp.PREFIX}p{_dead_pid()}-abc"
    mine = tmp_path / f"{pool_tmp.PREFIX}p{os.getpid()}-def"
    for folder in (dead, mine):
        folder.mkdir()
        (folder / "listener-x").write_text("")
    old_dead, old_live, fresh_dead, with_files = (tmp_path / f"pymp-{n}" for n in ("a", "b", "c", "d"))
    for folder in (old_dead, old_live, fresh_dead, with_files):
        folder.mkdir()
    _socket_file(old_dead / "listener-1", keep_open=False)
    live = _socket_file(old_live / "listener-2", keep_open=True)
    _socket_file(fresh_dead / "listener-3", keep_open=False)
    _socket_file(with_files / "listener-4", keep_open=False)
    (with_files / "data.bin").write_bytes(b"not ours to judge")
    past = time.time() - pool_tmp.STALE_S - 10
    for folder in (old_dead, old_live, with_files):
        os.utime(folder, (past, past))
    try:
        removed = set(pool_tmp.sweep(tmp_path))
    finally:
        assert live is not None
        live.close()
    assert removed == {dead, old_dead}
    assert mine.exists() and old_live.exists() and fresh_dead.exists() and with_files.exists()


def _pool_folders(tmp: Path) -> list[Path]:
    return sorted(tmp.glob(f"{pool_tmp.PREFIX}*"))


@pytest.mark.slow
def test_a_killed_runs_pool_folder_is_swept_by_the_next_run(tmp_path: Path) -> None:
    temp = Path(tempfile.mkdtemp(prefix="i24-", dir="/tmp"))  # short: a socket path must fit 100 bytes
    env = {**cli_env(), "TMPDIR": str(temp)}
    spec = tmp_path / "pool.toml"
    spec.write_text('name = "pool"\nbudget = 12\nseeds = 2\nbenchmarks = ["svm/credit-g"]\n'
                    '[[optimizers]]\nname = "random"\n')
    cmd = [sys.executable, "-m", "llmhpo", "run", str(spec), "--out", str(tmp_path / "out"), "--cache",
           str(tmp_path / "c"), "--workers", "2"]
    driver = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        trials = tmp_path / "out" / "pool" / "trials.jsonl"
        while time.monotonic() < deadline and not (_pool_folders(temp) and trials.is_file()
                                                    and trials.read_text().count("\n") >= 2):
            assert driver.poll() is None, driver.stderr.read().decode() if driver.stderr else ""
            time.sleep(0.1)
        (left,) = _pool_folders(temp)
        assert left.name.startswith(f"{pool_tmp.PREFIX}p{driver.pid}-")
        driver.send_signal(signal.SIGKILL)
        driver.wait(10)
    finally:
        if driver.poll() is None:
            driver.kill()
    time.sleep(1.5)  # the pool's workers and forkserver notice the driver is gone and exit
    assert _pool_folders(temp) == [left]  # a SIGKILL skips every clean-up
    again = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert _pool_folders(temp) == []  # the dead driver's folder swept, the new one removed at exit
    assert not list(temp.glob("pymp-*"))
    shutil.rmtree(temp)


def test_a_temporary_directory_too_long_for_a_socket_keeps_multiprocessing_s_own(tmp_path, monkeypatch) -> None:
    from multiprocessing import process

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / ("t" * 90)))
    monkeypatch.delitem(process.current_process()._config, "tempdir", raising=False)
    assert pool_tmp.own_temp_dir() is None

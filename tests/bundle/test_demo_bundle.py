"""The real demo, end to end as a user publishes it: `llmhpo demo` says how to pack, the bundle is
small, and a machine that never ran it (fresh HOME, empty cache, no network) replays it identically."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.bundle.conftest import receiver_env
from tests.campaign.helpers import cli_env


@pytest.mark.slow
@pytest.mark.timeout(1800)  # the real demo: minutes on a busy 2-core machine
def test_the_demo_is_packed_small_and_replays_on_a_fresh_machine(tmp_path):
    def llmhpo(*args, env, cwd):
        return subprocess.run([sys.executable, "-m", "llmhpo", *args], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=1800)

    env = dict(cli_env(), LLMHPO_CACHE=str(tmp_path / "cache"), XDG_CACHE_HOME=str(tmp_path / "xdg"))
    demo = llmhpo("demo", "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache"), env=env, cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert f"llmhpo pack {tmp_path / 'out' / 'demo'} -o demo.llmhpo.tar.gz" in demo.stdout
    packed = llmhpo("pack", str(tmp_path / "out" / "demo"), "-o", "demo.llmhpo.tar.gz", env=env, cwd=tmp_path)
    assert packed.returncode == 0, packed.stderr
    size = (tmp_path / "demo.llmhpo.tar.gz").stat().st_size
    assert size <= 2_000_000 and f"({size / 1e6:.2f} MB, complete)" in packed.stdout
    home = tmp_path / "home"
    replay = llmhpo("replay", str(tmp_path / "demo.llmhpo.tar.gz"), env=receiver_env(home), cwd=home)
    assert replay.returncode == 0, replay.stderr
    assert "replayed 120 trials" in replay.stdout and "identical to the journal" in replay.stdout
    assert "litellm imported: False" in replay.stdout

"""`hpobench_home`: the HPOBench environment made by `llmhpo hpobench setup` (the user's, recorded
before the session was isolated from the user's folders), used through a session overlay that writes
nothing into it (tests/isolation.py); or a skip saying how to make it (CI makes it: scripts/install.sh
--test sets it up from ../shared/vendor when present)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from llmhpo.harness.hpobench.env import HOME_ENV, HPOBenchHome
from tests.isolation import REAL_HPOBENCH_HOME, hpobench_overlay


@pytest.fixture(scope="session")
def hpobench_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HPOBenchHome]:
    real = REAL_HPOBENCH_HOME
    if not real.ready():
        pytest.skip(f"HPOBench is not set up at {real.root}: run `llmhpo hpobench setup --source "
                    "<HPOBench archive|checkout|git URL>` (scripts/install.sh --test does it when "
                    "../shared/vendor/HPOBench-47bf141f.tar.gz is beside the repo)")
    home = hpobench_overlay(real, tmp_path_factory.mktemp("hpobench") / "home")
    with pytest.MonkeyPatch.context() as env:  # `llmhpo benchmarks`, eval, setup in this session find it
        env.setenv(HOME_ENV, str(home.root))
        yield home

"""`hpobench_home`: the HPOBench environment made by `llmhpo hpobench setup`, as this session sees it:
the user's, through the overlay tests/isolation.py made (it writes nothing into the user's); or a skip
saying how to make it (CI makes it: scripts/install.sh --test sets it up from ../shared/vendor when
present)."""

from __future__ import annotations

import pytest

from llmhpo.harness.hpobench.env import HPOBenchHome
from tests.isolation import REAL_HPOBENCH_HOME


@pytest.fixture(scope="session")
def hpobench_home() -> HPOBenchHome:
    home = HPOBenchHome.resolve()
    if not home.ready():
        pytest.skip(f"HPOBench is not set up at {REAL_HPOBENCH_HOME.root}: run `llmhpo hpobench setup --source "
                    "<HPOBench archive|checkout|git URL>` (scripts/install.sh --test does it when "
                    "../shared/vendor/HPOBench-47bf141f.tar.gz is beside the repo)")
    return home

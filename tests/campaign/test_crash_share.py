"""A campaign whose trials all crashed, or a run that crashed in more than half of its trials, makes
`llmhpo run` exit 1 with the first error (harness.campaign.crash_share); a healthy one still exits 0.

The crashing benchmark is a plugin family (a fault no real benchmark gives on demand once seeds are
range-checked): `doom/always` raises like scikit-learn did for a seed of 2**32, `doom/never` does not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from llmhpo.harness import benchmarks
from llmhpo.harness.benchmarks.base import CanonicalConfig, Evaluation
from llmhpo.harness.campaign.crash_share import MAX_CRASH_SHARE, crash_problem
from llmhpo.harness.cli import main
from llmhpo.harness.journal.trial import Trial
from tests.plugins.bowl_family import Bowl

SKLEARN_ERROR = "random_state must be an integer in the range [0, 4294967295]"


class Doom(Bowl):
    def __init__(self, variant: str) -> None:
        super().__init__("clean")
        self.name, self.variant = f"doom/{variant}", variant

    def _evaluate(self, c: CanonicalConfig, seed: int) -> Evaluation:
        if self.variant == "always":
            raise ValueError(SKLEARN_ERROR)
        return super()._evaluate(c, seed)

    @classmethod
    def names(cls) -> list[str]:
        return ["doom/always", "doom/never"]

    @classmethod
    def create(cls, name: str, fidelity: dict[str, Any] | None = None) -> Doom:
        if name not in cls.names():
            raise KeyError(name)
        return cls(name.split("/")[1])


@pytest.fixture
def doom(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(benchmarks.FAMILIES, "doom", "tests.campaign.test_crash_share:Doom")


def _spec(tmp: Path, bench: str) -> Path:
    path = tmp / "doom.toml"
    path.write_text(f'name = "doom"\nbudget = 3\nseeds = 2\nbenchmarks = ["{bench}"]\n[[optimizers]]\nname = "random"\n')
    return path


def _run(tmp: Path, bench: str) -> list[str]:
    return ["run", str(_spec(tmp, bench)), "--out", str(tmp / "out"), "--cache", str(tmp / "c"), "--workers", "1"]


def test_a_campaign_whose_trials_all_crashed_exits_1_with_the_first_error(tmp_path: Path, doom: None, capsys) -> None:
    assert main(_run(tmp_path, "doom/always")) == 1
    err = capsys.readouterr().err
    assert "all 6 trials crashed" in err and SKLEARN_ERROR in err and "#0" in err
    # a resume judges the whole journal the same way (nothing left to run, still a failure)
    assert main(_run(tmp_path, "doom/always")) == 1
    assert "all 6 trials crashed" in capsys.readouterr().err


def test_a_healthy_campaign_exits_0(tmp_path: Path, doom: None, capsys) -> None:
    assert main(_run(tmp_path, "doom/never")) == 0, capsys.readouterr().err


def _trial(run: str, index: int, ok: bool) -> Trial:
    return Trial(run_id=run, index=index, benchmark="b", optimizer="o", optimizer_name="random", model=None, seed=0,
                 budget=4, config={}, loss=1.0, test_loss=None, status="ok" if ok else "crashed",
                 error=None if ok else f"boom {run} {index}", eval_cost_s=0.0, eval_cache_hit=False, wall_s=0.0,
                 source="random", parse=None, llm=None, transcript_ref=None)


def test_the_share_is_per_run_and_strictly_above_half() -> None:
    assert MAX_CRASH_SHARE == 0.5
    half = [_trial("a", 0, False), _trial("a", 1, True)]
    assert crash_problem(half) is None  # exactly half: still a result
    over = [_trial("a", 0, True), _trial("a", 1, False), _trial("a", 2, False), _trial("b", 0, True)]
    problem = crash_problem(over)
    assert problem and "1 of 2 run(s)" in problem and "(a)" in problem and "a#1" in problem and "boom a 1" in problem
    assert crash_problem([]) is None

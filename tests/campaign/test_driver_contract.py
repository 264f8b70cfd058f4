"""What the driver promises an optimizer and the journal, beyond the conformance suite: the config an
optimizer is told is its own plain dict (the evaluation path's canonical config is read-only), and a
resumed run never journals an already journaled trial again, not even an invalid proposal's crash."""

from __future__ import annotations

import math

from llmhpo.cache.modes import Mode
from llmhpo.harness.benchmarks import load
from llmhpo.harness.campaign.driver import Driver, RunState
from llmhpo.harness.campaign.executor import SerialExecutor
from llmhpo.harness.optimizers import create
from llmhpo.harness.optimizers.ask_tell import Proposal
from llmhpo.harness.optimizers.history import best_so_far
from llmhpo.harness.spec.campaign_spec import RunSpec

BRANIN = load("toy/branin")


class TidiesWhatItIsTold:
    """Rounds the told config in place, as an optimizer may do with a dict it owns."""

    name = "tidy"

    def __init__(self) -> None:
        self.inner = create("random", space=BRANIN.space, seed=0, budget=3)
        self.told: list[dict] = []

    def ask(self) -> Proposal:
        return self.inner.ask()

    def tell(self, config, result) -> None:
        config["x1"] = round(config["x1"], 3)
        self.told.append(config)
        self.inner.tell(config, result)


class FirstProposalInvalid:
    name = "bad-first"

    def __init__(self) -> None:
        self.asked = 0

    def ask(self) -> Proposal:
        self.asked += 1
        return Proposal({"x1": 99.0, "x2": 0.0} if self.asked == 1 else {"x1": 1.0, "x2": 1.0}, "bad-first", None)

    def tell(self, config, result) -> None:
        pass


def drive(optimizer, run: RunSpec, reference=None) -> list:
    journaled: list = []
    Driver([RunState(run, BRANIN, optimizer, reference=reference or {})], executor=SerialExecutor(), store=None,
           mode=Mode.OFF, gateway=None, sink=lambda trial, transcript: journaled.append(trial)).run()
    return journaled


def test_an_optimizer_may_change_the_config_it_is_told():
    opt = TidiesWhatItIsTold()
    trials = drive(opt, RunSpec("r0", BRANIN.name, "tidy", "tidy", None, {}, 0, 3))
    assert [t.status for t in trials] == ["ok"] * 3
    assert len(opt.told) == 3 and all(type(c) is dict for c in opt.told)
    # the journal kept the proposals as evaluated, not the optimizer's tidied copies
    assert [t.config["x1"] for t in trials] != [c["x1"] for c in opt.told]
    assert [round(t.config["x1"], 3) for t in trials] == [c["x1"] for c in opt.told]


def test_a_resumed_run_does_not_journal_an_invalid_proposal_twice():
    run = RunSpec("r0", BRANIN.name, "bad-first", "bad-first", None, {}, 0, 2)
    first = drive(FirstProposalInvalid(), run)
    assert [(t.index, t.status) for t in first] == [(0, "crashed"), (1, "ok")]
    again = drive(FirstProposalInvalid(), run, reference={0: first[0]})  # killed after trial 0
    assert [(t.index, t.status) for t in again] == [(1, "ok")]


def test_a_nan_loss_never_becomes_the_incumbent():
    trace = best_so_far([math.nan, 0.5, 0.3, math.nan, 0.4, 0.1])
    assert math.isnan(trace[0]) and trace[1:] == [0.5, 0.3, 0.3, 0.3, 0.1]

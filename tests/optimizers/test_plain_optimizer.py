"""An optimizer that is not an OptimizerPlugin (a plain build function's result, an object handed
to the driver) gets the optional hooks by type: `as_plugin` wraps it once in `PlainOptimizer`, which
forwards the hooks the object implements and gives the others their do-nothing defaults, so the
driver calls `stopped`, `stop_reason` and `drain_calls` without probing."""

from __future__ import annotations

from typing import Any

from llmhpo.cache.modes import Mode
from llmhpo.harness import optimizers
from llmhpo.harness.benchmarks import load
from llmhpo.harness.campaign.driver import Driver, RunState
from llmhpo.harness.campaign.executor import SerialExecutor
from llmhpo.harness.optimizers.ask_tell import Proposal, ValidationResult
from llmhpo.harness.optimizers.plugin import OptimizerPlugin, PlainOptimizer, as_plugin
from llmhpo.harness.spec.campaign_spec import RunSpec

BRANIN = load("toy/branin")


class Quitter:
    """Not a plugin: stops itself after `after` results and reports one made-up call per tell."""

    name = "quitter"

    def __init__(self, after: int) -> None:
        self.after, self.told, self.stopped = after, 0, False
        self.stop_reason = f"quit after {after}"
        self.narrowed: list[Any] = []

    def ask(self) -> Proposal:
        return Proposal({"x1": 0.5 * self.told, "x2": 1.0}, "quitter")

    def tell(self, config: dict[str, Any], result: ValidationResult) -> None:
        self.told += 1
        self.stopped = self.told >= self.after

    def drain_calls(self) -> list[dict[str, Any]]:
        return [{"kind": "note", "after": self.told}]

    def narrow(self, space: Any) -> None:
        self.narrowed.append(space)


class Bare:
    """Not a plugin and no hooks at all."""

    name = "bare"

    def ask(self) -> Proposal:
        return Proposal({"x1": 1.0, "x2": 2.0}, "bare")

    def tell(self, config: dict[str, Any], result: ValidationResult) -> None:
        pass


def test_the_hooks_of_a_plain_object_are_mapped_once_and_the_missing_ones_default() -> None:
    quitter = as_plugin(Quitter(2))
    assert isinstance(quitter, PlainOptimizer) and quitter.name == "quitter" and not quitter.stopped
    quitter.tell({}, ValidationResult(1.0))
    quitter.tell({}, ValidationResult(1.0))
    assert quitter.stopped and quitter.stop_reason == "quit after 2"
    assert quitter.drain_calls() == [{"kind": "note", "after": 2}]
    quitter.narrow(BRANIN.space)
    assert quitter.inner.narrowed == [BRANIN.space]
    bare = as_plugin(Bare())
    assert not bare.stopped and bare.stop_reason == OptimizerPlugin.stop_reason and bare.drain_calls() == []
    bare.narrow(BRANIN.space)  # nothing to narrow: ignored
    plugin = optimizers.create("random", task=BRANIN, budget=3)
    assert as_plugin(plugin) is plugin  # a plugin is never wrapped


def test_a_plain_build_function_s_optimizer_stops_the_run_through_the_driver() -> None:
    optimizers.register("quitter", lambda *, after, **_: Quitter(after), options={"after": 2})
    try:
        opt = optimizers.create("quitter", task=BRANIN, budget=5, after=2)
        assert isinstance(opt, PlainOptimizer) and isinstance(opt.inner, Quitter)
        run = RunSpec("r0", BRANIN.name, "quitter", "quitter", None, {}, 0, 5)
        journaled, stops = [], []
        Driver([RunState(run, BRANIN, opt)], executor=SerialExecutor(), store=None, mode=Mode.OFF, gateway=None,
               sink=lambda trial, transcript: journaled.append(transcript),
               on_stop=lambda run_id, after, reason: stops.append((run_id, after, reason))).run()
    finally:
        optimizers.unregister("quitter")
    assert stops == [("r0", 2, "quit after 2")]  # ended before its budget, with its own reason
    assert journaled == [{"tell_calls": [{"kind": "note", "after": 1}]}, {"tell_calls": [{"kind": "note", "after": 2}]}]

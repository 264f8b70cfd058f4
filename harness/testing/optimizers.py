"""The optimizer conformance suite: what every optimizer must do, on every kind of parameter.

Subclass `OptimizerSuite` in a test module and provide the `make_optimizer` fixture, a callable
`(space, seed, budget, task) -> Optimizer` (like optuna's `sampler` fixture):

    from llmhpo.harness.testing import OptimizerSuite

    class TestMine(OptimizerSuite):
        @pytest.fixture
        def make_optimizer(self):
            return lambda space, seed, budget, task: MyOptimizer(space, seed)

Every registered optimizer: `@pytest.fixture(params=registered())` then
`optimizers.create(request.param, ...)` (the names are read from the registry at collection time;
`registered(select)` keeps those `select(name)` accepts, e.g. by `optimizers.uses_llm`).

The test runs once per space of `harness.testing.spaces.SUITE_SPACES`. Set `stochastic = False`
for an optimizer whose proposals do not depend on the seed (a temperature-0 LLM).

What is told follows the observation contract: the suite tells a `ValidationResult` carrying only `loss`,
`status` and `cost_s`, so an optimizer that reads anything else (e.g. test loss) fails here.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import pytest

from llmhpo.harness import optimizers
from llmhpo.harness.optimizers.ask_tell import Optimizer, Proposal, ValidationResult
from llmhpo.harness.space import SearchSpace
from llmhpo.harness.testing.spaces import SUITE_SPACES, SyntheticTask

MakeOptimizer = Callable[[SearchSpace, int, int, Any], Optimizer]
BUDGET = 4
CRASH_AT = 1  # index of the trial reported as crashed in the crash test


def registered(select: Callable[[str], bool] | None = None, marks: Callable[[str], list] | None = None) -> list:
    """One pytest param per registered optimizer (ids = names) that `select` accepts, with `marks(name)`."""
    return [pytest.param(name, id=name, marks=marks(name) if marks else []) for name in optimizers.names()
            if select is None or select(name)]


def check_proposal(space: SearchSpace, proposal: Proposal) -> None:
    """A proposal is a complete in-space config of plain JSON values, with a source and a
    JSON-ready transcript; fixed values are never proposed."""
    assert isinstance(proposal, Proposal), f"ask() returned {type(proposal).__name__}, not a Proposal"
    config = proposal.config
    space.validate(config)  # raises InvalidConfig naming the offending parameter
    assert not set(space.fixed) & set(config), f"fixed values {sorted(space.fixed)} were proposed"
    assert json.loads(json.dumps(config, allow_nan=False)) == config, f"not plain JSON values: {config!r}"
    for p in space.params:
        value = config[p.name]
        assert type(value) in (int, float, str, bool, type(None)), f"{p.name}={value!r} is {type(value).__name__}"
    assert isinstance(proposal.source, str) and proposal.source, "a proposal must name its source"
    json.dumps(proposal.transcript, allow_nan=False)


def run(
    make: MakeOptimizer, space: SearchSpace, seed: int, budget: int = BUDGET, crash_at: int | None = None
) -> list[Proposal]:
    """Ask/tell `budget` trials on the synthetic task; trial `crash_at` is told as crashed."""
    task = SyntheticTask(space)
    optimizer = make(space, seed, budget, task)
    assert isinstance(optimizer, Optimizer), f"{type(optimizer).__name__} lacks name/ask/tell"
    proposals: list[Proposal] = []
    for i in range(budget):
        proposal = optimizer.ask()
        check_proposal(space, proposal)
        proposals.append(proposal)
        if i == crash_at:
            optimizer.tell(proposal.config, ValidationResult(loss=task.worst_loss, status="crashed"))
        else:
            loss = task.evaluate(proposal.config, seed).loss
            assert math.isfinite(loss)
            optimizer.tell(proposal.config, ValidationResult(loss=loss))
    return proposals


def configs(proposals: list[Proposal]) -> list[dict[str, Any]]:
    return [p.config for p in proposals]


class OptimizerSuite:
    """Conformance tests; a subclass provides `make_optimizer`."""

    stochastic = True  # different seeds must give different proposals

    @pytest.fixture
    def make_optimizer(self) -> MakeOptimizer:
        raise NotImplementedError("provide a make_optimizer fixture: (space, seed, budget, task) -> Optimizer")

    @pytest.fixture(params=sorted(SUITE_SPACES))
    def space(self, request: pytest.FixtureRequest) -> SearchSpace:
        return SUITE_SPACES[request.param]

    def test_conformance(self, make_optimizer: MakeOptimizer, space: SearchSpace) -> None:
        """In-space proposals for the whole budget with a crashed trial told on the way; the
        same seed gives the same proposals; another seed gives others (unless not stochastic).
        One test runs all three because each run costs surrogate fits or model calls."""
        first = run(make_optimizer, space, seed=3, crash_at=CRASH_AT)
        assert len(first) == BUDGET
        again = run(make_optimizer, space, seed=3, crash_at=CRASH_AT)
        assert configs(again) == configs(first), "the same seed gave different proposals"
        assert [p.source for p in again] == [p.source for p in first]
        if self.stochastic:
            other = run(make_optimizer, space, seed=4, crash_at=CRASH_AT)
            assert configs(other) != configs(first), "seeds 3 and 4 gave identical proposals"

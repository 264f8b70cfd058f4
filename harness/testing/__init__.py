"""Conformance suites others can import (like `optuna.testing`): pytest base classes that check a
plugin's behaviour, not its shape.

- `OptimizerSuite`: every parameter kind, in-space proposals, seeds, crashed trials, budget.
- `BenchmarkSuite`: valid space, default config evaluates, determinism, clear refusals, finite loss.
- `ProviderSuite`: a provider behind a wire-format server or an in-process one (`InProcessWire`)
  answers, refuses with the right error class, retries what is transient and never leaks its key;
  `ProviderContract`: what every registered provider family declares (no server).

"Every registered X passes its suite" lives here: each suite module has `registered()`, pytest
params over its registry read at collection time, so a family added by one registration is
checked with no test list to edit.

Subclass one in a test module and provide its fixture; see each module's docstring. This package
imports pytest: it is for test code only, never imported by the harness at run time.
"""

from llmhpo.harness.testing.benchmarks import BenchmarkSuite
from llmhpo.harness.testing.optimizers import OptimizerSuite
from llmhpo.harness.testing.providers import InProcessWire, ProviderContract, ProviderSuite, WireServer
from llmhpo.harness.testing.spaces import SUITE_SPACES, SyntheticTask

__all__ = ["SUITE_SPACES", "BenchmarkSuite", "InProcessWire", "OptimizerSuite", "ProviderContract", "ProviderSuite",
           "SyntheticTask", "WireServer"]

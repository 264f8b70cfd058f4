"""Each implementation of a seam's Protocol, assigned to it: read by mypy in tests/test_protocols.py,
never run. A class that stops satisfying its Protocol (a method renamed, a signature changed) makes
mypy fail there, where the structural match is otherwise unchecked until a call goes wrong."""

from __future__ import annotations

from llmhpo.cache.modes import Store
from llmhpo.cache.store import CacheStore
from llmhpo.gateway.client import LLMClient
from llmhpo.gateway.endpoints import Routing
from llmhpo.gateway.gateway import Gateway
from llmhpo.harness.benchmarks.base import BaseBenchmark, Benchmark
from llmhpo.harness.campaign.executor import (
    DaskExecutor,
    Executor,
    LazyExecutor,
    PoolExecutor,
    SerialExecutor,
)
from llmhpo.harness.campaign.plan_sim import PlanGateway
from llmhpo.harness.campaign.recorded_attempts import RecordedAttempts
from llmhpo.harness.optimizers.llm import LLMOptimizer
from llmhpo.harness.optimizers.patience import Remembering
from llmhpo.harness.publish.packing import _ReadRecorder


def llm_clients(gateway: Gateway, recorded: RecordedAttempts, dry_run: PlanGateway) -> list[LLMClient]:
    return [gateway, recorded, dry_run]


def stores(store: CacheStore, recorder: _ReadRecorder) -> list[Store]:
    return [store, recorder]


def executors(serial: SerialExecutor, pool: PoolExecutor, dask: DaskExecutor, lazy: LazyExecutor) -> list[Executor]:
    return [serial, pool, dask, lazy]


def benchmarks(benchmark: BaseBenchmark) -> Benchmark:
    return benchmark


def patient(optimizer: LLMOptimizer) -> Remembering:
    return optimizer


def routing(gateway: Gateway) -> Routing:
    return gateway

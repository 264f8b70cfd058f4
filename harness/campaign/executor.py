"""Where evaluations run: in the driver (serial), a local process pool, or a Dask cluster.

Why only evaluations leave the driver: LLM calls and both caches stay in the driver process, so a
cluster needs no shared cache file system and no API keys. A task is (benchmark name, config, seed):
the worker loads the benchmark by name and returns `Evaluation.to_dict()` (plain JSON data), so the
same task runs unchanged on any backend.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import functools
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from llmhpo.harness.benchmarks import load
from llmhpo.harness.campaign import pool_tmp
from llmhpo.harness.campaign.evaluation import safe_evaluate
from llmhpo.harness.errors import UserError


@functools.lru_cache(maxsize=64)
def _benchmark(name: str) -> Any:
    return load(name)


@functools.cache
def limit_threads(user_api: str | None = None) -> None:
    """One BLAS/OpenMP thread per worker: N workers on N cores, not N x N threads. The driver limits
    BLAS only (user_api="blas"): its optimizer fits then give the same bits in every session,
    while the embedded model keeps its own threads."""
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1, user_api=user_api)
    except ImportError:  # threadpoolctl comes with scikit-learn; without it, keep the defaults
        pass


def evaluate_task(benchmark: str, config: dict[str, Any], seed: int) -> dict[str, Any]:
    """Run one evaluation in a worker; model failures come back as a "crashed" Evaluation."""
    return safe_evaluate(_benchmark(benchmark), config, seed).to_dict()


def _dask_task(benchmark: str, config: dict[str, Any], seed: int) -> dict[str, Any]:
    limit_threads()  # Dask workers have no initializer hook here; limit on first task
    return evaluate_task(benchmark, config, seed)


def _driver_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: fall back to a signal-0 probe
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def _watch_driver(pid: int) -> None:
    """Exit when the driver is gone: a pool worker of a driver killed with -9 must not linger."""
    while _driver_alive(pid):
        time.sleep(0.5)
    os._exit(1)


def _init_pool_worker(driver_pid: int) -> None:
    # Ctrl-C (and a SIGTERM to the process group) reach every worker; workers ignore both so that
    # the driver decides: it journals what finished and then kills the workers (terminate()).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    threading.Thread(target=_watch_driver, args=(driver_pid,), daemon=True, name="llmhpo-watch-driver").start()
    limit_threads()


class Executor(Protocol):
    """Where evaluations run (SerialExecutor, PoolExecutor, DaskExecutor, LazyExecutor, a test's own):
    the driver and the baseline submit `(benchmark name, config, seed)` and collect the result dict."""

    @property
    def description(self) -> str:
        """What it is, for people (`serial (in-process)`, `process pool (4 workers)`)."""
        ...

    @property
    def capacity(self) -> int:
        """Evaluations it runs at once: the baseline keeps twice as many submitted."""
        ...

    def submit(self, benchmark: str, config: dict[str, Any], seed: int) -> Any: ...

    def wait(self, handles: Sequence[Any], timeout: float | None) -> list[Any]: ...

    def result(self, handle: Any) -> dict[str, Any]: ...

    def close(self) -> None: ...

    def terminate(self) -> None:
        """A stop (harness.campaign.stopping): evaluations still running are killed, queued ones cancelled."""


class SerialExecutor:
    """Evaluate in the driver process at submit time (`--workers 1`): simplest, debuggable."""

    capacity = 1

    def __init__(self) -> None:
        self.description = "serial (in-process)"

    def submit(self, benchmark: str, config: dict[str, Any], seed: int) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            future.set_result(evaluate_task(benchmark, config, seed))
        except Exception as exc:  # InvalidConfig and other harness bugs surface in result()
            future.set_exception(exc)
        return future

    def wait(self, handles: Sequence[cf.Future], timeout: float | None) -> list[cf.Future]:
        return [h for h in handles if h.done()]

    def result(self, handle: cf.Future) -> dict[str, Any]:
        return handle.result()

    def close(self) -> None:
        pass

    def terminate(self) -> None:
        pass  # a serial evaluation runs on the driver thread, which the stop interrupts itself


class PoolExecutor:
    """A local ProcessPoolExecutor (forkserver: the driver may hold model threads, never fork it)."""

    def __init__(self, workers: int) -> None:
        import multiprocessing

        pool_tmp.sweep()  # folders of pools whose driver was killed
        pool_tmp.own_temp_dir()  # this pool's: pid-named, so the next run can tell it was ours
        self.capacity = workers
        self.description = f"process pool ({workers} workers)"
        ctx = multiprocessing.get_context("forkserver")
        self._pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_pool_worker,
                                            initargs=(os.getpid(),))
        self._terminated = False

    def submit(self, benchmark: str, config: dict[str, Any], seed: int) -> cf.Future:
        return self._pool.submit(evaluate_task, benchmark, config, seed)

    def wait(self, handles: Sequence[cf.Future], timeout: float | None) -> list[cf.Future]:
        done, _ = cf.wait(handles, timeout=timeout, return_when=cf.FIRST_COMPLETED)
        return list(done)

    def result(self, handle: cf.Future) -> dict[str, Any]:
        return handle.result()

    def close(self) -> None:
        self._pool.shutdown(wait=not self._terminated, cancel_futures=True)

    def terminate(self) -> None:
        """SIGKILL the workers (they ignore SIGINT/SIGTERM) and cancel what is queued."""
        self._terminated = True
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            with contextlib.suppress(Exception):
                process.kill()


class DaskExecutor:
    """A Dask `distributed.Client`: an existing scheduler address, or "local" for a LocalCluster."""

    def __init__(self, address: str, workers: int | None = None) -> None:
        try:
            import distributed
        except ImportError:
            raise UserError("--dask needs the `distributed` package: pip install 'dask[distributed]'") from None
        self._cluster = None
        if address == "local":
            self._cluster = distributed.LocalCluster(
                n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                dashboard_address=None, silence_logs=40,
            )
            self._client = distributed.Client(self._cluster)
        else:
            try:
                self._client = distributed.Client(address, timeout="10s")
            except OSError as exc:
                raise UserError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        self.capacity = max(1, sum(w.get("nthreads", 1) for w in self._client.scheduler_info()["workers"].values()))
        self.description = f"dask {address} ({self.capacity} worker threads)"
        self._wait = distributed.wait
        self._submitted: list[Any] = []

    def submit(self, benchmark: str, config: dict[str, Any], seed: int) -> Any:
        future = self._client.submit(_dask_task, benchmark, config, seed, pure=False)
        self._submitted = [f for f in self._submitted if not f.done()] + [future]
        return future

    def wait(self, handles: Sequence[Any], timeout: float | None) -> list[Any]:
        try:
            done, _ = self._wait(list(handles), timeout=timeout, return_when="FIRST_COMPLETED")
        except TimeoutError:
            return []
        return list(done)

    def result(self, handle: Any) -> dict[str, Any]:
        return handle.result()

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def terminate(self) -> None:
        """Cancel this client's tasks (Dask stops running ones with their worker's next check)."""
        with contextlib.suppress(Exception):
            self._client.cancel([f for f in self._submitted if not f.done()])


class LazyExecutor:
    """Start the pool or cluster only when something must really be evaluated (resumes rarely do).

    `capacity` is 1: the size of a pool not started yet is not known (asking would start it)."""

    capacity = 1

    def __init__(self, factory: Callable[[], Executor]) -> None:
        self._factory = factory
        self._inner: Executor | None = None

    @property
    def description(self) -> str:
        return self._inner.description if self._inner is not None else "started on first use"

    def _get(self) -> Executor:
        if self._inner is None:
            self._inner = self._factory()
        return self._inner

    def submit(self, *args: Any) -> Any:
        return self._get().submit(*args)

    def wait(self, handles: Any, timeout: float | None) -> list[Any]:
        return self._get().wait(handles, timeout)

    def result(self, handle: Any) -> dict[str, Any]:
        return self._get().result(handle)

    def close(self) -> None:
        if self._inner is not None:
            self._inner.close()

    def terminate(self) -> None:
        if self._inner is not None:
            self._inner.terminate()


def make_executor(workers: int | None = None, dask: str | None = None) -> Executor:
    """`--dask ADDR` > `--workers 1` (serial) > a process pool of `workers` (default: all cores)."""
    if dask:
        return DaskExecutor(dask, workers)
    workers = workers or os.cpu_count() or 1
    if workers <= 1:
        return SerialExecutor()
    return PoolExecutor(workers)

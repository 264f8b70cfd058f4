"""Four real processes writing and reading one cache directory at once: nothing lost or corrupt."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

from llmhpo.cache.store import CacheStore

WORKERS = 4
KEYS_EACH = 60


def _worker(directory: str, worker: int, start: mp.synchronize.Event) -> tuple[int, list[str]]:
    """Write own keys, overwrite a shared key, and read everything the others wrote so far."""
    problems: list[str] = []
    start.wait(30)
    store = CacheStore(directory)  # all four create/open the fresh directory at the same moment
    seen = 0
    for i in range(KEYS_EACH):
        store.put(f"w{worker}-{i}", {"worker": worker, "i": i, "pad": "x" * (i * 700)})  # some go to files
        store.put("shared", {"worker": worker, "i": i})
        other = (worker + 1 + i) % WORKERS
        for j in range(0, KEYS_EACH, 7):
            got = store.get(f"w{other}-{j}")
            if got is not None:
                seen += 1
                if got != {"worker": other, "i": j, "pad": "x" * (j * 700)}:
                    problems.append(f"worker {worker} read a wrong value for w{other}-{j}")
        shared = store.get("shared")
        if shared is None or set(shared) != {"worker", "i"}:
            problems.append(f"worker {worker} read a bad shared entry {shared!r}")
    store.close()
    return seen, problems


def test_four_processes_one_directory(tmp_path: Path) -> None:
    directory = str(tmp_path / "cache")
    ctx = mp.get_context("spawn")
    start = ctx.Manager().Event()
    with ctx.Pool(WORKERS) as pool:
        results = [pool.apply_async(_worker, (directory, w, start)) for w in range(WORKERS)]
        start.set()
        outcomes = [r.get(timeout=120) for r in results]
    problems = [p for _, ps in outcomes for p in ps]
    assert problems == []
    assert sum(seen for seen, _ in outcomes) > 0  # the processes really did read each other's entries
    store = CacheStore(directory)
    for w in range(WORKERS):
        for i in range(KEYS_EACH):
            assert store.get(f"w{w}-{i}") == {"worker": w, "i": i, "pad": "x" * (i * 700)}
    assert store.get("shared")["i"] == KEYS_EACH - 1
    assert store.stats()["entries"] == WORKERS * KEYS_EACH + 1
    assert store.verify() == []

"""hpobench/* and hpobench-fixed/* through the real worker in the real HPOBench environment.

Skipped (with the reason) when `llmhpo hpobench setup` has not run; CI runs it in install.sh.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from llmhpo.harness.benchmarks import load, names
from llmhpo.harness.campaign.evaluation import safe_evaluate
from llmhpo.harness.cli import main
from llmhpo.harness.errors import UserError
from llmhpo.harness.hpobench.client import WorkerError, worker

DEFAULT_SVM = {"C": 1.0, "gamma": 0.1}


def _params(space):
    return [(p.name, type(p).__name__, getattr(p, "low", None), getattr(p, "high", None),
             getattr(p, "log", None), p.default) for p in space]


def test_worker_runs_hpobench_era_libraries(hpobench_home):
    hello = worker(hpobench_home).request("hello")
    assert hello["hpobench"] == "0.0.10" and hello["ConfigSpace"].startswith("0.6")
    assert hello["sklearn"] == "1.2.2" and hello["pid"] != os.getpid()


@pytest.mark.parametrize("model, builtin", [("svm", "svm"), ("lr", "lr"), ("rf", "rf"), ("xgb", "xgb"),
                                            ("nn", "mlp")])
def test_hpobench_space_through_the_worker_equals_the_builtin_space(hpobench_home, model, builtin):
    hpo, ours = load(f"hpobench-fixed/{model}/31").space, load(f"{builtin}/credit-g").space
    assert sorted(_params(hpo)) == sorted(_params(ours))
    assert hpo.fixed == {}


def test_both_families_are_listed_once_set_up(hpobench_home, capsys):
    listed = names()
    for family in ("hpobench", "hpobench-fixed"):
        assert sum(n.startswith(family + "/") for n in listed) == 5 * 8
    assert main(["benchmarks", "hpobench-fixed/svm", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["name"] for r in rows} == {f"hpobench-fixed/svm/{t}" for t in
                                         (10101, 53, 146818, 146821, 9952, 146822, 31, 3917)}
    assert all(r["fidelity"] == {"subsample": 1.0} for r in rows)


def test_fidelity_overrides_are_checked_against_hpobench_at_load(hpobench_home, capsys):
    bench = load("hpobench/xgb/31@n_estimators=100")
    assert bench.name == "hpobench/xgb/31@n_estimators=100"
    assert bench.fidelity == {"n_estimators": 100, "subsample": 1.0}
    assert load("hpobench/xgb/31@n_estimators=2000").name == "hpobench/xgb/31"
    for bad, message in [("n_estimators=10", r"outside HPOBench's range \[50, 2000\]"),
                         ("n_estimators=100.5", "must be an integer"), ("iter=10", "unknown fidelity 'iter'")]:
        with pytest.raises(UserError, match=message):
            load(f"hpobench-fixed/xgb/31@{bad}")
    assert main(["eval", "hpobench/lr/31@subsample=1.5"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "subsample=1.5 outside" in err


@pytest.mark.slow
def test_master_reports_the_leaked_validation_loss(hpobench_home):
    master, fixed = load("hpobench/svm/31"), load("hpobench-fixed/svm/31")
    m, f = master.evaluate(DEFAULT_SVM, 0), fixed.evaluate(DEFAULT_SVM, 0)
    assert m.loss < f.loss - 0.05  # trained on the validation rows it is scored on
    assert m.info["val_loss"] == m.loss and f.test_loss is not None
    assert "also trained on the validation rows" in master.describe()
    assert master.evaluate(DEFAULT_SVM, 0).loss == m.loss  # rng reset per evaluation: order does not matter


@pytest.mark.slow
def test_worker_is_reused_and_restarted_after_it_dies(hpobench_home):
    bench = load("hpobench-fixed/svm/53")
    w = worker(hpobench_home)
    first = bench.evaluate(DEFAULT_SVM, 1)
    pid, starts = w.pid, w.starts
    second = bench.evaluate(DEFAULT_SVM, 1)
    assert (second.loss, second.test_loss) == (first.loss, first.test_loss) and w.pid == pid and w.starts == starts
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    again = bench.evaluate(DEFAULT_SVM, 1)
    assert w.pid != pid and w.starts == starts + 1
    assert (again.loss, again.test_loss) == (first.loss, first.test_loss)


def test_an_hpobench_error_is_one_line_and_the_worker_lives_on(hpobench_home):
    w = worker(hpobench_home)
    w.request("hello")
    pid = w.pid
    with pytest.raises(WorkerError) as info:  # bypasses the project's space check on purpose
        w.request("evaluate", model="svm", task_id=31, config={"C": -1.0, "gamma": 0.1},
                  fidelity={"subsample": 1.0}, seed=0, fixed=True)
    assert "\n" not in str(info.value) and "C" in str(info.value)
    assert w.request("hello")["pid"] == pid

    class OutOfSpace:  # what a model failure inside HPOBench becomes in a campaign
        name, version, deterministic, worst_loss, fidelity, expected_seconds = "x", "1", True, 1.0, {}, 1.0
        space = load("hpobench-fixed/svm/31").space

        def evaluate(self, config, seed):
            return w.request("evaluate", model="svm", task_id=31, config={"C": -1.0, "gamma": 0.1},
                             fidelity={"subsample": 1.0}, seed=seed, fixed=True)

    ev = safe_evaluate(OutOfSpace(), DEFAULT_SVM, 0)
    assert ev.status == "crashed" and ev.loss == 1.0 and "WorkerError" in ev.info["error"]


@pytest.mark.slow
def test_evaluations_run_from_the_process_pool_and_dask(hpobench_home):
    from llmhpo.harness.campaign.executor import DaskExecutor, PoolExecutor

    name = "hpobench-fixed/lr/10101@iter=10"
    bench = load(name)
    expected = safe_evaluate(bench, bench.space.default(), 3)
    for executor in (PoolExecutor(2), DaskExecutor("local", 1)):
        try:
            handles = [executor.submit(name, bench.space.default(), 3) for _ in range(2)]
            results = [executor.result(h) for h in handles]
        finally:
            executor.close()
        assert [(r["status"], r["loss"], r["test_loss"]) for r in results] == \
            [("ok", expected.loss, expected.test_loss)] * 2, executor.description


@pytest.mark.slow
def test_setup_again_is_quick_and_changes_nothing(hpobench_home, capsys):
    before = json.loads(hpobench_home.marker.read_text())
    if "://" not in before["source"] and not Path(before["source"]).exists():
        pytest.skip(f"the home was set up from {before['source']}, which is gone (another checkout's archive)")
    assert main(["hpobench", "setup", "--source", before["source"]]) == 0
    out = capsys.readouterr()
    assert "virtual environment" in out.err and "exists" in out.err
    assert "already installed from this source" in out.err and "0 files written" in out.err
    assert out.out.strip() == str(hpobench_home.root)
    after = json.loads(hpobench_home.marker.read_text())
    assert after["spaces"] == before["spaces"] and after["source"] == before["source"]


def test_an_orphaned_worker_exits(hpobench_home, tmp_path):
    import subprocess
    import sys
    import time

    from llmhpo.harness.hpobench.client import WORKER_SCRIPT

    # A middle process starts the worker with a pipe it keeps open elsewhere, then dies.
    code = (f"import subprocess, sys; import os; "
            f"p = subprocess.Popen([{str(hpobench_home.python)!r}, {str(WORKER_SCRIPT)!r}, str(os.getpid())], "
            "stdin=sys.stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); print(p.pid)")
    holder = subprocess.Popen(["sleep", "60"], stdout=subprocess.PIPE)  # keeps the worker's stdin open
    try:
        out = subprocess.run([sys.executable, "-c", code], stdin=holder.stdout, capture_output=True, text=True,
                             env=hpobench_home.worker_env(), check=True)
        pid = int(out.stdout)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and os.path.exists(f"/proc/{pid}") and \
                open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] not in ("Z", "X"):
            time.sleep(0.5)
        alive = os.path.exists(f"/proc/{pid}") and \
            open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
        assert not alive, "worker outlived its parent"
    finally:
        holder.kill()
        holder.wait()

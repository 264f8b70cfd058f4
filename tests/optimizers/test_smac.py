"""SMAC3 optimizers (smac-rf, smac-gp): determinism per seed over a whole budget including crashes,
the shared initial design, crashes told as crashes, the run folder, discrete-space exhaustion, and
campaigns that resume and replay.

Skipped, with the reason, only where the optional extra is not installed (CI installs it).
"""

from __future__ import annotations

import gc
import json
import math
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from llmhpo.harness import optimizers
from llmhpo.harness.benchmarks import load
from llmhpo.harness.errors import UserError
from llmhpo.harness.optimizers.ask_tell import ValidationResult
from llmhpo.harness.space import Categorical, Float, Int, Ordinal, SearchSpace

pytest.importorskip("smac", reason='SMAC3 not installed (pip install -e ".[smac]")')

BRANIN = load("toy/branin")


def drive(name: str, seed: int, budget: int, *, crash_at: tuple[int, ...] = (), bench=BRANIN, steps: int | None = None,
          **options):
    """A run of ask/tell (the whole budget unless `steps`); trials in `crash_at` are told as crashes."""
    opt = optimizers.create(name, task=bench, seed=seed, budget=budget, **options)
    proposals = []
    for i in range(budget if steps is None else steps):
        p = opt.ask()
        assert bench.space.contains(p.config), p.config
        assert p.transcript is None
        proposals.append((p.config, p.source))
        if i in crash_at:
            told = ValidationResult(bench.worst_loss, "crashed", 0.0)
        else:
            ev = bench.evaluate(p.config, seed)
            told = ValidationResult(ev.loss, ev.status, ev.cost_s)
        opt.tell(dict(p.config), told)
    return opt, proposals


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize(("name", "budget"), [("smac-rf", 20), ("smac-gp", 8)])  # a GP ask takes seconds
def test_same_seed_same_proposals_over_the_whole_budget_including_crashes(name, budget):
    crashes = (3, 5)
    opt_a, a = drive(name, seed=7, budget=budget, crash_at=crashes)
    _, b = drive(name, seed=7, budget=budget, crash_at=crashes)
    assert a == b
    sources = [s for _, s in a]
    assert sources[:2] == ["initial"] * 2 and sources[2:].count("initial") == budget // 4 - 2
    assert {s for s in sources[budget // 4:]} <= {name, f"{name}-random"} and name in sources
    assert len({json.dumps(c, sort_keys=True) for c, _ in a}) == budget  # deterministic task: no repeats
    _, c = drive(name, seed=8, budget=budget, steps=3)
    assert [x for x, _ in c] != [x for x, _ in a][:3]
    # the crashes reached SMAC as crashes, costed at the benchmark's worst loss
    from smac.runhistory.enumerations import StatusType

    runhistory = opt_a.facade().runhistory
    statuses = [(v.status, v.cost) for v in runhistory.values()]
    assert [s for s, _ in statuses].count(StatusType.CRASHED) == len(crashes)
    assert all(cost == BRANIN.worst_loss for s, cost in statuses if s == StatusType.CRASHED)
    assert all(s == StatusType.SUCCESS for i, (s, _) in enumerate(statuses) if i not in crashes)


def test_shared_initial_design_is_the_one_gp_rf_and_tpe_start_from():
    designs = {}
    for name in ("smac-rf", "smac-gp", "gp", "tpe"):
        opt = optimizers.create(name, task=BRANIN, seed=11, budget=12)
        designs[name] = [opt.ask() for _ in range(3)]
        assert all(p.source == "initial" for p in designs[name])
    assert ([p.config for p in designs["smac-rf"]] == [p.config for p in designs["smac-gp"]]
            == [p.config for p in designs["gp"]] == [p.config for p in designs["tpe"]])


def test_smac_initial_design_follows_the_facade_rule_or_n_initial():
    # SMAC's rule: min(n_configs_per_hyperparameter * dims, a quarter of the budget) Sobol points
    _, default = drive("smac-rf", seed=2, budget=16, initial_design="smac", steps=5)
    assert [s for _, s in default] == ["initial"] * 4 + ["smac-rf"]
    _, seven = drive("smac-rf", seed=2, budget=16, initial_design="smac", n_initial=7, steps=8)
    assert [s for _, s in seven] == ["initial"] * 7 + ["smac-rf"]
    shared = optimizers.create("smac-rf", task=BRANIN, seed=2, budget=16)
    assert [default[i][0] for i in range(4)] != [shared.ask().config for _ in range(4)]


def test_every_parameter_kind_round_trips_through_smac():
    space = SearchSpace(
        [Float("lr", 1e-5, 1.0, log=True), Int("depth", 1, 64, log=True), Int("k", 0, 3),
         Categorical("kernel", ("rbf", "poly", None)), Ordinal("width", (16, 32, 64, 128), log=True)],
        fixed={"subsample": 0.5},
    )
    opt = optimizers.create("smac-rf", space=space, seed=0, budget=12)
    seen = []
    for i in range(12):
        p = opt.ask()
        space.validate(p.config)  # native types, in range, fixed values dropped
        assert "subsample" not in p.config and type(p.config["depth"]) is int and type(p.config["lr"]) is float
        seen.append(p.config)
        opt.tell(p.config, ValidationResult(float(p.config["lr"]) * (1 + i), "ok", 0.0))
    assert len({json.dumps(c, sort_keys=True) for c in seen}) == 12
    assert any(c["kernel"] is None for c in seen) or any(c["kernel"] == "poly" for c in seen)


def test_a_small_discrete_space_is_exhausted_then_sampled_at_random():
    space = SearchSpace([Categorical("a", ("x", "y")), Ordinal("b", (1, 2))])

    def run():
        opt = optimizers.create("smac-rf", space=space, seed=3, budget=7)
        out = []
        for i in range(7):
            p = opt.ask()
            out.append((json.dumps(p.config, sort_keys=True), p.source))
            opt.tell(p.config, ValidationResult(float(i), "ok", 0.0))
        return out

    a = run()
    assert a == run()
    assert len({c for c, _ in a[:4]}) == 4  # every config once before any repeat
    assert {s for _, s in a[4:]} == {"smac-rf-exhausted"}


def test_a_config_smac_did_not_propose_is_learned_not_rejected():
    opt = optimizers.create("smac-gp", task=BRANIN, seed=1, budget=6)
    opt.tell({"x1": 9.5, "x2": 14.0}, ValidationResult(0.5, "ok", 1.0))  # e.g. proposed elsewhere
    p = opt.ask()
    assert p.source == "initial"
    from smac.runhistory.enumerations import StatusType

    finished = [v for v in opt.facade().runhistory.values() if v.status != StatusType.RUNNING]
    assert [(v.cost, v.status) for v in finished] == [(0.5, StatusType.SUCCESS)]


def test_run_folders_are_unique_removed_or_kept_when_asked(tmp_path):
    a = optimizers.create("smac-rf", task=BRANIN, seed=1, budget=4)
    b = optimizers.create("smac-rf", task=BRANIN, seed=1, budget=4)
    assert a.run_dir is None  # creating one (spec validation does) leaves nothing behind
    for _ in range(2):
        p = a.ask()
        a.tell(p.config, BRANIN.evaluate(p.config, 1))
    b.ask()
    assert a.run_dir != b.run_dir and a.run_dir.is_dir() and b.run_dir.is_dir()
    gone = a.run_dir
    del a
    gc.collect()
    assert not gone.exists()

    kept = optimizers.create("smac-gp", task=BRANIN, seed=1, budget=4, keep_run_dir=True, workdir=tmp_path / "run")
    for _ in range(2):
        p = kept.ask()
        kept.tell(p.config, BRANIN.evaluate(p.config, 1))
    del kept
    gc.collect()
    saved = list((tmp_path / "run").rglob("runhistory.json"))
    assert len(saved) == 1
    assert len(json.loads(saved[0].read_text())["data"]) == 2


def test_orphan_folders_are_found_by_their_pid_whatever_their_random_suffix():
    import tempfile

    from llmhpo.harness.optimizers.smac_bo import remove_orphaned_run_dirs

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(gone.stdout)
    tmp = Path(tempfile.gettempdir())
    orphan, live = tmp / f"llmhpo-smac-rf-p{dead}-p4b4xnp5", tmp / f"llmhpo-smac-gp-p{os.getpid()}-p0q1r2s3"
    for folder in (orphan, live):
        folder.mkdir(exist_ok=True)
    try:
        remove_orphaned_run_dirs()
        assert not orphan.exists() and live.is_dir()
    finally:
        for folder in (orphan, live):
            if folder.exists():
                folder.rmdir()


KILLED_RUN = """
import sys, time
from llmhpo.harness import optimizers
from llmhpo.harness.benchmarks import load
opt = optimizers.create("smac-rf", task=load("toy/branin"), seed=3, budget=4)
opt.ask()
print(opt.run_dir, flush=True)
time.sleep(300)
"""


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_folder_of_a_killed_process_is_removed_by_the_next_smac_optimizer():
    proc = subprocess.Popen([sys.executable, "-c", KILLED_RUN], cwd=Path(__file__).resolve().parents[2],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    orphan = Path(proc.stdout.readline().strip())
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert orphan.is_dir() and f"-p{proc.pid}-" in orphan.name  # SIGKILL skipped the finalizer
    live = optimizers.create("smac-rf", task=BRANIN, seed=3, budget=4)
    live.ask()
    assert not orphan.exists()
    assert live.run_dir.is_dir()  # a live process's folder is left alone


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"initial_design": "lhs"}, "option 'initial_design' of optimizer 'smac-rf': must be one of 'shared', 'smac', got 'lhs'"),
        ({"n_initial": 9}, r"option 'n_initial' of optimizer 'smac-rf': 9 cannot exceed the budget \(4\)"),
        ({"n_initial": 0}, "option 'n_initial' of optimizer 'smac-rf': Input should be greater than or equal to 1"),
        ({"keep_run_dir": "yes"}, "option 'keep_run_dir' of optimizer 'smac-rf': Input should be a valid boolean"),
    ],
)
def test_bad_options(options, fragment):
    with pytest.raises(UserError, match=fragment):
        optimizers.create("smac-rf", task=BRANIN, budget=4, **options)


def test_missing_smac_is_one_clear_error(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "smac" else real(name, *a))
    with pytest.raises(UserError, match=r'SMAC3 is not installed; install the extra: pip install -e "\.\[smac\]"'):
        optimizers.create("smac-gp", task=BRANIN, budget=4)


def test_crash_cost_is_the_benchmarks_worst_loss_and_nan_losses_are_crashes():
    opt = optimizers.create("smac-rf", task=BRANIN, seed=0, budget=6)
    p = opt.ask()
    opt.tell(p.config, ValidationResult(math.nan, "crashed", 0.0))
    from smac.runhistory.enumerations import StatusType

    (value,) = opt.facade().runhistory.values()
    assert value.status == StatusType.CRASHED and value.cost == BRANIN.worst_loss
    assert opt.facade().scenario.crash_cost == BRANIN.worst_loss


# -- campaigns: run, resume from a cut journal, replay (smac-rf only: smac-gp is the same class, and
# its GP asks take seconds each; its cross-process determinism is tested below) ---------------------
SPEC = """
name = "smac"
budget = 6
seeds = [0]
benchmarks = ["toy/branin"]
[[optimizers]]
name = "smac-rf"
[[optimizers]]
name = "smac-rf"
label = "smac-rf-kept"
options = {{ initial_design = "smac", keep_run_dir = true }}
"""


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_campaign_with_crashes_resumes_and_replays_identically(tmp_path: Path):
    from llmhpo.cache.modes import Mode
    from llmhpo.harness.campaign.replay import replay
    from llmhpo.harness.campaign.run import CampaignContext, run_campaign
    from llmhpo.harness.spec.campaign_spec import load_spec
    from tests.campaign.helpers import FlakyExecutor, cli_env, llmhpo, stable, trials

    (tmp_path / "smac.toml").write_text(SPEC.format())
    spec = load_spec(tmp_path / "smac.toml")
    # the flaky executor crashes for x1 > 4 and returns NaN for x1 < -2
    full = run_campaign(spec, CampaignContext(out_dir=tmp_path / "full", cache_dir=tmp_path / "cache",
                                              mode=Mode.LIVE, executor=FlakyExecutor()))
    rows = trials(full.directory)
    assert len(rows) == 2 * 6
    assert any(r["status"] == "crashed" for r in rows) and any(r["source"] == "smac-rf" for r in rows)
    kept = sorted(p.relative_to(full.directory).parts[:2] for p in full.directory.rglob("runhistory.json"))
    assert kept == [("optimizer-files", r) for r in sorted({r["run_id"] for r in rows if "kept" in r["run_id"]})]

    # resume: keep the first 3 trials of every run, re-derive them, then go on
    cut = tmp_path / "cut" / "smac"
    cut.mkdir(parents=True)
    for name in ("manifest.json",):
        (cut / name).write_text((full.directory / name).read_text())
    (cut / "trials.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows if r["index"] < 3))
    resumed = run_campaign(spec, CampaignContext(out_dir=tmp_path / "cut", cache_dir=tmp_path / "cache2",
                                                 mode=Mode.LIVE, executor=FlakyExecutor()))
    assert resumed.stats.rederived == 2 * 3
    assert stable(trials(resumed.directory)) == stable(rows)

    result = replay(full.directory, tmp_path / "cache")
    assert result.identical, result.mismatches
    # a replay in a new process, with other string hashes, re-derives the same configs
    env = dict(cli_env(), PYTHONHASHSEED="12345")
    res = llmhpo("replay", str(full.directory), "--cache", str(tmp_path / "cache"), env=env, timeout=900)
    assert res.returncode == 0 and "identical to the journal" in res.stdout, res.stderr


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_proposals_do_not_depend_on_the_process_string_hash_seed():
    """Resume and replay re-derive a run in a new process: SMAC must not order anything by hash()."""
    import subprocess
    import sys

    from tests.campaign.helpers import REPO, cli_env

    script = (
        "import json; from llmhpo.harness import optimizers; from llmhpo.harness.benchmarks import load; b = load('toy/branin')\n"
        "out = []\n"
        "for name, budget in (('smac-rf', 12), ('smac-gp', 5)):\n"
        "    opt = optimizers.create(name, task=b, seed=5, budget=budget)\n"
        "    for _ in range(budget):\n"
        "        p = opt.ask(); out.append(p.config); opt.tell(p.config, b.evaluate(p.config, 5))\n"
        "print(json.dumps(out))\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script], cwd=REPO, env=dict(cli_env(), PYTHONHASHSEED=h),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for h in ("1", "2")]
    outs = [p.communicate(timeout=900) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outs]
    a, b = (json.loads(out) for out, _ in outs)
    assert len(a) == 17 and a == b

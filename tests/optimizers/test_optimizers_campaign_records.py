"""Every LLM call reaches the campaign journal, including llm-tpe's narrowing calls made in tell()."""

from __future__ import annotations

from llmhpo.cache.modes import Mode
from llmhpo.harness import optimizers
from llmhpo.harness.benchmarks import load
from llmhpo.harness.campaign.driver import Driver, RunState
from llmhpo.harness.campaign.executor import SerialExecutor
from llmhpo.harness.spec.campaign_spec import RunSpec
from tests.optimizers.conftest import VISION_MODEL
from tests.optimizers.test_optimizers_llm import cfg
from tests.servers.base import Behaviour


def test_narrowing_calls_are_journaled_with_usage(server, server_gateway) -> None:
    bench = load("toy/branin")
    ranges = '{"x1": [0, 5], "x2": [0, 15]}'
    # trial 0 from the LLM, then a narrowing call after every 2nd result (p = 0: TPE proposes the rest)
    server.script(Behaviour.ok(cfg(1, 2)), *[Behaviour.ok(ranges)] * 3)
    opt = optimizers.create("llm-tpe", task=bench, seed=5, budget=6, model=VISION_MODEL, gateway=server_gateway,
                            p=0.0, narrow_every=2, n_initial=2)
    run = RunSpec("r", bench.name, "llm-tpe", "llm-tpe", VISION_MODEL, {}, 5, 6)
    journal: list[tuple[dict, dict | None]] = []
    Driver([RunState(run, bench, opt)], executor=SerialExecutor(), store=None, mode=Mode.OFF, gateway=server_gateway,
           sink=lambda trial, transcript: journal.append((trial.to_row(), transcript))).run()
    assert len(server.received) == 4  # 1 proposal + narrowing after results 2, 4 and 6
    assert sum(t["llm"]["calls"] for t, _ in journal) == len(server.received)
    assert sum(t["llm"]["prompt_tokens"] for t, _ in journal) == server_gateway.ledger.prompt_tokens
    narrowing = [c for _, tr in journal if tr for c in tr.get("tell_calls", [])]
    assert [c["after"] for c in narrowing] == [2, 4, 6] and all(c["kind"] == "narrowing" for c in narrowing)
    assert all(c["usage"]["prompt_tokens"] > 0 and "Propose a narrower" in str(c["messages"]) for c in narrowing)
    for index in (1, 3, 5):  # the trials after which the LLM narrowed point at their transcript
        trial, transcript = journal[index]
        assert trial["llm"]["calls"] == 1 and transcript is not None and trial["transcript_ref"].endswith(f"#{index}")


def test_an_early_stop_is_recorded_and_a_resume_does_not_rerun_it(server, server_gateway, tmp_path) -> None:
    from llmhpo.harness.journal.files import Journal, read_stopped

    bench = load("toy/branin")
    server.script(Behaviour.ok(cfg(1, 2)))
    opt = optimizers.create("llm-tpe", task=bench, seed=5, budget=30, model=VISION_MODEL, gateway=server_gateway,
                            p=0.0, patience=2, n_initial=2)
    run = RunSpec("r", bench.name, "llm-tpe", "llm-tpe", VISION_MODEL, {}, 5, 30)
    journal = Journal.open(tmp_path, {"spec_hash": "h", "created_at": "now"})
    Driver([RunState(run, bench, opt)], executor=SerialExecutor(), store=None, mode=Mode.OFF, gateway=server_gateway,
           sink=journal.append, on_stop=journal.mark_stopped).run()
    journal.close()
    done = len(Journal.open(tmp_path, {"spec_hash": "h", "created_at": "now"}).finished["r"])
    assert 3 <= done < 30  # patience 2 ended the run early
    assert read_stopped(tmp_path) == {"r": {"run_id": "r", "after": done, "reason": "patience: 2 trials without improvement"}}


def test_plain_llm_takes_a_patience_like_sllmbo(server, server_gateway) -> None:
    from llmhpo.harness.optimizers.ask_tell import ValidationResult

    bench = load("toy/branin")
    server.script(*map(Behaviour.ok, [cfg(1, 2), cfg(3, 4), cfg(5, 6), cfg(7, 8)]))
    opt = optimizers.create("llm", task=bench, seed=0, budget=10, model=VISION_MODEL, gateway=server_gateway, patience=2)
    assert opt.name == "llm" and not opt.stopped
    for loss in (1.0, 2.0):
        p = opt.ask()
        opt.tell(p.config, ValidationResult(loss))
    assert not opt.stopped and len(opt.history) == 2  # the wrapped optimizer's history is visible
    p = opt.ask()
    opt.tell(p.config, ValidationResult(3.0))
    assert opt.stopped and opt.stop_reason == "patience: 2 trials without improvement"

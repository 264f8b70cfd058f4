"""Hybrids: llm-tpe (coin between LLM and TPE, both told everything; patience; narrowing) and
llm-init-gp (LLM first, then GP warm-started), over the scripted HTTP server."""

from __future__ import annotations

from llmhpo.harness import optimizers
from llmhpo.harness.benchmarks import load
from llmhpo.harness.benchmarks.base import Evaluation
from llmhpo.harness.optimizers.hybrid import LLMTPE, narrowed_space
from llmhpo.harness.optimizers.patience import Patience
from tests.optimizers.conftest import VISION_MODEL
from tests.optimizers.test_optimizers_llm import cfg, run
from tests.servers.base import Behaviour

BRANIN = load("toy/branin")


def make(name: str, gateway, budget: int, **options):
    return optimizers.create(name, task=BRANIN, seed=5, budget=budget, model=VISION_MODEL, gateway=gateway, **options)


def test_llm_tpe_mixes_sources_and_tells_both(server, server_gateway) -> None:
    server.script(*[Behaviour.ok(cfg(i - 4, i)) for i in range(10)])
    opt = make("llm-tpe", server_gateway, budget=10)
    proposals = run(opt, 10)
    sources = [p.source for p in proposals]
    assert sources[0] == "llm"  # SLLMBO starts from the LLM
    assert {"llm"} < set(sources) and set(sources) & {"tpe", "initial"}
    # every result reaches TPE once as a finished trial (a TPE proposal evaluated as the prompt shows it,
    # proposals revision 2, closes the asked trial as failed and adds the config actually run)
    complete = [t for t in opt.tpe.study.trials if t.state.name == "COMPLETE"]
    assert len(opt.llm.history) == 10 and len(complete) == 10
    assert all(t.state.name in ("COMPLETE", "FAIL") for t in opt.tpe.study.trials)
    n_llm = sources.count("llm")
    assert len(server.received) == n_llm
    first_other = next(i for i, s in enumerate(sources) if s != "llm")
    if "llm" in sources[first_other:]:  # the LLM hears about TPE's trials
        assert any("Another method evaluated" in str(r.body) for r in server.received)
    # same seed, same coin flips
    server.reset()
    server.script(*[Behaviour.ok(cfg(i - 4, i)) for i in range(10)])
    again = make("llm-tpe", server_gateway, budget=10)
    assert [p.source for p in run(again, 10)] == sources


def test_patience_stops_after_that_many_trials_without_improvement() -> None:
    p = Patience(2)
    assert [p.update(x) for x in (3.0, 2.0, 2.5, 2.0, 1.0, 1.0, 1.5)] == [False, False, False, True, False, False, True]
    assert not any(Patience(0).update(x) for x in (1.0, 2.0, 3.0, 4.0))


def test_llm_tpe_sets_stopped(server, server_gateway) -> None:
    opt = make("llm-tpe", server_gateway, budget=10, patience=2)
    assert isinstance(opt, LLMTPE) and not opt.stopped
    for loss in (5.0, 6.0, 7.0):
        opt.tell({"x1": loss, "x2": 1.0}, Evaluation(loss, None, 0.0))
    assert opt.stopped
    assert server.received == []


def test_narrowed_space_intersects_and_ignores_nonsense() -> None:
    space, notes = narrowed_space(BRANIN.space, {"x1": [0, 50], "x2": [100, 200]})
    assert (space["x1"].lo, space["x1"].hi) == (0.0, 10.0)
    assert (space["x2"].lo, space["x2"].hi) == (0.0, 15.0)
    assert any("x2: proposed range" in n for n in notes)


def test_llm_tpe_narrowing_reaches_tpe(server, server_gateway) -> None:
    # every narrowing request gets the same answer (unscripted, the server would propose its own ranges)
    server.script(Behaviour.ok(cfg(1, 2)), *[Behaviour.ok('{"x1": [0, 5], "x2": [100, 200]}')] * 8)
    opt = make("llm-tpe", server_gateway, budget=8, p=0.0, narrow_every=1, n_initial=2)
    proposals = run(opt, 8)
    assert opt.narrowing[0]["ranges"][0] == "x1: [0.0, 5.0]"
    later = [p for p in proposals[1:] if p.source in ("tpe", "initial")]
    assert len(later) == 7
    assert all(0.0 <= p.config["x1"] <= 5.0 for p in later)
    assert "Propose a narrower search range" in server.received[1].body["messages"][0]["content"]


def test_llm_init_gp_hands_over_after_k(server, server_gateway) -> None:
    server.script(*map(Behaviour.ok, [cfg(1, 2), cfg(3, 4), cfg(-3, 12)]))
    opt = make("llm-init-gp", server_gateway, budget=6, k=3)
    proposals = run(opt, 5)
    assert [p.source for p in proposals] == ["llm", "llm", "llm", "gp", "gp"]
    assert len(server.received) == 3
    assert len(opt.gp._opt.Xi) == 4  # warm-started with the LLM's three results, then its own
    assert [p.transcript is None for p in proposals] == [False, False, False, True, True]

"""Proposals revision 2: what the model saw is what was evaluated, and a repeat of a rounded value is
caught (issue #23, point 2), next to revision 1, kept exactly as it was. Real HTTP: the scripted
OpenAI-compatible server of tests/servers, the real gateway and cache."""

from __future__ import annotations

import json

from llmhpo.harness import optimizers
from llmhpo.harness.benchmarks import load
from llmhpo.harness.journal.provenance import Provenance, of_transcript
from llmhpo.harness.optimizers import prompts
from llmhpo.harness.optimizers.ask_tell import ValidationResult
from tests.optimizers.conftest import VISION_MODEL
from tests.servers.base import Behaviour

BRANIN = load("toy/branin")
REV1 = {"prompts": "1", "plots": "2", "proposals": "1"}
REV2 = {"prompts": "1", "plots": "2", "proposals": "2"}


def cfg(x1: float, x2: float) -> str:
    return json.dumps({"x1": x1, "x2": x2})


def make(gateway, revisions, **options):
    return optimizers.create("llm", task=BRANIN, seed=0, budget=6, model=VISION_MODEL, gateway=gateway,
                             revisions=revisions, **options)


def test_the_demos_rounded_repeat_cannot_recur(server, server_gateway) -> None:
    """`3.65302759781` was evaluated, the prompt showed `3.65303`, the model proposed `3.65303` back:
    revision 1 evaluated it again as the model's; revision 2 sees the repeat (re-ask, then perturb)."""
    for revisions, expect in ((REV1, "llm"), (REV2, "llm-perturbed")):
        server.reset()
        server.script(*map(Behaviour.ok, [cfg(3.65303, 7.0)] * 2))
        opt = make(server_gateway, revisions)
        opt.tell({"x1": 3.65302759781, "x2": 7.0}, ValidationResult(loss=5.0))  # evaluated before, by another method
        proposal = opt.ask()
        assert "3.65303" in json.dumps(server.received[0].body)  # what the model was shown
        assert proposal.source == expect
        if revisions is REV1:
            assert proposal.config == {"x1": 3.65303, "x2": 7.0}  # the wasted trial of the demo
        else:
            assert proposal.transcript["duplicate"]["resolved_by"] == "perturb"
            assert proposal.config != {"x1": 3.65303, "x2": 7.0}
            assert of_transcript(proposal.source, proposal.transcript) is Provenance.PERTURBED


def test_revision_2_evaluates_what_the_prompt_shows(server, server_gateway) -> None:
    """A perturbed config, a long-digit reply and a fallback: each evaluated at the precision the
    prompt shows it, so the next prompt's history holds exactly the evaluated configs."""
    server.script(*map(Behaviour.ok, [cfg(1, 2), cfg(1, 2), cfg(1, 2),  # repeat -> perturbed
                                      cfg(4.123456789, 5.5),  # more digits than the prompt shows
                                      "no idea", "still no idea", "nothing"]))  # -> random fallback
    opt = make(server_gateway, REV2, style="compressed")
    told = []
    for _ in range(4):
        p = opt.ask()
        assert p.config == BRANIN.space.shown(p.config) and BRANIN.space.contains(p.config)
        told.append(p)
        opt.tell(p.config, ValidationResult(loss=float(BRANIN.evaluate(p.config, 0).loss)))
    assert [of_transcript(p.source, p.transcript) for p in told] == [
        Provenance.MODEL, Provenance.PERTURBED, Provenance.REPAIRED, Provenance.FALLBACK]
    assert told[2].config == {"x1": 4.12346, "x2": 5.5}
    assert "x1: 4.123456789 rounded to 4.12346 (the precision prompts show)" in told[2].transcript["repairs"]
    before = len(server.received)
    opt.ask()
    shown = server.received[before].body["messages"][-1]["content"]
    for p in told:  # every history line is the evaluated config, exactly
        assert f"Config: {prompts.compact(p.config, BRANIN.space)}," in shown
        assert json.loads(prompts.compact(p.config, BRANIN.space)) == p.config


def test_revision_1_evaluates_full_precision_as_before(server, server_gateway) -> None:
    server.script(*map(Behaviour.ok, [cfg(1, 2), cfg(1, 2), cfg(1, 2), cfg(4.123456789, 5.5)]))
    opt = make(server_gateway, REV1)
    first = opt.ask()
    opt.tell(first.config, ValidationResult(loss=1.0))
    second = opt.ask()
    assert second.source == "llm-perturbed" and second.config != BRANIN.space.shown(second.config)
    assert "provenance" not in second.transcript  # revision 1's transcript is as it was
    assert of_transcript(second.source, second.transcript) is Provenance.PERTURBED
    opt.tell(second.config, ValidationResult(loss=2.0))
    assert opt.ask().config == {"x1": 4.123456789, "x2": 5.5}


def test_a_hybrids_classical_proposals_are_evaluated_as_the_prompt_shows_them(server, server_gateway) -> None:
    for revisions in (REV1, REV2):
        server.reset()
        opt = optimizers.create("llm-tpe", task=BRANIN, seed=0, budget=6, model=VISION_MODEL, gateway=server_gateway,
                                revisions=revisions, p=0.0, n_initial=2)
        sources, exact = [], []
        for _ in range(5):
            p = opt.ask()
            sources.append(p.source)
            exact.append(p.config == BRANIN.space.shown(p.config))
            opt.tell(p.config, ValidationResult(loss=float(BRANIN.evaluate(p.config, 0).loss)))
        assert sources[0] == "llm" and set(sources[1:]) <= {"initial", "tpe"}
        if revisions is REV2:
            assert all(exact)
            states = [t.state.name for t in opt.tpe.study.trials]
            assert "RUNNING" not in states and states.count("COMPLETE") == 5  # every asked TPE trial was told
        else:
            assert not all(exact[1:])  # revision 1: TPE's full-precision floats

"""A provider's refusal stops that run with the provider's message (journaled, in the CLI summary
and the report); other runs go on; a resume after fixing the cause completes it. Random fallbacks
are counted per optimizer x model and warned about above 10%."""

from __future__ import annotations

import json

from llmhpo.harness.cli import main
from llmhpo.harness.journal.files import FAILURES
from llmhpo.harness.journal.jsonl import read_jsonl
from llmhpo.harness.report import build_report
from tests.servers import Behaviour

SPEC = """
name = "keys"
budget = 3
seeds = [0]
benchmarks = ["toy/branin"]
[[optimizers]]
name = "random"
[[optimizers]]
name = "llm"
model = "openai/gpt-4o"
"""


def _run(tmp_path) -> int:
    spec = tmp_path / "keys.toml"
    spec.write_text(SPEC)
    return main(["run", str(spec), "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache"),
                 "--workers", "1"])


def test_a_401_stops_the_run_with_the_providers_message_and_a_resume_completes_it(
        point_at_servers, tmp_path, monkeypatch, capsys) -> None:
    server = point_at_servers["openai"]
    server.valid_keys = {"sk-the-right-key-0123456789"}
    monkeypatch.setenv("OPENAI_API_KEY", "sk-a-revoked-key-0123456789")

    assert _run(tmp_path) == 1
    err = capsys.readouterr().err
    assert "FAILED run toy-branin.llm-openai-gpt-4o.b3.s0" in err and "Incorrect API key provided" in err
    assert "sk-a-revoked-key-0123456789" not in err  # the real API masks it, and so does the message
    directory = tmp_path / "out" / "keys"
    trials, _ = read_jsonl(directory / "trials.jsonl")
    assert [t["optimizer"] for t in trials] == ["random"] * 3  # the other run went on
    [failure] = read_jsonl(directory / FAILURES)[0]
    assert failure["status"] == 401 and failure["index"] == 0 and "rejected the API key" in failure["error"]
    assert len(server.received) == 1  # refused once: no retry, no re-ask, no random config
    report = (build_report(directory).parent / "report.md").read_text()
    assert "1 run(s) FAILED" in report and "Incorrect API key provided" in report

    monkeypatch.setenv("OPENAI_API_KEY", "sk-the-right-key-0123456789")
    assert _run(tmp_path) == 0
    trials, _ = read_jsonl(directory / "trials.jsonl")
    assert sorted(t["optimizer"] for t in trials) == ["llm@openai/gpt-4o"] * 3 + ["random"] * 3
    out = capsys.readouterr().out
    assert "random fallback llm@openai/gpt-4o: 0/3 LLM proposals (0%)" in out
    report = (build_report(directory).parent / "report.md").read_text()
    assert "FAILED" not in report and "output protocol of `llm@openai/gpt-4o`: text" in report
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["capabilities"]["openai/gpt-4o"]["source"] == "litellm"
    assert "sk-the-right-key" not in (directory / "manifest.json").read_text()


def test_a_high_fallback_rate_is_warned_about(point_at_servers, tmp_path, capsys) -> None:
    point_at_servers["openai"].script(*[Behaviour.ok("I would rather not say.")] * 9)
    assert _run(tmp_path) == 0
    out = capsys.readouterr().out
    assert "random fallback llm@openai/gpt-4o: 3/3 LLM proposals (100%)  WARNING" in out
    report = (build_report(tmp_path / "out" / "keys").parent / "report.md").read_text()
    head = report.split("## Budget")[0]  # at the top, before the results
    assert "3/3 LLM proposals (100%)  WARNING" in head

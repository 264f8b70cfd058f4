"""One campaign compares a model behind its own endpoint (api_base + the NAME of its key variable,
harness/spec/model_settings.py) with the embedded local model; the key never reaches the manifest, the journal,
the cache or the report."""

from __future__ import annotations

import json

import pytest

from llmhpo.harness.cli import main
from llmhpo.harness.journal.jsonl import read_jsonl
from llmhpo.harness.report import build_report

SECRET = "sk-only-in-the-environment-4242"


@pytest.mark.model
@pytest.mark.slow
def test_a_test_server_model_and_the_embedded_model_in_one_campaign(fresh_servers, tmp_path, monkeypatch) -> None:
    server = fresh_servers["openai"]
    server.valid_keys = {SECRET}
    monkeypatch.setenv("MY_SELF_HOSTED_KEY", SECRET)
    spec = tmp_path / "cross.toml"
    spec.write_text(f"""
name = "cross"
budget = 2
seeds = [0]
benchmarks = ["toy/branin"]
[[optimizers]]
name = "llm"
model = "openai/gpt-4o"
[[optimizers]]
name = "llm"
model = "local/smollm2-135m"
[model_settings."openai/gpt-4o"]
api_base = "{server.url}/v1"
api_key_env = "MY_SELF_HOSTED_KEY"
""")
    cache = tmp_path / "cache"
    assert main(["run", str(spec), "--out", str(tmp_path / "out"), "--cache", str(cache), "--workers", "1"]) == 0
    directory = tmp_path / "out" / "cross"
    trials, _ = read_jsonl(directory / "trials.jsonl")
    by_model = {t["model"]: t for t in trials}
    assert set(by_model) == {"openai/gpt-4o", "local/smollm2-135m"} and len(trials) == 4
    assert all(r.headers.get("Authorization") == f"Bearer {SECRET}" for r in server.received)
    assert len(server.received) >= 2 and server.refused == []
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["protocols"] == {"llm@openai/gpt-4o": "text", "llm@local/smollm2-135m": "schema"}
    assert manifest["endpoints"]["openai/gpt-4o"] == {"api_base": f"{server.url}/v1", "api_key_env": "MY_SELF_HOSTED_KEY"}
    assert manifest["spec"]["model_settings"]["openai/gpt-4o"]["api_key_env"] == "MY_SELF_HOSTED_KEY"
    build_report(directory)
    for path in [*directory.rglob("*"), *cache.rglob("*")]:
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path

"""The manifest records each model's endpoint (never credentials) and replay keys requests by it,
whatever the environment; `llmhpo run --api-base` sets the endpoint of a single-model campaign."""

from __future__ import annotations

import json

import pytest

from llmhpo.harness.cli import main
from tests.faults.server import FaultServer

SPEC = """
name = "ep"
budget = 2
seeds = [0]
benchmarks = ["toy/branin"]
workers = 1
[[optimizers]]
name = "llm"
model = "openai/gpt-4o-mini"
{extra}
"""


@pytest.fixture
def server():
    s = FaultServer(script={}).start()
    yield s
    s.stop()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ("OPENAI_API_BASE", "OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def _manifest(out):
    return json.loads((out / "ep" / "manifest.json").read_text())


def test_spec_endpoint_in_manifest_and_replay_ignores_the_environment(tmp_path, server, monkeypatch, capsys):
    monkeypatch.setenv("EP_TEST_KEY", "sk-endpoint-test-key-000000000")
    spec = tmp_path / "ep.toml"
    spec.write_text(SPEC.format(extra=f'[model_settings."openai/gpt-4o-mini"]\napi_base = "{server.url}"\n'
                                      'api_key_env = "EP_TEST_KEY"\n'))
    out, cache = tmp_path / "out", tmp_path / "cache"
    assert main(["run", str(spec), "--out", str(out), "--cache", str(cache)]) == 0
    manifest = _manifest(out)
    assert manifest["endpoints"] == {"openai/gpt-4o-mini": {"api_base": server.url, "api_key_env": "EP_TEST_KEY"}}
    assert "sk-endpoint-test-key" not in json.dumps(manifest)
    server.stop()
    monkeypatch.setenv("OPENAI_API_BASE", "http://127.0.0.1:9/v1")  # a different endpoint in the environment
    capsys.readouterr()
    assert main(["replay", str(out / "ep"), "--cache", str(cache)]) == 0
    assert "identical to the journal" in capsys.readouterr().out
    # `run --mode replay` into the same directory follows the manifest too
    assert main(["run", str(spec), "--out", str(out), "--cache", str(cache), "--mode", "replay"]) == 0


def test_run_api_base_for_a_single_model(tmp_path, server, monkeypatch, capsys):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-key-for-the-test-000000")
    spec = tmp_path / "ep.toml"
    spec.write_text(SPEC.format(extra=""))
    out, cache = tmp_path / "out", tmp_path / "cache"
    assert main(["run", str(spec), "--out", str(out), "--cache", str(cache), "--api-base", server.url]) == 0
    assert _manifest(out)["endpoints"]["openai/gpt-4o-mini"]["api_base"] == server.url
    assert server.requests >= 2


def test_run_api_base_refuses_several_models(tmp_path, capsys):
    spec = tmp_path / "two.toml"
    spec.write_text(SPEC.format(extra='[[optimizers]]\nname = "llm"\nmodel = "openai/gpt-4o"\n'))
    assert main(["run", str(spec), "--out", str(tmp_path / "out"), "--api-base", "http://127.0.0.1:1/v1"]) == 2
    err = capsys.readouterr().err
    assert "--api-base" in err and "openai/gpt-4o, openai/gpt-4o-mini" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("setting, message", [
    ('api_base = "http://user:pw@127.0.0.1:1/v1"', "must not carry credentials"),
    ('api_key_env = "sk-0123456789abcdef0123"', "NAME of an environment variable"),
    ('api_base = "not a url"', "http(s) URL"),
    ('apibase = "http://127.0.0.1:1/v1"', "unknown key"),
])
def test_bad_model_settings(tmp_path, capsys, setting, message):
    spec = tmp_path / "bad.toml"
    spec.write_text(SPEC.format(extra=f'[model_settings."openai/gpt-4o-mini"]\n{setting}\n'))
    assert main(["run", str(spec), "--out", str(tmp_path / "out")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()

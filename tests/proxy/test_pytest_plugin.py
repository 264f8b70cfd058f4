"""The `llmhpo` pytest plugin, driven by inner pytest runs (pytester) as a user's suite would use it."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.slow  # each test runs inner pytest sessions (seconds each on 2 busy cores)

GATEWAY_TEST = """
import pytest
from llmhpo.gateway import Message, Request

pytestmark = pytest.mark.llm_cassette("recorded/module.jsonl")

def ask(text):
    return Request(model="openai/gpt-4o", messages=(Message.text("user", text),))

def test_one(llm_gateway):
    assert llm_gateway.complete(ask("first")).text == "hello from the test server"

def test_two(llm_gateway, llm_mode):
    reply = llm_gateway.complete(ask("second"))
    assert reply.cache_hit == (llm_mode == "replay")
"""

SDK_TEST = """
import openai

def test_sdk(llm_proxy_url):
    client = openai.OpenAI(base_url=llm_proxy_url, api_key="llmhpo", max_retries=0)
    reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "via sdk"}])
    assert reply.choices[0].message.content == "hello from the test server"

def test_swallowed_miss_still_fails(llm_proxy):
    client = openai.OpenAI(base_url=llm_proxy.openai_base_url, api_key="llmhpo", max_retries=0)
    try:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "never recorded"}])
    except openai.NotFoundError:
        pass  # code under test that hides errors must not turn a miss into a pass
"""


@pytest.fixture
def suite(pytester, upstream_openai, monkeypatch):
    """An inner test suite whose provider is the wire-format test server (via OPENAI_API_BASE)."""
    monkeypatch.setenv("OPENAI_API_BASE", upstream_openai.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-inner-suite-key-000000000")
    monkeypatch.delenv("CI", raising=False)
    return pytester


def test_module_cassette_records_then_replays_strictly(suite, upstream_openai):
    suite.makepyfile(test_gw=GATEWAY_TEST)
    cassette = suite.path / "recorded" / "module.jsonl"

    first = suite.runpytest("-p", "no:cacheprovider", "--llm-mode", "replay")
    first.assert_outcomes(failed=2)
    first.stdout.fnmatch_lines(
        [
            "*LLM call(s) not recorded in cassette*module.jsonl (does not exist)*",
            "*user: 'first'*",
            "*pytest 'test_gw.py::test_one' --llm-mode live*",
        ]
    )
    assert not cassette.exists() and upstream_openai.received == []

    suite.runpytest("-p", "no:cacheprovider", "--llm-mode", "record").assert_outcomes(passed=2)
    lines = cassette.read_text().splitlines()
    assert len(lines) == 2 and len(upstream_openai.received) == 2  # one cassette for the module
    assert {json.loads(line)["request"]["messages"][0]["content"][0]["text"] for line in lines} == {
        "first",
        "second",
    }
    assert b"sk-inner-suite-key" not in cassette.read_bytes()

    upstream_openai.stop()
    replay = suite.runpytest("-p", "no:cacheprovider", "--llm-mode", "replay")
    replay.assert_outcomes(passed=2)
    assert cassette.read_text().splitlines() == lines  # replay never rewrites a cassette


def test_default_mode_is_replay_under_ci_and_live_otherwise(suite, monkeypatch, upstream_openai):
    suite.makepyfile(test_gw=GATEWAY_TEST)
    monkeypatch.setenv("CI", "true")
    under_ci = suite.runpytest("-p", "no:cacheprovider")
    under_ci.stdout.fnmatch_lines(["llmhpo: --llm-mode replay"])
    under_ci.assert_outcomes(failed=2)
    assert upstream_openai.received == []
    monkeypatch.delenv("CI")
    local = suite.runpytest("-p", "no:cacheprovider")
    local.stdout.fnmatch_lines(["llmhpo: --llm-mode live"])
    local.assert_outcomes(passed=2)
    assert (suite.path / "recorded" / "module.jsonl").is_file()  # live wrote what it recorded


def test_sdk_through_the_proxy_fixture_and_per_test_cassettes(suite, upstream_openai):
    suite.makepyfile(test_sdk=SDK_TEST)
    recorded = suite.runpytest("-p", "no:cacheprovider", "--llm-mode", "record", "-k", "not swallowed")
    recorded.assert_outcomes(passed=1)
    cassette = suite.path / "cassettes" / "test_sdk" / "test_sdk.jsonl"
    assert len(cassette.read_text().splitlines()) == 1
    upstream_openai.stop()

    replay = suite.runpytest("-p", "no:cacheprovider", "--llm-mode", "replay")
    replay.assert_outcomes(passed=1, failed=1)
    replay.stdout.fnmatch_lines(
        [
            "*test_swallowed_miss_still_fails*",
            "*1 LLM call(s) not recorded in cassette*test_swallowed_miss_still_fails.jsonl (does not exist)*",
            "*user: 'never recorded'*",
            "*pytest 'test_sdk.py::test_swallowed_miss_still_fails' --llm-mode live*",
        ]
    )


def test_plugin_leaves_suites_without_its_fixtures_alone(pytester, monkeypatch):
    monkeypatch.setenv("CI", "true")
    pytester.makepyfile(test_plain="def test_plain():\n    assert 1 + 1 == 2\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert not (pytester.path / "cassettes").exists()
    disabled = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:llmhpo")
    disabled.assert_outcomes(passed=1)
    assert "llmhpo:" not in disabled.stdout.str()

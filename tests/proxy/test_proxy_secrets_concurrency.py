"""A client's planted key reaches the provider and nowhere else; 8 concurrent clients corrupt nothing."""

from __future__ import annotations

import logging
import threading

import anthropic
import openai
from proxy_helpers import ANTHROPIC_MODEL, OPENAI_MODEL, PNG_B64, every_byte, get, post

from llmhpo.cache.cassette import export_cassette
from llmhpo.cache.store import CacheStore
from tests.servers import Behaviour, OpenAIServer
from tests.servers.base import Received

PLANTED_OPENAI = "sk-PLANTED-PROXY-CLIENT-KEY-1234"
PLANTED_ANTHROPIC = "sk-ant-PLANTED-PROXY-CLIENT-KEY-5678"


def test_planted_client_keys_are_forwarded_but_never_written(
    make_proxy, upstream_openai, upstream_anthropic, cache_dir, tmp_path, caplog, capsys
):
    caplog.set_level(logging.INFO)
    proxy = make_proxy("live", upstreams={"openai": upstream_openai.url, "anthropic": upstream_anthropic.url})
    oa = openai.OpenAI(base_url=f"{proxy.url}/v1", api_key=PLANTED_OPENAI, max_retries=0)
    image = [
        {"type": "text", "text": "see"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG_B64}"}},
    ]
    oa.chat.completions.create(model=OPENAI_MODEL, messages=[{"role": "user", "content": image}], seed=1)
    list(
        oa.chat.completions.create(
            model=OPENAI_MODEL, messages=[{"role": "user", "content": "s"}], stream=True
        )
    )
    an = anthropic.Anthropic(base_url=proxy.url, api_key=PLANTED_ANTHROPIC, max_retries=0)
    an.messages.create(model=ANTHROPIC_MODEL, max_tokens=8, messages=[{"role": "user", "content": "hi"}])
    assert upstream_openai.received[0].headers["Authorization"] == f"Bearer {PLANTED_OPENAI}"
    assert upstream_anthropic.received[0].headers["x-api-key"] == PLANTED_ANTHROPIC
    # an upstream 401 echoes the key it got: the client's error must come back scrubbed
    upstream_openai.script(Behaviour.error(401))
    r = post(
        f"{proxy.url}/v1/chat/completions",
        json={"model": OPENAI_MODEL, "messages": [{"role": "user", "content": "other"}]},
        headers={"Authorization": f"Bearer {PLANTED_OPENAI}"},
    )
    assert r.status_code >= 400 and "rejected the API key" in r.text and PLANTED_OPENAI not in r.text
    assert get(f"{proxy.url}/stats").json()["live_calls"] == 3
    proxy.stop()

    cassette = tmp_path / "proxy.jsonl"
    with CacheStore(cache_dir) as store:
        assert len(list(store.entries("llm"))) == 3
        export_cassette(store, cassette)
    written = every_byte(cache_dir, cassette)
    out, err = capsys.readouterr()
    logged = (caplog.text + out + err).encode()
    assert b"/v1/chat/completions openai/gpt-4o live" in logged  # the per-request log line exists...
    for secret in (PLANTED_OPENAI, PLANTED_ANTHROPIC):
        assert secret.encode() not in written, f"{secret} leaked into the cache"
        assert secret.encode() not in logged, f"{secret} leaked into the logs"  # ...without keys


class EchoServer(OpenAIServer):
    """Replies with the prompt it got, so a reply stored under the wrong key would show."""

    def reply(self, received: Received, text: str, truncated: bool) -> dict:
        payload = super().reply(received, text, truncated)
        payload["choices"][0]["message"]["content"] = "echo: " + received.body["messages"][-1]["content"]
        return payload


def test_eight_concurrent_clients_leave_no_corrupt_entry(make_proxy, cache_dir, litellm_loaded):
    upstream = EchoServer().start()
    upstream_url = upstream.url
    try:
        upstream.script(*[Behaviour.hang(0.3)] * 8)  # slow first replies, so calls must overlap
        proxy = make_proxy("live", upstreams={"openai": upstream.url})
        prompts = [f"shared {i}" for i in range(4)]  # every client asks these: racing writes to one key
        errors: list[BaseException] = []
        barrier = threading.Barrier(8)

        def client(n: int) -> None:
            try:
                sdk = openai.OpenAI(base_url=f"{proxy.url}/v1", api_key="llmhpo", max_retries=0)
                barrier.wait()
                for prompt in [*prompts, f"own {n} a", f"own {n} b"]:
                    reply = sdk.chat.completions.create(
                        model=OPENAI_MODEL, messages=[{"role": "user", "content": prompt}], temperature=0
                    )
                    assert reply.choices[0].message.content == f"echo: {prompt}"
            except BaseException as exc:  # noqa: BLE001 - reported by the main thread
                errors.append(exc)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors[:3]
        assert upstream.max_in_flight >= 2  # the clients really overlapped
    finally:
        upstream.stop()
    proxy.stop()
    with CacheStore(cache_dir) as store:
        assert store.verify() == []
        entries = list(store.entries("llm"))
    assert len(entries) == 4 + 8 * 2
    for entry in entries:
        asked = entry["request"]["messages"][-1]["content"][0]["text"]
        assert entry["value"]["text"] == f"echo: {asked}"
    replayer = make_proxy("replay", upstreams={"openai": upstream_url})  # the endpoint is part of the key
    sdk = openai.OpenAI(base_url=f"{replayer.url}/v1", api_key="llmhpo", max_retries=0)
    for prompt in ("shared 3", "own 7 b"):
        reply = sdk.chat.completions.create(
            model=OPENAI_MODEL, messages=[{"role": "user", "content": prompt}], temperature=0
        )
        assert reply.choices[0].message.content == f"echo: {prompt}"

"""Retry policy, pricing and image loading on their own (no HTTP)."""

from __future__ import annotations

import dataclasses
import time

import pytest
from gateway_helpers import ask, make_png

from llmhpo.gateway import Gateway, Response, Usage, image_from_bytes, load_image
from llmhpo.gateway.errors import ConfigurationError, ProviderError, TransientProviderError
from llmhpo.gateway.pricing import cost, price_of
from llmhpo.gateway.providers.litellm import LiteLLMProvider, retry_after_s
from llmhpo.gateway.providers.openai_format import to_openai_message
from llmhpo.gateway.retry import RetryPolicy, call_with_retries
from llmhpo.gateway.types import ImagePart, Message, TextPart


class Flaky:
    """Fails with the given errors in order, then returns "ok"; counts calls."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


FAST = RetryPolicy(max_attempts=4, max_total_s=5, backoff_s=0.001, max_backoff_s=0.002, jitter_s=0.001)


def test_transient_errors_are_retried_until_success():
    fn = Flaky(TransientProviderError("429", status=429), TransientProviderError("503", status=503))
    assert call_with_retries(fn, FAST) == "ok" and fn.calls == 3


def test_definitive_errors_are_not_retried():
    for error in (ProviderError("bad request", status=400), ConfigurationError("no key")):
        fn = Flaky(error)
        with pytest.raises(type(error)):
            call_with_retries(fn, FAST)
        assert fn.calls == 1


def test_exhaustion_names_attempts_and_last_error():
    fn = Flaky(*[TransientProviderError(f"boom {i}", status=502) for i in range(10)])
    with pytest.raises(ProviderError, match=r"m/x failed after 4 attempts .*boom 3") as info:
        call_with_retries(fn, FAST, what="m/x")
    assert (info.value.attempts, info.value.status, fn.calls) == (4, 502, 4)
    assert not isinstance(info.value, TransientProviderError)


def test_retry_after_hint_replaces_backoff():
    fn = Flaky(TransientProviderError("slow down", status=429, retry_after_s=0.2))
    start = time.monotonic()
    assert call_with_retries(fn, RetryPolicy(max_attempts=2, backoff_s=0.0, jitter_s=0.0)) == "ok"
    assert time.monotonic() - start >= 0.2


def test_total_time_bounds_attempts():
    fn = Flaky(*[TransientProviderError("x", status=500) for _ in range(100)])
    policy = RetryPolicy(max_attempts=100, max_total_s=0.3, backoff_s=0.05, max_backoff_s=0.05, jitter_s=0.0)
    start = time.monotonic()
    with pytest.raises(ProviderError, match="time budget of 0.3 s"):
        call_with_retries(fn, policy)
    # the budget ends the retries (not max_attempts); 0.2 s is scheduling slack for a loaded CI machine
    # (the suite runs on both cores), still far below the 5 s that 100 attempts would take
    assert time.monotonic() - start < 0.3 + 0.2 and 2 <= fn.calls < 10


def test_policy_rejects_nonsense(tmp_path):
    with pytest.raises(ConfigurationError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ConfigurationError, match="timeout_s"):
        Gateway(tmp_path, timeout_s=0)
    with pytest.raises(ConfigurationError, match="max_total_s"):
        Gateway(tmp_path, max_total_s=-1)


def test_retry_after_header_forms():
    class Exc(Exception):
        def __init__(self, headers: dict) -> None:
            self.litellm_response_headers = headers

    assert retry_after_s(Exc({"retry-after": "2"})) == 2.0
    assert retry_after_s(Exc({"retry-after-ms": "250"})) == 0.25
    assert retry_after_s(Exc({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"})) == 0.0  # in the past
    assert retry_after_s(Exc({"retry-after": "soon"})) is None
    assert retry_after_s(Exc({})) is None


def test_prices():
    usage = Usage(1_000_000, 1_000_000)
    assert cost("openai/gpt-4o", usage) == 12.5
    assert cost("openai/gpt-4o-2024-08-06", usage) == 12.5
    assert cost("openai/gpt-4o-mini", usage) == pytest.approx(0.75)
    assert cost("anthropic/claude-3-5-sonnet-20241022", usage) == 18.0
    assert cost("anthropic/claude-sonnet-4-20250514", usage) == 18.0
    assert cost("gemini/gemini-1.5-pro-002", usage) == 6.25
    assert price_of("gemini/gemini-2.5-flash") == (0.30, 2.50)
    assert cost("local/smollm2-135m", usage) == 0.0
    assert cost("openai/my-local-finetune", usage) is None
    assert cost("openai/gpt-4omega", usage) is None  # no prefix guessing across families
    assert cost("ollama/llama3", usage) is None


def test_unknown_price_is_not_counted_as_free(tmp_path):
    gw = Gateway(tmp_path)
    gw.ledger.record(
        "openai/x", Response("t", "stop", Usage(1, 1), "x", 0.1, cost_usd=None, would_have_cost_usd=None)
    )
    assert gw.ledger.unpriced_calls == 1 and gw.ledger.cost_usd == 0.0
    hit = Response("t", "stop", Usage(1, 1), "x", 0.0, cost_usd=0.0, would_have_cost_usd=None, cache_hit=True)
    gw.ledger.record("openai/x", hit)
    assert gw.ledger.unpriced_calls == 2 and gw.ledger.per_model["openai/x"].cache_hits == 1


def test_load_image(tmp_path):
    png = tmp_path / "a.png"
    png.write_bytes(make_png())
    part = load_image(png, fingerprint="semantic")
    assert (part.mime, part.fingerprint, part.data) == ("image/png", "semantic", png.read_bytes())
    import io

    from PIL import Image

    def encoded(fmt: str) -> bytes:
        buf = io.BytesIO()
        Image.new("RGB", (2, 2), (10, 80, 160)).save(buf, format=fmt)
        return buf.getvalue()

    jpeg = tmp_path / "b.jpg"
    jpeg.write_bytes(encoded("JPEG"))
    assert load_image(jpeg).mime == "image/jpeg"
    assert image_from_bytes(encoded("WEBP")).mime == "image/webp"
    # the right magic bytes are not enough: the image must decode
    with pytest.raises(ConfigurationError, match="cannot be decoded"):
        image_from_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 20)
    fake = tmp_path / "t.png"
    fake.write_text("hello")
    with pytest.raises(ConfigurationError, match="not a supported image"):
        load_image(fake)
    with pytest.raises(ConfigurationError, match="cannot read image file"):
        load_image(tmp_path / "missing.png")
    with pytest.raises(ConfigurationError, match="cannot read image file"):
        load_image(tmp_path)  # a directory


def test_openai_message_shapes():
    assert to_openai_message(Message.text("user", "hi")) == {"role": "user", "content": "hi"}
    img = ImagePart(make_png(), "image/png")
    msg = to_openai_message(Message("user", (TextPart("a"), img)))
    assert msg["content"] == [
        {"type": "text", "text": "a"},
        {"type": "image_url", "image_url": {"url": img.data_url()}},
    ]


def test_extra_may_not_override_transport():
    req = dataclasses.replace(ask("openai/gpt-4o", api_base="http://127.0.0.1:9"), extra={"timeout": 999})
    with pytest.raises(ConfigurationError, match="timeout"):
        LiteLLMProvider().completion_kwargs(req, timeout_s=1)
    ok = dataclasses.replace(req, extra={"top_k": 3})
    kwargs = LiteLLMProvider().completion_kwargs(ok, timeout_s=1)
    assert kwargs["top_k"] == 3 and kwargs["num_retries"] == 0 and kwargs["max_retries"] == 0

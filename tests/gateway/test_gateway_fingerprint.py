"""The request fingerprint changes with everything that can change a reply, and nothing else."""

from __future__ import annotations

import dataclasses

from gateway_helpers import PNG_1X1, ask, make_png
from hypothesis import given, settings
from hypothesis import strategies as st

from llmhpo.cache.key import fingerprint
from llmhpo.gateway import Gateway, Message, Request, TextPart
from llmhpo.gateway.providers.litellm import LiteLLMProvider
from llmhpo.gateway.types import ImagePart

texts = st.text(min_size=1, max_size=60)
floats01 = st.floats(min_value=0.0, max_value=2.0, allow_nan=False)


@st.composite
def requests(draw: st.DrawFn) -> Request:
    n_images = draw(st.integers(0, 2))
    images = tuple(ImagePart(make_png(1, 1, draw(st.integers(0, 255)))) for _ in range(n_images))
    messages = [Message("user", (TextPart(draw(texts)), *images))]
    if draw(st.booleans()):
        messages.insert(0, Message.text("system", draw(texts)))
    return Request(
        model=draw(
            st.sampled_from(["openai/gpt-4o", "anthropic/claude-3-5-haiku-latest", "local/smollm2-135m"])
        ),
        messages=tuple(messages),
        temperature=draw(floats01),
        top_p=draw(st.none() | st.floats(0.01, 1.0)),
        max_tokens=draw(st.none() | st.integers(1, 4096)),
        seed=draw(st.none() | st.integers(0, 2**31)),
        stop=draw(st.none() | st.tuples(texts)),
        replicate=draw(st.integers(0, 50)),
    )


def fp(r: Request) -> str:
    return fingerprint(r.key_view())


def _other(name: str, value: object) -> object:
    """A value of field `name` that differs from `value`."""
    if value is None:
        return ("STOP",) if name == "stop" else 7
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value + 0.125
    if isinstance(value, tuple):
        return (*value, "###")
    if isinstance(value, str):
        return value + "-x"
    raise AssertionError(value)


@settings(max_examples=60, deadline=None)
@given(
    requests(), st.sampled_from(["model", "temperature", "top_p", "max_tokens", "seed", "stop", "replicate"])
)
def test_every_generation_parameter_changes_the_key(req: Request, name: str) -> None:
    changed = dataclasses.replace(req, **{name: _other(name, getattr(req, name))})
    assert fp(changed) != fp(req)


@settings(max_examples=40, deadline=None)
@given(
    requests(), st.dictionaries(st.sampled_from(["type"]), st.sampled_from(["object", "array"]), min_size=1)
)
def test_schema_extra_and_endpoint_change_the_key(req: Request, schema: dict) -> None:
    assert fp(dataclasses.replace(req, response_schema=schema)) != fp(req)
    assert fp(dataclasses.replace(req, extra={"top_k": 5})) != fp(req)
    assert fp(dataclasses.replace(req, api_base="http://127.0.0.1:8000/v1")) != fp(req)


@settings(max_examples=60, deadline=None)
@given(requests(), st.data())
def test_every_message_byte_changes_the_key(req: Request, data: st.DataObject) -> None:
    m = data.draw(st.integers(0, len(req.messages) - 1))
    text = req.messages[m].content[0].text
    i = data.draw(st.integers(0, len(text) - 1))
    new_char = data.draw(st.characters().filter(lambda c: c != text[i]))
    edited = text[:i] + new_char + text[i + 1 :]
    message = dataclasses.replace(req.messages[m], content=(TextPart(edited), *req.messages[m].content[1:]))
    messages = req.messages[:m] + (message,) + req.messages[m + 1 :]
    assert fp(dataclasses.replace(req, messages=messages)) != fp(req)


@settings(max_examples=60, deadline=None)
@given(st.binary(min_size=1, max_size=64), st.data())
def test_every_image_byte_changes_the_key_unless_semantically_keyed(blob: bytes, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(blob) - 1))
    flipped = blob[:i] + bytes([blob[i] ^ data.draw(st.integers(1, 255))]) + blob[i + 1 :]

    def req(image: ImagePart) -> Request:
        return Request("openai/gpt-4o", (Message("user", (TextPart("look"), image)),))

    assert fp(req(ImagePart(blob))) != fp(req(ImagePart(flipped)))
    # A caller's semantic fingerprint (plot data + plot version) replaces the bytes in the key.
    assert fp(req(ImagePart(blob, fingerprint="plot:v1:abc"))) == fp(
        req(ImagePart(flipped, fingerprint="plot:v1:abc"))
    )
    assert fp(req(ImagePart(blob, fingerprint="plot:v1:abc"))) != fp(
        req(ImagePart(blob, fingerprint="plot:v1:abd"))
    )


def test_float_spelling_does_not_matter(tmp_path) -> None:
    assert fp(ask("openai/gpt-4o", temperature=0.1)) == fp(ask("openai/gpt-4o", temperature=1e-1))
    gw = Gateway(tmp_path)
    assert gw.fingerprint(ask("openai/gpt-4o", temperature=1, top_p=1)) == gw.fingerprint(
        ask("openai/gpt-4o", temperature=1.0, top_p=1.0)
    )


def test_keys_timeouts_retries_and_url_credentials_stay_out(tmp_path) -> None:
    req = ask("openai/gpt-4o", api_base="http://127.0.0.1:9/v1")
    a = Gateway(
        tmp_path, timeout_s=1, max_attempts=1, providers={"openai": LiteLLMProvider(api_key="sk-one")}
    )
    b = Gateway(
        tmp_path,
        timeout_s=99,
        max_attempts=9,
        max_total_s=999,
        providers={"openai": LiteLLMProvider(api_key="sk-two")},
    )
    assert a.fingerprint(req) == b.fingerprint(req)
    with_password = dataclasses.replace(req, api_base="http://user:hunter2@127.0.0.1:9/v1/?key=zzz")
    assert a.fingerprint(with_password) == a.fingerprint(req)
    assert "hunter2" not in str(with_password.key_view()) and "zzz" not in str(with_password.key_view())
    image_req = Request("openai/gpt-4o", (Message("user", (TextPart("x"), ImagePart(PNG_1X1))),))
    assert "base64" not in str(image_req.key_view())

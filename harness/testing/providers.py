"""The provider conformance suite, driven through a real HTTP server speaking the provider's wire
format (the project's own are in tests/servers/).

Subclass `ProviderSuite` and provide three fixtures:
- `model`: the full model name served, e.g. "openai/gpt-4o";
- `wire`: a `WireServer` (how the suite scripts the server and counts what reached it);
- `make_gateway`: `(cache_dir, mode) -> Gateway` whose provider for `model` talks to the server
  with the API key `SECRET` (through the provider's constructor or an environment variable).

Checks: a reply arrives with its text, token usage and finish reason, and the key went out on the
wire; a strict replay then answers from the cache without calling; a refusal (400/401/403/404)
raises the refusal error class at once (one request, no retry), names the model, never shows the
key and caches nothing; a transient failure (429/503) is retried; the key never appears in any
byte of the cache directory, even after the server echoed it in an error body.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from llmhpo.cache import CacheMiss
from llmhpo.gateway import Gateway, Message, Request, errors

SECRET = "sk-conformance-3f9a1c77e2b54d08"  # a fake key: the suite checks it never leaks
# Neither a retry nor a re-ask helps with these (CONTRACTS §1).
REFUSED: tuple[type[Exception], ...] = (errors.ProviderRefused,)
REFUSAL_STATUSES = (400, 401, 403, 404)
TRANSIENT_STATUSES = (429, 503)


@dataclass(frozen=True)
class WireServer:
    """What the suite needs of a wire-format test server."""

    reply_next: Callable[[str], None]  # the next request gets a normal reply with this text
    fail_next: Callable[[int], None]  # the next request gets this HTTP error status with an error body
    request_count: Callable[[], int]  # requests received since the test started
    sent_secret: Callable[[str], bool]  # did some received request carry this credential?


def ping(model: str, text: str = "Reply with one word.") -> Request:
    return Request(model=model, messages=(Message.text("user", text),), temperature=0.0, max_tokens=16)


def bytes_under(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file())


class ProviderSuite:
    """Conformance tests; a subclass provides `model`, `wire` and `make_gateway`."""

    @pytest.fixture
    def model(self) -> str:
        raise NotImplementedError("provide the model name served by the provider under test")

    @pytest.fixture
    def wire(self) -> WireServer:
        raise NotImplementedError("provide a WireServer for the provider's wire-format test server")

    @pytest.fixture
    def make_gateway(self) -> Callable[[Path, str], Gateway]:
        raise NotImplementedError("provide (cache_dir, mode) -> Gateway reaching the server with SECRET")

    def test_answers_then_replays_from_the_cache(
        self, model: str, wire: WireServer, make_gateway: Callable[[Path, str], Gateway], tmp_path: Path
    ) -> None:
        wire.reply_next("conformance pong")
        with make_gateway(tmp_path, "live") as gw:
            response = gw.complete(ping(model))
        assert response.text == "conformance pong" and not response.cache_hit
        assert response.finish_reason == "stop"
        assert response.usage.prompt_tokens > 0 and response.usage.completion_tokens > 0
        assert wire.request_count() == 1 and wire.sent_secret(SECRET), "the key did not reach the server"
        with make_gateway(tmp_path, "replay") as gw:
            again = gw.complete(ping(model))
        assert again.text == response.text and again.cache_hit
        assert wire.request_count() == 1, "a strict replay called the provider"
        assert SECRET.encode() not in bytes_under(tmp_path), "the API key reached the cache"

    @pytest.mark.parametrize("status", REFUSAL_STATUSES)
    def test_refusal_raises_at_once_and_caches_nothing(
        self, model: str, wire: WireServer, make_gateway: Callable[[Path, str], Gateway], tmp_path: Path, status: int
    ) -> None:
        wire.fail_next(status)
        with make_gateway(tmp_path, "live") as gw, pytest.raises(REFUSED) as caught:
            gw.complete(ping(model))
        assert not isinstance(caught.value, errors.TransientProviderError), f"HTTP {status} is not transient"
        assert wire.request_count() == 1, f"HTTP {status} was retried"
        assert model in str(caught.value), "the error must name the model"
        assert SECRET not in str(caught.value), "the key leaked into the error message"
        with make_gateway(tmp_path, "replay") as gw, pytest.raises(CacheMiss):
            gw.complete(ping(model))
        assert SECRET.encode() not in bytes_under(tmp_path)

    @pytest.mark.parametrize("status", TRANSIENT_STATUSES)
    def test_transient_failure_is_retried(
        self, model: str, wire: WireServer, make_gateway: Callable[[Path, str], Gateway], tmp_path: Path, status: int
    ) -> None:
        wire.fail_next(status)
        wire.reply_next("after a retry")
        with make_gateway(tmp_path, "live") as gw:
            response = gw.complete(ping(model))
        assert response.text == "after a retry"
        assert wire.request_count() == 2

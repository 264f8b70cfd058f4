"""The provider conformance suite: a provider's behaviour through the gateway, and the contract
every registered provider family keeps.

`ProviderSuite` drives one provider through its remote side, scripted by the test: a real HTTP
server speaking the provider's wire format (the project's own are in tests/servers/), or, for an
in-process provider (an embedded engine, a library; no server), an `InProcessWire` the provider
calls where it would send a request. Subclass it and provide
- `model`: the full model name served, e.g. "openai/gpt-4o";
- `wire`: a `WireServer` (how the suite scripts the remote side and counts what reached it);
- either `provider`: the provider instance, configured with the API key `SECRET` (the suite then
  builds the gateway itself), or `make_gateway`: `(cache_dir, mode) -> Gateway` whose provider for
  `model` reaches the remote side with `SECRET` (constructor or environment variable).

Checks: a reply arrives with its text, token usage and finish reason, and the key went out; a
strict replay then answers from the cache without calling; a refusal (every status of
`gateway.errors.REFUSED_STATUSES`) raises the refusal error class at once (one request, no retry),
names the model, never shows the key and caches nothing; a transient failure (429/503) is retried;
the key never appears in any byte of the cache directory, even after the remote side echoed it.

`ProviderContract` needs no remote side: parametrized over `registered()`, every provider family in
the registry (built-in or added by `gateway.providers.register`) is checked without a test list.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from llmhpo.cache import CacheMiss
from llmhpo.gateway import Gateway, Message, Request, errors, providers
from llmhpo.gateway.providers.base import Provider

SECRET = "sk-conformance-3f9a1c77e2b54d08"  # a fake key: the suite checks it never leaks
# Neither a retry nor a re-ask helps with these.
REFUSED: tuple[type[Exception], ...] = (errors.ProviderRefused,)
REFUSAL_STATUSES = tuple(sorted(errors.REFUSED_STATUSES))
TRANSIENT_STATUSES = (429, 503)
FAST_RETRIES = {"timeout_s": 2.0, "max_attempts": 3, "max_total_s": 10.0, "backoff_s": 0.01, "max_backoff_s": 0.05}


@dataclass(frozen=True)
class WireServer:
    """What the suite needs of a wire-format test server."""

    reply_next: Callable[[str], None]  # the next request gets a normal reply with this text
    fail_next: Callable[[int], None]  # the next request gets this HTTP error status with an error body
    request_count: Callable[[], int]  # requests received since the test started
    sent_secret: Callable[[str], bool]  # did some received request carry this credential?


class InProcessWire:
    """The scripted remote side of an in-process provider: the provider calls `receive(api_key)`
    where it would send a request and answers with the `(status, text)` it gets (200: a reply;
    otherwise the error a server would have sent with that status)."""

    def __init__(self) -> None:
        self._next: deque[tuple[int, str]] = deque()
        self.keys: list[str | None] = []

    def receive(self, api_key: str | None) -> tuple[int, str]:
        self.keys.append(api_key)
        return self._next.popleft() if self._next else (200, "ok")

    def as_wire(self) -> WireServer:
        return WireServer(
            reply_next=lambda text: self._next.append((200, text)),
            fail_next=lambda status: self._next.append((status, f"scripted error {status}")),
            request_count=lambda: len(self.keys),
            sent_secret=lambda secret: secret in self.keys,
        )


def registered() -> list:
    """One pytest param per registered provider prefix (ids = prefixes), read when called."""
    return [pytest.param(prefix, id=prefix) for prefix in providers.names()]


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
    def provider(self) -> Provider:
        raise NotImplementedError("provide a `provider` (configured with SECRET) or override make_gateway")

    @pytest.fixture
    def make_gateway(self, request: pytest.FixtureRequest, model: str) -> Callable[[Path, str], Gateway]:
        """A gateway whose provider for `model`'s prefix is the `provider` fixture (fast retries); a
        prefix not registered yet is registered to the provider's class for the test's duration."""
        provider = request.getfixturevalue("provider")
        prefix = model.partition("/")[0]
        if prefix not in providers.names():
            providers.register(prefix, type(provider))
            request.addfinalizer(lambda: providers.unregister(prefix))
        return lambda cache_dir, mode: Gateway(cache_dir, mode=mode, providers={prefix: provider}, **FAST_RETRIES)

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


class ProviderContract:
    """What every registered provider family declares, checked without a remote side; a subclass
    provides the `prefix` fixture, usually `@pytest.fixture(params=registered())`."""

    @pytest.fixture
    def prefix(self) -> str:
        raise NotImplementedError("provide a registered provider prefix, e.g. params=registered()")

    def test_is_a_provider_with_its_hooks(self, prefix: str) -> None:
        cls = providers.provider_class(prefix)
        assert issubclass(cls, Provider), f"{prefix}: {cls!r} does not subclass gateway.providers.base.Provider"
        assert not getattr(cls, "__abstractmethods__", None), f"{prefix}: {cls.__name__} leaves methods abstract"
        instance = providers.provider_for(f"{prefix}/conformance-model")
        assert isinstance(instance.max_concurrency, int) and instance.max_concurrency >= 1
        base = instance.resolve_api_base(ping(f"{prefix}/conformance-model"))
        assert base is None or isinstance(base, str)


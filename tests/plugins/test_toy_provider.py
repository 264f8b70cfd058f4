"""A new provider family is one file plus one registration call, and then runs through the provider
conformance suite and a campaign (proposals from its own wire, strict replay) like the built-in ones."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from llmhpo.cache.modes import Mode
from llmhpo.gateway import Gateway, errors, providers
from llmhpo.gateway.providers.base import Provider
from llmhpo.harness import benchmarks, optimizers
from llmhpo.harness.campaign.replay import replay
from llmhpo.harness.campaign.run import CampaignContext, run_campaign
from llmhpo.harness.errors import UserError
from llmhpo.harness.spec.campaign_spec import loads_spec
from llmhpo.harness.testing import ProviderSuite, WireServer
from llmhpo.harness.testing.providers import SECRET
from tests.campaign.helpers import stable, trials
from tests.plugins.toy_provider import BASE_ENV, KEY_ENV
from tests.plugins.toy_server import ToyServer

MODEL = "toy/tiny-hpo"


@pytest.fixture(scope="module")
def toy_server() -> Iterator[ToyServer]:
    with ToyServer() as server:
        yield server


@pytest.fixture
def toy(toy_server: ToyServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[ToyServer]:
    """The provider registered (its one call) and configured the way a user would: by environment."""
    toy_server.reset()
    monkeypatch.setenv(KEY_ENV, SECRET)
    monkeypatch.setenv(BASE_ENV, toy_server.url)
    providers.register("toy", "tests.plugins.toy_provider:ToyProvider")
    yield toy_server
    providers.unregister("toy")


class TestToyProviderConformance(ProviderSuite):
    @pytest.fixture
    def model(self) -> str:
        return MODEL

    @pytest.fixture
    def wire(self, toy: ToyServer) -> WireServer:
        return toy.as_wire()

    @pytest.fixture
    def make_gateway(self, toy: ToyServer) -> Callable[[Path, str], Gateway]:
        # no `providers=` override: the registry's own instance serves the model
        return lambda cache_dir, mode: Gateway(cache_dir, mode=mode, timeout_s=2.0, max_attempts=3, max_total_s=10.0,
                                               backoff_s=0.01, max_backoff_s=0.05)


def test_every_registered_provider_declares_its_capabilities(toy: ToyServer) -> None:
    assert "toy" in providers.names()
    for prefix in providers.names():
        assert issubclass(providers.provider_class(prefix), Provider), prefix
    caps = Gateway(mode="off").capabilities(MODEL)
    assert (caps.source, caps.images, caps.response_schema, caps.max_context) == ("toy", False, True, 4096)


def test_capabilities_come_from_the_provider_not_the_name(toy: ToyServer) -> None:
    """A toy model named like a vision model is still text-only: nobody guesses from names."""
    gw = Gateway(mode="off")
    assert not gw.capabilities("toy/gpt-4o").images
    task = benchmarks.load("toy/branin")
    with pytest.raises(UserError, match="is text-only"):
        optimizers.create("mmllm", space=task.space, task=task, model="toy/gpt-4o", gateway=gw)
    with pytest.raises(errors.ConfigurationError, match="does not accept images"):
        from llmhpo.gateway import Message, Request
        from llmhpo.gateway.types import ImagePart, TextPart

        image = ImagePart(data=b"\x89PNG\r\n\x1a\n" + b"\0" * 16)
        gw.complete(Request(model="toy/gpt-4o", messages=(Message("user", (TextPart("see"), image)),)))
    assert toy.received == [], "a refused image reached the wire"


def test_register_and_unregister(toy: ToyServer) -> None:
    with pytest.raises(errors.ConfigurationError, match="already registered"):
        providers.register("toy", "tests.plugins.toy_provider:ToyProvider")
    with pytest.raises(errors.ConfigurationError, match="already registered"):
        providers.register("openai", "tests.plugins.toy_provider:ToyProvider")
    with pytest.raises(errors.ConfigurationError, match="module:Class"):
        providers.register("toy2", "tests.plugins.toy_provider")
    providers.unregister("openai")  # built-in families stay
    assert "openai" in providers.PROVIDERS
    providers.unregister("toy")
    with pytest.raises(errors.ConfigurationError, match="unknown provider prefix 'toy'"):
        providers.prefix_of(MODEL)
    providers.register("toy", "tests.plugins.toy_provider:ToyProvider")


SPEC = f"""
name = "toy-provider"
budget = 4
seeds = [0]
benchmarks = ["toy/branin"]
[[optimizers]]
name = "llm"
model = "{MODEL}"
[[optimizers]]
name = "llm"
model = "{MODEL}"
label = "llm-schema"
options = {{ output = "schema" }}
"""


def test_a_campaign_asks_the_toy_provider_and_replays_strictly(toy: ToyServer, tmp_path: Path) -> None:
    spec = loads_spec(SPEC)
    outcome = run_campaign(spec, CampaignContext(out_dir=tmp_path / "out", cache_dir=tmp_path / "cache",
                                                 mode=Mode.LIVE, workers=1))
    assert outcome.complete
    rows = trials(outcome.directory)
    assert len(rows) == 2 * 4
    assert {r["source"] for r in rows} == {"llm"}, "a proposal did not come from the toy provider's reply"
    asked = len(toy.received)
    assert asked >= len(rows) and all(r.path == "/v1/generate" for r in toy.received)
    schema_asks = [r for r in toy.received if r.body.get("schema")]
    assert 4 <= len(schema_asks) < asked, "one run asks with a schema, the other in free text"
    branin = benchmarks.load("toy/branin")
    assert all(branin.space.contains(r["config"]) for r in rows)
    assert len({str(r["config"]) for r in rows}) == len(rows)

    checked = replay(outcome.directory, tmp_path / "cache")
    assert checked.identical and checked.trials == len(rows), checked.mismatches
    again = run_campaign(spec, CampaignContext(out_dir=tmp_path / "replayed", cache_dir=tmp_path / "cache",
                                               mode=Mode.REPLAY, workers=1))
    replayed = trials(again.directory)
    assert again.complete and all(r["llm"]["cache_hits"] == r["llm"]["calls"] for r in replayed)
    assert stable([_as_live(r) for r in replayed]) == stable(rows)
    assert len(toy.received) == asked, "a strict replay called the toy provider"


def _as_live(row: dict) -> dict:
    """A replayed row as the live run journaled it: the same, except that its LLM calls were cache hits."""
    return {**row, "llm": {**row["llm"], "cache_hits": 0}}

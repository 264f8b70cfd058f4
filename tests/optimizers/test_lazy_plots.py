"""A plot is drawn only when its request is really sent (a live call or a cache miss): never on a
cache hit or a replay, and the cache key of a lazy plot is the key of the eager one."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import pytest

from llmhpo.cache.cassette import import_cassette
from llmhpo.cache.store import CacheStore
from llmhpo.gateway.types import ImagePart, Message, Request, TextPart
from llmhpo.harness import optimizers
from llmhpo.harness.benchmarks import load
from llmhpo.harness.campaign.replay import replay
from llmhpo.harness.optimizers import plots
from llmhpo.harness.optimizers.history import Observation
from tests.optimizers.conftest import VISION_MODEL, make_gateway
from tests.optimizers.test_optimizers_llm import cfg, run
from tests.servers.base import Behaviour

BRANIN = load("toy/branin")
HISTORY = [Observation({"x1": 1.0, "x2": 2.0}, 3.5), Observation({"x1": -2.0, "x2": 7.5}, 12.0, crashed=True)]
OLD = Path(__file__).resolve().parents[1] / "bundle" / "data"


def _request(image: ImagePart) -> Request:
    return Request(VISION_MODEL, (Message("user", (TextPart("propose"), image)),))


def test_a_lazy_plot_has_the_key_and_bytes_of_the_eager_one(server_gateway) -> None:
    before = plots.render_count()
    lazy = plots.render(HISTORY, BRANIN.space)
    eager = ImagePart(plots.png(HISTORY, BRANIN.space), "image/png", plots.plot_fingerprint(HISTORY, BRANIN.space))
    assert plots.render_count() == before + 1 and not lazy.produced  # only the eager one was drawn
    assert server_gateway.fingerprint(_request(lazy)) == server_gateway.fingerprint(_request(eager))
    assert not lazy.produced  # keying a request never draws
    assert lazy.data == eager.data and lazy == eager and plots.render_count() == before + 2
    assert lazy.data is lazy.data and plots.render_count() == before + 2  # drawn once
    assert pickle.loads(pickle.dumps(lazy)) == eager


def test_a_lazy_part_needs_a_fingerprint_and_is_immutable() -> None:
    with pytest.raises(TypeError, match="fingerprint"):
        ImagePart(produce=lambda: b"png")
    with pytest.raises(TypeError):
        ImagePart()
    with pytest.raises(AttributeError):
        ImagePart(b"x").mime = "image/gif"


def test_the_plot_shows_the_history_as_it_was_asked(server_gateway) -> None:
    history = list(HISTORY)
    lazy = plots.render(history, BRANIN.space)
    history.append(Observation({"x1": 0.0, "x2": 0.0}, 1.0))
    assert lazy.data == plots.png(HISTORY, BRANIN.space)


def test_plots_are_drawn_for_sent_requests_only(server, tmp_path) -> None:
    """Live: one drawing per request sent. Same run again on the same cache (all hits): none."""
    replies = [cfg(1, 2), cfg(3, 4), cfg(5, 6), cfg(-1, 8)]
    counts = []
    for _ in range(2):
        server.reset()
        server.script(*map(Behaviour.ok, replies))
        gateway = make_gateway(server, tmp_path / "cache")
        before = plots.render_count()
        opt = optimizers.create("mmllm", task=BRANIN, seed=0, budget=4, model=VISION_MODEL, gateway=gateway)
        run(opt, 4)
        counts.append((plots.render_count() - before, len(server.received)))
        gateway.close()
    assert counts == [(3, 4), (0, 0)]  # no plot before the first result; the second time nothing is sent


def test_an_old_recorded_multimodal_campaign_replays_without_drawing(tmp_path) -> None:
    """Recorded before plots became lazy (eager rendering): every key still hits, nothing is drawn."""
    directory = tmp_path / "oldmm"
    shutil.copytree(OLD / "oldmm", directory)
    with CacheStore(tmp_path / "cache") as store:
        assert import_cassette(store, OLD / "oldmm.cassette.jsonl") == 17
    before = plots.render_count()
    result = replay(directory, tmp_path / "cache")
    assert result.identical and result.trials == 6 and result.llm_calls == 6
    assert plots.render_count() == before
    images = [a["messages"][-1]["content"] for row in (directory / "transcripts").glob("*.jsonl")
              for line in row.read_text().splitlines() for a in json.loads(line)["transcript"]["attempts"]]
    assert sum(1 for content in images for part in content if part.get("type") == "image") == 4

"""The real embedded model (marker `model`, seconds): load, schema-constrained JSON, usage,
determinism across processes, and clear errors for images, overflowing prompts and bad files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from llmhpo.cache import Mode
from llmhpo.gateway import Gateway, ImagePart, Message, Request, TextPart
from llmhpo.gateway.errors import ConfigurationError, ProviderRefused
from llmhpo.gateway.models import CATALOGUE
from llmhpo.gateway.providers import provider_for
from llmhpo.gateway.providers.local import LocalProvider

pytestmark = pytest.mark.model
ROOT = Path(__file__).resolve().parents[2]
MODEL = "local/smollm2-135m"
SCHEMA = {
    "type": "object",
    "properties": {"C": {"type": "number"}, "gamma": {"type": "number"}},
    "required": ["C", "gamma"],
    "additionalProperties": False,
}
PROMPT = "Propose C and gamma for an RBF-kernel SVM on a small tabular dataset. Answer in JSON."

# Requests whose replies must be identical in every process: greedy, and sampled with a fixed seed.
PROBES = [
    {"temperature": 0.0, "max_tokens": 24},
    {"temperature": 0.9, "seed": 11, "max_tokens": 24},
    {"temperature": 0.9, "seed": 11, "max_tokens": 40, "response_schema": SCHEMA},
]
PROBE_SCRIPT = """
import json, sys
from llmhpo.gateway.providers.local import LocalProvider
from llmhpo.gateway.types import Message, Request
provider = LocalProvider()
out = []
for probe in json.loads(sys.argv[1]):
    r = provider.complete(Request(model=sys.argv[2], messages=(Message.text("user", sys.argv[3]),), **probe), timeout_s=60)
    out.append(r.text)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def local() -> LocalProvider:
    provider = provider_for(MODEL)  # the process-wide instance: the model loads once per session
    assert isinstance(provider, LocalProvider)
    return provider


def _ask(provider: LocalProvider, text: str, **kw: object) -> object:
    return provider.complete(Request(model=MODEL, messages=(Message.text("user", text),), **kw), timeout_s=60)  # type: ignore[arg-type]


def test_schema_reply_is_valid_json_with_usage_and_no_cost(local: LocalProvider) -> None:
    with Gateway(mode=Mode.OFF) as gw:
        r = gw.complete(Request(model=MODEL, messages=(Message.text("user", PROMPT),), response_schema=SCHEMA,
                                max_tokens=48))
    config = json.loads(r.text)
    assert set(config) == {"C", "gamma"} and all(isinstance(v, int | float) for v in config.values())
    assert r.finish_reason == "stop" and r.model_served == "smollm2-135m"
    assert r.usage.prompt_tokens > 20 and 0 < r.usage.completion_tokens <= 48
    assert r.cost_usd == 0.0 and gw.ledger.cost_usd == 0.0 and gw.ledger.live_calls == 1
    assert local.loaded_models() == [MODEL]


def test_max_tokens_is_honoured(local: LocalProvider) -> None:
    r = _ask(local, "Write a long story about a cat.", max_tokens=5)
    assert r.usage.completion_tokens == 5 and r.finish_reason == "length"  # type: ignore[attr-defined]


def test_cold_replies_are_identical_across_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    # the promise of LLMHPO_LOCAL_COLD=1 (README): no prefix reuse, one slot, bit-stable replies;
    # with reuse on (the default), a reply may differ in the last bits, and the cache keeps runs reproducible
    monkeypatch.setenv("LLMHPO_LOCAL_COLD", "1")
    local = LocalProvider()
    assert local.slots == 1 and not local.reuse_prompt_cache
    here = [_ask(local, PROMPT, **probe).text for probe in PROBES]  # type: ignore[attr-defined, arg-type]
    done = subprocess.run(
        [sys.executable, "-c", PROBE_SCRIPT, json.dumps(PROBES), MODEL, PROMPT],
        capture_output=True, text=True, timeout=120, cwd=ROOT, check=True,
    )
    there = json.loads(done.stdout.strip().splitlines()[-1])
    assert here == there
    assert here[0] != here[1]  # the seeded sample really sampled
    assert _ask(local, PROMPT, temperature=0.9, seed=12, max_tokens=24).text != here[1]  # type: ignore[attr-defined]


def test_prompt_longer_than_the_context_is_a_clear_error_and_the_model_survives(local: LocalProvider) -> None:
    with pytest.raises(ProviderRefused, match=r"tokens, longer than its context window of 4096"):
        _ask(local, "hyperparameter " * 5000, max_tokens=4)
    assert _ask(local, "Say yes.", max_tokens=3).usage.completion_tokens > 0  # type: ignore[attr-defined]


def test_image_to_the_text_only_model_is_refused(local: LocalProvider) -> None:
    request = Request(model=MODEL, messages=(Message("user", (TextPart("what is this?"), ImagePart(b"\x89PNG..."))),))
    with pytest.raises(ConfigurationError, match="smollm2-135m"):
        local.complete(request, timeout_s=10)
    with Gateway(mode=Mode.OFF) as gw, pytest.raises(ConfigurationError, match="does not accept images"):
        gw.complete(request)


def test_damaged_gguf_is_a_clear_error(tmp_path: Path) -> None:
    source = provider_for(MODEL).resolve(MODEL).path  # type: ignore[attr-defined]
    truncated = tmp_path / "truncated.gguf"
    with open(source, "rb") as f:
        truncated.write_bytes(f.read(2_000_000))
    with pytest.raises(ConfigurationError, match="damaged or truncated"):
        LocalProvider().load(f"local/{truncated}")


def test_catalogued_file_with_wrong_bytes_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same check guards the assembled Qwen file: a catalogued name never loads unverified bytes."""
    import dataclasses

    from llmhpo.gateway import models

    fake = tmp_path / CATALOGUE["smollm2-135m"].filename
    fake.write_bytes(b"GGUF" + b"\0" * 100)
    spec = dataclasses.replace(CATALOGUE["smollm2-135m"], size=104)
    with pytest.raises(ConfigurationError, match="refusing to load"):
        models.verify(fake, spec)

"""`local/...` models: a GGUF run in process on CPU by llama.cpp (the prebuilt xllamacpp wheel).

Why xllamacpp: it ships compiled llama.cpp, so a fresh machine installs in seconds and compiles
nothing; its `Server` applies the GGUF's chat template and turns a JSON schema into constrained
decoding. Each model is loaded once per process, on first use, under a lock. The Server also
listens on a random loopback port (llama.cpp's HTTP API), which we never expose beyond 127.0.0.1.

Throughput: chat-style HPO prompts repeat the whole history every turn, and on 2 cores reading a
prompt costs far more than writing the reply. So by default llama.cpp reuses the KV of a prompt's
longest known prefix (`cache_prompt`), keeps the prompts of other conversations in a host-RAM
prompt cache (`cache_ram_mib`) so runs that take turns do not evict each other, and runs `slots`
requests at once (parallel slots, continuous batching) for concurrent runs.

Determinism: a reply computed on top of a reused prefix, or batched with another slot, may differ
from a cold one in the last bits of the logits, so now and then in a token. The cache is what
makes runs reproducible (a recorded reply is replayed, never recomputed); for bit-stable cold
replies set LLMHPO_LOCAL_COLD=1 (one slot, no prefix reuse, no prompt cache).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from llmhpo.gateway import models
from llmhpo.gateway.errors import ConfigurationError, ProviderError, ProviderRefused
from llmhpo.gateway.providers.base import Capabilities, Provider
from llmhpo.gateway.providers.openai_format import to_openai_message
from llmhpo.gateway.types import Request, Response, Usage

DEFAULT_N_CTX = 4096
DEFAULT_MAX_TOKENS = 512  # when a request gives none: bounds the time of one call
# completion fields the provider sets itself; Request.extra may add others (top_k, min_p, ...).
RESERVED = frozenset({"messages", "model", "stream", "max_tokens", "n_predict", "response_format", "seed"})


THREADS_ENV = "LLMHPO_THREADS"
COLD_ENV = "LLMHPO_LOCAL_COLD"  # "1": bit-stable cold replies (one slot, no prefix reuse)
SLOTS_ENV = "LLMHPO_LOCAL_SLOTS"
DEFAULT_SLOTS = 2  # 2 cores: a second slot overlaps one run's reply with another's prompt
PROMPT_CACHE_MIB = 1024  # host RAM for other conversations' prompts (SmolLM2: ~23 kB per token)


def _env_int(name: str, default: int) -> int:
    env = os.environ.get(name, "").strip()
    if not env:
        return default
    try:
        return max(1, int(env))
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, got {env!r}") from None


def cold_replies() -> bool:
    """Whether $LLMHPO_LOCAL_COLD asks for bit-stable cold replies."""
    return os.environ.get(COLD_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def default_threads() -> int:
    """$LLMHPO_THREADS, else two threads, never more than the CPUs this process may use."""
    if os.environ.get(THREADS_ENV, "").strip():
        return _env_int(THREADS_ENV, 2)
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - non-Linux
        cpus = os.cpu_count() or 1
    return max(1, min(2, cpus))


def build_params(
    resolved: models.ResolvedModel,
    *,
    n_ctx: int = DEFAULT_N_CTX,
    n_threads: int | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    slots: int = 1,
    prompt_cache_mib: int = 0,
) -> Any:
    """xllamacpp CommonParams for one model (shared by the provider and `llmhpo serve`); `n_ctx` is
    per slot."""
    _import_quietly()
    import xllamacpp

    threads = n_threads or default_threads()
    p = xllamacpp.CommonParams()
    p.model.path = str(resolved.path)
    if resolved.mmproj is not None:
        p.mmproj.path = str(resolved.mmproj)
    p.model_alias = {resolved.alias}
    p.n_ctx = n_ctx * slots  # llama.cpp splits the context between the slots
    p.n_parallel = slots
    p.cache_ram_mib = prompt_cache_mib
    p.cpuparams.n_threads = threads
    p.cpuparams_batch.n_threads = threads
    p.hostnames = [host]
    p.port = port
    p.verbosity = -1  # llama.cpp logs nothing but errors
    p.warmup = False
    return p


def _import_quietly() -> None:
    """Make llama.cpp's OpenMP threads sleep instead of spin while they wait for work.

    Measured on a busy 2-core machine: spinning threads fight every other process for the cores
    and one 32-token reply took 94 s instead of 1 s. The setting must be in the environment
    before the OpenMP runtime loads with xllamacpp, so it is set here, before its first import.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def start_server(params: Any, model: str) -> Any:
    """A started xllamacpp.Server; a load failure becomes one clear ConfigurationError."""
    import xllamacpp

    try:
        return xllamacpp.Server(params)
    except RuntimeError as exc:
        raise ConfigurationError(
            f"llama.cpp could not load {model!r} from {params.model.path}: the file is damaged or "
            f"truncated, or its architecture is unknown to this llama.cpp ({exc})"
        ) from None


class _Loaded:
    def __init__(self, resolved: models.ResolvedModel, server: Any, n_ctx: int, slots: int = 1) -> None:
        self.resolved = resolved
        self.server = server
        self.n_ctx = n_ctx
        self.lock = threading.BoundedSemaphore(slots)  # one call per llama.cpp slot


class LocalProvider(Provider):
    """Serves `local/smollm2-135m`, `local/qwen2.5-coder-1.5b` and `local/<path.gguf>`.

    slots: requests decoded at once ($LLMHPO_LOCAL_SLOTS, default 2); reuse_prompt_cache: prefix
    reuse and the RAM prompt cache. Both default from $LLMHPO_LOCAL_COLD (cold: 1 slot, no reuse).
    """

    def __init__(
        self,
        *,
        n_ctx: int = DEFAULT_N_CTX,
        n_threads: int | None = None,
        mmproj: str | Path | None = None,
        reuse_prompt_cache: bool | None = None,
        slots: int | None = None,
    ) -> None:
        cold = cold_replies()
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.mmproj = mmproj
        self.reuse_prompt_cache = not cold if reuse_prompt_cache is None else reuse_prompt_cache
        self.slots = slots or (1 if cold else _env_int(SLOTS_ENV, DEFAULT_SLOTS))
        self.max_concurrency = self.slots  # the gateway's limit of calls in flight
        self._loaded: dict[str, _Loaded] = {}
        self._resolved: dict[str, models.ResolvedModel] = {}
        self._lock = threading.Lock()

    # -- models ----------------------------------------------------------------------------------
    def resolve(self, model: str) -> models.ResolvedModel:
        """The model's verified file (hashing happens once per process and model)."""
        with self._lock:
            if model not in self._resolved:
                self._resolved[model] = models.resolve(model, self.mmproj)
            return self._resolved[model]

    def capabilities(self, model: str) -> Capabilities:
        # llama.cpp's server turns a JSON schema (or plain json_object) into a grammar, and takes a seed
        return Capabilities(images=self.resolve(model).mmproj is not None, response_schema=True, json_mode=True,
                            seed=True, max_context=self.n_ctx, source="local")

    def load(self, model: str) -> _Loaded:
        """Load `model` once per process (later calls return the same llama.cpp server)."""
        resolved = self.resolve(model)
        with self._lock:
            loaded = self._loaded.get(model)
            if loaded is None:
                params = build_params(resolved, n_ctx=self.n_ctx, n_threads=self.n_threads, slots=self.slots,
                                      prompt_cache_mib=PROMPT_CACHE_MIB if self.reuse_prompt_cache else 0)
                server = start_server(params, model)
                loaded = self._loaded[model] = _Loaded(resolved, server, self.n_ctx, self.slots)
            return loaded

    def loaded_models(self) -> list[str]:
        with self._lock:
            return sorted(self._loaded)

    # -- the call --------------------------------------------------------------------------------
    def chat_body(self, request: Request, images: bool) -> dict[str, Any]:
        """The llama.cpp /v1/chat/completions body for `request`."""
        if request.has_image and not images:
            raise ConfigurationError(
                f"model {request.model!r} is text-only and was given an image; use a multimodal GGUF "
                "with its mmproj file (local/<path.gguf> with <stem>.mmproj.gguf beside it) or a vision model"
            )
        clash = sorted(set(request.extra) & RESERVED)
        if clash:
            raise ConfigurationError(f"Request.extra may not set {', '.join(clash)} (the gateway controls them)")
        body: dict[str, Any] = {
            "messages": [to_openai_message(m) for m in request.messages],
            "temperature": request.temperature,
            "max_tokens": request.max_tokens or DEFAULT_MAX_TOKENS,
            "cache_prompt": self.reuse_prompt_cache,
        }
        if request.top_p is not None:
            body["top_p"] = request.top_p
        if request.seed is not None:
            body["seed"] = request.seed
        if request.stop:
            body["stop"] = list(request.stop)
        if request.response_schema is not None:
            body["response_format"] = {"type": "json_object", "schema": request.response_schema}
        body.update(request.extra)
        return body

    def complete(self, request: Request, *, timeout_s: float, api_key: str | None = None) -> Response:
        """One reply. llama.cpp cannot be interrupted mid-call, so `timeout_s` is not applied:
        max_tokens bounds the call instead. A local model needs no key: `api_key` is ignored."""
        loaded = self.load(request.model)
        body = self.chat_body(request, images=loaded.resolved.mmproj is not None)
        start = time.monotonic()
        with loaded.lock:
            try:
                raw = loaded.server.handle_chat_completions(body)
            except RuntimeError as exc:
                raise _runtime_error(request.model, exc) from None
        latency = time.monotonic() - start
        return to_response(raw, loaded, latency)


def _runtime_error(model: str, exc: RuntimeError) -> Exception:
    text = str(exc)
    if "image input is not supported" in text or "mmproj" in text:
        return ConfigurationError(f"model {model!r} does not accept images: {text}")
    return ProviderError(f"{model}: llama.cpp failed: {text}")


def to_response(raw: Any, loaded: _Loaded, latency_s: float) -> Response:
    """llama.cpp's reply dict as a Response; its error dicts become clear exceptions."""
    model = loaded.resolved.model
    if not isinstance(raw, dict):
        raise ProviderError(f"{model}: llama.cpp returned {type(raw).__name__}, not a reply")
    error = raw.get("error")
    if error is not None:
        raise _reply_error(model, error, loaded.n_ctx)
    try:
        choice = raw["choices"][0]
        text = choice["message"].get("content") or ""
    except (KeyError, IndexError, TypeError, AttributeError):
        raise ProviderError(f"{model}: llama.cpp reply has no message: {str(raw)[:200]}") from None
    usage = raw.get("usage") or {}
    return Response(
        text=text,
        finish_reason=choice.get("finish_reason"),
        usage=Usage(int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0))),
        model_served=loaded.resolved.alias,
        latency_s=latency_s,
        cost_usd=0.0,
        would_have_cost_usd=0.0,
    )


def _reply_error(model: str, error: Any, n_ctx: int) -> Exception:
    if not isinstance(error, dict):
        return ProviderError(f"{model}: llama.cpp error: {error}")
    message = error.get("message", "")
    if error.get("type") == "exceed_context_size_error":  # no retry or re-ask can fix it: the run stops
        return ProviderRefused(
            f"the prompt for {model!r} is {error.get('n_prompt_tokens', '?')} tokens, longer than its "
            f"context window of {error.get('n_ctx', n_ctx)} tokens: shorten the prompt (fewer history "
            f"lines) or load the model with a larger n_ctx", status=400,
        )
    code = error.get("code")
    if code == 400:
        return ConfigurationError(f"{model}: llama.cpp rejected the request: {message}")
    return ProviderError(f"{model}: llama.cpp error {code}: {message}", status=code)

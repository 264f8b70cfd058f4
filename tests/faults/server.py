"""An OpenAI-compatible chat server on 127.0.0.1 that follows a seeded schedule of faults.

Why a server of its own: the fault suite needs a "model" that answers a campaign usefully (a valid
config for the search space in the request's JSON schema, a deterministic function of the request,
like a temperature-0 model) AND misbehaves on a reproducible schedule, over real HTTP, so that the
real client stack (litellm, httpx) and the gateway's retries meet every fault as they would live.

Faults (the request number and the seed decide which one, if any): 429 with Retry-After, 500,
503, connection reset, hang past the client's timeout, truncated body, 200 with empty content,
200 with a body that is not JSON, a reply whose JSON has the wrong keys, a reply whose values are
out of range. At most `max_faults` are injected, so the fault phase is bounded in time.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAULTS = ("429", "500", "503", "reset", "hang", "truncated", "empty", "invalid_json", "wrong_keys", "out_of_range")


def config_for(schema: dict[str, Any], digest: bytes, *, out_of_range: bool = False) -> dict[str, Any]:
    """A config for a JSON schema, chosen by `digest` (so the same request gets the same answer)."""
    rng = random.Random(digest)
    config: dict[str, Any] = {}
    for name, prop in (schema.get("properties") or {}).items():
        if "enum" in prop:
            config[name] = rng.choice(prop["enum"])
            continue
        lo, hi = float(prop.get("minimum", 0.0)), float(prop.get("maximum", 1.0))
        value = hi + (hi - lo + 1.0) * 3 if out_of_range else rng.uniform(lo, hi)
        config[name] = int(round(value)) if prop.get("type") == "integer" else round(value, 6)
    return config


def _schema_from_prompt(body: dict[str, Any]) -> dict[str, Any]:
    """A free-text request (the papers' protocol) names its space only in the prompt: read it there."""
    from tests.servers.replies import space_from_prompt

    prompt = "\n".join(str(m.get("content")) for m in body["messages"] if isinstance(m, dict))
    properties: dict[str, Any] = {}
    for name, p in space_from_prompt(prompt).items():
        if p.choices:
            properties[name] = {"enum": list(p.bounds)}
        else:
            properties[name] = {"type": "integer" if p.integer else "number",
                                "minimum": p.bounds[0], "maximum": p.bounds[1]}
    return {"properties": properties}


class FaultServer:
    """Start with `start()`; `url` is the OpenAI api_base; `injected` counts faults by kind."""

    def __init__(self, seed: int = 0, fault_rate: float = 0.35, max_faults: int = 40, hang_s: float = 1.5,
                 script: dict[int, str] | None = None) -> None:
        """script: {request number (from 1): fault} instead of the seeded schedule (None: normal reply)."""
        self.seed, self.fault_rate, self.max_faults, self.hang_s = seed, fault_rate, max_faults, hang_s
        self.script = script
        self.salt = ""  # mixed into every answer: change it to make the "model" answer differently
        self._order = random.Random(seed).sample(FAULTS, len(FAULTS))
        self.requests = 0
        self.injected: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    @property
    def faults(self) -> int:
        with self._lock:
            return sum(self.injected.values())

    def _schedule(self) -> str | None:
        """The fault for the next request (None: answer normally), from (seed, request number)."""
        with self._lock:
            self.requests += 1
            if self.script is not None:
                fault = self.script.get(self.requests)
                if fault is not None:
                    self.injected[fault] += 1
                return fault
            rng = random.Random(self.seed * 1_000_003 + self.requests)
            count = sum(self.injected.values())
            if count >= self.max_faults or rng.random() >= self.fault_rate:
                return None
            fault = self._order[count % len(FAULTS)]  # every kind once per len(FAULTS) faults
            self.injected[fault] += 1
            return fault

    def start(self) -> FaultServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass

            def do_POST(self) -> None:  # noqa: N802 - stdlib name
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    server._serve(self, raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout): nothing to deliver

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client killed mid-request (SIGKILL is the point of this suite) is not news

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    # -- replies ---------------------------------------------------------------------------------
    def _serve(self, h: BaseHTTPRequestHandler, raw: bytes) -> None:
        if not h.headers.get("Authorization", "").startswith("Bearer "):
            return _send(h, 401, {"error": {"message": "missing API key", "type": "invalid_request_error"}})
        try:
            body = json.loads(raw)
        except ValueError:
            return _send(h, 400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list) or not body.get("model"):
            return _send(h, 400, {"error": {"message": "model and messages are required",
                                            "type": "invalid_request_error"}})
        fault = self._schedule()
        digest = hashlib.sha256((self.salt + json.dumps(body.get("messages"), sort_keys=True)).encode()).digest()
        schema = ((body.get("response_format") or {}).get("json_schema") or {}).get("schema") or _schema_from_prompt(body)
        if fault in ("429", "500", "503"):
            headers = {"Retry-After": "0.1"} if fault == "429" else {}
            return _send(h, int(fault), {"error": {"message": f"injected {fault}", "type": "server_error"}}, headers)
        if fault == "reset":
            h.close_connection = True
            h.connection.close()
            return None
        if fault == "hang":
            time.sleep(self.hang_s)
        if fault == "invalid_json":
            return _send_bytes(h, 200, b'{"id": "chatcmpl-broken", "choices": [{"index": 0, "mess')
        if fault == "truncated":  # promise more bytes than are sent, then hang up
            data = json.dumps(_completion(body, "{}")).encode()
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data[: len(data) // 2])
            h.wfile.flush()
            h.close_connection = True
            h.connection.close()
            return None
        if fault == "empty":
            text = ""
        elif fault == "wrong_keys":
            text = json.dumps({f"not_{k}": 1 for k in (schema.get("properties") or {"x": 0})})
        else:
            text = json.dumps(config_for(schema, digest, out_of_range=fault == "out_of_range"))
        return _send(h, 200, _completion(body, text))


def _completion(body: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fault", "object": "chat.completion", "created": 1_700_000_000, "model": body["model"],
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 50, "completion_tokens": 12, "total_tokens": 62},
    }


def _send(h: BaseHTTPRequestHandler, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
    _send_bytes(h, status, json.dumps(payload).encode(), headers)


def _send_bytes(h: BaseHTTPRequestHandler, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
    h.send_response(status)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(data)))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(data)
    h.wfile.flush()

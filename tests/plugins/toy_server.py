"""The toy wire format's server (see toy_provider.py): a real HTTP server on 127.0.0.1, built on the
project's recording test server, that refuses what a real service would (no key or a wrong one:
401 echoing the key; an unknown path or model: 404; a malformed body: 422) and otherwise answers
like a capable model: a config drawn from the request's JSON schema when one is given, else a
free-text reply read from the prompt's search space (tests.servers.replies).
"""

from __future__ import annotations

import json
from typing import Any

from tests.servers.base import Received, RecordingServer
from tests.servers.catalogue import ServedModel, approx_tokens
from tests.servers.delay import config_for
from tests.servers.replies import USABLE

MODELS = {"tiny-hpo": ServedModel(json_schema=True, context=4096)}


def toy_error(status: int, reason: str) -> tuple[int, dict[str, Any]]:
    return status, {"detail": {"status": status, "reason": reason}}


class ToyServer(RecordingServer):
    catalogue = MODELS
    shapes = USABLE  # a capable model: every free-text reply holds a usable config

    @staticmethod
    def _body(received: Received) -> dict[str, Any]:
        return received.body if isinstance(received.body, dict) else {}

    @staticmethod
    def sent_key(received: Received) -> str:
        return {k.lower(): v for k, v in received.headers.items()}.get("x-toy-key", "")

    def refusal(self, received: Received) -> tuple[int, dict[str, Any]] | None:
        key = self.sent_key(received)
        if not key:
            return toy_error(401, "missing X-Toy-Key header")
        if not self.key_ok(key):
            return toy_error(401, f"invalid key {key}")
        if received.path != "/v1/generate" or received.method != "POST":
            return toy_error(404, f"no route {received.method} {received.path}")
        body = self._body(received)
        if body.get("model") not in self.models:
            return toy_error(404, f"unknown model {body.get('model')!r}")
        if not isinstance(body.get("turns"), list) or not body["turns"]:
            return toy_error(422, "turns must be a non-empty list")
        return None

    def error_body(self, status: int, received: Received) -> dict[str, Any]:
        reason = f"invalid key {self.sent_key(received)}" if status == 401 else f"toy server error {status}"
        return toy_error(status, reason)[1]

    def prompt_text(self, received: Received) -> str:
        return "\n".join(str(t.get("text", "")) for t in self._body(received).get("turns") or [])

    def constrained(self, received: Received) -> bool:
        return bool(self._body(received).get("schema"))

    def answer(self, received: Received) -> str:
        body = self._body(received)
        if body.get("schema"):
            return json.dumps(config_for(body["schema"], json.dumps([body.get("turns"), body.get("seed")])))
        return super().answer(received)

    def reply(self, received: Received, text: str, truncated: bool) -> dict[str, Any]:
        body = self._body(received)
        return {"output": text, "stopped_by": "limit" if truncated else "end", "model": body.get("model"),
                "tokens": {"prompt": approx_tokens(self.prompt_text(received)), "output": approx_tokens(text)}}

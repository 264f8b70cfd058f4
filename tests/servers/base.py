"""A threaded stdlib HTTP server that records requests and replays a script of behaviours.

Why stdlib: the tests must exercise the real HTTP stack of litellm/httpx end to end, and
`http.server` needs no extra dependency. Subclasses decide how a normal reply looks and, like the
real API, what they refuse (`refusal`: missing or wrong key, unknown model, a parameter or an
input the model does not support) with the provider's status code and error body. Refusals are
checked before the script: a scripted fault never hides a request the real API would refuse.
Unscripted replies come from `tests.servers.replies` (a config in a free-text shape when the
prompt asks for one).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from tests.servers.catalogue import ServedModel
from tests.servers.replies import GENERIC, SHAPES, answer

if TYPE_CHECKING:
    from llmhpo.harness.testing import WireServer


@dataclass(frozen=True)
class Behaviour:
    """What the server does for one request.

    kind: "ok" (wire-format reply), "status" (error status with a JSON error body), "hang" (sleep
    `seconds` before replying ok, to trigger client timeouts), "invalid_json" (200 with a broken body),
    "reset" (close the connection without a reply).
    """

    kind: str = "ok"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    text: str | None = None
    truncated: bool = False  # reply as if max_tokens cut it short (finish reason "length")

    @classmethod
    def ok(cls, text: str | None = None, *, truncated: bool = False) -> Behaviour:
        return cls("ok", text=text, truncated=truncated)

    @classmethod
    def error(cls, status: int, **headers: str) -> Behaviour:
        return cls("status", status=status, headers={k.replace("_", "-"): v for k, v in headers.items()})

    @classmethod
    def hang(cls, seconds: float) -> Behaviour:
        return cls("hang", seconds=seconds)

    @classmethod
    def invalid_json(cls) -> Behaviour:
        return cls("invalid_json")

    @classmethod
    def reset(cls) -> Behaviour:
        return cls("reset")


def message_texts(messages: Any) -> str:
    """The text of chat messages whose content is a string or a list of `{"type": "text"}` parts
    (OpenAI and Anthropic alike), joined by newlines."""
    texts: list[str] = []
    for message in messages or []:
        content = message.get("content")
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            texts.extend(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return "\n".join(texts)


@dataclass
class Received:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    at: float


class RecordingServer:
    """Base server: subclasses implement `reply(received, text, truncated) -> dict` and `error_body(status, received)`."""

    default_text = GENERIC
    catalogue: dict[str, ServedModel] = {}
    shapes: tuple[str, ...] = SHAPES  # free-text shapes a config prompt is answered in (tests.servers.replies)

    def __init__(self, *, valid_keys: set[str] | None = None, models: dict[str, ServedModel] | None = None) -> None:
        # valid_keys None: any non-empty key is accepted (a key the tests cannot know is still required)
        self.valid_keys = valid_keys
        self.models = dict(self.catalogue if models is None else models)
        self.refused: list[tuple[int, Any]] = []
        self.received: list[Received] = []
        self._script: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.in_flight = 0
        self.max_in_flight = 0

    # -- scripting -----------------------------------------------------------------------------
    def script(self, *behaviours: Behaviour) -> RecordingServer:
        """Queue behaviours for the next requests; once empty, requests get a normal reply."""
        with self._lock:
            self._script.extend(behaviours)
        return self

    def reset(self) -> None:
        with self._lock:
            self._script.clear()
            self.received.clear()
            self.refused.clear()
            self.max_in_flight = 0
        self.valid_keys = None
        self.shapes = type(self).shapes

    def _next(self) -> Behaviour:
        with self._lock:
            return self._script.popleft() if self._script else Behaviour.ok()

    # -- wire format (subclasses) ----------------------------------------------------------------
    def reply(self, received: Received, text: str, truncated: bool) -> dict[str, Any]:
        raise NotImplementedError

    def refusal(self, received: Received) -> tuple[int, dict[str, Any]] | None:
        """(status, error body) when the real API would refuse this request; None to answer it."""
        return None

    def prompt_text(self, received: Received) -> str:
        """Every text part of the conversation, in order (what the model reads)."""
        return ""

    def constrained(self, received: Received) -> bool:
        """Whether the request asks for structured output (schema or JSON mode): bare JSON then."""
        return False

    def answer(self, received: Received) -> str:
        prompt = self.prompt_text(received)
        text = answer(prompt, constrained=self.constrained(received), seed=prompt, shapes=self.shapes)
        return self.default_text if text == GENERIC else text

    def key_ok(self, sent: str | None) -> bool:
        return bool(sent) and (self.valid_keys is None or sent in self.valid_keys)

    def error_body(self, status: int, received: Received) -> dict[str, Any]:
        return {
            "error": {"message": self.error_message(status, received), "type": "test_error", "code": status}
        }

    @staticmethod
    def error_message(status: int, received: Received) -> str:
        """Like real providers, a 401 echoes the credential it got, so tests can check scrubbing."""
        if status == 401:
            h = {k.lower(): v for k, v in received.headers.items()}
            sent = h.get("authorization") or h.get("x-api-key") or h.get("x-goog-api-key") or ""
            return f"Incorrect API key provided: {sent.removeprefix('Bearer ')}"
        return f"test server error {status}"

    # -- lifecycle -------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> RecordingServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                rec = Received(self.command, self.path, dict(self.headers.items()), body, time.monotonic())
                with server._lock:
                    server.received.append(rec)
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    server._respond(self, rec)
                finally:
                    with server._lock:
                        server.in_flight -= 1

            do_POST = _handle
            do_GET = _handle

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name=type(self).__name__, daemon=True
        )
        self._thread.start()
        return self

    def as_wire(self) -> WireServer:
        """This server as `harness.testing.ProviderSuite` drives it."""
        from llmhpo.harness.testing import WireServer

        def sent(secret: str) -> bool:
            return any(secret in json.dumps(r.headers) or secret in r.path for r in self.received)

        return WireServer(
            reply_next=lambda text: self.script(Behaviour.ok(text)),
            fail_next=lambda status: self.script(Behaviour.error(status)),
            request_count=lambda: len(self.received),
            sent_secret=sent,
        )

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> RecordingServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- replying --------------------------------------------------------------------------------
    def _respond(self, handler: BaseHTTPRequestHandler, rec: Received) -> None:
        refused = self.refusal(rec)
        if refused is not None:  # a refused request does not use up a scripted behaviour
            with self._lock:
                self.refused.append(refused)
            self._send(handler, refused[0], json.dumps(refused[1]).encode(), {})
            return
        b = self._next()
        if b.kind == "reset":
            handler.close_connection = True
            handler.connection.close()
            return
        if b.kind == "hang":
            time.sleep(b.seconds)
        if b.kind == "status":
            self._send(handler, b.status, json.dumps(self.error_body(b.status, rec)).encode(), b.headers)
        elif b.kind == "invalid_json":
            self._send(handler, 200, b'{"id": "broken", "choices": [', {})
        else:
            payload = self.reply(rec, b.text if b.text is not None else self.answer(rec), b.truncated)
            try:
                self._send(handler, 200, json.dumps(payload).encode(), b.headers)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout): nothing to deliver

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, data: bytes, headers: dict[str, str]) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for k, v in headers.items():
            handler.send_header(k, v)
        handler.end_headers()
        handler.wfile.write(data)
        handler.wfile.flush()

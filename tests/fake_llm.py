"""A local OpenAI-compatible chat server for tests: the real `openai` client talks to it over HTTP.

Scripted behaviours are queued; each chat request takes the next one (or the default text when the
queue is empty). Every request is recorded so a test can check what the product sent.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CLAUSE_BLOCK = re.compile(r"\[(\d+)\] ([^\n]+)\n<条款>(.*?)</条款>", re.DOTALL)

DEFAULT_TEXT = "这是测试服务器的默认回答。"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: dict[str, Any] | None

    @property
    def messages(self) -> list[dict[str, str]]:
        return list((self.body or {}).get("messages", []))

    def message(self, role: str) -> str:
        """The content of the first message with this role ('' when there is none)."""
        return next((m["content"] for m in self.messages if m.get("role") == role), "")

    def clauses(self) -> dict[int, tuple[str, str]]:
        """The numbered clauses the product sent: n → (label, text as sent)."""
        user = self.message("user")
        return {int(n): (label, text) for n, label, text in CLAUSE_BLOCK.findall(user)}


@dataclass(frozen=True)
class Text:
    text: str
    chunk_size: int = 5
    reasoning: str = ""  # streamed first as delta.reasoning_content, as DeepSeek-R1 and Qwen3 servers do
    finish_reason: str = "stop"


@dataclass(frozen=True)
class Scripted:
    """A reply written from the request itself (e.g. quoting the clause text the product actually sent)."""

    write: Callable[[RecordedRequest], str]
    chunk_size: int = 5
    reasoning: str = ""
    finish_reason: str = "stop"


@dataclass(frozen=True)
class Status:
    status: int
    body: dict[str, Any]
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class MalformedSSE:
    pass


@dataclass(frozen=True)
class Slow:
    seconds: float
    text: str


Behaviour = Text | Scripted | Status | MalformedSSE | Slow


@dataclass
class FakeLLM:
    """Start with `with FakeLLM() as server:`; point the client at `server.url + "/v1"`."""

    default_text: str = DEFAULT_TEXT
    model_ids: tuple[str, ...] = ("fake-model",)
    requests: list[RecordedRequest] = field(default_factory=list)
    _queue: deque[Behaviour] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _closing: threading.Event = field(default_factory=threading.Event)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    # --- scripting -----------------------------------------------------------

    def enqueue_text(self, text: str, chunk_size: int = 5, reasoning: str = "", finish_reason: str = "stop") -> None:
        self._push(Text(text, chunk_size, reasoning, finish_reason))

    def enqueue_scripted(
        self,
        write: Callable[[RecordedRequest], str],
        chunk_size: int = 5,
        reasoning: str = "",
        finish_reason: str = "stop",
    ) -> None:
        """Reply with write(request): build the answer from what the product actually sent."""
        self._push(Scripted(write, chunk_size, reasoning, finish_reason))

    def enqueue_status(
        self, status: int, body: dict[str, Any] | str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        if body is None or isinstance(body, str):
            kind = "rate_limit_error" if status == 429 else "server_error"
            body = {"error": {"message": body or f"scripted status {status}", "type": kind, "code": None}}
        self._push(Status(status, body, tuple((headers or {}).items())))

    def enqueue_malformed_sse(self) -> None:
        self._push(MalformedSSE())

    def enqueue_slow(self, seconds: float, text: str) -> None:
        self._push(Slow(seconds, text))

    def reset(self) -> None:
        """Forget scripted behaviours and recorded requests (between tests sharing one server)."""
        with self._lock:
            self._queue.clear()
            self.requests.clear()

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/chat/completions")]

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def _push(self, behaviour: Behaviour) -> None:
        with self._lock:
            self._queue.append(behaviour)

    def _next(self) -> Behaviour:
        with self._lock:
            return self._queue.popleft() if self._queue else Text(self.default_text)

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    # --- lifecycle -----------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "the server is not running"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeLLM:
        server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._server = server
        self._closing.clear()
        self._thread = threading.Thread(target=server.serve_forever, name="fake-llm", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._closing.set()  # wakes scripted sleeps
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeLLM:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a scripted slow reply must not hold up shutdown

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out and hung up is part of the script, not a server failure.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


def _handler_for(fake: FakeLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive and chunked streaming, like the real API

        def log_message(self, format: str, *args: Any) -> None:
            """Silent: http.server would print every request into the test output."""

        def _headers(self) -> dict[str, str]:
            return {k.lower(): v for k, v in self.headers.items()}

        def do_GET(self) -> None:
            fake._record(RecordedRequest("GET", self.path, self._headers(), None))
            if self.path.rstrip("/").endswith("/models"):
                created = int(time.time())
                data = [{"id": m, "object": "model", "created": created, "owned_by": "fake"} for m in fake.model_ids]
                self._send_json(200, {"object": "list", "data": data})
            else:
                self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                body = None
            request = RecordedRequest("POST", self.path, self._headers(), body)
            fake._record(request)
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})
                return
            if body is None:
                self._send_json(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
                return
            behaviour = fake._next()
            model = str(body.get("model", "fake-model"))
            stream = bool(body.get("stream"))
            if isinstance(behaviour, Status):
                self._send_json(behaviour.status, behaviour.body, dict(behaviour.headers))
            elif isinstance(behaviour, MalformedSSE):
                self._send_sse(
                    [b"data: {not json\n\n", b'data: {"id": "broken", "choices": [\n\n', b"data: [DONE]\n\n"]
                )
            else:
                if isinstance(behaviour, Slow) and fake._closing.wait(behaviour.seconds):
                    return
                text = behaviour.write(request) if isinstance(behaviour, Scripted) else behaviour.text
                chunk_size, reasoning, finish = 5, "", "stop"
                if isinstance(behaviour, Text | Scripted):
                    chunk_size, reasoning, finish = behaviour.chunk_size, behaviour.reasoning, behaviour.finish_reason
                if stream:
                    events = _sse_events(text, model, chunk_size, reasoning, finish)
                    if (body.get("stream_options") or {}).get("include_usage"):
                        # As the real API: one last chunk with no choices carries the usage, before [DONE].
                        events.insert(-1, _usage_event(body, text, model))
                    self._send_sse(events)
                else:
                    self._send_json(200, _completion(text, model, reasoning, finish))

        def _send_json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            try:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                self.close_connection = True  # the client gave up (timeout)

        def _send_sse(self, events: list[bytes]) -> None:
            try:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream; charset=utf-8")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for event in events:
                    self.wfile.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
            except OSError:
                self.close_connection = True

    return Handler


def _completion(text: str, model: str, reasoning: str = "", finish: str = "stop") -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if reasoning:
        message["reasoning_content"] = reasoning
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": finish,
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": len(text), "total_tokens": 1 + len(text)},
    }


def prompt_characters(body: dict[str, Any]) -> int:
    """The fake's token count for a prompt: one token per character of the messages' content."""
    return sum(len(str(m.get("content", ""))) for m in body.get("messages", []))


def _usage_event(body: dict[str, Any], text: str, model: str) -> bytes:
    usage = {"prompt_tokens": prompt_characters(body), "completion_tokens": len(text)}
    usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    payload = {"id": "chatcmpl-usage", "object": "chat.completion.chunk", "created": 0, "model": model}
    payload |= {"choices": [], "usage": usage}
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()


def _sse_events(text: str, model: str, chunk_size: int, reasoning: str = "", finish: str = "stop") -> list[bytes]:
    """`data: {chunk}` events as the real API sends them: role first, content pieces, a stop chunk, [DONE]."""
    ident = f"chatcmpl-{uuid.uuid4().hex[:24]}"
    created = int(time.time())

    def chunk(delta: dict[str, str], finish: str | None) -> bytes:
        payload = {
            "id": ident,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()

    step = max(1, chunk_size)
    events = [chunk({"role": "assistant", "content": ""}, None)]
    events += [chunk({"reasoning_content": reasoning[i : i + step]}, None) for i in range(0, len(reasoning), step)]
    events += [chunk({"content": text[i : i + step]}, None) for i in range(0, len(text), step)]
    events.append(chunk({}, finish))
    events.append(b"data: [DONE]\n\n")
    return events

"""A scripted local HTTP server speaking the OpenAI chat-completions and the
Anthropic messages wire formats, for provider tests (no network needed)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def openai_reply(content: str, tokens_in: int = 11, tokens_out: int = 7) -> dict:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "test-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": tokens_in,
            "completion_tokens": tokens_out,
            "total_tokens": tokens_in + tokens_out,
        },
    }


def anthropic_reply(content: str, tokens_in: int = 11, tokens_out: int = 7) -> dict:
    return {
        "id": "msg_test",
        "type": "message",
        "role": "assistant",
        "model": "claude-test",
        "content": [{"type": "text", "text": content}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": tokens_in, "output_tokens": tokens_out},
    }


def last_user_text(request: dict) -> str:
    """The text of the last user message of a request (either wire format)."""
    content = request["messages"][-1]["content"]
    if isinstance(content, list):
        return "".join(block.get("text", "") for block in content)
    return content


class FakeAIServer:
    """Answers each POST with the next scripted action.

    An action is ``{"content": str}`` (a normal reply in the server's wire
    format), or ``{"status": int, "body": dict, "headers": dict}``, with an
    optional ``"delay"`` in seconds; or a callable(request json) -> action.
    When the script runs out, ``default`` is used.
    """

    def __init__(self, wire: str = "openai", default: Any = None):
        self.wire = wire
        self.script: list[Any] = []
        self.default = default
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                server.requests.append(body)
                server.headers.append({k.lower(): v for k, v in self.headers.items()})
                action = server.script.pop(0) if server.script else server.default
                if callable(action):
                    action = action(body)
                action = action or {"status": 500, "body": {"error": "no scripted answer"}}
                if action.get("delay"):
                    time.sleep(action["delay"])
                if "content" in action:
                    reply = (openai_reply if server.wire == "openai" else anthropic_reply)(
                        action["content"]
                    )
                    status, payload, headers = 200, reply, {}
                else:
                    status = action.get("status", 200)
                    payload = action.get("body", {})
                    headers = action.get("headers", {})
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The base URL an SDK is pointed at (OpenAI clients need the /v1 prefix)."""
        return f"http://127.0.0.1:{self.port}" + ("/v1" if self.wire == "openai" else "")

    def __enter__(self) -> FakeAIServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def then(self, *actions: dict | Callable) -> FakeAIServer:
        self.script.extend(actions)
        return self


def free_port() -> int:
    """A port nothing listens on (for connection-refused tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

"""A tiny chat-completions endpoint on 127.0.0.1 that answers every request as told.

For command-line tests that need an answer the simulator would not give (a
sentence instead of the bare answer) or a refusal of every request. It
speaks plain JSON (targets pointing at it set ``stream = false``) and runs
in a thread of the test process while ``evalkit`` runs in a subprocess.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

Reply = Callable[[dict[str, Any]], str]


class ReplyServer:
    """``with ReplyServer(reply) as url:``: every POST gets ``reply(body)`` (or ``status``)."""

    def __init__(self, reply: Reply | str = "ok", status: int = 200) -> None:
        self.reply: Reply = reply if callable(reply) else (lambda _body, text=reply: text)
        self.status = status
        self.requests = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return None

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.requests += 1
                if owner.status != 200:
                    payload: dict[str, Any] = {
                        "error": {"message": "request rejected", "type": "invalid_request_error"}
                    }
                else:
                    payload = {
                        "id": "cmpl-1",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body.get("model", "m"),
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": owner.reply(body)},
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
                    }
                data = json.dumps(payload).encode()
                self.send_response(owner.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def __enter__(self) -> ReplyServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()

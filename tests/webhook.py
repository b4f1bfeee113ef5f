"""A webhook receiver on 127.0.0.1 for alert tests: records every POST, answers from a script."""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# The webhook path stands for a secret token: it must never reach the alerts table or the log.
HOOK_PATH = "/hooks/T0SECRET/B0TOKEN"


@dataclass(frozen=True)
class Answer:
    """One scripted answer: a status, or `hang` (never answer) or `close` (drop the connection);
    `drip` seconds between each byte of the answer; `body` instead of a short default text."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False
    close: bool = False
    drip: float = 0.0
    body: bytes | None = None


@dataclass(frozen=True)
class Post:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class WebhookReceiver:
    """Records every POST; answers from its script, then 200 (or `default`) for ever."""

    def __init__(self) -> None:
        self.posts: list[Post] = []
        self.default = Answer(200)
        self._script: deque[Answer] = deque()
        self._lock = threading.Lock()
        self._release = threading.Event()  # lets hanging handlers go at teardown
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True

    def script(self, *answers: Answer) -> None:
        self._script.extend(answers)

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def url(self, path: str = HOOK_PATH, scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> WebhookReceiver:
        threading.Thread(target=self._httpd.serve_forever, name="webhook-receiver", daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._release.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def _next_answer(self, post: Post) -> Answer:
        with self._lock:
            self.posts.append(post)
            return self._script.popleft() if self._script else self.default

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                post = Post(self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
                answer = receiver._next_answer(post)
                if answer.hang:
                    receiver._release.wait(timeout=10)
                if answer.hang or answer.close:
                    self.close_connection = True
                    return
                body = answer.body if answer.body is not None else (
                    b"ok" if answer.status < 300 else b"receiver trouble")
                if answer.drip:
                    self._drip(answer, body)
                    return
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _drip(self, answer: Answer, body: bytes) -> None:
                self.close_connection = True
                wire = f"HTTP/1.1 {answer.status} Dripping\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
                try:
                    for byte in wire:
                        if receiver._release.wait(answer.drip):
                            return
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                except OSError:
                    return  # the sender gave up

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler



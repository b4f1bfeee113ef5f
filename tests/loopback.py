"""A scriptable HTTP server on 127.0.0.1 for tests that fetch (real sockets, real HTTP).

    with LoopbackServer() as server:
        server.script("/report", Reply(503), Reply(429, headers={"Retry-After": "1"}), Reply(200, b"ok"))
        client.get(server.url("/report"))
        assert [r.path for r in server.requests] == ["/report"] * 3

A path answers from its queue of scripted replies first, then its default (repeated), then 404.
A reply may also be a function of the request, for answers that depend on request headers.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # path and query, as sent
    headers: dict[str, str]  # lower-case names

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class Reply:
    """One scripted answer. `with_length=False` sends no Content-Length and ends the body by
    closing the connection, so a client cannot know the size up front; `disconnect=True` closes
    the connection without answering at all. Faults: `drip` seconds between every byte of the
    answer (status line and headers included); `reset_after` body bytes, then a TCP reset;
    `delay` seconds of silence before answering."""

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    with_length: bool = True
    disconnect: bool = False
    drip: float = 0.0
    reset_after: int | None = None
    delay: float = 0.0


Responder = Reply | Callable[[RecordedRequest], Reply]


class LoopbackServer:
    """A ThreadingHTTPServer on 127.0.0.1 (port chosen by the OS) in a daemon thread."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._queues: dict[str, deque[Responder]] = {}
        self._defaults: dict[str, Responder] = {}
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._released = threading.Event()  # set at shutdown: dripping and delayed answers stop

    # -- scripting -------------------------------------------------------------------------------
    def script(self, path: str, *replies: Responder, default: Responder | None = None) -> None:
        """Queue `replies` for `path` (answered once each, in order); `default` answers after."""
        with self._lock:
            self._queues.setdefault(path, deque()).extend(replies)
            if default is not None:
                self._defaults[path] = default

    def route(self, path: str, responder: Responder) -> None:
        """Answer every request for `path` with `responder`."""
        self.script(path, default=responder)

    def requests_for(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if urlsplit(r.path).path == path]

    # -- addresses -------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("LoopbackServer is not running; use it as a context manager")
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    # -- life cycle ------------------------------------------------------------------------------
    def __enter__(self) -> LoopbackServer:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        # A client hanging up on a fault is the point of the fault, not a traceback on stderr.
        self._httpd.handle_error = lambda request, address: None  # type: ignore[method-assign]
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="loopback-http", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._released.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    # -- used by the handler ---------------------------------------------------------------------
    def _answer(self, request: RecordedRequest) -> Reply:
        path = urlsplit(request.path).path
        with self._lock:
            self.requests.append(request)
            queue = self._queues.get(path)
            responder = queue.popleft() if queue else self._defaults.get(path)
        if responder is None:
            return Reply(404, b"not scripted: " + path.encode())
        return responder(request) if callable(responder) else responder


def _make_handler(server: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            request = RecordedRequest(
                method=self.command,
                path=self.path,
                headers={k.lower(): v for k, v in self.headers.items()},
            )
            reply = server._answer(request)
            if reply.delay:
                server._released.wait(reply.delay)
            if reply.disconnect:
                self.close_connection = True
                return
            if reply.drip or reply.reset_after is not None:
                self._send_faulty(reply)
                return
            self.send_response(reply.status)
            names = {k.lower() for k in reply.headers}
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.with_length:
                if "content-length" not in names:
                    self.send_header("Content-Length", str(len(reply.body)))
            else:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if reply.status != 304:
                self.wfile.write(reply.body)

        def _send_faulty(self, reply: Reply) -> None:
            """The whole answer written by hand: dripped byte by byte, or cut by a reset."""
            self.close_connection = True
            head = [f"HTTP/1.1 {reply.status} Scripted", *(f"{k}: {v}" for k, v in reply.headers.items())]
            if "content-length" not in {k.lower() for k in reply.headers}:
                head.append(f"Content-Length: {len(reply.body)}")
            wire = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
            if reply.reset_after is not None:
                self.wfile.write(wire + reply.body[: reply.reset_after])
                self.wfile.flush()
                # SO_LINGER 0: close() sends RST instead of FIN, as a crashed peer or a middlebox does.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
                return
            try:
                for byte in wire + reply.body:
                    if server._released.wait(reply.drip):
                        return  # the server is stopping
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
            except OSError:
                return  # the client gave up: that is what the drip is for

        def log_message(self, format: str, *args: Any) -> None:
            pass  # tests stay quiet

    return Handler

"""Loopback servers and clients for the ukmod tests: a real HTTP server on 127.0.0.1, real HttpClient."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from extractors.http import HttpClient
from samples.ukmod.loopback import make_handler

ARCHIVE_DIR = Path(__file__).resolve().parents[3] / "samples" / "ukmod"
TOKEN = "loopback-test-token"



@dataclass
class ArchiveServer:
    base_url: str
    requests: list[str]
    throttle: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def archive_server() -> Iterator[ArchiveServer]:
    """The demo archive served as the X API and an RSS bridge; the first timeline request may get 429."""
    base_handler = make_handler(ARCHIVE_DIR, bearer_token=TOKEN)
    throttle: dict[str, int] = {"tweets_429": 0}
    requests: list[str] = []

    class Handler(base_handler):  # type: ignore[misc,valid-type]
        def do_GET(self) -> None:
            requests.append(self.path)
            if "/tweets" in self.path and throttle["tweets_429"] > 0:
                throttle["tweets_429"] -= 1
                body = json.dumps({"title": "Too Many Requests", "status": 429}).encode()
                self._send(429, {"Content-Type": "application/json", "Retry-After": "2"}, body)
                return
            super().do_GET()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield ArchiveServer(f"http://127.0.0.1:{server.server_address[1]}", requests, throttle)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def make_client(sleeps: list[float] | None = None) -> Any:
    """A real HttpClient for loopback, recording the delays it would sleep instead of sleeping."""
    recorded = sleeps if sleeps is not None else []
    return HttpClient(["127.0.0.1"], sleep=recorded.append, max_attempts=3)


@pytest.fixture(scope="session")
def expected_posts() -> dict[str, dict[str, Any]]:
    posts = json.loads((ARCHIVE_DIR / "expected.json").read_text(encoding="utf-8"))["posts"]
    return {post["post_id"]: post for post in posts}

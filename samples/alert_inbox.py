"""A webhook on loopback that keeps the alerts it is sent: the demo's stand-in for a Slack channel.

The demo points BULLETINS_ALERT_URL at it, so its runs deliver their alerts for real (the alerts
table records them as delivered) and the demo can show what a team would have received.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

MAX_BODY_BYTES = 1_000_000


class AlertInbox:
    """The JSON bodies posted to the handler, in arrival order."""

    def __init__(self) -> None:
        self.alerts: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY_BYTES)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    self.send_response(400)
                    self.end_headers()
                    return
                with inbox._lock:
                    inbox.alerts.append(body)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: the demo prints the alerts itself

        return Handler

"""Serve an archive directory on loopback as if it were the source's site (`make demo`, tests).

URL path P is served from root/P, a path ending in "/" from root/P/index.html, a directory asked
for without its slash is redirected to it (as real sites do). Answers carry a strong ETag (sha256
of the body) and Last-Modified (the file's mtime), and conditional requests get 304, so the
pipeline's conditional re-fetch is exercised end to end. The query string is ignored. Nothing
outside root is ever served. The server writes no request log: the demo prints no noise.

Foreground use:  .venv/bin/python -m flows.archive_server samples/isw/site --port 8000
(all the demo's sample sources at once: .venv/bin/python -m flows.demo --serve)
"""

from __future__ import annotations

import argparse
import hashlib
import mimetypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

CONTENT_TYPES = {
    ".xml": "application/xml",
    ".json": "application/json",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    "": "text/html; charset=utf-8",  # extension-less report URLs are pages
}


@contextmanager
def serve_archive(root: Path, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve `root` in a background thread; yields the base URL (http://127.0.0.1:PORT)."""
    with serve_in_thread(make_archive_server(root, host, port)) as url:
        yield url


@contextmanager
def serve_handler(handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve a request handler class (an API stand-in that reads query strings) on loopback."""
    httpd = ThreadingHTTPServer((host, port), handler)
    httpd.daemon_threads = True
    with serve_in_thread(httpd) as url:
        yield url


@contextmanager
def serve_in_thread(httpd: ThreadingHTTPServer) -> Iterator[str]:
    thread = threading.Thread(target=httpd.serve_forever, name="archive-server", daemon=True)
    thread.start()
    try:
        yield base_url(httpd)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def run_archive_server(root: Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve `root` in the foreground until interrupted."""
    httpd = make_archive_server(root, host, port)
    print(f"serving {Path(root).resolve()} at {base_url(httpd)} (Ctrl-C to stop)", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()


def make_archive_server(root: Path, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    archive_root = Path(root).resolve()
    if not archive_root.is_dir():
        raise NotADirectoryError(f"archive root {root} is not a directory")
    handler = type("ArchiveHandler", (_ArchiveHandler,), {"archive_root": archive_root})
    httpd = ThreadingHTTPServer((host, port), handler)
    httpd.daemon_threads = True
    return httpd


def base_url(httpd: ThreadingHTTPServer) -> str:
    host, port = httpd.server_address[:2]
    return f"http://{host}:{port}"


class _ArchiveHandler(BaseHTTPRequestHandler):
    archive_root: Path
    protocol_version = "HTTP/1.1"
    server_version = "bulletin-metrics-archive/0.1"

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: `make demo` must print nothing but its results

    def _serve(self, *, send_body: bool) -> None:
        raw_path = urlsplit(self.path).path
        target = self._resolve(unquote(raw_path))
        if target is None:
            self._send(404, b"not found\n", {"Content-Type": "text/plain; charset=utf-8"}, send_body)
            return
        if target.is_dir():
            self._send(301, b"", {"Location": raw_path + "/"}, send_body)
            return

        body = target.read_bytes()
        mtime = int(target.stat().st_mtime)
        validators = {
            "ETag": f'"{hashlib.sha256(body).hexdigest()}"',
            "Last-Modified": formatdate(mtime, usegmt=True),
        }
        if self._not_modified(validators["ETag"], mtime):
            self._send(304, b"", validators, send_body)
            return
        content_type = CONTENT_TYPES.get(target.suffix.lower()) or (
            mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        )
        self._send(200, body, {"Content-Type": content_type, **validators}, send_body)

    def _resolve(self, url_path: str) -> Path | None:
        """The file a URL path names inside the archive, or None (missing, or outside root)."""
        segments = url_path.split("/")
        if any(s in ("..", ".") or "\\" in s or "\0" in s for s in segments):
            return None
        relative = "/".join(s for s in segments if s)
        candidate = self.archive_root / relative
        if url_path.endswith("/"):
            candidate = candidate / "index.html"
        resolved = candidate.resolve()
        # Symlinks must not lead out of the archive either.
        if not resolved.is_relative_to(self.archive_root) or not resolved.exists():
            return None
        return resolved

    def _not_modified(self, etag: str, mtime: int) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:  # RFC 9110: If-None-Match wins over If-Modified-Since
            tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
            return "*" in tags or etag in tags
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since:
            try:
                since = parsedate_to_datetime(if_modified_since)
            except (TypeError, ValueError):
                return False  # an unreadable date is ignored, as the RFC says
            if since.tzinfo is None:  # HTTP-dates are GMT
                since = since.replace(tzinfo=UTC)
            return mtime <= since.timestamp()
        return False

    def _send(self, status: int, body: bytes, headers: dict[str, str], send_body: bool) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body and status != 304:
            self.wfile.write(body)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve an archive directory as a source's site.")
    parser.add_argument("root", type=Path, help="archive directory (URL path P is served from ROOT/P)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    run_archive_server(args.root, args.host, args.port)


if __name__ == "__main__":
    main()

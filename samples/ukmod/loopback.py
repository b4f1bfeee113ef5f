"""Serve the MoD demo archive the way the X API v2 (and an RSS bridge) would, for loopback runs.

`timeline_response(path_and_query, archive_dir)` is pure: it answers one GET from the files of the
archive, so any loopback handler (the demo's, a test's) can call it. Routes:

    /2/users/by/username/DefenceHQ      the user lookup (users/DefenceHQ.json)
    /2/users/{id}/tweets?...            pages of timeline/posts.json, newest first, honouring since_id,
                                        start_time, end_time, max_results and pagination_token
    /media/{name}.png                   an update image (images/)
    /rss/DefenceHQ.xml                  the RSS bridge feed (rss/)

Pages hold at most ARCHIVE_PAGE_SIZE posts whatever max_results asks, so paging shows on a small
archive (the real API may also return short pages). `make_handler` wraps it in a
BaseHTTPRequestHandler that can also demand a bearer token.
"""

from __future__ import annotations

import json
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

ARCHIVE_DIR = Path(__file__).resolve().parent
ARCHIVE_PAGE_SIZE = 5

Response = tuple[int, dict[str, str], bytes]


def timeline_response(path_and_query: str, archive_dir: Path | str = ARCHIVE_DIR) -> Response:
    """(status, headers, body) of a GET of `path_and_query` against the archive in `archive_dir`."""
    archive = Path(archive_dir)
    parts = urlsplit(path_and_query)
    path, query = unquote(parts.path), parse_qs(parts.query)
    segments = [s for s in path.split("/") if s]
    users = json.loads((archive / "users" / "DefenceHQ.json").read_text(encoding="utf-8"))
    user = users["data"]

    if segments[:4] == ["2", "users", "by", "username"] and len(segments) == 5:
        if segments[4].lower() != user["username"].lower():
            return _problem(404, "Not Found Error", f"Could not find user with username: [{segments[4]}].")
        return _json(200, users)
    if len(segments) == 4 and segments[:2] == ["2", "users"] and segments[3] == "tweets":
        if segments[2] != user["id"]:
            return _problem(404, "Not Found Error", f"Could not find user with id: [{segments[2]}].")
        try:
            return _json(200, _timeline_page(archive, query))
        except ValueError as error:
            return _problem(400, "Invalid Request", str(error))
    if len(segments) == 2 and segments[0] == "media":
        return _file(archive / "images" / segments[1], "image/png")
    if len(segments) == 2 and segments[0] == "rss":
        return _file(archive / "rss" / segments[1], "application/rss+xml; charset=utf-8")
    return _problem(404, "Not Found Error", f"no route for {path}")


def _timeline_page(archive: Path, query: dict[str, list[str]]) -> dict[str, object]:
    everything = json.loads((archive / "timeline" / "posts.json").read_text(encoding="utf-8"))
    posts = sorted(everything["data"], key=lambda post: int(post["id"]), reverse=True)
    since_id, until_id = _one(query, "since_id"), _one(query, "until_id")
    if since_id:
        posts = [p for p in posts if int(p["id"]) > int(since_id)]
    if until_id:
        posts = [p for p in posts if int(p["id"]) < int(until_id)]
    start_time, end_time = _time(query, "start_time"), _time(query, "end_time")
    if start_time:
        posts = [p for p in posts if _created(p) >= start_time]
    if end_time:
        posts = [p for p in posts if _created(p) <= end_time]

    max_results = int(_one(query, "max_results") or "10")
    if not 5 <= max_results <= 100:
        raise ValueError(f"max_results must be between 5 and 100, got {max_results}")
    size = min(max_results, ARCHIVE_PAGE_SIZE)
    token = _one(query, "pagination_token")
    offset = 0
    if token:
        if not token.startswith("page-") or not token[5:].isdigit():
            raise ValueError(f"The `pagination_token` query parameter value [{token}] is not valid")
        offset = int(token[5:])
    page = posts[offset : offset + size]
    if not page:
        return {"meta": {"result_count": 0}}
    keys = {k for p in page for k in p.get("attachments", {}).get("media_keys", [])}
    media = [m for m in everything.get("includes", {}).get("media", []) if m["media_key"] in keys]
    meta: dict[str, object] = {"result_count": len(page), "newest_id": page[0]["id"], "oldest_id": page[-1]["id"]}
    if offset + size < len(posts):
        meta["next_token"] = f"page-{offset + size}"
    body: dict[str, object] = {"data": page, "meta": meta}
    if media:
        body["includes"] = {"media": media}
    return body


def _one(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


def _time(query: dict[str, list[str]], name: str) -> datetime | None:
    value = _one(query, name)
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _created(post: dict[str, str]) -> datetime:
    return datetime.fromisoformat(post["created_at"].replace("Z", "+00:00"))


def _json(status: int, payload: object) -> Response:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return status, {"Content-Type": "application/json; charset=utf-8"}, body


def _problem(status: int, title: str, detail: str) -> Response:
    return _json(status, {"title": title, "detail": detail, "status": status})


def _file(path: Path, content_type: str) -> Response:
    if not path.is_file():
        return _problem(404, "Not Found Error", f"no such file {path.name}")
    return 200, {"Content-Type": content_type}, path.read_bytes()


def make_handler(
    archive_dir: Path | str = ARCHIVE_DIR, *, bearer_token: str | None = None
) -> type[BaseHTTPRequestHandler]:
    """A request handler serving the archive; with `bearer_token`, /2/ routes demand it (else 401)."""

    class ArchiveHandler(BaseHTTPRequestHandler):
        requests_seen: list[str] = []  # noqa: RUF012 - shared on purpose: the server's request log

        def do_GET(self) -> None:
            ArchiveHandler.requests_seen.append(self.path)
            authorised = self.headers.get("Authorization") == f"Bearer {bearer_token}"
            if bearer_token and self.path.startswith("/2/") and not authorised:
                self._send(*_problem(401, "Unauthorized", "Unauthorized"))
                return
            self._send(*timeline_response(self.path, archive_dir))

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return ArchiveHandler

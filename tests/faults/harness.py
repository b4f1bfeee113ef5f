"""The fault matrix's harness: a real archive on loopback that misbehaves on cue, and the figures.

Each row of the matrix (README, "Faults") runs the real ingest flow against `FaultyArchive`,
a copy of a generated ISW archive served on 127.0.0.1 whose paths can be told to fail the next
request(s) in a given way (a status, a reset mid-body, a drip...). Then the same ingest runs
again with the faults cleared, and `judge` compares both with an unfaulted run:

- rows lost: figures of the unfaulted run missing after the clean re-run, plus rows stored after
  the faulted run that are gone after it (the store only appends);
- rows duplicated: rows repeating a (key, version), or a version that restates its predecessor;
- converged: the clean re-run's `observations_latest` equals the unfaulted run's.

URLs are compared by path: every archive is served on a port of its own.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import duckdb

from flows.archive_server import make_archive_server, serve_in_thread

ISW_RANGE: dict[str, Any] = {"date_from": date(2024, 1, 1), "date_to": date(2025, 12, 31), "mode": "backfill"}
# (report date, month covered, km² gained): ISW's own monthly figures, in sentences of our own.
MONTHLY_GAINS = (
    (date(2024, 12, 3), "November 2024", "627"),
    (date(2025, 2, 3), "January 2025", "427"),
    (date(2025, 3, 3), "February 2025", "354"),
    (date(2025, 4, 1), "March 2025", "203"),
    (date(2025, 6, 2), "May 2025", "499.28"),
    (date(2025, 7, 2), "June 2025", "465.8"),
    (date(2025, 8, 1), "July 2025", "445.88"),
)
REPORTS = len(MONTHLY_GAINS)
HOST = "https://understandingwar.org"
CHALLENGE_HTML = (
    b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
    b"<noscript>Enable JavaScript and cookies to continue</noscript>"
    b"<script>window._cf_chl_opt={cType:'managed'};</script></body></html>"
)


# -- the archive -----------------------------------------------------------------------------------

def write_isw_site(root: Path) -> list[str]:
    """A small ISW site (sitemap index, post sitemap, one report per month gained); its URL paths."""
    paths = []
    for published, month, km2 in MONTHLY_GAINS:
        slug = f"russian-offensive-campaign-assessment-{published:%B}-{published.day}-{published.year}".lower()
        path = f"/research/russia-ukraine/{slug}/"
        target = root / path.strip("/") / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_report_html(published, month, km2), encoding="utf-8")
        paths.append(path)
    urls = "".join(f"<url><loc>{HOST}{path}</loc><lastmod>{published.isoformat()}T23:00:00+00:00</lastmod></url>\n"
                   for path, (published, _, _) in zip(paths, MONTHLY_GAINS, strict=True))
    namespace = "http://www.sitemaps.org/schemas/sitemap/0.9"
    (root / "post-sitemap.xml").write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{namespace}">\n{urls}</urlset>\n', encoding="utf-8")
    (root / "sitemap_index.xml").write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{namespace}"><sitemap>'
        f"<loc>{HOST}/post-sitemap.xml</loc><lastmod>2025-08-01T23:00:00+00:00</lastmod></sitemap></sitemapindex>\n",
        encoding="utf-8")
    return paths


def _report_html(published: date, month: str, km2: str) -> str:
    title = f"Russian Offensive Campaign Assessment, {published:%B} {published.day}, {published.year}"
    return f"""<!doctype html>
<html lang="en-US"><head><meta charset="UTF-8"><title>{title}</title>
<meta property="article:published_time" content="{published.isoformat()}T22:00:00+00:00"></head>
<body><main><article><h1>{title}</h1><div class="entry-content">
<p>Key Takeaways</p>
<p>Russian forces gained {km2} square kilometers in {month}, according to ISW's review of geolocated footage
published over the month.</p>
<p>Fighting continued along the front line, with Russian assaults concentrated on a few directions while
Ukrainian forces held their positions and struck logistics far behind the lines.</p>
<p>The pace of advance varied from week to week, and ISW will continue to report its assessment as new
evidence becomes available.</p>
</div></article></main></body></html>
"""


# -- faults ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Fault:
    """One misbehaviour, for one request of a path.

    kind: "status" (answer `status` with `headers` and `body`), "reset" (send the headers and
    `size` bytes of the real body, then a TCP reset), "truncate" (the same, then a clean close),
    "silent" (say nothing for `seconds`, then close), "drip" (the real answer, one byte every
    `seconds`), "oversize" (a body of `size` bytes, no Content-Length), "redirect" (302 to
    `location`).
    """

    kind: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    size: int = 0
    seconds: float = 0.0
    location: str = ""


class FaultyArchive:
    """An archive directory served like the source's site, failing on cue; a context manager."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[str] = []
        self._plan: dict[str, deque[Fault]] = {}
        self._always: dict[str, Fault] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.url = ""
        self._served: contextlib.ExitStack | None = None

    def fail(self, path: str, *faults: Fault, always: Fault | None = None) -> None:
        """The next requests of `path` get `faults`, one each; then `always` (if given) for ever."""
        with self._lock:
            self._plan.setdefault(path, deque()).extend(faults)
            if always is not None:
                self._always[path] = always

    def clear(self) -> None:
        with self._lock:
            self._plan.clear()
            self._always.clear()
            self.requests.clear()

    def requests_for(self, path: str) -> int:
        with self._lock:
            return sum(1 for p in self.requests if p == path)

    def __enter__(self) -> FaultyArchive:
        httpd = make_archive_server(self.root)
        httpd.RequestHandlerClass = _faulty_handler(httpd.RequestHandlerClass, self)  # type: ignore[arg-type]
        # A client hanging up on a fault is the point of the fault, not a traceback on stderr.
        httpd.handle_error = lambda request, address: None  # type: ignore[method-assign]
        self._served = contextlib.ExitStack()
        self.url = self._served.enter_context(serve_in_thread(httpd))
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        if self._served is not None:
            self._served.close()

    def _next(self, path: str) -> Fault | None:
        with self._lock:
            self.requests.append(path)
            queue = self._plan.get(path)
            return queue.popleft() if queue else self._always.get(path)

    def file_for(self, path: str) -> bytes:
        relative = unquote(path).lstrip("/")
        target = self.root / relative
        return (target / "index.html" if path.endswith("/") else target).read_bytes()


def _faulty_handler(base: type[BaseHTTPRequestHandler], archive: FaultyArchive) -> type[BaseHTTPRequestHandler]:
    class Faulty(base):  # type: ignore[valid-type, misc]
        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            fault = archive._next(path)
            if fault is None:
                super().do_GET()
            else:
                self.close_connection = True
                with contextlib.suppress(OSError):  # the client may give up first: that is the point
                    self._misbehave(fault, path)

        def _misbehave(self, fault: Fault, path: str) -> None:
            if fault.kind == "silent":
                archive._stopping.wait(fault.seconds)
                return
            if fault.kind == "status":
                self._write(fault.status, fault.headers, fault.body)
            elif fault.kind == "redirect":
                self._write(302, {"Location": fault.location}, b"")
            elif fault.kind == "oversize":
                self._write_head(200, {"Content-Type": "text/html", "Connection": "close"})
                chunk = b"<p>" + b"x" * 65_533
                for _ in range(fault.size // len(chunk) + 1):
                    self.wfile.write(chunk)
            elif fault.kind in ("reset", "truncate"):
                body = archive.file_for(path)
                self._write_head(200, {"Content-Type": "text/html", "Content-Length": str(len(body))})
                self.wfile.write(body[: fault.size])
                self.wfile.flush()
                if fault.kind == "reset":  # SO_LINGER 0: close() sends a reset, as a crashed peer does
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
            elif fault.kind == "drip":
                body = archive.file_for(path)
                wire = _head(200, {"Content-Type": "text/html", "Content-Length": str(len(body))}) + body
                for byte in wire:
                    if archive._stopping.wait(fault.seconds):
                        return
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
            else:
                raise ValueError(f"unknown fault {fault.kind!r}")

        def _write(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self._write_head(status, {**headers, "Content-Length": str(len(body))})
            self.wfile.write(body)

        def _write_head(self, status: int, headers: dict[str, str]) -> None:
            self.wfile.write(_head(status, headers))

    return Faulty


def _head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} Fault", *(f"{name}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


# -- the figures -----------------------------------------------------------------------------------

KEY = "source, metric, subject, period_start, period_end, assessment"
STATEMENT = "value, value_low, value_high, qualifier"


@dataclass(frozen=True)
class Figures:
    """What a warehouse holds, comparable across homes and ports (the URL is the last field)."""

    latest: frozenset[tuple[Any, ...]]
    rows: frozenset[tuple[Any, ...]]
    row_count: int
    duplicated: int

    def of(self, path: str) -> Figures:
        """The figures read from the document at URL path `path` (duplicates: the warehouse's)."""
        latest = frozenset(row for row in self.latest if row[-1] == path)
        rows = frozenset(row for row in self.rows if row[-1] == path)
        return Figures(latest, rows, len(rows), self.duplicated)


def figures(home: Path) -> Figures:
    path = home / "warehouse.duckdb"
    if not path.exists():
        return Figures(frozenset(), frozenset(), 0, 0)
    with duckdb.connect(str(path), read_only=True) as con:
        url_path = "regexp_replace(url, '^[a-z]+://[^/]+', '')"
        latest = con.execute(
            f"SELECT {KEY}, {STATEMENT}, unit, confidence, quote, published_at, {url_path} FROM observations_latest"
        ).fetchall()
        rows = con.execute(f"SELECT {KEY}, version, {STATEMENT}, quote, {url_path} FROM observations").fetchall()
        (repeated,) = con.execute(
            f"SELECT count(*) - count(DISTINCT ({KEY}, version)) FROM observations"
        ).fetchone() or (0,)
        (restated,) = con.execute(
            f"""
            SELECT count(*) FROM (
                SELECT ({STATEMENT}) IS NOT DISTINCT FROM lag(({STATEMENT})) OVER (PARTITION BY {KEY} ORDER BY version)
                       AS same
                FROM observations
            ) WHERE same
            """
        ).fetchone() or (0,)
    return Figures(frozenset(latest), frozenset(rows), len(rows), int(repeated) + int(restated))


@dataclass
class Verdict:
    fault: str
    test: str
    what_happens: str
    lost: int
    duplicated: int
    converged: bool
    rows: int
    detail: dict[str, Any] = field(default_factory=dict)

    def as_row(self) -> dict[str, Any]:
        return {"fault": self.fault, "test": self.test, "rows_lost": self.lost, "rows_duplicated": self.duplicated,
                "converged": self.converged, "rows": self.rows, **self.detail}


RESULTS: list[Verdict] = []


def judge(fault: str, test: str, what_happens: str, baseline: Figures, after_fault: Figures, final: Figures,
          **detail: Any) -> Verdict:
    """Compare a faulted run and its clean re-run with the unfaulted run, and keep the figures."""
    lost = len(baseline.latest - final.latest) + len(after_fault.rows - final.rows)
    verdict = Verdict(fault, test, what_happens, lost, after_fault.duplicated + final.duplicated,
                      final.latest == baseline.latest, final.row_count, detail)
    RESULTS.append(verdict)
    return verdict


def write_results(path: Path) -> None:
    path.write_text(json.dumps([v.as_row() for v in RESULTS], indent=1, default=str) + "\n", encoding="utf-8")


def run_statuses(home: Path) -> list[str]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return [row[0] for row in con.execute("SELECT status FROM ingest_runs ORDER BY started_at").fetchall()]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])

"""The raw document store: every fetched body kept on disk, addressed by its sha256.

A body is written once (temp file then rename, so a crash never leaves half a document) and
never changed; `raw_documents` in the warehouse records where it came from and when. What is
derived from a body and costly to redo (an image's OCR text) is kept beside it, "<sha256>.<name>".
Re-parsing, replaying a backfill or debugging a figure reads from here, not the network.

A write that fails (disk full, quota, a file-size limit) removes its temp file and raises
`StorageFull`, one line; the documents stored before stay. A temp file left by a process that was
killed mid-write carries that process's id and is removed by the next write beside it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from warehouse.backend import insert_new
from warehouse.errors import StorageFull, is_no_room
from warehouse.processes import process_runs

TEMP_MARK = ".tmp-"


@dataclass(frozen=True)
class StoredDocument:
    """A fetched body in the raw store, with its origin."""

    sha256: str
    source: str
    url: str
    fetched_at: datetime
    size_bytes: int
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    published: str | None = None

    @property
    def etag(self) -> str | None:
        return _header(self.headers, "ETag")

    @property
    def last_modified(self) -> str | None:
        return _header(self.headers, "Last-Modified")

    @property
    def content_type(self) -> str | None:
        return _header(self.headers, "Content-Type")


class RawStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def relative_path(self, sha256: str) -> str:
        return f"{sha256[:2]}/{sha256}"

    def put(self, body: bytes, *, source: str, url: str, headers: dict[str, str], fetched_at: datetime,
            published: str | None = None) -> StoredDocument:
        sha256 = hashlib.sha256(body).hexdigest()
        relative = self.relative_path(sha256)
        target = self.root / relative
        if not target.exists():
            _write_whole(target, body, what=f"a {len(body)}-byte document from {url}")
        return StoredDocument(sha256, source, url, fetched_at, len(body), relative, dict(headers), published)

    def read(self, sha256: str) -> bytes:
        path = self.root / self.relative_path(sha256)
        try:
            body = path.read_bytes()
        except FileNotFoundError:
            raise FileNotFoundError(f"raw document {sha256} is not in the store at {self.root}") from None
        if hashlib.sha256(body).hexdigest() != sha256:
            raise ValueError(f"raw document {path} does not match its sha256: the store is damaged")
        return body

    def derived_path(self, sha256: str, name: str) -> Path:
        """Where something derived from a stored document lives: beside it, "<sha256>.<name>"."""
        if not name or name.startswith(".") or "/" in name or "\\" in name:
            raise ValueError(f"derived file name {name!r} must be a plain name such as 'ocr.json'")
        return self.root / f"{self.relative_path(sha256)}.{name}"

    def put_derived(self, sha256: str, name: str, data: bytes | str) -> Path:
        """Keep what was derived from a stored document (an image's OCR text, say) beside it.

        Unlike a body, a derived file may be replaced (OCR run again with a newer engine); it is
        written to a temp file then renamed, so a reader sees the old file or the new, never half.
        """
        target = self.derived_path(sha256, name)
        if not (self.root / self.relative_path(sha256)).exists():
            raise FileNotFoundError(f"raw document {sha256} is not in the store at {self.root}: nothing to put beside")
        payload = data.encode("utf-8") if isinstance(data, str) else data
        _write_whole(target, payload, what=f"{name} of document {sha256[:12]}")
        return target

    def read_derived(self, sha256: str, name: str) -> bytes | None:
        """What `put_derived` kept beside a stored document, None when nothing was."""
        try:
            return self.derived_path(sha256, name).read_bytes()
        except FileNotFoundError:
            return None


def _write_whole(target: Path, data: bytes, *, what: str) -> None:
    """Write `data` to `target` whole or not at all: a temp file beside it, then a rename."""
    temporary = target.with_name(f".{target.name}{TEMP_MARK}{os.getpid()}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove_abandoned_temporaries(target.parent)
        with temporary.open("wb") as handle:
            handle.write(data)
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        if is_no_room(error):
            raise StorageFull(
                error.errno, f"the raw store {target.parent.parent} has no room for {what} "
                f"({os.strerror(error.errno or 0).lower()}); documents stored before are kept"
            ) from None
        raise


def _remove_abandoned_temporaries(directory: Path) -> None:
    """Delete temp files whose writer died (kill -9 mid-write): their process id runs no more."""
    for leftover in directory.glob(f".*{TEMP_MARK}*"):
        pid = leftover.name.rpartition(TEMP_MARK)[2]
        if pid.isdigit() and int(pid) != os.getpid() and not process_runs(int(pid)):
            leftover.unlink(missing_ok=True)


def record_documents(con: duckdb.DuckDBPyConnection, documents: list[StoredDocument], run_id: str) -> int:
    """Record fetched documents in `raw_documents`; a body already known at that URL adds nothing."""
    if not documents:
        return 0
    frame = pd.DataFrame(
        [[d.sha256, d.source, d.url, d.content_type, d.size_bytes, d.etag, d.last_modified,
          json.dumps(d.headers), d.fetched_at, run_id, d.path, d.published] for d in documents],
        columns=["sha256", "source", "url", "content_type", "size_bytes", "etag", "last_modified", "headers",
                 "fetched_at", "run_id", "path", "published"],
    ).drop_duplicates(["sha256", "url"])
    # The key (sha256, url) is kept here: a lake has no PRIMARY KEY to refuse a repeat.
    return insert_new(con, "raw_documents", frame, ["sha256", "url"])


def latest_validators(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, tuple[str | None, str | None, str]]:
    """url -> (etag, last_modified, sha256) of the most recent fetch, for conditional GETs."""
    rows = con.execute(
        """
        SELECT url, etag, last_modified, sha256
        FROM raw_documents
        WHERE source = ?
        QUALIFY row_number() OVER (PARTITION BY url ORDER BY fetched_at DESC) = 1
        """,
        [source],
    ).fetchall()
    return {url: (etag, last_modified, sha256) for url, etag, last_modified, sha256 in rows}


def _header(headers: dict[str, str], name: str) -> str | None:
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def stored_documents(
    con: duckdb.DuckDBPyConnection, source: str, *, unparsed_by: str | None = None
) -> list[StoredDocument]:
    """The newest body of every URL of a source, for re-parsing without the network.

    With `unparsed_by` (a parser version), only the documents that version has not read yet:
    an image OCR could not read last time, or everything after a parser upgrade.
    """
    rows = con.execute(
        """
        SELECT d.sha256, d.source, d.url, d.fetched_at, d.size_bytes, d.path, d.headers, d.published
        FROM raw_documents AS d
        WHERE d.source = $source
          AND ($parser IS NULL OR NOT EXISTS (
              SELECT 1 FROM parsed_documents AS p WHERE p.sha256 = d.sha256 AND p.parser_version = $parser
          ))
        QUALIFY row_number() OVER (PARTITION BY d.url ORDER BY d.fetched_at DESC) = 1
        ORDER BY d.url
        """,
        {"source": source, "parser": unparsed_by},
    ).fetchall()
    return [
        StoredDocument(sha, src, url, fetched_at, size, path, json.loads(headers) if headers else {},
                       published.isoformat() if published else None)
        for sha, src, url, fetched_at, size, path, headers, published in rows
    ]


def already_parsed(con: duckdb.DuckDBPyConnection, sha256s: list[str], parser_version: str) -> set[str]:
    """Which of these documents this parser version has read before."""
    if not sha256s:
        return set()
    rows = con.execute(
        "SELECT sha256 FROM parsed_documents WHERE parser_version = ? AND list_contains(?, sha256)",
        [parser_version, sha256s],
    ).fetchall()
    return {sha for (sha,) in rows}

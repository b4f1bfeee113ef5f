"""What a source is: one `Source` declaration per source, at the end of that source's own module.

A newcomer finds a source's whole path in three files: its module (discover, read, and this
declaration), its Great Expectations suite (`expectations/suites/<suite>.json`), and the flow that
runs every source the same way (`flows/ingest.py`). Everything else is derived from the
declarations by `extractors.sources`: the registry, the settings and their environment variables
(`flows/settings.py`), the `--source` choices of the command line and the HTTP allow-list.

Pure data and types: importing this module imports no HTTP, database or orchestration code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from extractors.observation import DocumentRef, Reading


class Discover(Protocol):
    """Lists a source's candidate documents. `client` is the shared HTTP client (extractors.http),
    `base_url` the configured base (a URL, or for a local file its path); `options` are the
    source's extra settings (`SourceSettings.options`) and its cursor argument, by name."""

    def __call__(
        self, client: Any, base_url: str, *, since: datetime | None = None, date_from: date | None = None,
        date_to: date | None = None, **options: Any,
    ) -> list[DocumentRef]: ...


class Read(Protocol):
    """bytes -> Reading. PURE: no I/O, no OCR. Raises ValueError (or one of the source's
    `not_read_errors`) with one line saying what is wrong when the bytes cannot be read."""

    def __call__(
        self, body: bytes, *, url: str | None = None, published: date | None = None, sha256: str | None = None
    ) -> Reading: ...


@dataclass(frozen=True)
class Option:
    """An extra environment variable a source's discovery takes, passed to `discover` as `argument`."""

    env: str  # e.g. BULLETINS_UKMOD_X_BEARER_TOKEN
    argument: str  # e.g. bearer_token
    meaning: str  # one line for the README and the error messages
    secret: bool = False  # never printed
    is_url: bool = False  # its host joins the source's HTTP allow-list


@dataclass(frozen=True)
class SourceSettings:
    """What a source is configured with, and the environment variables that configure it."""

    base_url_env: str  # e.g. BULLETINS_ISW_BASE_URL
    base_url: str  # the default: the public site, or (curated) a file path
    # Hosts the source may always be fetched from; the configured base URL's host joins them.
    public_hosts: frozenset[str]
    # A scheduled run fails as stale after this long without a new document (0: never).
    stale_after_hours: float = 36.0
    options: tuple[Option, ...] = ()
    # At least one of these option arguments must be set for the source to be discoverable.
    needs_one_of: tuple[str, ...] = ()
    base_url_is_path: bool = False  # the base is a local file, not an http(s) URL


@dataclass(frozen=True)
class OcrStep:
    """Reading images: recognise their text (slow, needs Tesseract), keep it beside the image in the
    raw store, read the text. The pipeline composes these steps; `Source.read` never runs OCR.

    `recognise` raises one of the source's `not_read_errors` when no reading can be made now
    (Tesseract missing): the document stays raw and a later run tries again.
    """

    is_image: Callable[[bytes], bool]
    recognise: Callable[[bytes], Any]
    # The name of the stored reading beside the image: "<image path>.<stored_name>".
    stored_name: str
    dump: Callable[[Any], str]
    load: Callable[[bytes], Any]  # raises ValueError for a damaged stored reading
    # True while the installed engine and settings would make this stored reading the same way.
    is_current: Callable[[Any], bool]
    read: Callable[..., Reading]  # (recognised, *, url, published, sha256) -> Reading


@dataclass(frozen=True)
class Cursor:
    """A source's own position for incremental runs (the newest X post id), beside the watermark.

    The flow passes the stored cursor to `discover` as `argument`, and keeps `advance(stored,
    failed)` for the next run: it must not pass a document that failed to be stored.
    """

    argument: str
    advance: Callable[[list[DocumentRef], list[DocumentRef]], str | None]


@dataclass(frozen=True)
class Source:
    name: str  # isw, ukmod, genstaff, curated: the `source` column and the `--source` choice
    title: str  # for help texts
    parser_version: str
    suite: str  # expectations/suites/<suite>.json
    discover: Discover
    read: Read
    settings: SourceSettings
    ocr: OcrStep | None = None
    # Errors that mean "cannot be read now, keep it raw and retry on a later run" (no Tesseract).
    not_read_errors: tuple[type[Exception], ...] = ()
    cursor: Cursor | None = None
    # `bulletins parse --source NAME` reads saved files of this source.
    parses_saved_files: bool = True
    # What the parser saw but could not read is kept for review as an `unread` anomaly (a warning);
    # for a file people write by hand (curated) it is a quarantined row that fails the run instead.
    unread_quarantined: bool = False

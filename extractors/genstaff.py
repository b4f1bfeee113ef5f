"""Ukrainian General Staff daily loss counts, from the russianwarship.rip API v2 (DESIGN.md §5).

A day's response is `{"message", "data": {"date", "day", "resource", "stats": {...}, "increase": {...}}}`;
the paged listing is `{"message", "data": {"records": [day, ...], "paging": {"total", "next_url"}}}`.
Every numeric `stats` field becomes `<field>_cumulative` for 2022-02-24..report date, so fields that
appear later (`submarines`) or vanish need no code change. A field not in `KNOWN_STATS_FIELDS` is
loaded all the same and logged; `unknown_stats_fields()` lets a flow report it.
`increase` is not loaded: it is the difference of two cumulative figures we already hold.
"""

from __future__ import annotations

import json
import logging
import math
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

from extractors.catalogue import GENSTAFF_METRIC_SUFFIX, WAR_START, unit_for
from extractors.observation import DocumentRef, Observation, Reading, Unread
from extractors.source import Source, SourceSettings

SOURCE = "genstaff"
PARSER_VERSION = "genstaff-1"

STATISTICS_PATH = "/api/v2/statistics"
PAGE_LIMIT = 50

# The API's keys as of 2025; anything else is still loaded, and reported.
KNOWN_STATS_FIELDS = frozenset(
    {
        "personnel_units",
        "tanks",
        "armoured_fighting_vehicles",
        "artillery_systems",
        "mlrs",
        "aa_warfare_systems",
        "planes",
        "helicopters",
        "vehicles_fuel_tanks",
        "warships_cutters",
        "cruise_missiles",
        "uav_systems",
        "special_military_equip",
        "atgm_srbm_systems",
        "submarines",
    }
)
# The one field whose metric name is not simply `<field>_cumulative`.
METRIC_RENAMES = {"personnel_units": "personnel_cumulative"}

log = logging.getLogger(__name__)


class _Fetched(Protocol):
    body: bytes | None
    headers: dict[str, str]


class _Client(Protocol):
    """The part of extractors.http.HttpClient that discovery uses."""

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> _Fetched: ...


def metric_for(field: str) -> str:
    """`personnel_units` -> `personnel_cumulative`, `tanks` -> `tanks_cumulative`.

    Unknown names are made snake_case first ("Ballistic Missiles" -> `ballistic_missiles_cumulative`).
    """
    if field in METRIC_RENAMES:
        return METRIC_RENAMES[field]
    snake = re.sub(r"[^0-9a-z]+", "_", field.strip().lower()).strip("_")
    return f"{snake}{GENSTAFF_METRIC_SUFFIX}"


def parse(
    body: bytes, *, url: str | None = None, published: date | None = None, sha256: str | None = None
) -> list[Observation]:
    """Observations from a single-day response or a listing page (see `read`)."""
    return read(body, url=url, published=published, sha256=sha256).observations


def read(
    body: bytes, *, url: str | None = None, published: date | None = None, sha256: str | None = None
) -> Reading:
    """Observations from a single-day response or a listing page, and the figures not read.

    `published` is not needed: each record carries its report date. A `stats` value that is
    null, a boolean, a string or not a finite number is not read (an `Unread` with the field and
    the value, kept for review): one odd field must not cost the day's other figures, and a
    missing figure is better than a guessed one. A body that is not JSON, or lacks `data`, `date`
    or `stats`, raises ValueError naming what is missing.
    """
    observations: list[Observation] = []
    unread: list[Unread] = []
    unknown: set[str] = set()
    for where, record in _records(_load(body)):
        report_date = _report_date(record, where)
        stats = record.get("stats")
        if not isinstance(stats, dict):
            raise ValueError(f"genstaff: {where} has no 'stats' object")
        for field, raw in stats.items():
            value = _count(raw)
            if value is None:
                shown = f"{raw!r:.60}"
                unread.append(Unread(
                    source=SOURCE, quote=f"General Staff report of {report_date.isoformat()}: {field} {shown}",
                    reason=f"{where}.stats.{field} is not a count: {shown}", published_at=report_date,
                    parser_version=PARSER_VERSION, metric=metric_for(str(field)), url=url, document_sha256=sha256,
                ))
                continue
            if field not in KNOWN_STATS_FIELDS:
                unknown.add(field)
            observations.append(_observation(field, value, report_date, url, sha256))
    if unknown:
        log.warning("genstaff: unknown stats field(s) loaded: %s", ", ".join(sorted(unknown)))
    return Reading(observations, unread)


def unknown_stats_fields(body: bytes) -> list[str]:
    """The `stats` keys of a document that are not in KNOWN_STATS_FIELDS (for the run report)."""
    found = {
        field
        for _, record in _records(_load(body))
        if isinstance(record.get("stats"), dict)
        for field in record["stats"]
    }
    return sorted(found - KNOWN_STATS_FIELDS)


def latest_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}{STATISTICS_PATH}/latest"


def day_url(base_url: str, day: date) -> str:
    return f"{base_url.rstrip('/')}{STATISTICS_PATH}/{day.isoformat()}"


def listing_url(base_url: str, date_from: date, date_to: date, *, offset: int = 0) -> str:
    query = urlencode(
        {
            "offset": offset,
            "limit": PAGE_LIMIT,
            "date_from": date_from.isoformat(),
            "date_to": date_to.isoformat(),
        }
    )
    return f"{base_url.rstrip('/')}{STATISTICS_PATH}?{query}"


def discover(
    client: _Client,
    base_url: str,
    *,
    since: datetime | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[DocumentRef]:
    """The documents to load.

    - `since` (the last stored report) and/or `date_from` (a backfill's first day, inclusive):
      the paged listing from the later of `since`'s next day and `date_from`, to `date_to` or
      today (UTC). Each page is fetched here, to find `next_url`, and returned with its body and
      headers; empty pages are not returned. `next_url` is moved onto base_url's host (the API
      names its public host), and a repeated URL ends the walk.
    - no dates: `statistics/latest`, not fetched (the flow fetches it with its conditional GET).
    """
    if since is None and date_from is None:
        if date_to is not None:
            raise ValueError("genstaff discover: date_to needs since or date_from")
        return [DocumentRef(source=SOURCE, url=latest_url(base_url), meta={"kind": "latest"})]

    starts = [] if date_from is None else [date_from]
    if since is not None:
        starts.append(since.date() + timedelta(days=1))
    start = max(starts)
    end = date_to or datetime.now(UTC).date()
    if start > end:
        return []

    # A page holds at least one record, so a range of n days needs at most n pages.
    max_pages = (end - start).days + 1
    url: str | None = listing_url(base_url, start, end)
    seen: set[str] = set()
    pages: list[DocumentRef] = []
    while url:
        if url in seen:
            log.warning("genstaff: paging.next_url repeats %s; stopped there", url)
            break
        if len(seen) >= max_pages:
            log.warning("genstaff: more than %d pages for %s..%s; stopped at %s", max_pages, start, end, url)
            break
        seen.add(url)
        fetched = client.get(url)
        if fetched.body is None:
            break
        data = _load(fetched.body, where=url)["data"]
        records = data.get("records")
        if not isinstance(records, list):
            raise ValueError(f"genstaff: listing page {url} has no 'data.records' list")
        if not records:
            break
        pages.append(
            DocumentRef(
                source=SOURCE,
                url=url,
                published=_newest_date(records),
                body=fetched.body,
                headers=dict(fetched.headers),
                meta={"kind": "listing", "date_from": start.isoformat(), "date_to": end.isoformat()},
            )
        )
        paging = data.get("paging")
        next_url = paging.get("next_url") if isinstance(paging, dict) else None
        if next_url is not None and not isinstance(next_url, str):
            raise ValueError(f"genstaff: listing page {url} has a 'paging.next_url' that is not text: {next_url!r:.80}")
        url = _onto_base(next_url, base_url) if next_url else None
    return pages


def _observation(field: str, value: float, report_date: date, url: str | None, sha256: str | None) -> Observation:
    metric = metric_for(field)
    figure = f"{int(value):,}" if value.is_integer() else f"{value:,}"
    return Observation(
        source=SOURCE,
        metric=metric,
        period_start=WAR_START,
        period_end=report_date,
        value=value,
        unit=unit_for(metric) or "count",
        quote=f"General Staff report of {report_date.isoformat()}: {field} {figure}",
        published_at=report_date,
        parser_version=PARSER_VERSION,
        url=url,
        document_sha256=sha256,
    )


def _load(body: bytes, *, where: str = "body") -> dict[str, Any]:
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"genstaff: {where} is not JSON: {error}") from None
    except RecursionError:
        raise ValueError(f"genstaff: {where} nests JSON too deep to be an API response") from None
    except ValueError as error:  # e.g. an integer of thousands of digits
        raise ValueError(f"genstaff: {where} is not usable JSON: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("data"), dict):
        message = document.get("message") if isinstance(document, dict) else None
        detail = f" (message: {message!r})" if message else ""
        raise ValueError(f"genstaff: {where} has no 'data' object{detail}")
    return document


def _records(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(where, record) pairs: one for a single-day response, one per listing record."""
    data = document["data"]
    if "records" not in data:
        return [("data", data)]
    records = data["records"]
    if not isinstance(records, list):
        raise ValueError("genstaff: 'data.records' is not a list")
    pairs = []
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise ValueError(f"genstaff: data.records[{index}] is not an object")
        pairs.append((f"data.records[{index}]", record))
    return pairs


def _report_date(record: dict[str, Any], where: str) -> date:
    raw = record.get("date")
    if raw is None:
        raise ValueError(f"genstaff: {where} has no 'date'")
    try:
        return date.fromisoformat(str(raw))
    except ValueError as error:
        raise ValueError(f"genstaff: {where}.date is not YYYY-MM-DD: {raw!r}") from error


def _newest_date(records: list[Any]) -> date | None:
    dates = []
    for record in records:
        try:
            dates.append(date.fromisoformat(str(record.get("date"))))
        except (AttributeError, ValueError):
            continue  # parse() reports a bad record; discovery only wants the page's newest date
    return max(dates, default=None)


def _count(raw: object) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        return None
    try:
        value = float(raw)
    except OverflowError:  # an integer too large for a float: no real count
        return None
    return value if math.isfinite(value) else None


def _onto_base(next_url: str, base_url: str) -> str:
    base = urlsplit(base_url)
    target = urlsplit(urljoin(base_url.rstrip("/") + "/", next_url))
    return urlunsplit((base.scheme, base.netloc, target.path, target.query, ""))


# What this source is, for the pipeline and the command line (extractors/source.py): declared once, here.
DECLARATION = Source(
    name=SOURCE,
    title="General Staff of Ukraine's daily loss counts",
    parser_version=PARSER_VERSION,
    suite="genstaff",
    discover=discover,
    read=read,
    settings=SourceSettings(
        base_url_env="BULLETINS_GENSTAFF_BASE_URL",
        base_url="https://russianwarship.rip",
        public_hosts=frozenset({"russianwarship.rip"}),
        stale_after_hours=36.0,
    ),
)

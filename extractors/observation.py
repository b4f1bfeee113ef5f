"""The Observation record (DESIGN.md §4) and the reference to a discovered document."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Observation:
    """One figure stated by one source in one document."""

    source: str
    metric: str
    period_start: date
    period_end: date
    value: float
    unit: str
    quote: str
    published_at: date
    parser_version: str
    subject: str = "RU"
    value_low: float | None = None
    value_high: float | None = None
    qualifier: str = "exact"
    confidence: str | None = None
    assessment: str = "assessed"
    url: str | None = None
    document_sha256: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        """One JSON line per DESIGN.md §7: dates ISO, numbers as JSON numbers, fields in §4 order."""
        record = {name: getattr(self, name) for name in OBSERVATION_FIELDS}
        return json.dumps(record, default=_json_default, ensure_ascii=False)


# Column order of §4; the warehouse table and the parse command's JSON keep it.
OBSERVATION_FIELDS: tuple[str, ...] = (
    "source",
    "metric",
    "subject",
    "period_start",
    "period_end",
    "value",
    "value_low",
    "value_high",
    "unit",
    "qualifier",
    "confidence",
    "assessment",
    "quote",
    "published_at",
    "url",
    "document_sha256",
    "parser_version",
)
assert set(OBSERVATION_FIELDS) == {f.name for f in fields(Observation)}

# The key of a series point (DESIGN.md §4, Versioning).
SERIES_KEY: tuple[str, ...] = (
    "source",
    "metric",
    "subject",
    "period_start",
    "period_end",
    "assessment",
)


@dataclass(frozen=True, slots=True)
class Unread:
    """A sentence that carries a catalogue-like quantity (km², casualties, per day, ...) but gave no
    observation, or whose period, attribution or unit the parser could not settle (DESIGN.md §4:
    precision before recall). Never loaded as a figure: kept for review with its quote and reason.
    """

    source: str
    quote: str
    reason: str
    published_at: date | None
    parser_version: str
    metric: str | None = None
    """The catalogue metric the quantity looked like, when one could be told."""
    value: float | None = None
    url: str | None = None
    document_sha256: str | None = None

    def to_json(self) -> str:
        """One JSON line with `"kind": "unread"` (`bulletins parse --show-unread`)."""
        record = {"kind": "unread", **asdict(self)}
        return json.dumps(record, default=_json_default, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Reading:
    """What a parser read in one document: the observations, and what it saw but could not read."""

    observations: list[Observation] = field(default_factory=list)
    unread: list[Unread] = field(default_factory=list)

    @property
    def coverage(self) -> float | None:
        """Figures read / (read + unread); None when the document held neither."""
        total = len(self.observations) + len(self.unread)
        return len(self.observations) / total if total else None


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """A document that discovery found: where it is and what we know before fetching it.

    `body`/`headers` are set when discovery had to fetch the document anyway (an API page,
    a timeline page), so the flow stores it without fetching it twice.
    """

    source: str
    url: str
    lastmod: datetime | None = None
    published: date | None = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)


def _json_default(value: object) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")

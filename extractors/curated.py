"""Hand-curated figures from press reports (`curated/figures.yaml`), reviewed like code.

The file is a YAML list of rows; each row is one figure with its provenance. Validation is strict
(unknown keys, wrong units, bad dates, duplicate keys all fail with the row number, the field and
the line), because a typo here would otherwise load silently as a real figure; `read` keeps the
good rows and returns each bad one as an `Unread`, which the flow quarantines (the run fails).
Editing a row and re-loading the file appends a new version of that series point in the
warehouse; nothing is overwritten.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from extractors.catalogue import ASSESSMENTS, METRICS, QUALIFIERS, SUBJECTS
from extractors.observation import DocumentRef, Observation, Reading, Unread
from extractors.source import Source, SourceSettings

SOURCE = "curated"
PARSER_VERSION = "curated-1"

CURATED_FILE = Path(__file__).resolve().parents[1] / "curated" / "figures.yaml"

# Metrics only press reports carry that are not (yet) in the catalogue.
CURATED_EXTRA_METRICS: dict[str, str] = {}

REQUIRED_FIELDS = (
    "metric",
    "subject",
    "period_start",
    "period_end",
    "value",
    "unit",
    "qualifier",
    "assessment",
    "publisher",
    "url",
    "quote",
    "published_at",
)
OPTIONAL_FIELDS = ("value_low", "value_high", "confidence")


class CuratedRowError(ValueError):
    """A row of the curated file is invalid; the message names the row number and the field."""


def parse(
    body: bytes, *, url: str | None = None, published: date | None = None, sha256: str | None = None
) -> list[Observation]:
    """Observations from the curated YAML file, all or nothing: the first bad row raises
    CuratedRowError naming its row number, field and line (for checking the file by hand).

    Each row's own `url` and `published_at` are its provenance (the press article); `url` and
    `published` of the file itself are not needed. The publisher is kept at the head of the quote
    ("Reuters: ..."), the §4 record having no publisher column.
    """
    reading = read(body, url=url, published=published, sha256=sha256)
    if reading.unread:
        raise CuratedRowError(reading.unread[0].reason)
    return reading.observations


def read(
    body: bytes, *, url: str | None = None, published: date | None = None, sha256: str | None = None
) -> Reading:
    """The file row by row: each valid row is an observation, each bad row an `Unread` whose reason
    names the row number, the field and the line, so one typo does not hold back the other rows.

    ValueError for a file that is not a YAML list of rows at all.
    """
    loader = _StrictLoader(body)  # a SafeLoader subclass
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as error:
        raise ValueError(f"curated: the file is not valid YAML: {error}") from None
    except RecursionError:
        raise ValueError("curated: the file nests too deep to be a list of rows") from None
    if root is None:
        return Reading()
    if not isinstance(root, yaml.SequenceNode):
        raise ValueError("curated: the file must be a YAML list of rows")
    lines = body.decode("utf-8", errors="replace").splitlines()
    observations: list[Observation] = []
    unread: list[Unread] = []
    first_row: dict[tuple[object, ...], int] = {}
    for number, node in enumerate(root.value, start=1):
        line = node.start_mark.line + 1
        row: object = None
        try:
            try:
                row = loader.construct_object(node, deep=True)
            except (yaml.YAMLError, RecursionError) as error:
                raise CuratedRowError(f"curated row {number}: {_short(error)}") from None
            observation = _row_observation(number, row, sha256)
            key = (observation.metric, observation.subject, observation.period_start, observation.period_end,
                   observation.assessment)
            if key in first_row:
                raise CuratedRowError(f"curated row {number} ({observation.metric}): same metric, subject, period "
                                      f"and assessment as row {first_row[key]}")
            first_row[key] = number
            observations.append(observation)
        except CuratedRowError as error:
            text = "\n".join(lines[node.start_mark.line : node.end_mark.line + 1]).strip()
            unread.append(_unread_row(row, f"{error} (line {line})", text, sha256))
    return Reading(observations, unread)


def _unread_row(row: object, reason: str, text: str, sha256: str | None) -> Unread:
    """A bad row as an Unread, with what can be read of it (the flow quarantines it)."""
    fields = row if isinstance(row, dict) else {}
    metric, value, day = fields.get("metric"), fields.get("value"), fields.get("published_at")
    return Unread(
        source=SOURCE, quote=text[:500], reason=reason,
        published_at=day if isinstance(day, date) and not isinstance(day, datetime) else None,
        parser_version=PARSER_VERSION, metric=metric if isinstance(metric, str) else None,
        value=float(value) if isinstance(value, (int, float)) and not isinstance(value, bool)
        and abs(value) < 1e300 else None,
        document_sha256=sha256,
    )


def _short(value: object, limit: int = 80) -> str:
    text = " ".join(str(value).split()) if isinstance(value, BaseException) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def load_document(path: Path | str = CURATED_FILE) -> DocumentRef:
    """The curated file as a document for the raw store; nothing is fetched."""
    file = Path(path).resolve()
    return DocumentRef(
        source=SOURCE,
        url=file.as_uri(),
        body=file.read_bytes(),
        meta={"kind": "curated-file", "path": str(file)},
    )


def discover(
    client: object = None,
    base_url: str | None = None,
    *,
    since: datetime | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[DocumentRef]:
    """The same surface as the other sources: the whole file, every time (it is small, and the
    versioned load writes only what changed). `base_url`, if given, is the file's path or
    file:// URL; the client and the dates are not used."""
    if base_url and base_url.startswith("file://"):
        base_url = base_url.removeprefix("file://")
    return [load_document(base_url or CURATED_FILE)]


def metric_unit(metric: str) -> str | None:
    return METRICS.get(metric) or CURATED_EXTRA_METRICS.get(metric)


def _row_observation(number: int, row: object, sha256: str | None) -> Observation:
    if not isinstance(row, dict):
        raise CuratedRowError(f"curated row {number}: a row must be a mapping of field: value")
    metric = row.get("metric")

    def fail(field: str, problem: str) -> CuratedRowError:
        label = f" ({metric})" if isinstance(metric, str) else ""
        return CuratedRowError(f"curated row {number}{label}: field '{field}' {problem}")

    unknown = sorted(set(row) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        raise fail(str(unknown[0]), "is not a curated field")
    for field in REQUIRED_FIELDS:
        if row.get(field) is None:
            raise fail(field, "is required")

    def text(field: str) -> str:
        value = row[field]
        if not isinstance(value, str) or not value.strip():
            raise fail(field, f"must be non-empty text, got {value!r}")
        return value.strip()

    def one_of(field: str, allowed: tuple[str, ...] | list[str]) -> str:
        value = text(field)
        if value not in allowed:
            raise fail(field, f"must be one of {', '.join(allowed)}; got {value!r}")
        return value

    def day(field: str) -> date:
        value = row[field]
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise fail(field, f"must be a date YYYY-MM-DD, got {value!r}") from None

    def numeric(field: str) -> float | None:
        value = row.get(field)
        if value is None:
            return None
        try:
            number = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        except OverflowError:  # an integer too large for a float
            number = None
        if number is None or not math.isfinite(number):
            raise fail(field, f"must be a plain number (no thousands separators), got {_short(value)}")
        return number

    metric = one_of("metric", sorted({*METRICS, *CURATED_EXTRA_METRICS}))
    unit = text("unit")
    if unit != metric_unit(metric):
        raise fail("unit", f"must be {metric_unit(metric)!r} for {metric}, got {unit!r}")
    period_start, period_end, published_at = day("period_start"), day("period_end"), day("published_at")
    if period_end < period_start:
        raise fail("period_end", f"{period_end} is before period_start {period_start}")
    if published_at < period_end:
        raise fail("published_at", f"{published_at} is before period_end {period_end}")

    value, low, high = numeric("value"), numeric("value_low"), numeric("value_high")
    assert value is not None  # required above
    qualifier = one_of("qualifier", QUALIFIERS)
    if qualifier == "range" and (low is None or high is None):
        raise fail("value_low" if low is None else "value_high", "is required when qualifier is range")
    if (low is None) != (high is None):
        raise fail("value_high" if high is None else "value_low", "must be given with its other bound")
    if low is not None and high is not None and not low <= value <= high:
        raise fail("value", f"{value} is outside value_low..value_high {low}..{high}")

    url = text("url")
    if not url.startswith(("https://", "http://")):
        raise fail("url", f"must be an http(s) URL, got {url!r}")
    confidence = row.get("confidence")
    if confidence is not None:
        confidence = text("confidence")

    return Observation(
        source=SOURCE,
        metric=metric,
        subject=one_of("subject", SUBJECTS),
        period_start=period_start,
        period_end=period_end,
        value=value,
        value_low=low,
        value_high=high,
        unit=unit,
        qualifier=qualifier,
        confidence=confidence,
        assessment=one_of("assessment", ASSESSMENTS),
        quote=f"{text('publisher')}: {text('quote')}",
        published_at=published_at,
        url=url,
        document_sha256=sha256,
        parser_version=PARSER_VERSION,
    )


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one row (PyYAML would keep the last silently)."""


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            line = key_node.start_mark.line + 1
            raise yaml.constructor.ConstructorError(None, None, f"key {key!r} appears twice (line {line})")
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


# What this source is, for the pipeline and the command line (extractors/source.py): declared once, here.
DECLARATION = Source(
    name=SOURCE,
    title="reviewed press figures (curated/figures.yaml)",
    parser_version=PARSER_VERSION,
    suite="curated",
    discover=discover,
    read=read,
    settings=SourceSettings(
        base_url_env="BULLETINS_CURATED_FILE",
        base_url=str(CURATED_FILE),
        # Nothing is fetched (the file is read from disk); the HTTP client wants one host all the same.
        public_hosts=frozenset({"localhost"}),
        stale_after_hours=0.0,  # written by hand, whenever there is something to add
        base_url_is_path=True,
    ),
    parses_saved_files=False,
    unread_quarantined=True,
)

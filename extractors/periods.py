"""The period rules of DESIGN.md §4: which interval a figure covers, from the words around it.

Pure functions of the text, the bulletin's published date and (optionally) the data cut-off date
the bulletin states. Intervals are closed: (period_start, period_end), both included.

- "in March 2025" -> March 2025; "in March" -> the latest March ending on or before `published`.
- "in 2024" -> the year; "first quarter of 2025" / "Q1 2025" -> Q1 (no year: the latest quarter
  ended by `published`); "first three months of 2025" -> January..March.
- "so far in 2025" / "since January 1" / "since the start of 2025" / "since November 1, 2024" /
  "since the start of the full-scale invasion" -> from then to the cut-off if stated, else
  `published`. A date without a year is the latest such date on or before that end.
- "over the last four months" / "in the past month" -> the whole months before the bulletin's
  month; "over the past 30 days" / "in the last two weeks" -> the days ending at the cut-off (or
  `published`).
- "between March 1 and March 31, 2025" / "from January to March 2025" -> those days; a month as an
  endpoint means its first day (start) or its last day (end).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from extractors.catalogue import WAR_START
from extractors.numbers import SMALL_NUMBER_WORDS

_MONTHS: dict[str, int] = {}
for _number, _name in enumerate(calendar.month_name[1:], start=1):
    _MONTHS[_name.lower()] = _number
    _MONTHS[_name.lower()[:3]] = _number
_MONTHS["sept"] = 9

_COUNTS: dict[str, int] = {word: index for index, word in enumerate(SMALL_NUMBER_WORDS[:13])}
_COUNTS["a"] = 1
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}

# Month names are matched case-insensitively except "May", which must be capitalised: "forces may"
# is a verb far more often than a month.
_FULL_MONTHS = [m.lower() for m in calendar.month_name[1:] if m != "May"]
_SHORT_MONTHS = sorted((m for m in _MONTHS if m not in _FULL_MONTHS and m != "may"), key=len, reverse=True)
MONTH = rf"(?:(?i:{'|'.join(_FULL_MONTHS)})|(?i:{'|'.join(_SHORT_MONTHS)})\.?|May)(?![A-Za-z])"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?(?!\d)"
_YEAR = r"(?:19|20)\d{2}(?!\d)"
# "November 1, 2024" | "November 1" | "1 November 2024" | "1 November"
DAY_DATE = rf"(?:{MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?|{_DAY}\s+{MONTH}(?:,?\s+{_YEAR})?)"
MONTH_YEAR = rf"(?:{MONTH}(?:,?\s+{_YEAR})?(?!\s*\d))"
_DATEISH = rf"(?:{DAY_DATE}|{MONTH_YEAR})"
_COUNT = rf"(?:\d+|{'|'.join(sorted(_COUNTS, key=len, reverse=True))})"
_IN = r"(?i:in|during|throughout|for|over)"

# In priority order: where two matches overlap, the earlier pattern wins ("in 2025 so far" is a
# so-far period, not the year 2025).
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("between", rf"(?i:between)\s+(?P<a>{_DATEISH})\s+(?i:and)\s+(?P<b>{_DATEISH})"),
        ("between", rf"(?i:from)\s+(?P<a>{_DATEISH})\s+(?i:to|until|through|till)\s+(?P<b>{_DATEISH})"),
        ("invasion", r"(?i:since\s+(?:the\s+(?:start|beginning)\s+of\s+)?(?:Russia's\s+|the\s+)?"
                     r"full[-\s]scale\s+invasion)"),
        ("since", rf"(?i:since|from)\s+(?i:the\s+(?:start|beginning)\s+of\s+)?"
                  rf"(?P<x>{DAY_DATE}|{MONTH_YEAR}|{_YEAR}|(?i:the\s+year|this\s+year))"),
        ("so_far", rf"(?i:so\s+far\s+(?:in|this))\s+(?P<y>{_YEAR}|(?i:year))"),
        ("so_far", rf"(?i:in)\s+(?P<y>{_YEAR})\s+(?i:so\s+far|to\s+date)"),
        ("quarter", rf"(?i:(?:the\s+)?(?P<ord>{'|'.join(_ORDINALS)})\s+quarter)(?:\s+(?i:of)\s+(?P<y>{_YEAR}))?"),
        ("quarter", rf"\bQ(?P<q>[1-4])(?:[\s-]+(?i:of\s+)?(?P<y>{_YEAR}))?(?!\w)"),
        ("first_months", rf"(?i:the\s+first\s+(?P<n>{_COUNT})\s+months\s+of)\s+(?P<y>{_YEAR})"),
        ("last_n", rf"(?i:(?:over|in|during|within|for)\s+the\s+(?:last|past|previous|preceding)\s+"
                   rf"(?:(?P<n>{_COUNT})\s+)?(?P<unit>months?|weeks?|days?|years?)\b)"),
        ("month", rf"{_IN}\s+(?i:the\s+month\s+of\s+)?(?P<m>{MONTH})(?:,?\s+(?P<y>{_YEAR}))?(?!\s*\d)"),
        ("year", rf"{_IN}\s+(?i:(?:the\s+)?(?:(?:calendar\s+)?year\s+|course\s+of\s+))?(?P<y>{_YEAR})(?!,?\d)"),
    )
)


@dataclass(frozen=True, slots=True)
class PeriodMatch:
    """A period phrase found in text and the interval it means."""

    start: date
    end: date
    span_start: int
    span_end: int
    text: str


def month_period(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def year_period(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def quarter_period(year: int, quarter: int) -> tuple[date, date]:
    if not 1 <= quarter <= 4:
        raise ValueError(f"quarter must be 1..4, got {quarter}")
    first_month = 3 * (quarter - 1) + 1
    return date(year, first_month, 1), month_period(year, first_month + 2)[1]


def latest_month(month: int, on_or_before: date) -> tuple[date, date]:
    """The latest such month that ends on or before `on_or_before` ("in March" said on a date)."""
    start, end = month_period(on_or_before.year, month)
    return (start, end) if end <= on_or_before else month_period(on_or_before.year - 1, month)


def latest_quarter(quarter: int, on_or_before: date) -> tuple[date, date]:
    start, end = quarter_period(on_or_before.year, quarter)
    return (start, end) if end <= on_or_before else quarter_period(on_or_before.year - 1, quarter)


def whole_months_before(published: date, count: int) -> tuple[date, date]:
    """The `count` whole months before the month of `published` ("over the last four months")."""
    if count < 1:
        raise ValueError(f"a month count must be at least 1, got {count}")
    end = published.replace(day=1) - timedelta(days=1)
    month_index = end.year * 12 + end.month - 1 - (count - 1)
    return date(month_index // 12, month_index % 12 + 1, 1), end


def parse_date(text: str, on_or_before: date) -> date:
    """ "November 1, 2024" / "1 November" -> a date; without a year, the latest on or before
    `on_or_before`. Raises ValueError naming the text when it is not a day date."""
    month, day, year = _date_parts(text)
    if day is None:
        raise ValueError(f"not a day date: {text!r}")
    if year is not None:
        return _safe_date(year, month, day, text)
    candidate = _safe_date(on_or_before.year, month, day, text)
    return candidate if candidate <= on_or_before else _safe_date(on_or_before.year - 1, month, day, text)


def _date_parts(text: str) -> tuple[int, int | None, int | None]:
    month_match = re.search(MONTH, text)
    if not month_match:
        raise ValueError(f"no month name in {text!r}")
    month = _MONTHS[month_match.group(0).rstrip(".").lower()]
    rest = text[: month_match.start()] + " " + text[month_match.end() :]
    year_match = re.search(_YEAR, rest)
    day_match = re.search(r"(?<!\d)(\d{1,2})(?:st|nd|rd|th)?(?!\d)", rest)
    return (
        month,
        int(day_match.group(1)) if day_match else None,
        int(year_match.group(0)) if year_match else None,
    )


def _safe_date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as error:
        raise ValueError(f"not a valid date: {text!r} ({error})") from None


def _count(text: str | None) -> int:
    if text is None:
        return 1
    return int(text) if text.isdigit() else _COUNTS[text.lower()]


def find_periods(text: str, published: date, cutoff: date | None = None) -> list[PeriodMatch]:
    """Every period phrase in `text`, in reading order; overlapping phrases keep the most specific."""
    taken: list[PeriodMatch] = []
    for name, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            if any(match.start() < p.span_end and p.span_start < match.end() for p in taken):
                continue
            try:
                interval = _interval(name, match, published, cutoff)
            except (ValueError, KeyError):
                continue  # "between February 30 and ..." or the like: not a period we can trust
            if interval is not None and interval[0] <= interval[1]:
                taken.append(PeriodMatch(interval[0], interval[1], match.start(), match.end(), match.group(0)))
    return sorted(taken, key=lambda p: p.span_start)


def period_of(phrase: str, published: date, cutoff: date | None = None) -> tuple[date, date]:
    """The interval of one period phrase ("in March 2025"); ValueError if it holds none."""
    found = find_periods(phrase, published, cutoff)
    if not found:
        raise ValueError(f"no period phrase in {phrase!r}")
    return found[0].start, found[0].end


def _interval(
    name: str, match: re.Match[str], published: date, cutoff: date | None
) -> tuple[date, date] | None:
    until = cutoff or published  # "so far"/"since" figures run to the data cut-off when stated
    groups = match.groupdict()
    year = int(groups["y"]) if groups.get("y") and groups["y"].isdigit() else None
    if name == "between":
        return _between(groups["a"], groups["b"], published)
    if name == "invasion":
        return WAR_START, until
    if name == "since":
        return _since_start(groups["x"], until), until
    if name == "so_far":
        return date(year or until.year, 1, 1), until
    if name == "quarter":
        quarter = int(groups["q"]) if groups.get("q") else _ORDINALS[groups["ord"].lower()]
        return quarter_period(year, quarter) if year else latest_quarter(quarter, published)
    if name == "first_months":
        assert year is not None
        return date(year, 1, 1), month_period(year, _count(groups["n"]))[1]
    if name == "last_n":
        unit = groups["unit"].lower().rstrip("s")
        count = _count(groups["n"])
        if unit in ("month", "year"):
            return whole_months_before(published, count * (12 if unit == "year" else 1))
        days = count * (7 if unit == "week" else 1)
        return until - timedelta(days=days - 1), until
    if name == "month":
        month = _MONTHS[groups["m"].rstrip(".").lower()]
        return month_period(year, month) if year else latest_month(month, published)
    if name == "year":
        assert year is not None
        return year_period(year)
    raise AssertionError(f"unhandled period pattern {name}")


def _since_start(phrase: str, until: date) -> date:
    words = phrase.lower()
    if "year" in words:  # "since the start of the year" / "this year"
        return date(until.year, 1, 1)
    if re.fullmatch(_YEAR, phrase.strip()):
        return date(int(phrase), 1, 1)
    month, day, year = _date_parts(phrase)
    if day is None:  # "since March 2024": from the month's first day
        return date(year, month, 1) if year else latest_month(month, until)[0]
    return parse_date(phrase, until)


def _between(first: str, second: str, published: date) -> tuple[date, date]:
    month_a, day_a, year_a = _date_parts(first)
    month_b, day_b, year_b = _date_parts(second)
    if year_b is None:
        end_year = published.year
        if _endpoint_end(end_year, month_b, day_b) > published:
            end_year -= 1
    else:
        end_year = year_b
    end = _endpoint_end(end_year, month_b, day_b)
    if year_a is None:
        year_a = end.year if (month_a, day_a or 1) <= (month_b, day_b or 31) else end.year - 1
    start = date(year_a, month_a, day_a or 1)
    return start, end


def _endpoint_end(year: int, month: int, day: int | None) -> date:
    return date(year, month, day) if day else month_period(year, month)[1]


__all__ = [
    "DAY_DATE",
    "MONTH",
    "PeriodMatch",
    "find_periods",
    "latest_month",
    "latest_quarter",
    "month_period",
    "parse_date",
    "period_of",
    "quarter_period",
    "whole_months_before",
    "year_period",
]

"""The calendar the period rules work in: month names, the date patterns of bulletins, and the
intervals of months, quarters and years (closed: both ends included).

"in March" said on a date is `latest_month`; "over the last four months" is `whole_months_before`;
"November 1" without a year is `parse_date` (the latest such day on or before a date).
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

Interval = tuple[date, date]

MONTHS: dict[str, int] = {}
for _number, _name in enumerate(calendar.month_name[1:], start=1):
    MONTHS[_name.lower()] = _number
    MONTHS[_name.lower()[:3]] = _number
MONTHS["sept"] = 9

# Month names match in any case but "May", which must be capitalised: "forces may" is a verb.
_FULL = [m.lower() for m in calendar.month_name[1:] if m != "May"]
_SHORT = ["jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"]
_SHORT_ALTERNATION = "|".join(sorted(_SHORT, key=len, reverse=True))
MONTH = rf"(?<![A-Za-z])(?:(?i:{'|'.join(_FULL)})|(?i:{_SHORT_ALTERNATION})\.?|May)(?![A-Za-z])"
YEAR = r"(?:19|20)\d{2}(?![\d,.]\d)"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?(?![\d])"
DAY_DATE = rf"(?:{MONTH}\s+{_DAY}(?:,?\s+{YEAR})?|{_DAY}\s+(?:of\s+)?{MONTH}(?:,?\s+{YEAR})?)"
MONTH_YEAR = rf"(?:{MONTH}(?:,?\s+{YEAR})?)"


def month_period(year: int, month: int) -> Interval:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def year_period(year: int) -> Interval:
    return date(year, 1, 1), date(year, 12, 31)


def quarter_period(year: int, quarter: int) -> Interval:
    if not 1 <= quarter <= 4:
        raise ValueError(f"quarter must be 1..4, got {quarter}")
    first = 3 * (quarter - 1) + 1
    return date(year, first, 1), month_period(year, first + 2)[1]


def latest_month(month: int, on_or_before: date) -> Interval:
    """The latest such month that ends on or before `on_or_before` ("in March" said on a date)."""
    interval = month_period(on_or_before.year, month)
    return interval if interval[1] <= on_or_before else month_period(on_or_before.year - 1, month)


def next_month_named(month: int, after: date) -> Interval:
    """The first such month that has not ended by `after` ("in December" said of the future)."""
    interval = month_period(after.year, month)
    return interval if interval[1] >= after else month_period(after.year + 1, month)


def whole_months_before(published: date, count: int) -> Interval:
    """The `count` whole months before the month of `published` ("over the last four months")."""
    if count < 1:
        raise ValueError(f"a month count must be at least 1, got {count}")
    end = published.replace(day=1) - timedelta(days=1)
    index = end.year * 12 + end.month - 1 - (count - 1)
    return date(index // 12, index % 12 + 1, 1), end


def whole_months_after(published: date, count: int) -> Interval:
    start_index = published.year * 12 + published.month  # the month after the bulletin's
    end_index = start_index + count - 1
    first = date(start_index // 12, start_index % 12 + 1, 1)
    return first, month_period(end_index // 12, end_index % 12 + 1)[1]


def parse_date(text: str, on_or_before: date) -> date:
    """ "November 1, 2024" / "1 November" -> a date; without a year, the latest on or before
    `on_or_before`. ValueError naming the text when it is not a day date."""
    month, day, year = date_parts(text)
    if day is None:
        raise ValueError(f"not a day date: {text!r}")
    if year is not None:
        return checked_date(year, month, day, text)
    candidate = checked_date(on_or_before.year, month, day, text)
    return candidate if candidate <= on_or_before else checked_date(on_or_before.year - 1, month, day, text)


def date_parts(text: str) -> tuple[int, int | None, int | None]:
    found = re.search(MONTH, text)
    if not found:
        raise ValueError(f"no month name in {text!r}")
    month = MONTHS[found.group(0).rstrip(".").lower()]
    rest = text[: found.start()] + " " + text[found.end() :]
    year = re.search(r"(?:19|20)\d{2}", rest)
    day = re.search(r"(?<!\d)(\d{1,2})(?:st|nd|rd|th)?(?!\d)", rest)
    return month, int(day.group(1)) if day else None, int(year.group(0)) if year else None


def checked_date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as error:
        raise ValueError(f"not a valid date: {text!r} ({error})") from None


__all__ = [
    "DAY_DATE",
    "MONTH",
    "MONTHS",
    "MONTH_YEAR",
    "YEAR",
    "Interval",
    "checked_date",
    "date_parts",
    "latest_month",
    "month_period",
    "next_month_named",
    "parse_date",
    "quarter_period",
    "whole_months_after",
    "whole_months_before",
    "year_period",
]

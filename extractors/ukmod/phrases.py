"""MoD phrasing around a figure: the period it covers and the probability word before it.

The interval helpers come from extractors.periods; the phrase finder is MoD's own, because MoD writes
what the shared rules do not cover: month spans with a dash ("January-April 2025"), "Across 2024",
"since February 2022" meaning the whole war, "by early May 2025" as the as-of date of a total, and full
dates ("04 May 2024") that must be blanked out but are no period.

Periods follow DESIGN.md §4: "in March 2025" is that month; "in March" is the latest March ending
on or before the bulletin's date; "in January-April 2025" spans the months; "in 2024" is the year;
"since 1 January 2025" / "so far in 2025" run to the bulletin's date; "since the start of the
full-scale invasion" marks a cumulative total (2022-02-24 .. bulletin date).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from extractors.catalogue import WAR_START
from extractors.periods import latest_month, quarter_period, year_period
from extractors.periods import month_period as month_bounds
from extractors.ukmod.wrapper import MONTHS

_M = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_Y = r"(?:19|20)\d{2}"
_QUARTERS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}

# Probability words of the UK intelligence yardstick (and their loose neighbours), longest first.
CONFIDENCE_WORDS: tuple[str, ...] = (
    "almost certainly not",
    "almost certainly",
    "highly unlikely",
    "highly likely",
    "very unlikely",
    "very likely",
    "realistic possibility",
    "unlikely",
    "probably",
    "probable",
    "likely",
)
_CONFIDENCE = re.compile(r"\b(?:" + "|".join(w.replace(" ", r"\s+") for w in CONFIDENCE_WORDS) + r")\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PeriodPhrase:
    """A period written in a sentence.

    kind: "bounded" (a month, months, quarter, year), "since" (from a date to the bulletin's date),
    "war" (since the invasion: a cumulative total), "asof" (a cumulative total as of `end`),
    "date" (a day that is no period of a figure, e.g. "On 3 May 2025").
    """

    start: int
    end: int
    kind: str
    period_start: date
    period_end: date


def _month(name: str) -> int:
    return MONTHS[name.lower().rstrip(".")]


def find_periods(sentence: str, published: date) -> list[PeriodPhrase]:
    """Every period phrase of `sentence`, in text order; earlier rules win over overlapping later ones."""
    found: list[PeriodPhrase] = []

    def add(start: int, end: int, kind: str, first: date, last: date) -> None:
        if any(start < p.end and p.start < end for p in found):
            return
        before = sentence[:start].lower()
        if kind in ("bounded", "date"):
            if re.search(r"\b(?:since|from)\s+(?:the\s+(?:start|beginning)\s+of\s+)?$", before):
                kind, last = ("war", published) if first <= WAR_START else ("since", published)
            elif re.search(r"\b(?:by|as\s+of|as\s+at|up\s+to)\s+(?:(?:early|mid|late)[-\s]+)?$", before):
                kind, first = "asof", WAR_START
                last = last if last <= published else published
        found.append(PeriodPhrase(start, end, kind, first, last))

    for m in re.finditer(rf"\b({_M})\s*(?:-|to|and|through|until)\s*({_M})\s+({_Y})\b", sentence, re.IGNORECASE):
        first_month, last_month, year = _month(m.group(1)), _month(m.group(2)), int(m.group(3))
        first_year = year - 1 if first_month > last_month else year
        add(m.start(), m.end(), "bounded", month_bounds(first_year, first_month)[0], month_bounds(year, last_month)[1])
    for m in re.finditer(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_M})\s+({_Y})\b", sentence, re.IGNORECASE):
        day = date(int(m.group(3)), _month(m.group(2)), int(m.group(1)))
        add(m.start(), m.end(), "date", day, day)
    for m in re.finditer(rf"\b({_M})\s+(\d{{1,2}}),?\s+({_Y})\b", sentence, re.IGNORECASE):
        day = date(int(m.group(3)), _month(m.group(1)), int(m.group(2)))
        add(m.start(), m.end(), "date", day, day)
    for m in re.finditer(rf"\b(?:(?:early|mid|late)[-\s]+)?({_M})\s+({_Y})\b", sentence, re.IGNORECASE):
        add(m.start(), m.end(), "bounded", *month_bounds(int(m.group(2)), _month(m.group(1))))
    for m in re.finditer(
        rf"\b(first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter\s+of\s+({_Y})\b|\bQ([1-4])\s+({_Y})\b",
        sentence,
        re.IGNORECASE,
    ):
        quarter = _QUARTERS[m.group(1).lower()] if m.group(1) else int(m.group(3))
        year = int(m.group(2) or m.group(4))
        add(m.start(), m.end(), "bounded", *quarter_period(year, quarter))
    for m in re.finditer(rf"\bso\s+far\s+(?:in|this\s+year,?\s+)?\s*({_Y})\b", sentence, re.IGNORECASE):
        add(m.start(), m.end(), "since", date(int(m.group(1)), 1, 1), published)
    for m in re.finditer(
        rf"\b(?:in|during|throughout|over|across|for)\s+(?:the\s+(?:whole\s+)?(?:calendar\s+)?year\s+(?:of\s+)?)?"
        rf"({_Y})\b(?!\s*[-,]?\s*\d)",
        sentence,
        re.IGNORECASE,
    ):
        year = int(m.group(1))
        add(m.start(1), m.end(), "bounded", *year_period(year))
    for m in re.finditer(rf"\bstart\s+of\s+({_Y})\b", sentence, re.IGNORECASE):
        add(m.start(1), m.end(), "bounded", *year_period(int(m.group(1))))
    for m in re.finditer(
        rf"\b(?:in|during|throughout|over)\s+(?:the\s+month\s+of\s+)?({_M})(?![\w.])(?!\s*,?\s*\d)",
        sentence,
        re.IGNORECASE,
    ):
        add(m.start(1), m.end(), "bounded", *latest_month(_month(m.group(1)), published))
    for m in re.finditer(
        r"\bsince\s+(?:the\s+(?:start|beginning|outset)\s+of\s+)?(?:the\s+|russia'?s\s+)?"
        r"(?:full[-\s]scale\s+|illegal\s+)*(?:invasion|war)\b",
        sentence,
        re.IGNORECASE,
    ):
        add(m.start(), m.end(), "war", WAR_START, published)
    return sorted(found, key=lambda p: p.start)


def confidence_before(sentence: str, position: int) -> str | None:
    """The probability word nearest before `position` in `sentence`, else the sentence's first one."""
    words = [m for m in _CONFIDENCE.finditer(sentence)]
    before = [m for m in words if m.end() <= position]
    chosen = before[-1] if before else (words[0] if words else None)
    return " ".join(chosen.group(0).lower().split()) if chosen else None


__all__ = [
    "CONFIDENCE_WORDS",
    "PeriodPhrase",
    "confidence_before",
    "find_periods",
]

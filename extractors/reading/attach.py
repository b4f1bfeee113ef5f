"""Which period a figure is written with: the phrase after it in its clause, else the nearest
before it, else a period shared by figures joined with "and"; "respectively" lists pair in order.

Pure functions of a masked sentence (periods and never-figures blanked, offsets kept), its figures
and its period phrases (extractors.reading.periods); the reader (extractors.reading.reader) decides
what a figure with no period of its own takes from its paragraph.
"""

from __future__ import annotations

import re

from extractors.reading.figures import Figure
from extractors.reading.periods import Interval, PeriodPhrase, When

_RESPECTIVELY = re.compile(r"\brespectively\b", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r"[;:]|\s-\s|,|\b(?:but|while|whereas|compared|against|versus|and)\b", re.IGNORECASE)
_STRONG_BREAK = re.compile(r"[;:.]|\s-\s|\b(?:but|while|whereas|although|compared|against|versus)\b", re.IGNORECASE)


class TwoPeriods(Exception):
    """A figure whose clause names two different periods around it (see `attached`)."""


def attached(
    masked: str, figure: Figure, next_start: int, periods: list[PeriodPhrase], *, single_day: bool,
    previous_end: int | None = None,
) -> PeriodPhrase | None:
    """The period phrase a figure is written with (see the module docstring, step 4).

    Raises TwoPeriods when the figure's own clause names one period before it and another after it
    ("Throughout April the rate was 899 per day over the last two months"): which one is meant
    cannot be told."""
    def fits(phrase: PeriodPhrase) -> bool:
        return phrase.kind != "horizon" and (phrase.kind != "day" or single_day)

    after: PeriodPhrase | None = None
    for phrase in periods:
        if phrase.start < figure.end or phrase.start >= next_start:
            continue
        between = masked[figure.end : phrase.start]
        if _CLAUSE_BREAK.search(between.replace(" and ", " ")) and not re.fullmatch(r"[\s,]*", between):
            break
        if fits(phrase):
            after = phrase
            break
    before = [p for p in periods if p.end <= figure.quantity.number_start and fits(p)]
    # "more territory in 2024 than in 2023, seizing 4,168 km²": the term of a comparison is not it.
    compared = [p for p in before if re.search(r"\bthan\s*$", masked[max(0, p.start - 8) : p.start])]
    if compared and len(before) > len(compared):
        before = [p for p in before if p not in compared]
    if after is None:
        if before:
            return before[-1]
        # "gained 499.28 km² and suffered 35,370 casualties in May 2025": a period at the end of
        # the clause serves the figures joined before it.
        later = [p for p in periods if p.start >= next_start and fits(p)]
        between = masked[figure.end : next_start]
        joined = re.search(r"\band\b", between) and not re.search(r"[,;]", between)
        if later and joined and not _STRONG_BREAK.search(masked, figure.end, later[0].start):
            return later[0]
        return None
    if before and after.interval is not None and before[-1].interval not in (None, after.interval):
        nearest = before[-1]
        owned = previous_end is not None and previous_end <= nearest.start  # "from 1,271 in September to 1,354 ..."
        clause_between = _CLAUSE_BREAK.search(masked[nearest.end : figure.quantity.number_start])
        if not owned and not clause_between and nearest.kind != "day":
            raise TwoPeriods(f"two periods in the figure's clause: '{nearest.text.strip()}' and "
                              f"'{after.text.strip()}'")
    return after


def interval_of(phrase: PeriodPhrase | None, figure: Figure, forecast: bool) -> Interval | None:
    if phrase is not None and forecast and phrase.future_interval is not None:
        return phrase.future_interval  # "will likely average above 1,000 a day in December"
    if phrase is None or phrase.kind in ("vague", "same"):
        return None
    interval = phrase.interval
    if forecast and phrase.future_interval is not None:
        interval = phrase.future_interval
    if phrase.alone is not None and figure.start >= phrase.end:
        interval = phrase.alone  # "since November 2024, when its forces seized more than 700 sq km"
    return interval


def respectively(masked: str, figures: list[Figure], periods: list[PeriodPhrase]) -> dict[int, Interval]:
    """Figure index -> period for "in May and June 2024 ... 1,262 and 1,163 respectively"."""
    marker = _RESPECTIVELY.search(masked)
    if marker is None:
        return {}
    group = [i for i, f in enumerate(figures) if f.end <= marker.start()]
    lists = [p for p in periods if len(p.items) >= 2]
    bounded = [p for p in periods if p.usable and not p.items]
    intervals: list[Interval] = list(lists[0].items) if lists else [p.interval for p in bounded if p.interval]
    group = group[-len(intervals):] if intervals and len(group) >= len(intervals) else group
    if len(intervals) != len(group) or len(group) < 2:
        return {}
    return dict(zip(group, intervals, strict=True))


def not_past_the_bulletin(interval: Interval, periods: list[PeriodPhrase], when: When) -> Interval:
    """ "gained 4,300 km² in 2025 as of October 31", said in November 2025: a period still running
    ends at the as-of day the sentence states ("in 2025" alone stays the year, DESIGN.md §4)."""
    if interval[1] <= when.until or interval[0] > when.until:
        return interval
    as_of = [p.interval[1] for p in periods if p.kind == "asof" and p.interval and p.interval[1] >= interval[0]]
    return (interval[0], min(as_of)) if as_of else interval


__all__ = ["TwoPeriods", "attached", "interval_of", "not_past_the_bulletin", "respectively"]

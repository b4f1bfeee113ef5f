"""Period phrases: which interval a figure covers, from the words of its sentence (DESIGN.md §4).

`find_periods(sentence, when)` returns every period phrase of a normalised sentence with its span,
its kind and its interval; the figure reader (extractors.reading.figures) attaches them to figures.
Pure functions of the text and of `When` (the bulletin's date and its stated data cut-off).

Kinds, and what each means for a figure attached to it:
- `bounded`: a month, a list or span of months, a quarter, a half, a year, "the past two months",
  "last month", "between March 1 and March 31" -> that interval;
- `since`: "since November 1, 2024", "so far in 2025", "this year" -> from then to the cut-off
  (or the bulletin's date);
- `war`: "since the start of the full-scale invasion", "since February 2022" -> a war-to-date total;
- `todate`: "so far", "to date" alone -> a war-to-date total for a casualty count, nothing else;
- `asof`: "by early May 2025", "as of 7 May" -> a war-to-date total as of that day;
- `day`: "on 20 December 2024" -> the day (a single-day figure; for any other figure it is the day
  of a statement, never its period);
- `future`: "for the rest of 2024", "in December" said of what will happen -> `interval`;
  `future_interval` holds the forward reading of a month or quarter without a year;
- `same`: "over the same period", "in that same time frame" -> the previous figure's period;
- `vague`: "in recent weeks", "in early 2025", "Fall 2024" -> no interval: a figure attached to it
  is not read;
- `horizon`: "the heaviest of any month since 2022" -> the horizon of a comparison, no period at all;
- `asof_future`: "by the end of June 2025" said on 1 June -> a forecast war-to-date total's as-of date.

Rules: "in March 2025" -> March 2025; "in March" -> the latest March that ends on or before the
bulletin's date (said of the future: the next March); "in 2024" -> the year; "first quarter of 2025"
-> Q1; "so far in April" -> April 1 to the bulletin's date; "over the last four months" -> the four
whole months before the bulletin's month; "last month" -> the month before; "in May, June and July
2025" / "from January through April 2025" -> first day of the first month to the last day of the
last (`items` keeps each month, for "respectively"); "since November 2024, when ..." -> `alone`
holds November 2024 for the figure of the "when" clause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from extractors.catalogue import WAR_START
from extractors.reading.dates import (
    DAY_DATE,
    MONTH,
    MONTH_YEAR,
    MONTHS,
    YEAR,
    Interval,
    date_parts,
    latest_month,
    month_period,
    next_month_named,
    parse_date,
    quarter_period,
    whole_months_after,
    whole_months_before,
    year_period,
)

_COUNTS: dict[str, int] = {
    word: index
    for index, word in enumerate(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
    )
}
_COUNTS.update({"a": 1, "an": 1, "eighteen": 18, "twenty-four": 24, "thirty": 30})
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
             "last": 4, "final": 4}

_DATEISH = rf"(?:{DAY_DATE}|{MONTH_YEAR}(?!\s*\d))"
_COUNT = rf"(?:\d{{1,2}}|{'|'.join(sorted(_COUNTS, key=len, reverse=True))})"
_UNIT = r"(?P<unit>months?|weeks?|days?|years?|hours?)\b"
_PREP = r"(?i:in|during|throughout|for|over|across|within|through)"
_EDGE = r"(?i:(?P<edge>early|mid|late|the\s+end\s+of|the\s+start\s+of|the\s+beginning\s+of)[\s-]+)?"
_SEASON = r"(?i:spring|summer|fall|autumn|winter)"
_MONTH_LIST = (
    rf"(?P<list>{MONTH}(?:\s*,\s*(?:and\s+)?{MONTH})*\s*,?\s+(?i:and|&)\s+{MONTH})(?:,?\s+(?P<y>{YEAR})|(?!\s*\d))"
)
_INVASION = (
    r"(?i:since\s+(?:the\s+(?:start|beginning|outset|onset)\s+of\s+)?(?:Russia's\s+|the\s+|its\s+)?"
    r"(?:full[-\s]scale\s+|illegal\s+|large[-\s]scale\s+)*(?:invasion|war|conflict|special\s+military\s+operation)"
    r"(?:\s+(?:of|in|against)\s+Ukraine)?(?:\s+(?:in|on)\s+(?:24\s+)?February\s+2022|\s+began)?"
    r"|since\s+(?:invading|launching\s+(?:its|the)\s+(?:full[-\s]scale\s+)?invasion(?:\s+of\s+Ukraine)?)"
    r"|(?:over|during|throughout|in)\s+the\s+(?:whole\s+|entire\s+)?(?:course\s+of\s+the\s+)?(?:war|conflict)\b)"
)


@dataclass(frozen=True, slots=True)
class When:
    """What the period rules need to know of the bulletin."""

    published: date
    cutoff: date | None = None

    @property
    def until(self) -> date:
        """Where "since ..." and "so far" periods end: the stated data cut-off, else the bulletin's date."""
        return self.cutoff or self.published


@dataclass(frozen=True, slots=True)
class PeriodPhrase:
    kind: str
    start: int
    end: int
    text: str
    interval: Interval | None = None
    future_interval: Interval | None = None
    items: tuple[Interval, ...] = ()
    alone: Interval | None = None  # "since November 2024, when ...": November 2024 alone
    edge: str | None = None  # "early"/"mid"/"late" of an as-of month

    @property
    def usable(self) -> bool:
        return self.interval is not None and self.kind not in ("vague", "same", "day", "todate", "asof_future")


def _count(text: str | None) -> int:
    if not text:
        return 1
    word = text.lower()
    return int(word) if word.isdigit() else _COUNTS[word]


def _month_of(name: str) -> int:
    return MONTHS[name.rstrip(".").lower()]


# --- the patterns, in priority order ---------------------------------------------------------

_Rule = tuple[str, re.Pattern[str], tuple[str, ...]]

# What a sentence must hold for a rule to be worth trying: a month name, a year, or one of these
# words (lower case). Trying only those keeps a sentence's cost at a few cheap tests.
_GATES: dict[str, tuple[str, ...]] = {
    "same": ("same", "that period", "this period", "that time", "this time", "that month", "that span"),
    "range": ("@month",),
    "day_span": ("@month",),
    "months_to": ("months",),
    "next_named": ("next",),
    "list": ("@month",),
    "war": ("war", "invasion", "conflict", "operation", "invading"),
    "since_when": ("since",),
    "since": ("since", "from"),  # and a date or "year", see _NEEDS_A_DATE
    "since_began": ("since",),
    "so_far": ("so far", "this year", "this month", "to date", "thus far", "year-to", "year to"),
    "so_far_month": ("so far", "to date", "thus far"),
    "future_rest": ("rest", "remainder"),
    "future_next": ("next", "coming", "following", "upcoming"),
    "first_units": ("first",),
    "half": ("half", "h1", "h2"),
    "quarter": ("quarter", "q1", "q2", "q3", "q4"),
    "last_n": ("last", "past", "previous", "preceding", "prior"),
    "last_named": ("last",),
    "asof": ("by", "as of", "as at", "up to"),
    "season": ("spring", "summer", "fall", "autumn", "winter"),
    "vague_edge": ("early", "late", "mid"),
    "vague": ("recent", "earlier", "start", "beginning", "first", "early", "opening", "few", "several"),
    "todate": ("so far", "to date", "thus far"),
    "month": ("@month",),
    "day": ("@month",),
    "year": ("@year",),
}
# Rules whose phrases always hold a month name, a year or the word "year": skipped without one.
_NEEDS_A_DATE = frozenset(
    {"so_far_month", "day_span", "months_to", "range", "list", "since_when", "since", "since_began", "first_units",
     "half", "asof",
     "vague_edge", "month", "day", "year", "future_rest"}
)
_ANY_MONTH = re.compile(MONTH)
_ANY_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def _rules(*pairs: tuple[str, str]) -> tuple[_Rule, ...]:
    return tuple((name, re.compile(pattern), _GATES[name]) for name, pattern in pairs)


def _anchors(gate: tuple[str, ...], lowered: str, months: list[int], years: list[int]) -> list[int]:
    """Where in the sentence a rule's phrase could be: at its month names, years or gate words."""
    found: list[int] = []
    for word in gate:
        if word == "@month":
            found += months
        elif word == "@year":
            found += years
        else:
            at = lowered.find(word)
            while at != -1:
                found.append(at)
                at = lowered.find(word, at + 1)
    return sorted(found)


_REACH = 60  # characters a period phrase reaches on either side of its anchor


def _matches(pattern: re.Pattern[str], sentence: str, anchors: list[int]) -> list[re.Match[str]]:
    """The rule's matches, looked for only near its anchors (linear however long the sentence)."""
    windows: list[list[int]] = []
    for at in anchors:
        start, end = max(0, at - _REACH), min(len(sentence), at + _REACH)
        if windows and start <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], end)
        else:
            windows.append([start, end])
    found: list[re.Match[str]] = []
    for start, end in windows:
        found += pattern.finditer(sentence, start, end)
    return found


_IN_THE = r"(?i:(?:over|in|during|for|across|within)\s+"
_RULES: tuple[_Rule, ...] = _rules(
    ("same", rf"{_IN_THE}(?:the|that|this)\s+same\s+(?:period|time\s*frame|time|months?)"
             rf"|(?:over|in|during|for|across|within)\s+(?:that|this)\s+(?:period|time\s*frame|time|span)"
             r"|(?:in|during)\s+that\s+month|(?:that|the\s+same)\s+month)"),
    ("day_span", rf"(?i:between)\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?i:and)\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+"
                 rf"(?P<m>{MONTH})(?:,?\s+(?P<y>{YEAR}))?"),
    ("day_span", rf"(?:(?i:on|from|between)\s+)?(?P<m>{MONTH})\s+(?P<d1>\d{{1,2}})\s*(?:-|(?i:to|through))\s*"
                 r"(?P<d2>\d{1,2})"
                 rf"(?:,?\s+(?P<y>{YEAR}))?(?!\d)"),
    ("months_to", rf"(?i:(?:in|over|during|for)\s+the\s+(?P<n>{_COUNT})\s+months\s+"
                  r"(?:to|until|through|ending(?:\s+in)?))\s+"
                  rf"(?P<m>{MONTH})(?:,?\s+(?P<y>{YEAR}))?"),
    ("range", rf"(?i:between)\s+(?P<a>{_DATEISH})\s+(?i:and)\s+(?P<b>{_DATEISH})"),
    ("range", rf"(?i:from)\s+(?P<a>{_DATEISH})\s+(?i:to|until|through|till|thru|-)\s+(?P<b>{_DATEISH})"),
    ("range", rf"(?:{_PREP}\s+)?(?P<a>{MONTH})\s*(?:-|/|(?i:to|through|until))\s*(?P<b>{MONTH})"
              rf"(?:,?\s+(?P<y>{YEAR})|(?!\s*\d))"),
    ("list", rf"(?:{_PREP}\s+(?i:the\s+months\s+of\s+)?)?{_MONTH_LIST}"),
    ("war", _INVASION),
    ("since_when", rf"(?i:since)\s+(?P<x>{MONTH}\s+{YEAR}|{YEAR}),?\s+(?i:when)\b"),
    ("since", rf"(?i:since|from)\s+(?:(?i:the\s+(?:start|beginning)\s+of)\s+)?(?P<x>(?>{DAY_DATE}|{MONTH_YEAR}|{YEAR}"
              r"|(?i:the\s+(?:start|beginning)\s+of\s+(?:the|this)\s+year|the\s+year|this\s+year|the\s+new\s+year)))"
              rf"(?!\s*(?i:to|until|through|-)\s*(?:{MONTH}|\d))"),
    ("since_began", rf"(?i:since)\s+(?P<y>{YEAR})\s+(?i:began|started)"),
    ("so_far", rf"(?i:(?:so|thus)\s+far\s+(?:in|this|during))\s+(?P<x>{YEAR}|{MONTH}|(?i:year|month))"),
    ("so_far", rf"(?i:in|during)\s+(?P<x>{YEAR}|{MONTH})\s+(?i:so\s+far|to\s+date|thus\s+far)"),
    ("so_far_month", rf"(?i:in|during)\s+(?P<m>{MONTH})\s+(?P<y>{YEAR})\s+(?i:so\s+far|to\s+date|thus\s+far)"),
    ("so_far", r"(?i:(?:so\s+far\s+)?this\s+(?P<x>year|month)|year[-\s]to[-\s]date)"),
    ("future_rest", r"(?i:(?:for|through|throughout|over|during)\s+the\s+(?:rest|remainder)\s+of\s+"
                    rf"(?:the\s+year|this\s+year|(?P<y>{YEAR})))"),
    ("future_next", rf"{_IN_THE}the\s+(?:next|coming|following|upcoming)\s+(?:{_COUNT}\s+)?{_UNIT}"
                    r"|in\s+the\s+(?:coming|next)\s+(?:days|weeks|months)|next\s+week)"),
    ("next_named", r"(?i:(?:in\s+|during\s+|over\s+|throughout\s+)?(?<!the\s)\bnext\s+(?P<unit>month|year)\b)"),
    ("first_units", rf"(?i:(?:in|during|over|across|for)?\s*the\s+first\s+(?P<n>{_COUNT})\s+(?P<unit>months|weeks)"
                    rf"\s+of)\s+(?P<y>{YEAR})"),
    ("half", rf"(?i:(?:the\s+)?(?P<h>first|second|1st|2nd)\s+half\s+of)\s+(?P<y>{YEAR})"
             rf"|\bH(?P<hn>[12])\s+(?P<y2>{YEAR})"),
    ("quarter", r"(?i:(?:the\s+)?(?P<ord>first|second|third|fourth|1st|2nd|3rd|4th|final|last)\s+quarter)"
                rf"(?:\s+(?i:of)\s+(?P<y>{YEAR}))?"),
    ("quarter", rf"\bQ(?P<q>[1-4])(?:[\s-]+(?i:of\s+)?(?P<y>{YEAR}))?(?!\w)"),
    ("last_n", r"(?i:(?:over|in|during|within|for|across)?\s*the\s+(?:last|past|previous|preceding|prior)\s+"
               rf"(?:(?P<n>{_COUNT})\s+)?){_UNIT}"),
    ("last_named", r"(?i:(?<!the\s)\blast\s+(?P<unit>month|year|week)\b)"),
    ("asof", r"(?i:(?:by|as\s+of|as\s+at|up\s+to)\s+)(?!the\s+(?:end|rest)\s+of\s+(?:this|the)\s+year)"
             rf"{_EDGE}(?P<x>{DAY_DATE}|{MONTH_YEAR}|{YEAR})"),
    ("season", r"(?i:(?:in|during|over|throughout|by|since|this|last|next)\s+(?:the\s+)?(?:(?:early|late|mid)[\s-]+)?)"
               rf"{_SEASON}\b(?:\s+(?i:of\s+)?{YEAR})?|\b{_SEASON}\s+(?i:of\s+)?{YEAR}"),
    ("todate", r"(?i:\b(?:so\s+far|to\s+date|thus\s+far)\b)"),
    ("vague_edge", rf"(?i:(?:in|during|by|since)\s+)?(?i:early|late|mid)[\s-]+{YEAR}"),
    ("vague", r"(?i:in\s+recent\s+(?:days|weeks|months)|recent\s+(?:weeks|months)"
              r"|in\s+the\s+past\s+(?:few|several)\s+(?:days|weeks|months)"
              r"|earlier\s+this\s+(?:year|month)|at\s+the\s+(?:start|beginning)\s+of\s+the\s+(?:war|invasion)"
              r"|in\s+the\s+(?:first|early|opening)\s+(?:days|weeks|months)\s+of\s+the\s+(?:war|invasion|conflict))"),
    ("month", rf"{_PREP}\s+(?i:the\s+month\s+of\s+)?(?P<m>{MONTH})(?:,?\s+(?P<y>{YEAR})|(?!\s*\d))"),
    ("day", rf"(?:(?i:on|of)\s+)?(?P<x>{DAY_DATE})"),
    ("month", rf"(?<![\w,])(?P<m>{MONTH})\s+(?P<y>{YEAR})"),
    ("year", rf"(?:{_PREP}\s+(?i:the\s+)?(?i:whole\s+of\s+|calendar\s+|course\s+of\s+)?(?i:year\s+)?"
             r"|(?i:the\s+whole\s+of|the\s+(?:calendar\s+)?year(?:\s+of)?)\s+"
             r"|(?i:(?:the\s+)?(?:trend|average|rate|level|pace|total|figures?|tally)\s+(?:of|for))\s+)"
             rf"(?P<y>{YEAR})(?!\s*-\s*\d)"),
    ("year", rf"(?:(?<=\w's)|(?i:(?<=\bthe)|(?<=\bits)|(?<=\btheir)))\s+(?P<y>{YEAR})"
             r"(?=\s+(?i:daily|monthly|annual|average|"
             r"casualt\w*|loss(?:es)?|gains?|total|toll|rate|figure)\b)"),
)


def find_periods(sentence: str, when: When) -> list[PeriodPhrase]:
    """Every period phrase of a normalised sentence in reading order; where two overlap, the one
    of the earlier rule wins ("since November 1, 2024" is a `since`, not a day)."""
    taken: list[PeriodPhrase] = []
    lowered = sentence.lower()
    months = [m.start() for m in _ANY_MONTH.finditer(sentence)]
    years = [m.start() for m in _ANY_YEAR.finditer(sentence)]
    dated = bool(months or years) or "year" in lowered
    for name, pattern, gate in _RULES:
        if name in _NEEDS_A_DATE and not dated:
            continue
        for match in _matches(pattern, sentence, _anchors(gate, lowered, months, years)):
            if match.end() == match.start():
                continue
            if any(match.start() < p.end and p.start < match.end() for p in taken):
                continue
            try:
                phrase = _phrase(name, match, when, sentence)
            except (ValueError, KeyError):
                continue  # "between February 30 and ...": not a period to trust
            if phrase is not None:
                taken.append(_as_horizon(phrase, sentence))
    return sorted(taken, key=lambda p: p.start)


_SUPERLATIVE = re.compile(
    r"\b(?:highest|heaviest|largest|lowest|smallest|most|least|greatest|biggest|fastest|slowest|worst|best|first|"
    r"only|record|deadliest|costliest|bloodiest|strongest|weakest)\b[^.;,]{0,40}$",
    re.IGNORECASE,
)


def _as_horizon(phrase: PeriodPhrase, sentence: str) -> PeriodPhrase:
    """ "the heaviest of any month since 2022", "the first month above 600 since 2022": a "since" after
    a superlative is the horizon of a comparison, not the period of a figure."""
    if phrase.kind in ("since", "war") and _SUPERLATIVE.search(sentence, max(0, phrase.start - 60), phrase.start):
        return PeriodPhrase("horizon", phrase.start, phrase.end, phrase.text)
    return phrase


def _phrase(name: str, match: re.Match[str], when: When, sentence: str) -> PeriodPhrase | None:
    groups = {k: v for k, v in match.groupdict().items() if v}
    published, until = when.published, when.until

    def make(kind: str, interval: Interval | None, **extra: object) -> PeriodPhrase | None:
        if interval is not None and interval[0] > interval[1]:
            return None
        return PeriodPhrase(kind, match.start(), match.end(), match.group(0), interval, **extra)  # type: ignore[arg-type]

    year = int(groups["y"]) if "y" in groups else None
    if name == "same":
        return make("same", None)
    if name == "range":
        return _range(match, groups, when, make)
    if name == "day_span":
        month = _month_of(groups["m"])
        first_day, last_day = int(groups["d1"]), int(groups["d2"])
        span_year = year if year else latest_month(month, published)[0].year
        return make("bounded", (date(span_year, month, first_day), date(span_year, month, last_day)))
    if name == "months_to":
        month = _month_of(groups["m"])
        last = month_period(year, month) if year else latest_month(month, published)
        return make("bounded", (whole_months_before(last[1] + timedelta(days=1), _count(groups["n"]))[0], last[1]))
    if name == "next_named":
        if groups["unit"].lower() == "month":
            return make("future", whole_months_after(published, 1))
        return make("future", year_period(published.year + 1))
    if name == "list":
        months = [_month_of(m) for m in re.findall(MONTH, groups["list"])]
        items = _month_items(months, year, published)
        return make("bounded", (items[0][0], items[-1][1]), items=tuple(items))
    if name == "war":
        return make("war", (WAR_START, until))
    if name == "since_when":
        alone = _month_or_year(groups["x"], published)
        return make("since", (alone[0], until), alone=alone)
    if name == "since":
        first = _since_start(groups["x"], until)
        return make("war" if first <= WAR_START else "since", (max(first, WAR_START), until))
    if name == "since_began":
        return make("since", (date(int(groups["y"]), 1, 1), until))
    if name == "so_far":
        return _so_far(groups.get("x"), match.group(0), when, make)
    if name == "so_far_month":
        assert year is not None
        return make("since", (date(year, _month_of(groups["m"]), 1), when.until))
    if name == "future_rest":
        end_year = year or published.year
        return make("future", (published, date(end_year, 12, 31)))
    if name == "future_next":
        return make("vague", None)  # "over the next two months": whose months, from when? not read
    if name == "first_units":
        assert year is not None
        count = _count(groups["n"])
        if groups["unit"].lower().startswith("week"):
            return make("bounded", (date(year, 1, 1), date(year, 1, 1) + timedelta(days=7 * count - 1)))
        return make("bounded", (date(year, 1, 1), month_period(year, count)[1]))
    if name == "half":
        half = int(groups["hn"]) if "hn" in groups else (1 if groups["h"].lower() in ("first", "1st") else 2)
        half_year = int(groups.get("y") or groups["y2"])
        return make("bounded", (date(half_year, 1, 1), date(half_year, 6, 30)) if half == 1
                    else (date(half_year, 7, 1), date(half_year, 12, 31)))
    if name == "quarter":
        quarter = int(groups["q"]) if "q" in groups else _ORDINALS[groups["ord"].lower()]
        if not year and groups.get("ord", "").lower() in ("last", "final"):
            return make("vague", None)  # "the last quarter": the latest one, or Q4? not read
        if year:
            return make("bounded", quarter_period(year, quarter))
        past = quarter_period(published.year, quarter)
        past = past if past[1] <= published else quarter_period(published.year - 1, quarter)
        future = quarter_period(published.year, quarter)
        future = future if future[1] >= published else quarter_period(published.year + 1, quarter)
        return make("bounded", past, future_interval=future)
    if name == "last_n":
        unit = groups["unit"].lower().rstrip("s")
        count = _count(groups.get("n"))
        if unit == "month":
            return make("bounded", whole_months_before(published, count))
        if unit == "year":
            return make("bounded", whole_months_before(published, 12 * count))
        if unit == "hour" or (unit == "day" and count == 1):
            return make("day", (until, until))
        days = count * (7 if unit == "week" else 1)
        return make("bounded", (until - timedelta(days=days - 1), until))
    if name == "last_named":
        unit = groups["unit"].lower()
        if unit == "month":
            return make("bounded", whole_months_before(published, 1))
        if unit == "year":
            return make("bounded", year_period(published.year - 1))
        return make("bounded", (until - timedelta(days=6), until))
    if name == "asof":
        edge = (groups.get("edge") or "").lower() or None
        as_of = _as_of(groups["x"], edge, published)
        if as_of > published:
            if edge in ("early", "mid") or (edge is None and as_of.replace(day=1) <= published):
                # "by early May 2025" in an update of 3 May 2025: as of the update
                return make("asof", (WAR_START, published), edge=edge)
            return make("asof_future", (WAR_START, as_of))  # "by the end of June 2025", said on 1 June
        return make("asof", (WAR_START, as_of), edge=edge)
    if name in ("season", "vague_edge", "vague"):
        return make("vague", None)
    if name == "todate":
        return make("todate", (WAR_START, published))
    if name == "month":
        month = _month_of(groups["m"])
        if year:
            return make("bounded", month_period(year, month))
        if month == published.month and not year and published < month_period(published.year, month)[1]:
            # "in October" in a report of 29 October: this month so far, or last year's? Not read.
            return make("vague", None, future_interval=month_period(published.year, month))
        return make("bounded", latest_month(month, published), future_interval=next_month_named(month, published))
    if name == "day":
        day = parse_date(groups["x"], published)
        return make("day", (day, day))
    if name == "year":
        assert year is not None
        return make("bounded", year_period(year))
    raise AssertionError(f"unhandled period rule {name}")


def _range(match: re.Match[str], groups: dict[str, str], when: When, make) -> PeriodPhrase | None:  # type: ignore[no-untyped-def]
    first_text, second_text = groups["a"], groups["b"]
    if "y" in groups:
        second_text = f"{second_text} {groups['y']}"
    month_a, day_a, year_a = date_parts(first_text)
    month_b, day_b, year_b = date_parts(second_text)
    published = when.published
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
    items: tuple[Interval, ...] = ()
    if day_a is None and day_b is None:
        index_a, index_b = year_a * 12 + month_a - 1, end.year * 12 + month_b - 1
        if 0 <= index_b - index_a < 24:
            items = tuple(month_period(i // 12, i % 12 + 1) for i in range(index_a, index_b + 1))
    return make("bounded", (start, end), items=items)


def _month_items(months: list[int], year: int | None, published: date) -> list[Interval]:
    """Each month of a list ("September, October and November 2024"), in order; a month after a
    later one belongs to the year before ("November, December and January 2025")."""
    last_year = year if year else latest_month(months[-1], published)[0].year
    years = [last_year]
    for previous, current in zip(reversed(months[:-1]), reversed(months[1:]), strict=True):
        years.insert(0, years[0] - 1 if previous > current else years[0])
    return [month_period(y, m) for y, m in zip(years, months, strict=True)]


def _endpoint_end(year: int, month: int, day: int | None) -> date:
    return date(year, month, day) if day else month_period(year, month)[1]


def _month_or_year(text: str, published: date) -> Interval:
    text = text.strip()
    if re.fullmatch(r"(?:19|20)\d{2}", text):
        return year_period(int(text))
    month, _, year = date_parts(text)
    return month_period(year, month) if year else latest_month(month, published)


def _since_start(phrase: str, until: date) -> date:
    words = phrase.lower()
    if "year" in words:  # "since the start of the year" / "this year"
        return date(until.year, 1, 1)
    if re.fullmatch(r"(?:19|20)\d{2}", phrase.strip()):
        return date(int(phrase), 1, 1)
    month, day, year = date_parts(phrase)
    if day is None:  # "since March 2024": from the month's first day
        return date(year, month, 1) if year else latest_month(month, until)[0]
    return parse_date(phrase, until)


def _so_far(what: str | None, text: str, when: When, make) -> PeriodPhrase | None:  # type: ignore[no-untyped-def]
    until = when.until
    word = (what or "year").strip()
    if re.fullmatch(r"(?:19|20)\d{2}", word):
        return make("since", (date(int(word), 1, 1), until))
    if word.lower() == "year" or "year" in text.lower():
        return make("since", (date(until.year, 1, 1), until))
    if word.lower() == "month":
        return make("since", (until.replace(day=1), until))
    month = _month_of(word)
    year = until.year if month <= until.month else until.year - 1
    return make("since", (date(year, month, 1), until))


def _as_of(text: str, edge: str | None, published: date) -> date:
    text = text.strip()
    if re.fullmatch(r"(?:19|20)\d{2}", text):
        day = date(int(text), 12, 31)
    else:
        month, day_number, year = date_parts(text)
        if day_number is not None:
            day = parse_date(text, published)
        else:
            interval = month_period(year, month) if year else latest_month(month, published)
            day = interval[0] if edge in ("the start of", "the beginning of") else interval[1]
    return day


__all__ = ["PeriodPhrase", "When", "find_periods"]

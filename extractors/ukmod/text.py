"""Catalogue figures from the text of one Defence Intelligence update (pure, no I/O).

Each sentence is read on its own. Period and date phrases are found first and blanked out, so a
year or a day is never read as a figure; then every remaining number (digits, words, ranges, with
its qualifier) is classed by what surrounds it:

- followed by an area unit ("sq km", "square kilometres", "square miles"): `territory_gained`, or
  `territory_gain_rate` when "per day" follows;
- persons when a casualty word is in the sentence: `casualties_daily_avg` with "per day"/"a day"
  or "daily" before it, `killed_cumulative` when "killed" follows it (not "killed and wounded"),
  `casualties_in_period` when a bounded period is attached, else `casualties_cumulative`.

The period attached to a figure is the first period phrase after it in the same clause, else the
nearest before it in the sentence. The probability word nearest before the figure is its
`confidence`. A figure whose metric needs a period it does not have is skipped, not guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from extractors.catalogue import METRICS, WAR_START
from extractors.numbers import AREA_UNIT, NUMBER, QUALIFIER, Quantity, area_to_km2, parse_number, qualifier_for
from extractors.observation import Observation
from extractors.ukmod.phrases import PeriodPhrase, confidence_before, find_periods

SOURCE = "ukmod"

# One-for-one character substitutions, so offsets in the normalised text are offsets in the quote.
_SAME_LENGTH = str.maketrans({"–": "-", "—": "-", "‑": "-", "−": "-", "\u00a0": " ", "’": "'", "\n": " "})

_CASUALTY_WORDS = re.compile(r"\b(?:casualt\w*|loss(?:es)?|lost|killed|wounded|dead|deaths?)\b", re.IGNORECASE)
_PERSON_NOUN_AFTER = re.compile(
    r"\s*(?:\(|[\w-]+\s+){0,3}?(?:casualt\w*|loss(?:es)?|killed|wounded|dead|deaths?|personnel|troops|"
    r"soldiers|servicemen|men)\b",
    re.IGNORECASE,
)
_PER_DAY_AFTER = re.compile(r"\s*(?:[\w()-]+\s+){0,3}?(?:per|a|each|every)\s+day\b", re.IGNORECASE)
# Nothing noun-like follows: the end of a clause, or a preposition leading into a period.
_BARE_AFTER = re.compile(
    r"\s*(?:$|[.,;:)]|(?:in|by|since|during|throughout|over|as|and|across|between|from|until|this|"
    r"last|so|were|was|are|is|had|have)\b)",
    re.IGNORECASE,
)
_KILLED = r"(?:killed|dead)\b(?!\s+(?:and|or)\s+wounded)"
_KILLED_AFTER = re.compile(rf"\s*(?:[\w-]+\s+){{0,4}}?{_KILLED}", re.IGNORECASE)
_KILLED_BEFORE = re.compile(rf"\b{_KILLED}", re.IGNORECASE)
# A sentence that goes on about the previous one's casualties: "Of these, approximately 160,000 ...".
_ANAPHOR = re.compile(r"^(?:of\s+these|of\s+this|these|this(?:\s+figure|\s+total)?|that|including)\b", re.I)
_CASUALTY_NOUN = re.compile(r"\bcasualt", re.IGNORECASE)
_DAILY_BEFORE = re.compile(r"\b(?:daily|per\s+day|a\s+day)\b", re.IGNORECASE)
_ABOVE_BEFORE = re.compile(r"\b(?:above|exceeded|exceeds|surpassed|passed)\s*$", re.IGNORECASE)
_CLAIMED = re.compile(r"\bclaim(?:s|ed|ing)?\b|\baccording\s+to\s+(?:the\s+)?russian\b", re.IGNORECASE)
_UKRAINIAN_ACTOR = re.compile(
    r"\bukrain(?:e|ian)(?:'s)?\s+(?:armed\s+)?(?:forces|troops|army|military|casualties|losses)\b",
    re.IGNORECASE,
)
_RUSSIAN_ACTOR = re.compile(r"\brussia(?:n|'s)?\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(]?[A-Z0-9])")
_CLAUSE_BREAK = re.compile(r"[,;:]|\s-\s|\bbut\b|\bwhile\b|\bagainst\b|\bcompared\b", re.IGNORECASE)


# Every figure, whatever follows it (numbers.find_quantities wants a unit after the number; MoD often
# ends a sentence on the figure: "... are now likely more than 648,000.").
_ANY_FIGURE = re.compile(
    rf"(?:(?P<qual>{QUALIFIER})\s+)?"
    rf"(?:between\s+(?P<b_lo>{NUMBER})\s+and\s+(?P<b_hi>{NUMBER})"
    rf"|(?P<lo>{NUMBER})\s*(?:-|\s+to\s+)\s*(?P<hi>{NUMBER})"
    rf"|(?P<single>{NUMBER}))",
    re.IGNORECASE,
)
_SCALE_AT_END = re.compile(r"(thousand|million|billion)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Figure:
    metric: str
    quantity: Quantity
    period: PeriodPhrase | None


def split_sentences(text: str) -> list[str]:
    """Sentences of an update, line breaks inside a sentence joined ("1.1 million" is not a break)."""
    flat = " ".join(text.translate(_SAME_LENGTH).split())
    return [s.strip() for s in _SENTENCE_END.split(flat) if s.strip()]


def parse_update_text(
    text: str,
    *,
    published: date,
    parser_version: str,
    url: str | None = None,
    sha256: str | None = None,
) -> list[Observation]:
    """Observations of every catalogue figure in `text`, an update published on `published`.

    A key (metric, subject, period, assessment) stated twice in one update keeps its first statement.
    """
    observations: list[Observation] = []
    seen: set[tuple[object, ...]] = set()
    previous_about_casualties = False
    for sentence in split_sentences(text):
        about_casualties = bool(_CASUALTY_WORDS.search(sentence)) or (
            previous_about_casualties and bool(_ANAPHOR.match(sentence))
        )
        previous_about_casualties = about_casualties
        found = _sentence_observations(sentence, about_casualties, published, parser_version, url, sha256)
        for observation in found:
            key = (
                observation.metric,
                observation.subject,
                observation.period_start,
                observation.period_end,
                observation.assessment,
            )
            if key not in seen:
                seen.add(key)
                observations.append(observation)
    return observations


def _sentence_observations(
    sentence: str,
    about_casualties: bool,
    published: date,
    parser_version: str,
    url: str | None,
    sha256: str | None,
) -> list[Observation]:
    periods = find_periods(sentence, published)
    masked = _mask(sentence, periods)
    quantities = [q for q in find_figures(masked) if _is_figure(masked, q)]
    figures = [f for q in quantities if (f := _classify(masked, q, quantities, periods, about_casualties)) is not None]
    observations = []
    for figure in figures:
        try:
            start, end = _period_of(figure, published)
        except _NoPeriod:
            continue
        quantity = figure.quantity
        value, low, high = quantity.value, quantity.value_low, quantity.value_high
        if figure.metric.startswith("territory"):
            unit_text = _area_unit_after(masked, quantity)
            value = area_to_km2(value, unit_text)
            low = None if low is None else area_to_km2(low, unit_text)
            high = None if high is None else area_to_km2(high, unit_text)
        qualifier = quantity.qualifier
        if qualifier == "exact" and _ABOVE_BEFORE.search(masked[: quantity.start]):
            qualifier = "over"
        observations.append(
            Observation(
                source=SOURCE,
                metric=figure.metric,
                subject=_subject(masked, quantity.start),
                period_start=start,
                period_end=end,
                value=value,
                value_low=low,
                value_high=high,
                unit=METRICS[figure.metric],
                qualifier=qualifier,
                confidence=confidence_before(sentence, quantity.start),
                assessment="claimed" if _CLAIMED.search(sentence) else "assessed",
                quote=sentence,
                published_at=published,
                url=url,
                document_sha256=sha256,
                parser_version=parser_version,
            )
        )
    return observations


def find_figures(text: str) -> list[Quantity]:
    """Every number, range or number in words of `text`, with its qualifier; `end` is the number's end."""
    found = []
    for match in _ANY_FIGURE.finditer(text):
        qualifier = qualifier_for(match.group("qual"))
        groups = ("b_lo", "b_hi") if match.group("b_lo") else ("lo", "hi") if match.group("lo") else None
        from_to = groups == ("lo", "hi") and re.search(r"\bfrom\s+(?:\S+\s+)?$", text[: match.start()], re.I)
        if groups is None or from_to:  # "from 500 to 700" is a change: the figure is 700
            group = "single" if groups is None else "hi"
            value_text = match.group(group)
            found.append(
                Quantity(
                    parse_number(value_text),
                    None,
                    None,
                    qualifier if groups is None else "exact",
                    "",
                    match.start(group) if groups else match.start(),
                    match.end(),
                    match.start(group),
                    not value_text.isdigit(),
                )
            )
            continue
        low_text, high_text = match.group(groups[0]), match.group(groups[1])
        low, high = parse_number(low_text), parse_number(high_text)
        scale = _SCALE_AT_END.search(high_text)
        if scale and not _SCALE_AT_END.search(low_text):  # "150-190 thousand"
            low = parse_number(f"{low_text} {scale.group(1)}")
        if low > high:
            continue
        found.append(
            Quantity((low + high) / 2, low, high, "range", "", match.start(), match.end(), match.start(groups[0]), True)
        )
    return found


def _mask(sentence: str, periods: list[PeriodPhrase]) -> str:
    """`sentence` with period/date phrases, percentages and ordinals blanked (same length)."""
    chars = list(sentence)
    for period in periods:
        chars[period.start : period.end] = " " * (period.end - period.start)
    masked = "".join(chars)
    return re.sub(
        r"\d[\d,.]*\s*(?:%|per\s?cent\b)|\b\d+(?:st|nd|rd|th)\b",
        lambda m: " " * len(m.group(0)),
        masked,
        flags=re.IGNORECASE,
    )


def _is_figure(masked: str, quantity: Quantity) -> bool:
    """Numbers in words count only with a scale ("two months" is no figure, "one million" is)."""
    number_text = masked[quantity.number_start : quantity.end]
    return bool(re.search(r"\d|thousand|million|billion", number_text, re.IGNORECASE))


def _classify(
    masked: str,
    quantity: Quantity,
    all_quantities: list[Quantity],
    periods: list[PeriodPhrase],
    about_casualties: bool,
) -> _Figure | None:
    after = masked[quantity.end :]
    clause_before = _clause_before(masked, quantity.start)
    if re.match(rf"\s*{AREA_UNIT}", after, re.IGNORECASE):
        unit_end = re.match(rf"\s*{AREA_UNIT}", after, re.IGNORECASE).end()  # type: ignore[union-attr]
        rate = _PER_DAY_AFTER.match(after[unit_end:]) or re.search(r"\bdaily\b", clause_before, re.IGNORECASE)
        metric = "territory_gain_rate" if rate else "territory_gained"
        return _Figure(metric, quantity, _attached_period(masked, quantity, all_quantities, periods))
    if not about_casualties:
        return None
    per_day = _PER_DAY_AFTER.match(after) or _DAILY_BEFORE.search(clause_before)
    noun_after = _PERSON_NOUN_AFTER.match(after)
    if not (per_day or noun_after or _BARE_AFTER.match(after)):
        return None  # followed by some other noun: "12 brigades", "30 km"
    period = _attached_period(masked, quantity, all_quantities, periods)
    if per_day:
        return _Figure("casualties_daily_avg", quantity, period)
    killed_before = _KILLED_BEFORE.search(clause_before) and not _CASUALTY_NOUN.search(clause_before)
    if _KILLED_AFTER.match(after) or killed_before:
        if period is not None and period.kind in ("bounded", "since"):
            return None  # killed within a period has no catalogue metric
        return _Figure("killed_cumulative", quantity, period)
    if period is not None and period.kind in ("bounded", "since"):
        return _Figure("casualties_in_period", quantity, period)
    return _Figure("casualties_cumulative", quantity, period)


def _clause_before(masked: str, position: int) -> str:
    breaks = list(_CLAUSE_BREAK.finditer(masked, 0, position))
    return masked[breaks[-1].end() if breaks else 0 : position]


def _attached_period(
    masked: str, quantity: Quantity, all_quantities: list[Quantity], periods: list[PeriodPhrase]
) -> PeriodPhrase | None:
    usable = [p for p in periods if p.kind != "date"]
    next_figure = min((q.start for q in all_quantities if q.start > quantity.start), default=len(masked))
    for period in usable:
        if quantity.end <= period.start < next_figure:
            between = masked[quantity.end : period.start]
            if not _CLAUSE_BREAK.search(between):
                return period
            break
    before = [p for p in usable if p.end <= quantity.start]
    return before[-1] if before else None


def _period_of(figure: _Figure, published: date) -> tuple[date, date]:
    period = figure.period
    cumulative = figure.metric in ("casualties_cumulative", "killed_cumulative")
    if cumulative:
        as_of = period.period_end if period is not None and period.kind == "asof" else published
        return WAR_START, as_of
    if period is None or period.kind in ("war", "asof"):
        raise _NoPeriod
    return period.period_start, period.period_end


class _NoPeriod(Exception):
    """A figure whose metric needs a period that the sentence does not give."""


def _area_unit_after(masked: str, quantity: Quantity) -> str:
    match = re.match(rf"\s*({AREA_UNIT})", masked[quantity.end :], re.IGNORECASE)
    return match.group(1) if match else "km2"


def _subject(masked: str, position: int) -> str:
    """`UA` when the nearest actor named before the figure is Ukraine's forces, else `RU`."""
    before = masked[:position]
    ukrainian = [m.start() for m in _UKRAINIAN_ACTOR.finditer(before)]
    russian = [m.start() for m in _RUSSIAN_ACTOR.finditer(before)]
    if ukrainian and (not russian or ukrainian[-1] > russian[-1]):
        return "UA"
    return "RU"


__all__ = ["parse_update_text", "split_sentences"]

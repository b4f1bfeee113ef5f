"""The figure reader: paragraphs of a bulletin in, observations and unread candidates out.

Both text sources (ISW reports, MoD updates) are read by `read_paragraphs`; a `SourceVoice`
carries what differs between them (their name, parser version, how they speak of themselves, and
whether a casualty count with no period is a war-to-date total, as MoD writes them).

For each sentence, in order:
1. normalise it (extractors.reading.text) and find its period phrases (extractors.reading.periods);
2. blank the periods, percentages, ordinals, money and clock times, and find the numbers;
3. decide what each number counts (extractors.reading.figures), settling bare numbers by the
   figure they are listed with, a "respectively" list, or the sentence's subject;
4. give each figure its period: a phrase after it in its clause, else the nearest before it in the
   sentence, else "the same period" as the figure before, else the one period the previous sentence
   of the paragraph named; a "respectively" list pairs figures and periods in order;
5. decide the metric from the kind and the period, then who states it, about whom, how sure.

A figure the reader cannot settle (no period, a vague one, Ukrainian forces, a metric the catalogue
lacks) becomes an `Unread` with its quote and reason, never an observation (DESIGN.md §4).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from extractors.catalogue import METRICS, SQ_MI_TO_KM2, WAR_START
from extractors.observation import Observation, Reading, Unread
from extractors.reading import attribution
from extractors.reading.attach import TwoPeriods, attached, interval_of, not_past_the_bulletin, respectively
from extractors.reading.figures import Figure, classify, settle_bare, single_day, topic_of
from extractors.reading.numbers import area_to_km2, find_numbers
from extractors.reading.periods import Interval, PeriodPhrase, When, find_periods
from extractors.reading.scope import in_one_sector, of_one_group
from extractors.reading.text import MAX_SENTENCE_CHARS, normalise, split_sentences

# Blanked before numbers are looked for: none of these is ever a figure.
_NOT_FIGURES = re.compile(
    r"\d[\d,.]*\s*(?:%|per\s?cent\b|percent\b)"
    r"|\b\d[\d,]*(?:st|nd|rd|th)\b"
    r"|[$€£₽]\s*\d[\d,.]*(?:\s*(?:thousand|million|billion|trillion))?"
    r"|\d[\d,.]*\s*(?:thousand\s+|million\s+|billion\s+|trillion\s+)?(?:rubles|roubles|dollars|euros|hryvnias|USD|RUB|EUR)\b"
    r"|\b\d{1,2}:\d{2}\s*(?:[ap]\.?m\.?)?|\b\d{1,2}\s*[ap]\.?m\.?(?![a-z])"
    r"|\b\d[\d,]*(?:\.\d+)?\s*(?:-|\s)?(?:kilomet(?:er|re)s?|km|meters|metres|miles|mi)\b(?!\s*[2²])(?!\s*squared)",
    re.IGNORECASE,
)
_CUMULATIVE_CUE = re.compile(
    r"\b(?:total|in\s+total|overall|now|to\s+date|so\s+far|cumulative|altogether|in\s+all|stands?\s+at|"
    r"since\s+the\s+(?:start|beginning)|throughout\s+the\s+(?:war|conflict)|war\s+total)\b",
    re.IGNORECASE,
)
# A casualty count that size with no period can only be a war-to-date total (MoD's way of writing them).
_WAR_TOTAL_FLOOR = 100_000
# More casualties a day than any day of the war has seen (the record is about 2,200): a count above
# this many per day of a period cannot be that period's.
_MOST_PER_DAY = 3_000
_WAR_KINDS = ("war", "asof", "todate")
# A sentence without a digit or a number word next to one of these words holds no figure: it is
# not read (its period and subject are looked at only if the next sentence needs them).
_DIGIT = re.compile(r"\d")
_NUMBER_WORDS = ("million", "thousand", "hundred")
_FIGURE_WORDS = (
    "squar", "sq", "km", "casualt", "loss", "kill", "wound", "dead", "personnel", "troop", "soldier", "servicem",
    "people", " men", "per day", "a day", "/day", "each day", "daily", "respectively",
)


def _may_hold_a_figure(sentence: str) -> bool:
    # Substring tests, not a regex: this runs on every sentence of every report.
    lowered = sentence.lower()
    if not (_DIGIT.search(sentence) or any(word in lowered for word in _NUMBER_WORDS)):
        return False
    return any(word in lowered for word in _FIGURE_WORDS)




# The work a document may ask of the reader: far above any real bulletin, far below a stall.
MAX_DOCUMENT_CHARS = 1_000_000


class DocumentTooLarge(ValueError):
    """A document with more text than any bulletin: refused with a reason, never read for minutes."""


@dataclass(frozen=True, slots=True)
class SourceVoice:
    """What the reader needs to know of the source whose text it reads."""

    source: str
    parser_version: str
    voice: attribution.Voice
    war_total_without_period: bool = False


@dataclass(frozen=True, slots=True)
class Provenance:
    when: When
    url: str | None = None
    sha256: str | None = None


@dataclass
class _Paragraph:
    """What one sentence leaves for the next in the same paragraph.

    A sentence that holds no figure is not read; only when the sentence after it needs its period
    or subject is it looked at (`remember`/`carried`), so prose without figures costs one regex.
    """

    when: When
    last_period: Interval | None = None
    kind: str | None = None  # the one kind of figure the previous sentence held, if one
    _sentence: str | None = None
    _periods: list[Interval] | None = None
    _topic: str | None = None

    def remember(self, sentence: str | None, periods: list[PeriodPhrase] | None = None,
                 topic: str | None = None, last_period: Interval | None = None, kind: str | None = None) -> None:
        self._sentence = sentence
        self.kind = kind
        self._periods = None if periods is None else [p.interval for p in periods if p.usable and p.interval]
        self._topic = topic
        self.last_period = last_period

    @property
    def periods(self) -> list[Interval]:
        if self._periods is None:
            text = normalise(self._sentence) if self._sentence else ""
            self._periods = [p.interval for p in find_periods(text, self.when) if p.usable and p.interval]
        return self._periods

    @property
    def topic(self) -> str | None:
        if self._topic is None and self._sentence:
            self._topic = topic_of(self._sentence)
        return self._topic


def read_paragraphs(
    paragraphs: Iterable[tuple[str | None, str]], voice: SourceVoice, provenance: Provenance
) -> Reading:
    """Observations and unread candidates of (label, text) paragraphs, in reading order, one per
    series key (the first statement of a key in a document stands for it; an exact one beats an
    approximate one)."""
    observations: list[Observation] = []
    unread: list[Unread] = []
    read_chars = 0
    for label, text in paragraphs:
        read_chars += len(text)
        if read_chars > MAX_DOCUMENT_CHARS:
            raise DocumentTooLarge(
                f"a document of over {MAX_DOCUMENT_CHARS:,} characters of text is not read (a real bulletin has "
                "well under 300,000): it is not a bulletin, or several run together"
            )
        if not _may_hold_a_figure(text):
            continue  # no sentence of it can hold one, nor lend a period to one that does
        state = _Paragraph(provenance.when)
        for sentence in split_sentences(text):
            # A sentence right after one with figures may go on about them ("The previous high was
            # 1,262 in May 2024"): it is read whenever it holds a number.
            if not (_may_hold_a_figure(sentence) or (state.kind is not None and _DIGIT.search(sentence))):
                state.remember(sentence)
                continue
            found, missed = _read_sentence(sentence, label, voice, provenance, state)
            observations += found
            unread += missed
    return Reading(_one_per_key(observations), unread)


def _read_sentence(
    sentence: str, label: str | None, voice: SourceVoice, provenance: Provenance, state: _Paragraph
) -> tuple[list[Observation], list[Unread]]:
    text = normalise(sentence)
    if len(text) > MAX_SENTENCE_CHARS:
        if topic_of(text[:MAX_SENTENCE_CHARS]) is not None and re.search(r"\d", text):
            return [], [_unread(voice, provenance, sentence, f"a sentence of {len(text):,} characters is not read")]
        return [], []
    periods = find_periods(text, provenance.when)
    masked = _mask(text, periods)
    classified, restatements = classify(masked, find_numbers(masked), topic=state.topic)
    for start, end in restatements:  # "203 square kilometers, or 78 square miles, in March"
        masked = masked[:start] + " " * (end - start) + masked[end:]
    figures = settle_bare(masked, classified, topic=state.topic,
                          period_starts=tuple(p.start for p in periods if p.kind != "horizon"),
                          previous_kind=state.kind)
    observations: list[Observation] = []
    unread: list[Unread] = []
    paired = respectively(masked, figures, periods)
    previous: tuple[PeriodPhrase | None, Interval] | None = None
    for index, figure in enumerate(figures):
        next_start = figures[index + 1].start if index + 1 < len(figures) else len(text)
        outcome = _observe(sentence, text, masked, figure, next_start, periods, paired.get(index),
                           previous, label, voice, provenance, state,
                           previous_end=figures[index - 1].end if index else None)
        if isinstance(outcome, tuple):
            observation, phrase = outcome
            observations.append(observation)
            if observation.metric.endswith("_cumulative") and (phrase is None or phrase.kind not in _WAR_KINDS):
                phrase = PeriodPhrase("war", 0, 0, "", (observation.period_start, observation.period_end))
            previous = (phrase, (observation.period_start, observation.period_end))
        elif outcome is not None:
            unread.append(_unread(voice, provenance, sentence, outcome, figure))
    kinds = {f.kind for f in figures}
    state.remember(sentence, periods, topic_of(masked) or state.topic, previous[1] if previous is not None else None,
                   kinds.pop() if len(kinds) == 1 else None)
    return observations, unread


def _observe(
    quote: str, text: str, masked: str, figure: Figure, next_start: int, periods: list[PeriodPhrase],
    paired: Interval | None, previous: tuple[PeriodPhrase | None, Interval] | None, label: str | None,
    voice: SourceVoice, provenance: Provenance, state: _Paragraph, previous_end: int | None = None,
) -> tuple[Observation, PeriodPhrase | None] | str | None:
    """The figure's observation (and the phrase that gave its period), or why it cannot be one (a
    reason), or None (not a figure)."""
    if figure.note:
        return figure.note
    published = provenance.when.published
    clause = attribution.clause_start(text, figure.quantity.number_start)
    forecast = attribution.is_forecast(text, clause, figure.quantity.number_start)
    try:
        phrase = attached(masked, figure, next_start, periods,
                           single_day=figure.kind == "casualties" and single_day(masked), previous_end=previous_end)
    except TwoPeriods as conflict:
        if paired is None:
            return str(conflict)
        phrase = None
    interval = paired or interval_of(phrase, figure, forecast)
    if phrase is None and paired is None and previous is not None:
        # "175,000-200,000 casualties, including 40,000-60,000 killed": the figure before it in the
        # sentence lends its period.
        phrase, interval = previous
    if phrase is not None and phrase.kind == "same":
        interval = previous[1] if previous is not None else state.last_period
        if interval is None:
            return "'the same period' refers to no earlier figure"
    if phrase is not None and phrase.kind == "vague" and not (forecast and phrase.future_interval):
        return f"the period '{phrase.text.strip()}' is too vague to key"
    if phrase is not None and phrase.kind in ("future", "asof_future") and not forecast:
        return f"a future period ('{phrase.text.strip()}') for a figure that is not a forecast"
    if interval is not None and not forecast:
        interval = not_past_the_bulletin(interval, periods, provenance.when)
    metric, interval, reason = _metric(figure, phrase, interval, state, voice, published, forecast,
                                       cumulative_cue=bool(_CUMULATIVE_CUE.search(text)))
    if metric is None:
        return reason
    assert interval is not None
    territorial = metric.startswith("territory")
    subject = attribution.subject(text, figure.quantity.number_start, territorial=territorial, noun_text=figure.noun)
    if subject == "UA":
        return "a figure about Ukrainian forces: the catalogue counts Russian gains and losses"
    if subject != "KP" and in_one_sector(text, figure, next_start):
        return "a figure for one direction or area of the front, not the whole of it"
    if subject != "KP" and of_one_group(text, figure, next_start):
        return "a figure of one unit or group of Russia's forces, not of all of them"
    assessed = attribution.assessment(text, figure.start, figure.end, next_start, voice.voice, label=label)
    assessment = "forecast" if forecast else assessed
    value, low, high = _values(figure)
    return Observation(
        source=voice.source,
        metric=metric,
        subject=subject,
        period_start=interval[0],
        period_end=interval[1],
        value=value,
        value_low=low,
        value_high=high,
        unit=METRICS[metric],
        qualifier=figure.quantity.qualifier,
        confidence=attribution.confidence(text, figure.quantity.number_start),
        assessment=assessment,
        quote=quote,
        published_at=published,
        url=provenance.url,
        document_sha256=provenance.sha256,
        parser_version=voice.parser_version,
    ), phrase


def _metric(
    figure: Figure, phrase: PeriodPhrase | None, interval: Interval | None, state: _Paragraph,
    voice: SourceVoice, published: date, forecast: bool = False, cumulative_cue: bool = False,
) -> tuple[str | None, Interval | None, str]:
    """The catalogue metric and period of a figure, or (None, None, reason)."""
    kind = phrase.kind if phrase is not None else None
    war_total = kind in _WAR_KINDS
    if figure.kind in ("casualties", "killed"):
        if kind == "day":
            if figure.kind == "killed" or interval is None:
                return None, None, "a single day's figure of this kind has no catalogue metric"
            return "casualties_single_day", interval, ""
        if kind == "asof_future":
            if not forecast or interval is None:
                return None, None, "a war-to-date total as of a date after the bulletin's, not said as a forecast"
            return ("killed_cumulative" if figure.kind == "killed" else "casualties_cumulative"), interval, ""
        if war_total:
            as_of = interval[1] if kind == "asof" and interval else published
            return ("killed_cumulative" if figure.kind == "killed" else "casualties_cumulative"), (WAR_START, as_of), ""
        if interval is None and not _has_own_period(phrase):
            interval = _casualty_count_period(figure, state, voice, published, cumulative_cue)
            if isinstance(interval, str):
                return None, None, interval
            if interval[0] <= WAR_START and figure.kind == "killed":
                return "killed_cumulative", interval, ""
        if interval is None:
            return None, None, "no period for this casualty figure"
        if figure.kind == "killed":
            return None, None, "killed within a period has no catalogue metric"
        if interval[0] <= WAR_START:
            return "casualties_cumulative", (WAR_START, interval[1]), ""
        return "casualties_in_period", interval, ""
    if interval is None and not (war_total and figure.kind == "casualty_rate"):
        interval = _carried(state)
    if interval is None:
        return None, None, "no period for this figure"
    if figure.kind in ("casualty_rate", "area_rate") and interval[0] == interval[1]:
        return None, None, "an average per day over a single day is no average"
    if figure.kind == "casualty_rate":
        return "casualties_daily_avg", interval, ""
    if figure.kind == "per_km2":
        return "casualties_per_km2", interval, ""
    if figure.kind == "area_rate":
        return "territory_gain_rate", interval, ""
    if figure.kind == "area":
        return "territory_gained", interval, ""
    return None, None, f"a figure of kind {figure.kind} has no catalogue metric"


def _casualty_count_period(
    figure: Figure, state: _Paragraph, voice: SourceVoice, published: date, cumulative_cue: bool
) -> Interval | str:
    """The period of a casualty count whose sentence names none (or why there is none).

    The period the sentence before named, unless the sentence says it is a total ("now", "in
    total", "to date") or the count is too large for that period (more than _MOST_PER_DAY a day);
    else, for a source that writes war totals so (MoD), the war to date when the count is large
    enough to be one."""
    carried = _carried(state)
    if carried is not None and not cumulative_cue:
        days = (carried[1] - carried[0]).days + 1
        if figure.quantity.value <= _MOST_PER_DAY * days:
            return carried
    if not voice.war_total_without_period:
        return "no period for this casualty figure"
    if figure.quantity.value < _WAR_TOTAL_FLOOR and not figure.listed:
        return "a casualty count with no period, too small to be a war-to-date total"
    return WAR_START, published


def _has_own_period(phrase: PeriodPhrase | None) -> bool:
    return phrase is not None and phrase.interval is not None


def _carried(state: _Paragraph) -> Interval | None:
    """The one period the previous sentence of the paragraph named (none if it named several)."""
    distinct = set(state.periods)
    if len(distinct) == 1:
        return next(iter(distinct))
    if state.last_period is not None and len(distinct) == 0:
        return state.last_period
    return None


def _values(figure: Figure) -> tuple[float, float | None, float | None]:
    quantity = figure.quantity
    value, low, high = quantity.value, quantity.value_low, quantity.value_high
    if figure.kind in ("area", "area_rate"):
        unit = figure.unit_text

        def convert(number: float | None) -> float | None:
            return None if number is None else area_to_km2(number, unit)

        low, high = convert(low), convert(high)
        value = round((low + high) / 2, 2) if low is not None and high is not None else area_to_km2(value, unit)
    if figure.kind == "per_km2" and "mi" in figure.unit_text.lower():
        value = round(value / SQ_MI_TO_KM2, 2)  # per square mile -> per square kilometre
        low = None if low is None else round(low / SQ_MI_TO_KM2, 2)
        high = None if high is None else round(high / SQ_MI_TO_KM2, 2)
    return value, low, high


def _mask(text: str, periods: list[PeriodPhrase]) -> str:
    """`text` with period phrases and never-figures blanked (same length, so offsets hold)."""
    chars = list(text)
    for period in periods:
        chars[period.start : period.end] = " " * (period.end - period.start)
    masked = "".join(chars)
    return _NOT_FIGURES.sub(lambda m: " " * len(m.group(0)), masked)


# The metric an unread figure looked like, where its wording says so.
_LOOKS_LIKE = {
    "area": "territory_gained", "area_rate": "territory_gain_rate", "per_km2": "casualties_per_km2",
    "casualty_rate": "casualties_daily_avg", "killed": "killed_cumulative",
}


def _unread(
    voice: SourceVoice, provenance: Provenance, sentence: str, reason: str, figure: Figure | None = None
) -> Unread:
    return Unread(
        source=voice.source,
        quote=sentence,
        reason=reason,
        published_at=provenance.when.published,
        parser_version=voice.parser_version,
        metric=_LOOKS_LIKE.get(figure.kind) if figure is not None else None,
        value=figure.quantity.value if figure is not None else None,
        url=provenance.url,
        document_sha256=provenance.sha256,
    )


def _one_per_key(observations: list[Observation]) -> list[Observation]:
    chosen: dict[tuple[object, ...], Observation] = {}
    for observation in observations:
        key = (observation.metric, observation.subject, observation.period_start,
               observation.period_end, observation.assessment)
        held = chosen.get(key)
        if held is None or (held.qualifier != "exact" and observation.qualifier == "exact"):
            chosen[key] = observation
    return list(chosen.values())


__all__ = ["MAX_DOCUMENT_CHARS", "DocumentTooLarge", "Provenance", "SourceVoice", "read_paragraphs"]

"""ISW "Russian Offensive Campaign Assessment" reports: discovery and parsing (DESIGN.md §5).

`parse` reads the three layouts the reports come in — the old Drupal site (`div.field-name-body`,
numeric footnotes `[12]`), the new WordPress site (classes unconfirmed: the body is found by known
containers first, then as the largest block of paragraphs) and the criticalthreats.org mirror
(roman footnotes `[iv]`) — and yields the figures of the metric catalogue with their periods.

What `parse` returns or raises, by input:
- a report with figures -> their observations; a report without any -> [];
- an empty body, a binary body or a bot-challenge page -> ValueError naming the problem (a document
  that cannot be a report is a failed fetch or a wrong file, never "a report with no figures");
- figures but no way to date the bulletin (no `published`, nothing in the page or URL) -> ValueError.

A figure is only kept when its period can be read from its sentence (DESIGN.md §4 rules); a
figure with no period cannot be keyed and is dropped rather than guessed.

Reading the page (lxml), finding its body, blocks and date live in `extractors.isw_html`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date

from extractors.catalogue import METRICS, SQ_MI_TO_KM2, WAR_START
from extractors.isw_discover import discover, parse_sitemap, report_date_from_url
from extractors.isw_html import (
    BODY_CONTAINERS,
    FALLBACK_MIN_CHARS,
    FOOTNOTE_MARKER,
    MIN_BODY_CHARS,
    article_blocks,
    clean_text,
    find_article_body,
    page_text,
    published_date,
    read_page,
)
from extractors.numbers import Quantity, find_areas, find_quantities
from extractors.observation import Observation, Reading
from extractors.periods import DAY_DATE, PeriodMatch, find_periods, parse_date
from extractors.source import Source, SourceSettings

SOURCE = "isw"
PARSER_VERSION = "isw-1"

log = logging.getLogger(__name__)

# Abbreviations that end with a period but not a sentence.
_ABBREVIATIONS = re.compile(
    r"(?:\b(?:Gen|Lt|Col|Maj|Capt|Sgt|Adm|Mr|Mrs|Ms|Dr|St|No|vs|approx|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|"
    r"Sept|Oct|Nov|Dec|Corp|Inc|Jr|Sr)|\b[A-Z]|U\.S|U\.K|e\.g|i\.e)\.$"
)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9])")

_PER_AREA = r"(?:square\s+kilomet(?:er|re)|sq\.?\s*km|km\s?[2²]|square\s+mile|sq\.?\s*mi)"
CASUALTIES_PER_AREA = rf"(?:Russian\s+|Ukrainian\s+)?casualties\s+(?:per|for\s+(?:each|every))\s+{_PER_AREA}"
CASUALTIES = r"(?:Russian\s+|Ukrainian\s+)?(?:casualties|killed\s+and\s+wounded)(?!\s+(?:per|a|each)\s)"
_PER_DAY_AFTER = re.compile(r"^\s*(?:(?:per|a|each|every)\s+day|/\s*day|daily)\b", re.IGNORECASE)
_PER_OTHER_AFTER = re.compile(r"^\s*(?:(?:per|a|each|every)\s+(?:week|month|year)|/\s*(?:week|month))\b", re.I)
_DAILY_BEFORE = re.compile(r"\bdaily\b[\w\s]{0,30}$|\bper\s+day\s+of\s*$", re.IGNORECASE)
_RESTATEMENT = re.compile(r"\s*(?:[(\[]|,?\s*or\b|–|-)\s*", re.IGNORECASE)
_GAIN_WORDS = re.compile(
    r"\b(?:gain\w*|captur\w*|seiz\w*|advanc\w*|took|tak(?:en|ing)|liberat\w*|occup\w*|conquer\w*|"
    r"recaptur\w*|retak\w*|lost|los(?:e|es|ing)|ced(?:e|ed|ing))\b",
    re.IGNORECASE,
)
_LOSS_WORDS = re.compile(r"\b(?:lost|los(?:e|es|ing)|ced(?:e|ed|ing)|inflict\w*)\b", re.IGNORECASE)
_ACTOR = re.compile(
    r"\b(?P<side>Russian|Ukrainian|Russia's|Ukraine's)\s+(?:[\w'’-]+\s+){0,2}?"
    r"(?:forces|troops|army|military|units|soldiers|servicemen|personnel|casualties|gains|advances)\b"
)
_CLAIM_VERB = re.compile(
    r"\b(?:claim(?:s|ed|ing)?|stated|states|reported|reports|announced|announces|asserted|asserts|said|"
    r"says|boasted|alleged|declared|insisted|told|purported(?:ly)?)\b"
)
_ISW_VERB = re.compile(r"\b(?:assess(?:ed|es)?|observed|estimat(?:e|es|ed)|calculated|geolocated)\b")
_ISW_SUBJECT = re.compile(r"\b(?:ISW|ISW's|we|Institute\s+for\s+the\s+Study\s+of\s+War)\b[^.;]{0,40}$")
_NOT_A_CLAIMANT = r"(?!ISW|geolocated|the\s+ISW|our\b|footage|imagery|satellite)"
_ACCORDING_TO = re.compile(rf"\baccording\s+to\s+{_NOT_A_CLAIMANT}", re.IGNORECASE)
_CLAIM_AFTER = re.compile(
    rf"^[^;]*?,\s+(?:according\s+to\s+{_NOT_A_CLAIMANT}|(?:the\s+)?[A-Z][\w'’.-]*(?:\s+[\w'’.-]+){{0,4}}\s+"
    r"(?:claimed|stated|said|reported|announced|asserted)\b)"
)
_CONFIDENCE = re.compile(r"\b(almost\s+certainly|highly\s+likely|very\s+likely|likely|probably)\b[^.;]{0,60}$")
_YEAR_CONTEXT = re.compile(r"\b(?:in|the|of|since|during)\s+$|['’]s\s+$", re.IGNORECASE)
_CUTOFF = re.compile(r"data\s+cut[\s-]?off", re.IGNORECASE)


class ReportBodyNotFound(ValueError):
    """A page where the report itself cannot be located: a layout change, or not a report at all."""


def parse(
    body: bytes, *, url: str | None = None, published: date | None = None, sha256: str | None = None
) -> list[Observation]:
    """The catalogue figures of one report. PURE: no I/O. See the module docstring for errors."""
    return read(body, url=url, published=published, sha256=sha256).observations


def read(
    body: bytes, *, url: str | None = None, published: date | None = None, sha256: str | None = None
) -> Reading:
    """`parse`, with the sentences that look like figures but could not be read (`Reading.unread`)."""
    root = read_page(body)
    article = find_article_body(root, body.lower())
    if article is None:
        # Never "no figures": a page whose report cannot be located means the layout changed.
        raise ReportBodyNotFound(
            f"{url or 'document'}: no report body found (no known container, no paragraphs of "
            f"{FALLBACK_MIN_CHARS}+ characters): the page layout may have changed"
        )
    blocks = article_blocks(article)
    published = published or published_date(root, url)
    observations: list[Observation] = []
    context: _Context | None = None
    for label, text in blocks:
        for sentence in split_sentences(text):
            if not _may_hold_figures(sentence):
                continue
            if context is None:
                if published is None:
                    if not _figures(sentence):
                        continue
                    raise ValueError(
                        f"{url or 'document'}: cannot date the report (no published date given, none in "
                        "the page's metadata, header or URL)"
                    )
                cutoff = data_cutoff(page_text(root), published)
                context = _Context(published, cutoff, url, sha256)
            observations.extend(sentence_observations(sentence, context, label))
    return Reading(_one_per_key(observations))


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph, not split after abbreviations ("Gen.", "U.S.") or initials."""
    sentences: list[str] = []
    for piece in _SENTENCE_END.split(text):
        if sentences and _ABBREVIATIONS.search(sentences[-1]):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return [s.strip() for s in sentences if s.strip()]


def _may_hold_figures(sentence: str) -> bool:
    lowered = sentence.lower()
    return any(word in lowered for word in ("square", "sq", "km", "casualt", "killed and wounded"))


def data_cutoff(text: str, published: date) -> date | None:
    """The stated data cut-off date ("The data cut-off for this product was 2:30pm ET on March 31")."""
    for mention in _CUTOFF.finditer(text):
        day = re.search(DAY_DATE, text[mention.end() : mention.end() + 120])
        if day:
            try:
                return parse_date(day.group(0), published)
            except ValueError:
                continue
    return None


@dataclass(frozen=True, slots=True)
class _Context:
    published: date
    cutoff: date | None
    url: str | None
    sha256: str | None


def sentence_observations(sentence: str, context: _Context, label: str | None = None) -> list[Observation]:
    """The figures of one cleaned sentence, in reading order."""
    figures = _figures(sentence)
    periods = find_periods(sentence, context.published, context.cutoff) if figures else []
    observations: list[Observation] = []
    for index, (metric, quantity) in enumerate(figures):
        next_start = figures[index + 1][1].start if index + 1 < len(figures) else len(sentence)
        period = _period_for(quantity, periods, next_start)
        if period is None:
            log.debug("no period for %s in %r", metric, sentence)
            continue
        start = period.start
        if metric == "casualties_in_period" and start <= WAR_START:
            metric, start = "casualties_cumulative", WAR_START
        before = sentence[: quantity.number_start]
        observations.append(
            Observation(
                source=SOURCE,
                metric=metric,
                subject=_subject(before, quantity, label, territorial=metric.startswith("territory")),
                period_start=start,
                period_end=period.end,
                value=quantity.value,
                value_low=quantity.value_low,
                value_high=quantity.value_high,
                unit=METRICS[metric],
                qualifier=quantity.qualifier,
                confidence=_confidence(before),
                assessment=_assessment(sentence, quantity, next_start, label),
                quote=sentence,
                published_at=context.published,
                url=context.url,
                document_sha256=context.sha256,
                parser_version=PARSER_VERSION,
            )
        )
    return observations


def _figures(sentence: str) -> list[tuple[str, Quantity]]:
    figures: list[tuple[str, Quantity]] = []
    for quantity in find_quantities(sentence, CASUALTIES_PER_AREA):
        per_mile = "mi" in quantity.unit_text.lower().split("per")[-1]
        value = round(quantity.value / SQ_MI_TO_KM2, 2) if per_mile else quantity.value
        figures.append(("casualties_per_km2", _with_value(quantity, value)))
    for quantity in find_quantities(sentence, CASUALTIES):
        figures.append(("casualties_in_period", quantity))
    previous_area_end: int | None = None
    for quantity in find_areas(sentence):
        after, before = sentence[quantity.end :], sentence[: quantity.number_start]
        between = sentence[previous_area_end : quantity.start] if previous_area_end is not None else None
        restated = between is not None and _RESTATEMENT.fullmatch(between)
        previous_area_end = quantity.end
        if restated:
            continue  # "574 square kilometers (222 square miles)": the same figure in other units
        if _PER_DAY_AFTER.match(after) or _DAILY_BEFORE.search(before):
            figures.append(("territory_gain_rate", quantity))
        elif _PER_OTHER_AFTER.match(after) or re.match(r"^\s*(?:of|per)\b", after):
            continue  # a weekly/monthly rate, or "casualties per square kilometer" read above
        elif _GAIN_WORDS.search(before):
            figures.append(("territory_gained", quantity))
    kept = [(m, q) for m, q in figures if not _looks_like_year(sentence, q)]
    kept = [(m, q) for m, q in kept if not any(_inside(q, other) for _, other in kept if other is not q)]
    return sorted(kept, key=lambda pair: pair[1].start)


def _with_value(quantity: Quantity, value: float) -> Quantity:
    return Quantity(value, None, None, quantity.qualifier, quantity.unit_text, quantity.start,
                    quantity.end, quantity.number_start, quantity.has_separator)


def _inside(inner: Quantity, outer: Quantity) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end and (outer.start, outer.end) != (
        inner.start, inner.end)


def _looks_like_year(sentence: str, quantity: Quantity) -> bool:
    """ "the 2024 casualties": a bare four-digit year before the noun, not a count (ISW writes 2,024)."""
    if quantity.has_separator or quantity.value_low is not None or not 1990 <= quantity.value <= 2100:
        return False
    return bool(_YEAR_CONTEXT.search(sentence[: quantity.number_start]))


def _period_for(quantity: Quantity, periods: list[PeriodMatch], next_start: int) -> PeriodMatch | None:
    """The phrase after the figure (before the next figure), else the nearest before, else any after."""
    after = [p for p in periods if p.span_start >= quantity.end]
    before = [p for p in periods if p.span_end <= quantity.start]
    for candidate in ([p for p in after if p.span_start < next_start][:1], before[-1:], after[:1]):
        if candidate:
            return candidate[0]
    return None


def _subject(before: str, quantity: Quantity, label: str | None, *, territorial: bool) -> str:
    if "ukrainian" in quantity.unit_text.lower():
        return "UA"
    if "russian" in quantity.unit_text.lower():
        return "RU"
    actors = list(_ACTOR.finditer(before))
    if not actors:
        return "UA" if label and "ukrainian" in label else "RU"
    side = "UA" if actors[-1].group("side").startswith("Ukrain") else "RU"
    # "Ukrainian forces lost N km2" is a Russian gain; "Russian forces lost N casualties" stays Russian.
    if territorial and _LOSS_WORDS.search(before[actors[-1].end() :]):
        side = "RU" if side == "UA" else "UA"
    return side


def _assessment(sentence: str, quantity: Quantity, next_start: int, label: str | None) -> str:
    """`claimed` when the figure is someone's claim ISW reports; ISW's own figures are `assessed`."""
    if label and "claim" in label:
        return "claimed"
    before = sentence[: quantity.number_start]
    attributions = [(m.start(), "claim", m) for m in _CLAIM_VERB.finditer(before)]
    attributions += [(m.start(), "isw", m) for m in _ISW_VERB.finditer(before)]
    attributions += [(m.start(), "claim", m) for m in _ACCORDING_TO.finditer(before)]
    if attributions:
        _, kind, match = max(attributions, key=lambda item: item[0])
        if kind == "claim" and not _ISW_SUBJECT.search(before[: match.start()]):
            return "claimed"
        if kind == "isw":
            return "assessed"
    if _CLAIM_AFTER.match(sentence[quantity.end : next_start]):
        return "claimed"
    return "assessed"


def _confidence(before: str) -> str | None:
    found = _CONFIDENCE.search(before)
    return " ".join(found.group(1).lower().split()) if found else None


def _one_per_key(observations: list[Observation]) -> list[Observation]:
    """One figure per series key and document: Key Takeaways repeat the body's figures; when two
    statements of one key differ, the exact one (else the first) stands for the document."""
    chosen: dict[tuple[object, ...], Observation] = {}
    for observation in observations:
        key = (observation.metric, observation.subject, observation.period_start,
               observation.period_end, observation.assessment)
        held = chosen.get(key)
        if held is None or (held.qualifier != "exact" and observation.qualifier == "exact"):
            chosen[key] = observation
    return list(chosen.values())


__all__ = [
    "BODY_CONTAINERS",
    "FALLBACK_MIN_CHARS",
    "FOOTNOTE_MARKER",
    "MIN_BODY_CHARS",
    "PARSER_VERSION",
    "SOURCE",
    "ReportBodyNotFound",
    "article_blocks",
    "clean_text",
    "data_cutoff",
    "discover",
    "find_article_body",
    "parse",
    "parse_sitemap",
    "published_date",
    "read",
    "report_date_from_url",
    "split_sentences",
]


# What this source is, for the pipeline and the command line (extractors/source.py): declared once, here.
DECLARATION = Source(
    name=SOURCE,
    title="ISW Russian Offensive Campaign Assessments",
    parser_version=PARSER_VERSION,
    suite="isw",
    discover=discover,
    read=read,
    settings=SourceSettings(
        base_url_env="BULLETINS_ISW_BASE_URL",
        base_url="https://understandingwar.org",
        public_hosts=frozenset({"understandingwar.org", "www.understandingwar.org",
                                "criticalthreats.org", "www.criticalthreats.org"}),
        stale_after_hours=36.0,
    ),
)

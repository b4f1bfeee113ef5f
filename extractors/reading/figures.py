"""What a number in a sentence counts: territory, a gain rate, casualties, a daily average, ...

`classify(masked, numbers)` looks at the words around each number of a masked sentence (periods,
percentages, ordinals, money and times blanked out) and decides its *kind*:

| kind            | written like                                                 | metric                   |
|-----------------|--------------------------------------------------------------|--------------------------|
| `area`          | "203 square kilometers", "143 sq km", "78 square miles"      | territory_gained         |
| `area_rate`     | "22 square kilometers per day", "a daily average of 5 km²"   | territory_gain_rate      |
| `per_km2`       | "53 casualties per square kilometer"                         | casualties_per_km2       |
| `casualties`    | "35,370 casualties", "70,000 personnel (killed and wounded)" | casualties_* (by period) |
| `casualty_rate` | "1,271 per day", "an average daily rate of 1,480"            | casualties_daily_avg     |
| `killed`        | "40,000-60,000 killed", "250,000 personnel have been killed" | killed_cumulative        |
| `bare`          | a number followed by nothing that says what it counts        | settled by `settle_bare` |

Anything else (brigades, drones, kilometres of front, settlements, recruits) is no figure.
A bare number takes its kind from the figure it is listed with ("310 km² in January; 280 in
February"), from a "respectively" list, or from its sentence's subject ("the average daily rate was
1,480" in a paragraph about casualties).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from extractors.reading.numbers import AREA_UNIT, Quantity

_FLAGS = re.IGNORECASE

_AREA_AFTER = re.compile(rf"\s*(?:[(\[]\s*)?(?P<unit>{AREA_UNIT})", _FLAGS)
_HYPHENATED_AREA = re.compile(r"-\s*(?:square|sq)\b", _FLAGS)  # "a 100-square-kilometer decrease"
_PER_DAY = r"(?:(?:per|a|each|every)\s+day\b|/\s*day\b|daily\b|per\s+diem\b)"
_PER_OTHER = r"(?:(?:per|a|each|every)\s+(?:week|month|year)\b|/\s*(?:week|month)\b|weekly\b|monthly\b)"
_RATE_AFTER_UNIT = re.compile(rf"\s*(?:of\s+territory\s+|of\s+(?:Ukrainian\s+)?(?:land|ground)\s+)?{_PER_DAY}", _FLAGS)
_OTHER_RATE_AFTER_UNIT = re.compile(rf"\s*{_PER_OTHER}", _FLAGS)
_PER_AREA = (
    r"(?:per|for\s+(?:each|every)|a|an|for\s+a)\s+(?:single\s+)?(?P<per>square\s+kilomet(?:er|re)|sq\.?\s*kms?\b|"
    r"km\s?[2²]|square\s+mile|sq\.?\s*mi(?:le)?\b)"
)
_PER_KM2_AFTER = re.compile(
    rf"\s*(?:(?:Russian|Ukrainian|military|personnel)\s+)?(?P<noun>casualties|losses|troops|soldiers|personnel|"
    rf"servicemen|killed\s+and\s+wounded|victims)?\s*{_PER_AREA}",
    _FLAGS,
)
_MODIFIER = (
    r"(?:Russian|Ukrainian|total|more|additional|further|new|estimated|reported|military|combat|personnel|"
    r"irrecoverable|permanent|overall|such|battlefield|likely|recorded|confirmed|army|infantry|daily)"
)
_PERSON = (
    r"(?:(?:military\s+)?personnel|troops|soldiers|servicemen|service\s*members|servicemembers|men|people|fighters)"
)
_CASUALTY_NOUN_AFTER = re.compile(
    rf"\s*(?:{_MODIFIER}\s+){{0,3}}(?P<noun>casualt(?:y|ies)|losses|killed\s+(?:and|or)\s+wounded|"
    rf"dead\s+(?:and|or)\s+wounded|wounded\s+(?:and|or)\s+killed|{_PERSON})\b",
    _FLAGS,
)
_PERMANENT_NOTE = "permanent casualties (killed and permanently wounded) have no catalogue metric"
_PERMANENT = re.compile(r"\s*(?:\w+\s+)?(?:permanent|irrecoverable|irreversible)\s+(?:casualt|loss)", _FLAGS)
_NOT_FORCES = re.compile(
    r"\b(?:civilian|civilians|children|residents|refugees|prisoners|POWs?|recruits?|volunteers|conscripts|"
    r"injur\w*|hostages|bodies|evacuees|deportees|citizens|voters|migrants|workers|students)\b",
    _FLAGS,
)
_CASUALTY_VERB = re.compile(
    r"\b(?:los(?:t|e|es|ing)|suffer\w*|sustain\w*|incur\w*|killed|wounded|casualt\w*|losses|toll|inflict\w*)\b",
    _FLAGS,
)
_BEEN = r"(?:(?:were|was|have|has|had|are|been)\s+(?:\w+ly\s+)?(?:been\s+)?)?"
_KILLED_AFTER = re.compile(
    rf"\s*(?:(?:Russian|military|{_PERSON})\s+){{0,3}}{_BEEN}"
    r"(?:killed|dead|fatalities|deaths|KIA)\b(?!\s+(?:and|or)\s+(?:wounded|injured))",
    _FLAGS,
)
_KILLED_AFTER_NOUN = re.compile(
    rf"\s*(?:\(\s*)?{_BEEN}(?:killed|dead)\b(?!\s+(?:and|or)\s+(?:wounded|injured))", _FLAGS
)
_CASUALTY_AFTER_PERSON = re.compile(rf"\s*(?:\(\s*)?{_BEEN}(?:killed|wounded|dead|casualt)", _FLAGS)
_EQUIPMENT = re.compile(
    r"\b(?:tanks?|vehicles?|armou?red|artillery|equipment|materiel|aircraft|planes?|helicopters?|ships?|"
    r"vessels?|drones?|UAVs?|missiles?|systems?|guns?|weapons?)\b",
    _FLAGS,
)
_RATE_AFTER = re.compile(rf"\s*(?:[\w()'-]+\s+){{0,5}}?{_PER_DAY}", _FLAGS)
_OTHER_RATE_AFTER = re.compile(rf"\s*(?:[\w()'-]+\s+){{0,4}}?{_PER_OTHER}", _FLAGS)
_RATE_BEFORE = re.compile(
    r"\b(?:average\s+daily|daily\s+averages?|daily\s+(?:Russian\s+|Ukrainian\s+)?(?:casualt\w*|loss(?:es)?|rate|toll|attrition)|"
    r"(?:per|a|each)\s+day|casualty\s+rate|loss\s+rate|rate\s+of\s+(?:casualties|losses)|averag(?:e|ed|ing)\s+of)\b",
    _FLAGS,
)
_SINGLE_DAY = re.compile(
    r"\b(?:(?:in|on)\s+a\s+single\s+day|single[-\s]day|in\s+one\s+day|on\s+one\s+day|(?:new\s+)?daily\s+(?:\w+\s+)?record|"
    r"record\s+(?:for\s+a\s+)?(?:single\s+)?day|in\s+24\s+hours|over\s+the\s+past\s+day|"
    r"(?:highest|largest|record)\s+(?:single[-\s])?daily\s+(?:total|toll|loss(?:es)?|figure)|one[-\s]day\s+(?:total|record))\b",
    _FLAGS,
)
_BARE_AFTER = re.compile(
    r"\s*(?:$|[.,;:)\]/]|-\s|(?:in|during|throughout|over|across|since|from|by|as|and|or|respectively|compared|"
    r"against|versus|vs|while|which|this|that|the|a|an|to|for|per|each|on|at|were|was|is|are|had|have|has|"
    r"with|between|after|before|up|down|more|less|than|when|where|marking|making|among|amid|"
    r"of\s+(?:these|them|this|which|whom|those))\b)",
    _FLAGS,
)
_GAIN = re.compile(
    r"\b(?:gain\w*|captur\w*|seiz\w*|advanc\w*|took|tak(?:e|en|es|ing)|occupied|conquer\w*|liberat\w*|"
    r"recaptur\w*|retak\w*|regain\w*|los(?:t|e|es|ing)|ced(?:e|ed|es|ing)|grab\w*|overr?an|expan\w*|"
    r"pushed|progress\w*)\b",
    _FLAGS,
)
_CLAIMED_AREA = re.compile(r"\bclaim(?:ed|s|ing)\s+(?:\w+\s+){0,2}$", _FLAGS)  # "milbloggers claimed 900 km²"
_GAIN_AFTER = re.compile(
    r"\s*(?:\[[^\]]*\]\s*|\([^)]*\)\s*)?(?:of\s+(?:territorial\s+)?(?:gains?|advances?|progress)\b"
    r"|(?:of\s+(?:Ukrainian\s+)?(?:territory|land)\s+)?(?:gained|captured|seized|taken|lost|ceded|occupied)\b)",
    _FLAGS,
)
_NOT_A_GAIN = re.compile(
    r"\b(?:area\s+of|size\s+of|cover(?:s|ed|ing)?|measur\w*|pocket\s+of|salient|bridgehead|city\s+of|town\s+of|"
    r"control(?:s|led|ling)?\s+(?:of|over)?|holds?|held|occupies|occupying|remain\w*|total\s+area|"
    r"roughly\s+the\s+size|about\s+the\s+size)\b",
    _FLAGS,
)
_DAILY_GAINS = re.compile(r"\b(?:average\s+)?daily\s+(?:gains?|advances?|rate\s+of\s+advance)\b", _FLAGS)
_DAILY_BEFORE_AREA = re.compile(r"\bdaily\b|\bper\s+day\b|\baverag\w*\s+(?:of\s+)?$", _FLAGS)
_RESTATEMENT = re.compile(r"\s*(?:[(\[]|,?\s*or\b|-|/)\s*", _FLAGS)
_YEAR_LIKE = re.compile(r"(?:19|20)\d\d")
_CASUALTY_TOPIC = re.compile(
    r"\b(?:casualt\w*|loss(?:es)?|lost|killed|wounded|attrition|sustained|suffered|incurred)\b", _FLAGS
)
# A sentence that goes on about the previous one's figures: "Of these, approximately 160,000 ...".
_ANAPHOR = re.compile(
    r"^\s*(?:of\s+(?:these|this|which|them|that)|these|this(?:\s+figure|\s+total)?|including|that)\b", _FLAGS
)
_ANAPHOR_AFTER = re.compile(r"\s*of\s+(?:these|them|this|which|those)\b", _FLAGS)  # "160,000 of these"
_TERRITORY_TOPIC = re.compile(rf"{AREA_UNIT}|\b(?:territor\w*|gains?|advance)\b", _FLAGS)


@dataclass(frozen=True, slots=True)
class Figure:
    """A number of a sentence and what it counts (see the module docstring)."""

    quantity: Quantity
    kind: str
    unit_text: str = ""
    noun: str = ""
    note: str = ""  # why a catalogue-looking number cannot be a figure, when it cannot
    listed: bool = False  # a bare number that took its kind from the figure it is listed with
    unit_end: int = 0  # where its unit ends (an area), for "574 square kilometers (222 square miles)"

    @property
    def start(self) -> int:
        return self.quantity.start

    @property
    def end(self) -> int:
        return self.quantity.end


_AREA_FIGURE = Figure(Quantity(0.0, None, None, "exact", "", 0, 0, 0, False), "area")


def classify(
    masked: str, numbers: list[Quantity], *, topic: str | None = None
) -> tuple[list[Figure], list[tuple[int, int]]]:
    """A Figure for each number that counts something of the catalogue's (or may: kind `bare`),
    and the spans that restate a figure in other units ("574 square kilometers (222 square miles)":
    not a second figure, and no clause of its own between the figure and its period)."""
    figures: list[Figure] = []
    restatements: list[tuple[int, int]] = []
    previous_area: Figure | None = None
    for quantity in numbers:
        figure = _classify(masked, quantity, topic)
        if figure is None:
            continue
        restated = previous_area is not None and _RESTATEMENT.fullmatch(masked[previous_area.unit_end : quantity.start])
        if figure.kind in ("area", "area_rate") and restated and figure.kind == previous_area.kind:  # type: ignore[union-attr]
            closing = re.match(r"\s*[)\]]?,?", masked[figure.unit_end :])
            restatements.append((previous_area.unit_end, figure.unit_end + (closing.end() if closing else 0)))  # type: ignore[union-attr]
            continue
        if figure.kind in ("area", "area_rate"):
            previous_area = figure
        figures.append(figure)
    return figures, restatements


def _classify(masked: str, quantity: Quantity, topic: str | None) -> Figure | None:
    after = masked[quantity.end : quantity.end + 160]
    before = masked[max(0, quantity.number_start - 200) : quantity.number_start]
    number_text = masked[quantity.number_start : quantity.end]
    if _is_a_year(quantity, number_text, after):
        return None
    area = _AREA_AFTER.match(after)
    if area:
        return _area(masked, quantity, after, before, area, topic)
    if _HYPHENATED_AREA.match(after):
        return None
    if not re.search(r"\d|thousand|million|billion", number_text, _FLAGS):
        return None  # "two", "ten" without a unit: words for small counts, not figures
    per_area = _PER_KM2_AFTER.match(after)
    if per_area and (per_area.group("noun") or _CASUALTY_TOPIC.search(masked)):
        return Figure(quantity, "per_km2", unit_text=per_area.group("per"))
    noun = _CASUALTY_NOUN_AFTER.match(after)
    if noun:
        return _casualties(quantity, after, before, noun)
    if _KILLED_AFTER.match(after):
        return Figure(quantity, "killed", noun="killed")
    if _BARE_AFTER.match(after):
        if _RATE_AFTER.match(after):
            return Figure(quantity, "casualty_rate", note="bare")
        if _OTHER_RATE_AFTER.match(after) and _CASUALTY_TOPIC.search(masked):
            return Figure(quantity, "bare", note="a rate per week or month has no catalogue metric")
        return Figure(quantity, "bare")
    return None


def _is_a_year(quantity: Quantity, number_text: str, after: str) -> bool:
    """ "the trend of 2023", "2024-2025": a year is never a figure (ISW writes 2,024 for a count)."""
    low, high = quantity.value_low, quantity.value_high
    if low is not None and high is not None:
        return bool(_YEAR_LIKE.fullmatch(f"{low:.0f}") and _YEAR_LIKE.fullmatch(f"{high:.0f}")) and high - low < 20
    return bool(_YEAR_LIKE.fullmatch(number_text.strip())) and not _AREA_AFTER.match(after)


def _area(
    masked: str, quantity: Quantity, after: str, before: str, area: re.Match[str], topic: str | None
) -> Figure:
    unit_text = area.group("unit")
    rest = after[area.end() :]
    found = replace(_AREA_FIGURE, quantity=quantity, unit_text=unit_text, unit_end=quantity.end + area.end())
    clause = _clause_before(before)
    if _OTHER_RATE_AFTER_UNIT.match(rest):
        return replace(found, note="a gain per week or month has no catalogue metric")
    own_clause = clause.rsplit(",", 1)[-1]
    rate = (_RATE_AFTER_UNIT.match(rest) or _DAILY_BEFORE_AREA.search(own_clause[-40:])
            or _DAILY_GAINS.search(own_clause))
    kind = "area_rate" if rate else "area"
    gain = _last(_GAIN, before) or _CLAIMED_AREA.search(before[-24:])
    refusal = _last(_NOT_A_GAIN, before)
    gained = (gain is not None and (refusal is None or gain.start() > refusal.start())) or _GAIN_AFTER.match(rest)
    # A rate takes its gain from the sentence, or from the one before ("This equates to 11.5 sq km per day");
    # so does an area compared with the gain before it ("This is down from 196 sq km in February").
    compared = topic == "territory" and refusal is None
    if gained or compared or (kind == "area_rate" and _GAIN.search(masked)):
        return replace(found, kind=kind)
    return replace(found, kind=kind, note="an area with no gain or loss of ground named")


def _casualties(quantity: Quantity, after: str, before: str, noun: re.Match[str]) -> Figure | None:
    noun_text = noun.group(0).strip()
    head = noun.group("noun").lower()
    between = after[: noun.start("noun")]
    if _NOT_FORCES.search(between) or _NOT_FORCES.match(after[noun.end() :]):
        return None  # "45 civilian casualties"
    if head == "losses" and _EQUIPMENT.search(before[-40:]):
        return None  # "armoured vehicle losses of 3,000"
    clause = _clause_before(before)
    rest = after[noun.end() :]
    person = re.fullmatch(_PERSON, head, _FLAGS) is not None
    if person and not (_CASUALTY_VERB.search(clause) or _CASUALTY_AFTER_PERSON.match(rest)):
        return None  # "30,000 people a month" recruited, "11,000 troops" deployed
    if _PERMANENT.match(after):
        return Figure(quantity, "casualties", noun=noun_text, note=_PERMANENT_NOTE)
    if _KILLED_AFTER_NOUN.match(rest) or (person and re.search(r"\bkilled\s+(?:\w+\s+){0,3}$", clause + " ", _FLAGS)):
        return Figure(quantity, "killed", noun=noun_text)
    if _RATE_AFTER.match(rest) or (_RATE_AFTER.match(after) and _RATE_AFTER.match(after).end() <= noun.end() + 40):  # type: ignore[union-attr]
        return Figure(quantity, "casualty_rate", noun=noun_text)
    if re.search(r"(?:average\s+daily|daily\s+average|daily)\s+(?:\w+\s+){0,3}(?:of\s+)?$", clause, _FLAGS):
        return Figure(quantity, "casualty_rate", noun=noun_text)
    if _OTHER_RATE_AFTER.match(rest):
        return Figure(quantity, "casualties", noun=noun_text, note="a rate per week or month has no catalogue metric")
    return Figure(quantity, "casualties", noun=noun_text)


def settle_bare(
    masked: str, figures: list[Figure], *, topic: str | None, period_starts: tuple[int, ...] = (),
    previous_kind: str | None = None,
) -> list[Figure]:
    """Give each bare number (and each noun-less per-day number) the kind it is written as.

    `topic` is the subject of the paragraph's previous sentence ("casualties", "territory", None);
    `period_starts` where the sentence's period phrases begin. A bare number listed with a figure of
    known kind takes that kind: close after it, and written with a period of its own ("310 km² in
    January; 280 in February"), in a "respectively" list, or joined to it ("down from 354"). Else the
    sentence (or, failing that, the previous sentence) says whether it speaks of casualties. A bare
    number with a period of its own takes `previous_kind`, the one kind of figure the previous
    sentence held ("... 1,271 per day. This surpasses the previous high of 1,262 in May 2024.").
    """
    settled: list[Figure] = []
    figures = _share_the_unit_of_a_list(masked, figures)
    own_topic = _topic(masked) or topic
    civilian = bool(_NOT_FORCES.search(masked))
    for figure in figures:
        if figure.kind not in ("bare", "casualty_rate") or (figure.kind == "casualty_rate" and figure.note != "bare"):
            settled.append(figure)
            continue
        known = next((f for f in reversed(settled) if f.kind not in ("bare",)), None)
        clause = _clause_before(masked[: figure.quantity.number_start])
        if figure.kind == "casualty_rate":  # "1,000 a day": casualties or ground?
            if known is not None and known.kind in ("area", "area_rate") and _near(known, figure):
                settled.append(replace(figure, kind="area_rate", unit_text=known.unit_text, note=""))
            elif own_topic == "casualties":
                settled.append(replace(figure, note=""))
            else:
                settled.append(replace(figure, kind="bare", note="a daily rate of what is not said"))
            continue
        if figure.note:
            settled.append(figure)
            continue
        if civilian:
            continue  # "killed 12 civilians and injured 45": not the forces' casualties
        if _THRESHOLD.search(clause):
            continue  # "the first time the figure has exceeded 2,000": a mark passed, not a figure
        if _EQUIPMENT.search(clause[-48:]):
            continue  # "armoured vehicle losses of 2,200"
        if re.match(r"\s*(?:\w+\s+){0,3}(?:permanent|irrecoverable|irreversible)\b", masked[figure.end :], _FLAGS):
            settled.append(replace(figure, kind="casualties", note=_PERMANENT_NOTE))
            continue
        listable = known is not None and known.kind in _LISTABLE
        own_period = _has_own_period(masked, figure, period_starts)
        if _SINGLE_DAY.search(clause[-40:]):
            settled.append(replace(figure, kind="casualties"))  # "a single-day high of 2,200 on 20 December"
        elif listable and _listed_with(masked, known, figure, period_starts):  # type: ignore[arg-type]
            settled.append(replace(figure, kind=known.kind, unit_text=known.unit_text, listed=True))  # type: ignore[union-attr]
        elif known is None and own_period and previous_kind in _LISTABLE and previous_kind != "area":
            settled.append(replace(figure, kind=previous_kind, listed=True))
        elif _RATE_BEFORE.search(clause) and own_topic == "casualties":
            settled.append(replace(figure, kind="casualty_rate"))
        elif _CASUALTY_TOPIC.search(clause) or (own_topic == "casualties" and (
                _CASUALTY_TOPIC.search(masked) or _ANAPHOR.match(masked)
                or _ANAPHOR_AFTER.match(masked[figure.end :]))):
            settled.append(replace(figure, kind="casualties"))
        # else: a number nothing says is a figure
    return settled


_LIST_JOINER = re.compile(
    r"^[\s,;]*(?:and|or|to|versus|vs\.?|compared\s+(?:with|to)|against|(?:up|down)\s+from|from|than)?[\s,;]*"
    r"(?:(?:approximately|about|around|roughly|nearly|over|more|less|some|only|just|merely|a\s+mere)\s+)?$",
    _FLAGS,
)
_LIST_REACH = 120


def _near(known: Figure, figure: Figure) -> bool:
    return figure.quantity.number_start - known.end <= _LIST_REACH


_THRESHOLD = re.compile(
    r"\b(?:(?:first|only|second)\s+time|for\s+the\s+first|threshold|milestone|mark\s+of)\b.{0,60}$", _FLAGS
)
_LISTABLE = ("area", "area_rate", "casualties", "casualty_rate", "per_km2")
_CHAINED = re.compile(
    r"\s*(?:,\s*(?:and\s+|or\s+)?|\s(?:and|or)\s+)(?:(?:approximately|about|around|roughly|nearly|over|more\s+than|"
    r"less\s+than|some|only|just)\s+)?$",
    _FLAGS,
)


def _share_the_unit_of_a_list(masked: str, figures: list[Figure]) -> list[Figure]:
    """ "427, 354, and 203 square kilometers", "1,262 and 1,163 per day": bare numbers chained to the
    figure after them take its kind (the unit is written once, at the end of the list)."""
    shared = list(figures)
    for index in range(len(shared) - 2, -1, -1):
        figure, following = shared[index], shared[index + 1]
        if figure.kind != "bare" or figure.note or following.kind == "bare" or following.note not in ("", "bare"):
            continue
        if _CHAINED.match(masked[figure.end : following.quantity.start] + " "):
            shared[index] = replace(figure, kind=following.kind, unit_text=following.unit_text,
                                    note=following.note if following.note == "bare" else "", listed=True)
    return shared


def _has_own_period(masked: str, figure: Figure, period_starts: tuple[int, ...]) -> bool:
    return any(start >= figure.end and not masked[figure.end : start].strip() for start in period_starts)


def _listed_with(masked: str, known: Figure, figure: Figure, period_starts: tuple[int, ...]) -> bool:
    if not _near(known, figure):
        return False
    if _has_own_period(masked, figure, period_starts):
        return True  # "... 280 in February 2025"
    if re.match(r"[\s\w,]{0,30}\brespectively\b", masked[figure.end :], _FLAGS):
        return True
    between = masked[max(known.unit_end, known.end) : figure.start]
    return bool(_LIST_JOINER.match(between))


def _topic(text: str) -> str | None:
    if _CASUALTY_TOPIC.search(text):
        return "casualties"
    if _TERRITORY_TOPIC.search(text):
        return "territory"
    return None


def topic_of(sentence: str) -> str | None:
    """What a sentence speaks of, for the sentence after it: "casualties", "territory" or None."""
    return _topic(sentence)


def single_day(masked: str) -> bool:
    return bool(_SINGLE_DAY.search(masked))


def _clause_before(before: str) -> str:
    breaks = list(re.finditer(r"[;:]|\s-\s|\b(?:but|while|whereas|compared|against|versus)\b", before, _FLAGS))
    return before[breaks[-1].end() :] if breaks else before


def _last(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    found = None
    for found in pattern.finditer(text):  # noqa: B007 - the last match is wanted
        pass
    return found


__all__ = ["Figure", "classify", "settle_bare", "single_day", "topic_of"]

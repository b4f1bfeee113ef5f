"""Reading the figures bulletins write in prose: shared by every source parser.

A figure is a number in digits ("4,168", "499.28", "1.1 million") or in words ("half a million",
"a quarter of a million", "over one million"), optionally preceded by a qualifier word
("approximately", "more than", "up to", ...) and optionally written as a range ("150,000-190,000",
"150,000 to 190,000", "between 150,000 and 190,000"; the value is then the midpoint).

The main entry points:

- `parse_number(text)`: one number, digits or words -> float (ValueError if it is not one).
- `find_quantities(text, unit_pattern)`: every figure immediately followed by a unit or noun
  (a regex), with its qualifier, bounds and character span.
- `find_areas(text)`: every figure followed by an area unit, converted to km2.
- `qualifier_for(word)`: a qualifier word -> the catalogue qualifier.

Qualifier words map to the catalogue (DESIGN.md §4) like this: approximately/about/around/roughly/
some/nearly/almost/close to/an estimated -> `approximately`; over/more than/in excess of/upwards
of/at least/exceeding -> `over`; less than/fewer than/under/below -> `under`; up to/as many as/
as much as -> `up_to`; any range -> `range`; nothing -> `exact`. "nearly" and "at least" are
folded into the nearest catalogue word; the quote keeps the exact wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from extractors.catalogue import SQ_MI_TO_KM2

_QUALIFIERS: dict[str, str] = {
    "approximately": "approximately",
    "approx.": "approximately",
    "about": "approximately",
    "around": "approximately",
    "roughly": "approximately",
    "some": "approximately",
    "nearly": "approximately",
    "almost": "approximately",
    "close to": "approximately",
    "an estimated": "approximately",
    "over": "over",
    "more than": "over",
    "in excess of": "over",
    "upwards of": "over",
    "at least": "over",
    "exceeding": "over",
    "less than": "under",
    "fewer than": "under",
    "under": "under",
    "below": "under",
    "up to": "up_to",
    "as many as": "up_to",
    "as much as": "up_to",
}

_SCALES: dict[str, float] = {"thousand": 1e3, "million": 1e6, "billion": 1e9}
SMALL_NUMBER_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
)  # fmt: skip
_SMALL: dict[str, int] = {word: index for index, word in enumerate(SMALL_NUMBER_WORDS)}
_TENS: dict[str, int] = {
    word: 10 * (index + 2)
    for index, word in enumerate(["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"])
}


def _alternation(words: list[str]) -> str:
    # Longest first, so "more than" wins over "more" and "seventeen" over "seven".
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


_SCALE = rf"(?:{_alternation(list(_SCALES))})"
_BELOW_100 = (
    rf"(?:(?:{_alternation(list(_TENS))})(?:[-\s](?:{_alternation([w for w in _SMALL if _SMALL[w] < 10])}))?"
    rf"|{_alternation(list(_SMALL))})"
)
_BELOW_1000 = rf"(?:(?:a|{_BELOW_100})\s+hundred(?:\s+(?:and\s+)?{_BELOW_100})?|{_BELOW_100})"
_FRACTION = (
    r"(?:(?:a|one|two|three)\s+quarters?\s+of\s+a|half\s+a|a\s+half"
    rf"|(?:a|{_BELOW_1000})\s+and\s+a\s+half)"
)
# Forms with a scale come first: the regex takes the first alternative that matches, not the longest.
WORD_NUMBER = rf"(?:{_FRACTION}\s+{_SCALE}|(?:a|{_BELOW_1000})\s+{_SCALE}|{_BELOW_1000})"
# A group of more than three digits after a comma ("1,2711") is OCR damage, not two numbers: it is
# read whole (12711) so that validation sees an implausible figure instead of a plausible "1".
DIGIT_NUMBER = rf"(?:\d{{1,3}}(?:,\d{{3,}})+(?:\.\d+)?|\d+(?:\.\d+)?)(?:\s*{_SCALE})?"
# A number not glued to a preceding digit, letter or separator (so "1,234" never yields "234").
# Digits may touch a following word ("899losses" in OCR'd text); words may not ("ten" in "tens").
NUMBER = rf"(?<![\w.,])(?:{DIGIT_NUMBER}(?!\d)|{WORD_NUMBER}(?!\w))"
QUALIFIER = rf"(?:(?:well|just|slightly)\s+)?(?:{_alternation(list(_QUALIFIERS))})"

_QUANTITY = (
    rf"(?:(?P<qual>{QUALIFIER})\s+)?"
    rf"(?:(?P<between>between)\s+(?P<b_lo>{NUMBER})\s+and\s+(?P<b_hi>{NUMBER})"
    rf"|(?P<lo>(?<![\w.,]){DIGIT_NUMBER})\s*[-–—]\s*(?P<hi>{DIGIT_NUMBER}(?!\w))"
    rf"|(?P<t_lo>{NUMBER})\s+to\s+(?P<t_hi>{NUMBER})"
    rf"|(?P<single>{NUMBER}))"
)

_RANGE_GROUPS = (("b_lo", "b_hi"), ("lo", "hi"), ("t_lo", "t_hi"))

AREA_UNIT = (
    r"(?:square[\s-]+kilomet(?:er|re)s?|kilomet(?:er|re)s?\s+squared|sq\.?\s*kms?\b|km\s?[2²](?!\d)"
    r"|square[\s-]+miles?|sq\.?\s*mi(?:les?)?\b)"
)
_MILES = re.compile(r"mi", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Quantity:
    """A figure found in text: value (midpoint for a range), bounds, catalogue qualifier, where."""

    value: float
    value_low: float | None
    value_high: float | None
    qualifier: str
    unit_text: str
    start: int
    end: int
    number_start: int
    """Where the number itself (after any qualifier word) begins."""
    has_separator: bool
    """The number was written with a thousands separator, a decimal point or in words."""


def qualifier_for(word: str | None) -> str:
    """The catalogue qualifier of a qualifier word ("More than" -> "over"); None -> "exact"."""
    if not word:
        return "exact"
    key = " ".join(word.lower().split())
    key = re.sub(r"^(?:well|just|slightly)\s+", "", key)
    if key not in _QUALIFIERS:
        raise ValueError(f"not a qualifier word: {word!r}")
    return _QUALIFIERS[key]


def parse_number(text: str) -> float:
    """One number in digits or words: "4,168" -> 4168.0, "1.1 million" -> 1100000.0,
    "a quarter of a million" -> 250000.0. Raises ValueError naming the text otherwise."""
    phrase = " ".join(text.strip().lower().split())
    if not phrase:
        raise ValueError("not a number: empty text")
    digits = re.fullmatch(rf"(\d[\d,]*(?:\.\d+)?)\s*({_SCALE})?", phrase)
    if digits:
        scale = _SCALES[digits.group(2)] if digits.group(2) else 1.0
        return float(digits.group(1).replace(",", "")) * scale
    if re.fullmatch(WORD_NUMBER, phrase):
        return _words_to_number(phrase)
    raise ValueError(f"not a number: {text!r}")


def _words_to_number(phrase: str) -> float:
    tokens = phrase.replace("-", " ").split()
    scale = _SCALES.get(tokens[-1], 1.0)
    if tokens[-1] in _SCALES:
        tokens = tokens[:-1]
    for quarter in ("quarter", "quarters"):
        if quarter in tokens:  # "three quarters of a" million
            numerator = _below_1000(tokens[: tokens.index(quarter)])
            return numerator * 0.25 * scale
    if "half" in tokens:
        if tokens in (["half", "a"], ["a", "half"]):
            return 0.5 * scale
        whole = tokens[: len(tokens) - 3]  # "<whole> and a half"
        return (_below_1000(whole) + 0.5) * scale
    return _below_1000(tokens) * scale


def _below_1000(tokens: list[str]) -> float:
    total = 0
    for token in tokens:
        if token == "a":
            total += 1
        elif token == "hundred":
            total = max(total, 1) * 100
        elif token in _TENS:
            total += _TENS[token]
        elif token in _SMALL:
            total += _SMALL[token]
        elif token != "and":
            raise ValueError(f"not a number word: {token!r}")
    return float(total)


def find_quantities(text: str, unit_pattern: str, *, flags: int = re.IGNORECASE) -> list[Quantity]:
    """Every figure in `text` immediately followed by `unit_pattern` (whitespace between allowed).

    "increased from 500 to 700 square kilometers" reads 700, not the range 500-700: a "to" range
    right after "from" is a change, not a range.
    """
    unit_regex, pattern = _compiled(unit_pattern, flags)
    found: list[Quantity] = []
    seen: set[tuple[int, int]] = set()
    # The full pattern is slow to try at every position of a long text, so it only runs in a
    # window ending at each occurrence of the unit (a figure is at most a few words long).
    for unit in unit_regex.finditer(text):
        window_start = max(0, unit.start() - _WINDOW_CHARS)
        for match in pattern.finditer(text, window_start, unit.end()):
            if match.end() != unit.end() or (match.start(), match.end()) in seen:
                continue
            seen.add((match.start(), match.end()))
            quantity = _quantity_from_match(text, match)
            if quantity is not None:
                found.append(quantity)
    return found


_WINDOW_CHARS = 160


@lru_cache(maxsize=64)
def _compiled(unit_pattern: str, flags: int) -> tuple[re.Pattern[str], re.Pattern[str]]:
    return re.compile(unit_pattern, flags), re.compile(rf"{_QUANTITY}(?P<unit>\s*{unit_pattern})", flags)


def _quantity_from_match(text: str, match: re.Match[str]) -> Quantity | None:
    unit_text = match.group("unit").strip()
    qualifier_word = match.group("qual")
    if match.group("single"):
        return _single(match, "single", qualifier_word, unit_text)
    low_group, high_group = next((lo, hi) for lo, hi in _RANGE_GROUPS if match.group(lo))
    if low_group == "t_lo" and re.search(r"\bfrom\s+$", text[: match.start()], re.IGNORECASE):
        return _single(match, high_group, None, unit_text)
    low_text, high_text = match.group(low_group), match.group(high_group)
    low, high = parse_number(low_text), parse_number(high_text)
    # "150-190 thousand": the scale written once applies to both bounds.
    high_scale = re.search(rf"{_SCALE}$", high_text, re.IGNORECASE)
    if high_scale and not re.search(rf"{_SCALE}$", low_text, re.IGNORECASE):
        low *= _SCALES[high_scale.group(0).lower()]
    if low > high:
        return None  # "2024-2025" style spans, scores and the like are not ranges of a figure
    return Quantity(
        value=(low + high) / 2,
        value_low=low,
        value_high=high,
        qualifier="range",
        unit_text=unit_text,
        start=match.start(),
        end=match.end(),
        number_start=match.start(low_group) if not match.group("between") else match.start("between"),
        has_separator=True,
    )


def _single(match: re.Match[str], group: str, qualifier_word: str | None, unit_text: str) -> Quantity:
    number_text = match.group(group)
    return Quantity(
        value=parse_number(number_text),
        value_low=None,
        value_high=None,
        qualifier=qualifier_for(qualifier_word),
        unit_text=unit_text,
        start=match.start() if group == "single" else match.start(group),
        end=match.end(),
        number_start=match.start(group),
        has_separator=not number_text.isdigit(),
    )


def area_to_km2(value: float, unit_text: str) -> float:
    """An area in the unit written (square kilometres or square miles) in km2, to 2 decimals."""
    if _MILES.search(unit_text):
        return round(value * SQ_MI_TO_KM2, 2)
    return round(value, 2)


def find_areas(text: str) -> list[Quantity]:
    """Every area figure in `text`, values and bounds converted to km2 (`unit_text` keeps the unit)."""
    areas: list[Quantity] = []
    for quantity in find_quantities(text, AREA_UNIT):
        unit = quantity.unit_text

        def convert(number: float | None, unit: str = unit) -> float | None:
            return None if number is None else area_to_km2(number, unit)

        low, high = convert(quantity.value_low), convert(quantity.value_high)
        value = round((low + high) / 2, 2) if low is not None and high is not None else convert(quantity.value)
        assert value is not None
        areas.append(
            Quantity(
                value=value,
                value_low=low,
                value_high=high,
                qualifier=quantity.qualifier,
                unit_text=unit,
                start=quantity.start,
                end=quantity.end,
                number_start=quantity.number_start,
                has_separator=quantity.has_separator,
            )
        )
    return areas


__all__ = [
    "AREA_UNIT",
    "NUMBER",
    "QUALIFIER",
    "WORD_NUMBER",
    "Quantity",
    "area_to_km2",
    "find_areas",
    "find_quantities",
    "parse_number",
    "qualifier_for",
]

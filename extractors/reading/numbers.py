"""Reading the figures bulletins write in prose: shared by every source parser.

A figure is a number in digits ("4,168", "499.28", "1.1 million") or in words ("half a million",
"a quarter of a million", "over one million"), optionally preceded by a qualifier word
("approximately", "more than", "up to", ...) and optionally written as a range ("150,000-190,000",
"150,000 to 190,000", "between 150,000 and 190,000"; the value is then the midpoint).

The main entry points:

- `parse_number(text)`: one number, digits or words -> float (ValueError if it is not one).
- `find_numbers(text)`: every number of a text with its qualifier, bounds and character span
  (what it counts is decided by extractors.reading.figures, from the words around it).
- `area_to_km2(value, unit_text)`: square miles converted, kilometres kept.
- `qualifier_for(word)`: a qualifier word -> the catalogue qualifier.

Qualifier words map to the catalogue (DESIGN.md §4) like this: approximately/about/around/roughly/
some/nearly/almost/close to/an estimated -> `approximately`; over/more than/above/in excess of/
upwards of/at least/exceeding -> `over`; less than/fewer than/under/below -> `under`; up to/as many as/
as much as -> `up_to`; any range -> `range`; nothing -> `exact`. "nearly" and "at least" are
folded into the nearest catalogue word; the quote keeps the exact wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
    "closer to": "approximately",
    "exceed": "over",
    "exceeds": "over",
    "surpass": "over",
    "surpasses": "over",
    "an estimated": "approximately",
    "over": "over",
    "more than": "over",
    "upwards of": "over",
    "at least": "over",
    "exceeding": "over",
    "above": "over",
    "exceeded": "over",
    "surpassing": "over",
    "surpassed": "over",
    "passed": "over",
    "topped": "over",
    "in excess of": "over",
    "a little over": "over",
    "estimated": "approximately",
    "circa": "approximately",
    "less than": "under",
    "approaching": "under",
    "nearing": "under",
    "almost reaching": "under",
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
NUMBER = rf"(?<![\w.,])(?:{DIGIT_NUMBER}(?!\d)|\b{WORD_NUMBER}(?!\w))"
QUALIFIER = rf"(?:(?:well|just|slightly)\s+)?(?:{_alternation(list(_QUALIFIERS))})"

AREA_UNIT = (
    r"(?:square[\s-]+kilomet(?:er|re)s?|square[\s-]+kms?\b|sq\.?\s*kilomet(?:er|re)s?|kilomet(?:er|re)s?\s+squared"
    r"|sq\.?\s*kms?\b|km\s?[2²](?!\d)"
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


def area_to_km2(value: float, unit_text: str) -> float:
    """An area in the unit written (square kilometres or square miles) in km2, to 2 decimals."""
    if _MILES.search(unit_text):
        return round(value * SQ_MI_TO_KM2, 2)
    return round(value, 2)


_NUMBER_NOT_IN_A_NAME = r"(?<![A-Za-z]-)(?<![A-Za-z]\s-)"  # "Su-34", "S-300", "Kh-101" are names
_FIGURE = re.compile(
    rf"(?:(?P<qual>{QUALIFIER})\s+)?{_NUMBER_NOT_IN_A_NAME}"
    rf"(?:(?P<between>between)\s+(?P<b_lo>{NUMBER})\s*(?:and|-)\s*(?P<b_hi>{NUMBER})"
    rf"|(?P<lo>(?<![\w.,]){DIGIT_NUMBER})\s*-\s*(?P<hi>{DIGIT_NUMBER}(?![\w]))"
    rf"|(?P<t_lo>{NUMBER})\s+to\s+(?P<t_hi>{NUMBER})"
    rf"|(?P<single>{NUMBER}))",
    re.IGNORECASE,
)
_RANGE_GROUPS = (("b_lo", "b_hi"), ("lo", "hi"), ("t_lo", "t_hi"))
_SCALE_AT_END = re.compile(rf"{_SCALE}$", re.IGNORECASE)
_FROM_BEFORE = re.compile(r"\bfrom\s+$", re.IGNORECASE)


def find_numbers(text: str) -> list[Quantity]:
    """Every figure-shaped number of `text` in reading order: digits ("4,168", "499.28", "1.1
    million"), words ("half a million"), ranges ("150,000-190,000", "between 40,000 and 60,000",
    "175,000 to 200,000"; the value is the midpoint), each with its qualifier word. `end` is where
    the number ends; nothing about what follows it is decided here.

    "increased from 500 to 700" reads 700: a "to" range right after "from" is a change.
    A "range" whose low end is above its high end ("2025-2024", a score) is no range and is skipped.
    """
    found: list[Quantity] = []
    # The full pattern is slow to try at every position, so it runs only in windows around what
    # can be part of a number (a digit, a scale word), wide enough for a qualifier or a "between".
    end_of_last = 0
    for start, end in _windows(text):
        for match in _FIGURE.finditer(text, max(start, end_of_last), end):
            found += _quantities(text, match)
            end_of_last = match.end()
    return found


# Blanked text (a period phrase removed by the caller) between two numbers: not one range.
_GAP = re.compile(r"\s{3,}")


_NUMBER_CORE = re.compile(r"\d+|\b(?:hundred|thousand|million|billion)\b", re.IGNORECASE)
_BEFORE, _AFTER = 48, 48


def _windows(text: str) -> list[tuple[int, int]]:
    """Merged spans of `text` around each digit run or scale word."""
    windows: list[tuple[int, int]] = []
    for core in _NUMBER_CORE.finditer(text):
        start, end = max(0, core.start() - _BEFORE), min(len(text), core.end() + _AFTER)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], end))
        else:
            windows.append((start, end))
    return windows


def _quantities(text: str, match: re.Match[str]) -> list[Quantity]:
    qualifier_word = match.group("qual")
    if match.group("single"):
        return [_single(match, "single", qualifier_word)]
    low_group, high_group = next((lo, hi) for lo, hi in _RANGE_GROUPS if match.group(lo))
    gap = _GAP.search(text, match.end(low_group), match.start(high_group))
    if gap or (low_group == "t_lo" and _FROM_BEFORE.search(text, max(0, match.start() - 8), match.start())):
        # "rose from 1,271 [in September] to 1,354": a change between two figures, not a range
        return [_single(match, low_group, qualifier_word), _single(match, high_group, None)]
    low_text, high_text = match.group(low_group), match.group(high_group)
    low, high = parse_number(low_text), parse_number(high_text)
    scale = _SCALE_AT_END.search(high_text)
    if scale and not _SCALE_AT_END.search(low_text):  # "150-190 thousand": one scale for both
        low *= _SCALES[scale.group(0).lower()]
    if low > high:
        return []
    return [Quantity(
        value=(low + high) / 2,
        value_low=low,
        value_high=high,
        qualifier="range",
        unit_text="",
        start=match.start(),
        end=match.end(),
        number_start=match.start("between") if match.group("between") else match.start(low_group),
        has_separator=True,
    )]


def _single(match: re.Match[str], group: str, qualifier_word: str | None) -> Quantity:
    number_text = match.group(group)
    return Quantity(
        value=parse_number(number_text),
        value_low=None,
        value_high=None,
        qualifier=qualifier_for(qualifier_word),
        unit_text="",
        start=match.start() if group in ("single", "lo", "t_lo", "b_lo") and qualifier_word else match.start(group),
        end=match.end() if group == "single" else match.end(group),
        number_start=match.start(group),
        has_separator=not number_text.isdigit(),
    )


__all__ = [
    "AREA_UNIT",
    "NUMBER",
    "QUALIFIER",
    "WORD_NUMBER",
    "Quantity",
    "area_to_km2",
    "find_numbers",
    "parse_number",
    "qualifier_for",
]

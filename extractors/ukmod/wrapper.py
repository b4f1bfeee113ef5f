"""Recognising Defence Intelligence update posts, their dates, and where their update text is.

An update post's own text is usually only a wrapper: "Latest Defence Intelligence update on the
situation in Ukraine – 04 May 2024. Find out more about Defence Intelligence's use of language:
https://t.co/... #StandWithUkraine". The date is written "26 March 2022" or "04 May 2024", after
"-", "–", "—" or no separator at all. The update itself is in the post text (when it is long
enough), in an image's alt text, or only in the image (then it needs OCR).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from extractors.reading.dates import MONTHS

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))

# "Latest Defence Intelligence update on the situation in (#)Ukraine [sep] DD Month YYYY".
# Words may be split by line breaks in OCR output, hence \s+ everywhere.
_WRAPPER = re.compile(
    r"(?:latest\s+)?defen[cs]e\s+intelligence\s+update\s+on\s+the\s+situation\s+in\s+#?ukraine"
    rf"\s*[-–—:]?\s*(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month>{_MONTH})\.?,?\s+(?P<year>\d{{4}})\b",
    re.IGNORECASE,
)
# What surrounds the wrapper and is not the update: links, hashtags, flags, the language note.
_BOILERPLATE = re.compile(
    r"find\s+out\s+more\s+about\s+defen[cs]e\s+intelligence'?s?\s+use\s+of\s+language\s*:?"
    r"|https?://\S+|#\w+|[\U0001F1E6-\U0001F1FF]+",
    re.IGNORECASE,
)

# Fewer words than this after the wrapper and boilerplate are gone: no update in that text (a caption
# such as "Map of Ukraine showing areas of Russian control" is no update), unless a short text speaks
# of casualties or ground, the update's subjects.
MIN_UPDATE_WORDS = 12
MIN_WORDS_ON_SUBJECT = 6
_SUBJECT_WORDS = re.compile(r"casualt|loss(?:es)?\b|killed|sq\.?\s*km|square\s+(?:kilomet|mile)|gained", re.I)


@dataclass(frozen=True, slots=True)
class Wrapper:
    """The wrapper of an update post: the update's date and where the wrapper sits in the text."""

    published: date
    start: int
    end: int


def find_wrapper(text: str) -> Wrapper | None:
    """The update wrapper in `text`, or None when the text is not an intelligence update post.

    Raises ValueError when the wrapper carries an impossible date ("31 February 2024").
    """
    match = _WRAPPER.search(text)
    if match is None:
        return None
    day, year = int(match.group("day")), int(match.group("year"))
    month = MONTHS[match.group("month").lower()]
    try:
        published = date(year, month, day)
    except ValueError as error:
        raise ValueError(f"update wrapper has an impossible date {match.group(0)!r}: {error}") from None
    return Wrapper(published=published, start=match.start(), end=match.end())


def is_update_post(text: str) -> bool:
    """True when `text` carries the Defence Intelligence update wrapper."""
    return _WRAPPER.search(text) is not None


def update_date(text: str) -> date | None:
    """The date in the update wrapper of `text`, None when there is no wrapper."""
    wrapper = find_wrapper(text)
    return wrapper.published if wrapper else None


def strip_wrapper(text: str) -> str:
    """`text` without the wrapper, links, hashtags and the language note; whitespace tidied."""
    without = _WRAPPER.sub(" ", text)
    without = _BOILERPLATE.sub(" ", without)
    lines = [" ".join(line.split()) for line in without.splitlines()]
    tidy = "\n".join(line for line in lines if line.strip(" .:-–"))
    return tidy.lstrip(" .:-–\n").rstrip()


def holds_update(text: str | None) -> bool:
    """True when `text` (a post text or an alt text) holds an update, not just a wrapper or caption."""
    if not text:
        return False
    remainder = strip_wrapper(text)
    words = len(re.findall(r"[A-Za-z0-9][\w,.'’-]*", remainder))
    return words >= MIN_UPDATE_WORDS or (words >= MIN_WORDS_ON_SUBJECT and bool(_SUBJECT_WORDS.search(remainder)))


__all__ = [
    "MIN_UPDATE_WORDS",
    "Wrapper",
    "find_wrapper",
    "holds_update",
    "is_update_post",
    "strip_wrapper",
    "update_date",
]

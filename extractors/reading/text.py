"""Text as the figure reader sees it: paragraphs, sentences, and a normalised copy of each sentence.

Bulletins arrive as HTML paragraphs, plain text saved from a browser or a feed, Markdown, or the
OCR of an image. Whatever the shape, the reader works on paragraphs (a figure may take its period
from the sentence before it in the same paragraph, never from another paragraph) made of sentences.

A sentence is read in its *normalised* form (`normalise`): dashes, spaces and quotes folded to
one spelling each, and the glue OCR leaves between words repaired ("899losses" -> "899 losses",
"twomonths" -> "two months", "sqkm" -> "sq km"). The quote stored with a figure is always the
sentence as written.

Every function here is linear in the length of its input: long documents and very long sentences
are normal input, not an attack (issue 11 item 4).
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Longer sentences are not read: a "sentence" this long is a table, a list flattened by a feed or a
# document without punctuation, where figures and periods cannot be paired reliably.
MAX_SENTENCE_CHARS = 2_000

_FOLD = str.maketrans(
    {
        "–": "-", "—": "-", "‑": "-", "−": "-", "‒": "-", "―": "-",
        "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " ", "\t": " ", "\n": " ", "\r": " ",
        "’": "'", "‘": "'", "“": '"', "”": '"', "…": ".",
    }
)  # fmt: skip

# Words OCR glues together in these updates ("pastthree", "onseveral", "twomonths"). A glued token
# is split only into two words of this list, so ordinary words are never broken.
_GLUE_WORDS = frozenset(
    """
    a an the of on in over since per past last next previous first second third fourth several few one
    two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty fifty hundred
    thousand million day days week weeks month months year years daily average square sq km kms
    kilometres kilometers mile miles casualties casualty losses killed wounded and or than more less
    around about approximately roughly nearly almost likely highly russia russian russia's ukraine
    ukrainian mi now
    """.split()  # noqa: SIM905 - a word list reads better as text
)
# Whole words that could split into two glue words but are words in their own right.
_NOT_GLUED = frozenset(
    {"another", "ago", "also", "anon", "into", "onto", "once", "often", "onward", "overall", "thereof"}
)
_APPROXIMATELY = re.compile(r"[~≈]\s*(?=\d)")
_LETTER_RUN = re.compile(r"[A-Za-z']{4,}")
# A number run into a word or unit ("899losses", "1,318per", "143sq km"); ordinals ("1st"),
# decades ("1990s"), "5m" and "10k" stay.
_GLUED_NUMBER = re.compile(
    r"(?<![\w.,])(\d[\d,]*(?:\.\d+)?)(?!(?:st|nd|rd|th|s|m|k)\b)([A-Za-z]{3,}\b|sq\b|km(?:2|²)?\b)"
)
# "onRussia's", "ofUkraine": a small lower-case word glued to a capitalised one.
_LOWER_THEN_CAPITAL = re.compile(r"\b(on|of|in|by|for|and|the|to|from|since|over)([A-Z][a-z]+)")

Repaired = Callable[[str, str, str], None]
"""Told of each repair: (kind, before, after)."""


def unglue_words(text: str, repaired: Repaired | None = None) -> str:
    """Words OCR ran together split again ("twomonths" -> "two months", "onRussia's")."""

    def split(match: re.Match[str]) -> str:
        after = _split_glued(match)
        if after != match.group(0) and repaired is not None:
            repaired("glued_words", match.group(0), after)
        return after

    def capital(match: re.Match[str]) -> str:
        after = f"{match.group(1)} {match.group(2)}"
        if repaired is not None:
            repaired("glued_words", match.group(0), after)
        return after

    return _LOWER_THEN_CAPITAL.sub(capital, _LETTER_RUN.sub(split, text))


def unglue_numbers(text: str, repaired: Repaired | None = None) -> str:
    """A number run into the word after it split off ("899losses" -> "899 losses")."""

    def split(match: re.Match[str]) -> str:
        after = f"{match.group(1)} {match.group(2)}"
        if repaired is not None:
            repaired("glued_number", match.group(0), after)
        return after

    return _GLUED_NUMBER.sub(split, text)


_ABBREVIATIONS = frozenset(
    """
    gen lt col maj capt sgt cpl pvt adm brig cmdr mr mrs ms dr st no nos vs approx est jan feb mar apr
    jun jul aug sep sept oct nov dec corp inc ltd co jr sr sen rep gov dept fig al u.s u.k e.g i.e mt ft
    pp vol
    """.split()  # noqa: SIM905 - a word list reads better as text
)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9•])")
_LAST_WORD = re.compile(r"([A-Za-z.]+)\.$")


def normalise(sentence: str) -> str:
    """The sentence as the reader matches it: one spelling of dashes, spaces and quotes, OCR glue
    repaired, runs of spaces collapsed."""
    text = _APPROXIMATELY.sub("approximately ", sentence.translate(_FOLD))
    return " ".join(unglue_numbers(unglue_words(text)).split())


def _split_glued(match: re.Match[str]) -> str:
    word = match.group(0)
    lowered = word.lower()
    if lowered in _GLUE_WORDS or lowered in _NOT_GLUED:
        return word
    for cut in range(1, len(word)):
        head, tail = lowered[:cut], lowered[cut:]
        if head in _GLUE_WORDS and tail in _GLUE_WORDS and len(head) + len(tail) >= 4:
            return f"{word[:cut]} {word[cut:]}"
    return word


def split_sentences(paragraph: str) -> list[str]:
    """The sentences of a paragraph, whitespace tidied; not split after abbreviations ("Gen.",
    "U.S.", "Jan.") or initials ("Frederick W. Kagan"). Linear in the paragraph's length."""
    flat = " ".join(paragraph.split())
    sentences: list[str] = []
    start = 0
    for boundary in _SENTENCE_END.finditer(flat):
        candidate = flat[start : boundary.start()]
        if _ends_in_abbreviation(candidate):
            continue
        if candidate.strip():
            sentences.append(candidate.strip())
        start = boundary.end()
    tail = flat[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def _ends_in_abbreviation(text: str) -> bool:
    # Only the last word is looked at (the tail of the text), so the check costs the same however
    # long the sentence has grown.
    stripped = text.rstrip("\"')] ")
    last = _LAST_WORD.search(stripped[-24:])
    if last is None:
        return False
    word = last.group(1).lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


_BULLET = re.compile(r"^\s*(?:[-*+•▪●◦]|\d{1,2}[.)])\s+")
_SENTENCE_CLOSE = re.compile(r"[.!?:;\"')\]]\s*$")


def paragraphs_of(text: str, *, line_per_paragraph: bool = False) -> list[str]:
    """Paragraphs of plain text: blank lines and list items start a new one, and the lines between
    are joined (hard-wrapped text, OCR). With `line_per_paragraph` (text saved from a browser, which
    writes each paragraph on one line), a line that ends a sentence also ends its paragraph when the
    next line starts a new one. Bullets are removed."""
    paragraphs: list[str] = []
    current: list[str] = []

    def close() -> None:
        if current:
            paragraphs.append(" ".join(current))
            current.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            close()
            continue
        bullet = _BULLET.match(line)
        if bullet:
            close()
            line = line[bullet.end() :]
        elif line_per_paragraph and current and _SENTENCE_CLOSE.search(current[-1]) and line[:1].isupper():
            close()
        current.append(line)
    close()
    return [p for p in paragraphs if p.strip()]


__all__ = ["MAX_SENTENCE_CHARS", "normalise", "paragraphs_of", "split_sentences", "unglue_numbers", "unglue_words"]

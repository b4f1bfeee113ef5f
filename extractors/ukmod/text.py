"""Catalogue figures from the text of one Defence Intelligence update (pure, no I/O).

The update's paragraphs (blank lines and bullets separate them; lines broken by the image's width
or by OCR are joined) are read by the shared figure reader (extractors.reading) with the MoD's
voice. MoD writes war-to-date totals without a period ("Russia's casualties are now likely over
648,000"), so a large casualty count with no period is read as one.
"""

from __future__ import annotations

import re
from datetime import date

from extractors.observation import Reading
from extractors.reading.attribution import GENERAL_STAFF, Voice
from extractors.reading.periods import When
from extractors.reading.reader import Provenance, SourceVoice, read_paragraphs
from extractors.reading.text import paragraphs_of

SOURCE = "ukmod"

_OWN = re.compile(r"\b(?:Defen[cs]e\s+Intelligence|UK\s+Defen[cs]e|DI|the\s+UK|[Ww]e|It)\b")


def voice(parser_version: str) -> SourceVoice:
    return SourceVoice(SOURCE, parser_version, Voice(_OWN, adopts=GENERAL_STAFF), war_total_without_period=True)


def read_update_text(
    text: str,
    *,
    published: date,
    parser_version: str,
    url: str | None = None,
    sha256: str | None = None,
) -> Reading:
    """Observations (and unread candidates) of every catalogue figure in an update's text."""
    paragraphs = [(None, paragraph) for paragraph in paragraphs_of(text)]
    return read_paragraphs(paragraphs, voice(parser_version), Provenance(When(published), url, sha256))


__all__ = ["read_update_text"]

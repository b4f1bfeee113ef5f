"""Whether a figure speaks for the whole front and all of Russia's forces, or for one part.

A figure of one sector ("lost over 1,000 personnel in the Toretsk direction", "gained 30 km² near
Pokrovsk") or of one unit or group ("Wagner has likely suffered 30,000 casualties") must not take
the front-wide series key of its period (the key has no sector), so the reader keeps it for review.
"where most of it fell" ("most of it in the Pokrovsk direction") says nothing of the kind.
"""

from __future__ import annotations

import re

from extractors.reading import attribution
from extractors.reading.figures import Figure

_CLAUSE_END = re.compile(r"[;:]|\s-\s|\b(?:but|while|whereas|and\s+ISW)\b|[.!?](?:\s|$)")


def in_one_sector(text: str, figure: Figure, next_start: int) -> bool:
    """ "lost over 1,000 personnel in the Toretsk direction", "gained 30 km² near Pokrovsk": a figure
    of one sector, which the catalogue's front-wide series must not take."""
    start = attribution.clause_start(text, figure.quantity.number_start)
    end = min(next_start, len(text))
    stop = _CLAUSE_END.search(text, figure.end, end)
    for sector in _SECTOR.finditer(text, start, stop.start() if stop else end):
        if not _MOSTLY.search(text, max(0, sector.start() - 30), sector.start()):
            return True
    return False


def of_one_group(text: str, figure: Figure, next_start: int) -> bool:
    """ "Wagner has likely suffered 30,000 casualties", "the 1st Guards Tank Army lost ...": one
    group's figure, never a front-wide total."""
    start = attribution.clause_start(text, figure.quantity.number_start)
    stop = _CLAUSE_END.search(text, figure.end, min(next_start, len(text)))
    return bool(_GROUP.search(text, start, stop.start() if stop else min(next_start, len(text))))


_GROUP = re.compile(
    r"\b(?:Wagner|PMC|VDV|Airborne\s+Forces|Naval\s+Infantry|Storm[-\s]?Z|Storm[-\s]?V|Rosgvardia|National\s+Guard|"
    r"convicts?|penal|prisoner\s+recruits|mobili[sz]ed\s+(?:reservists|personnel|men)|DNR|LNR|Chechen|Kadyrov\w*|"
    r"Akhmat|North\s+Korean|DPRK|Brigade|Regiment|Division|Battalion|Corps|Combined\s+Arms\s+Army|Tank\s+Army)\b",
)
# "most of it in the Pokrovsk direction": where a front-wide figure fell, not a sector's own figure.
_MOSTLY = re.compile(r"\b(?:most(?:ly)?|largely|mainly|chiefly|primarily|predominantly|much|majority)\b", re.IGNORECASE)
_SECTOR = re.compile(
    r"\b(?:in|on|along|across)\s+the\s+(?:[A-Z][\w'-]+(?:[\s-][A-Z][\w'-]+)*)\s+"
    r"(?:direction|area|sector|axis|front|salient|tactical\s+area|bridgehead|pocket)\b"
    r"|\b(?:near|around|outside|(?:north|south|east|west|northeast|northwest|southeast|southwest)\s+of)\s+[A-Z][a-z]"
    r"|\b(?:in|of)\s+(?!Ukraine\b)(?:[A-Z][\w'-]+\s+)+Oblast\b(?!\s+and\b)"
)


__all__ = ["in_one_sector", "of_one_group"]

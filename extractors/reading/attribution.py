"""Who states a figure, about whose forces, and how sure: assessment, subject and confidence.

- assessment: `claimed` when someone the bulletin reports states the figure (an official, a side,
  "Russian milbloggers claimed", "..., according to the Russian MoD"), `forecast` when the sentence
  says what will happen ("will likely continue to average above 1,000 a day"), else `assessed`
  (the bulletin's own voice: "ISW assesses", "Defence Intelligence", "likely"). Figures a bulletin
  takes from a data source and uses as its own ("according to Ukrainian General Staff data",
  "figures released by the Ukrainian General Staff suggest ...") stay `assessed`.
- subject: `RU` unless the figure is about Ukrainian forces ("Ukrainian forces recaptured ...",
  "Ukrainian casualties"); "Ukrainian forces lost 50 km²" is a Russian gain.
- confidence: the probability word nearest before the figure ("highly likely").

Pure functions of one normalised sentence and the figure's position in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Probability words of the UK intelligence yardstick and ISW's usage, longest first.
CONFIDENCE_WORDS: tuple[str, ...] = (
    "almost certainly not", "almost certainly", "highly unlikely", "highly likely", "very unlikely",
    "very likely", "realistic possibility", "unlikely", "probably", "probable", "likely",
)  # fmt: skip
_CONFIDENCE = re.compile(r"\b(?:" + "|".join(w.replace(" ", r"\s+") for w in CONFIDENCE_WORDS) + r")\b", re.I)

_REPORTING = re.compile(
    r"\b(?:claim(?:s|ed|ing)?|stat(?:ed|es|ing)|said|says|report(?:ed|s|ing)?|announc(?:ed|es|ing)|"
    r"assert(?:ed|s|ing)?|boast(?:ed|s|ing)?|alleg(?:ed|es|ing|edly)|declar(?:ed|es|ing)|insist(?:ed|s)?|"
    r"told|tells|purport(?:ed|s|edly)?|wrote|writes|posted|publish(?:ed|es)|suggest(?:ed|s)?|"
    r"estimat(?:ed|es)(?!\s+\d)|calculat(?:ed|es)|noted|notes|cited|citing|acknowledg(?:ed|es)|admitted|"
    r"indicat(?:ed|es)|revealed|disclosed|presented|briefed|show(?:ed|s)?|assess(?:ed|es)?|"
    r"observ(?:ed|es)|geolocat(?:ed|es)|recorded|counted|tallied|believ(?:ed|es)|concluded|"
    r"accord(?:ing)?\s+to)\b",
    re.IGNORECASE,
)
_AFTER_CLAIM = re.compile(
    r"^[^;]*?,\s+(?:according\s+to\s+(?P<source>[^,;]{2,80})"
    r"|(?!(?:although|though|but|while|whereas|and|as|even)\b)(?P<speaker>(?:(?:the|a|an)\s+)?(?:[\w'.-]+\s+){0,4}?"
    r"[A-Za-z][\w'.-]*)\s+(?:claimed|stated|said|reported|announced|asserted|added|alleged)\s*(?:[.,;)]|$))",
)
# A data source a bulletin adopts: its figures are the bulletin's own working material.
_DATA_SOURCE = re.compile(
    r"\b(?:data|figures|statistics|reporting|numbers|counts|tallies|records)\b"
    r"|\bbased\s+on\b|\bgeolocated\b|\bfootage\b|\bimagery\b",
    re.IGNORECASE,
)
_RUSSIAN_SOURCE = re.compile(r"\b(?:Russian|Russia's|Kremlin|Moscow|TASS|RIA|milblogger\w*)\b", re.IGNORECASE)
GENERAL_STAFF = re.compile(
    r"\b(?:Ukrainian\s+)?General\s+Staff\b|\bUkrainian\s+(?:MoD|Ministry\s+of\s+Defen[cs]e)\b", re.IGNORECASE
)
# "the total reported casualties", "officially recorded losses": a participle, not a report.
_ADJECTIVAL = re.compile(r"\b(?:the|total|officially|a|an|these|those|its|their)\s+$", re.IGNORECASE)
_FORECAST = re.compile(
    r"\bwill\b|\bwould\b|\bcould\b|\bis\s+set\s+to\b|\b(?:is|are|remains?)\s+(?:(?:highly|very)\s+)?"
    r"(?:likely|expected|set|projected|poised|forecast|on\s+track)\s+to\b|\blikely\s+to\s+(?:continue|remain|exceed|reach)",
    re.IGNORECASE,
)
# Where a clause ends for the purpose of "who says this": a new sentence-like unit.
_CLAUSE_BREAK = re.compile(r";|\s-\s|\b(?:but|while|whereas|although|however)\b|\.\s", re.IGNORECASE)

_UA_ACTOR = re.compile(
    r"\bUkrain(?:e|ian)(?:'s)?\s+(?:[\w-]+\s+){0,2}?(?:forces|troops|army|military|units|soldiers|defenders|"
    r"counteroffensive|counterattacks?|offensive|incursion|casualties|losses|defen[cs]e\s+forces|personnel)\b"
    r"|\bUkraine\s+(?:(?:has|had|is|was)\s+)?(?:\w+ly\s+)?(?:regained|recaptured|liberated|retook|suffer\w*|lost|los(?:es|ing)|"
    r"seized|captured|sustain\w*)\b"
    r"|\bKyiv(?:'s)?\s+(?:forces|troops)\b",
    re.IGNORECASE,
)
_RU_ACTOR = re.compile(r"\bRussia(?:n|'s)?\b|\bMoscow(?:'s)?\b|\bKremlin\b", re.IGNORECASE)
_KP_ACTOR = re.compile(
    r"\b(?:North\s+Korea(?:n|'s)?|DPRK)\b(?:\s+(?:forces|troops|soldiers|personnel|units))?", re.IGNORECASE
)
_LOSS_VERB = re.compile(r"\b(?:lost|los(?:e|es|ing)|ced(?:e|ed|es|ing)|surrender\w*|withdr[ae]w\w*|abandon\w*)\b", re.I)
_SUFFER_VERB = re.compile(r"\b(?:suffer\w*|sustain\w*|incur\w*|lost|los(?:e|es|ing))\b", re.I)


@dataclass(frozen=True, slots=True)
class Voice:
    """How a source speaks of itself ("ISW assesses", "Defence Intelligence assesses"), and whose
    figures it takes as its own data when it names them with "according to" (the MoD states the
    Ukrainian General Staff's counts as its own figures; ISW reports them as that side's claim)."""

    own: re.Pattern[str]
    adopts: re.Pattern[str] | None = None

    def is_own(self, speaker: str) -> bool:
        return bool(self.own.search(speaker))


def confidence(sentence: str, position: int) -> str | None:
    """The probability word nearest before `position`, within the sentence."""
    before = [m for m in _CONFIDENCE.finditer(sentence, 0, position)]
    return " ".join(before[-1].group(0).lower().split()) if before else None


def is_forecast(sentence: str, clause_start: int, position: int) -> bool:
    """True when the clause holding the figure says what will happen, not what did."""
    return bool(_FORECAST.search(sentence, clause_start, position))


def clause_start(sentence: str, position: int) -> int:
    """Where the clause holding `position` begins (for who-says-it and will-it-happen questions)."""
    start = 0
    for found in _CLAUSE_BREAK.finditer(sentence, 0, position):
        start = found.end()
    return start


def assessment(
    sentence: str, figure_start: int, number_end: int, next_start: int, voice: Voice, *, label: str | None = None
) -> str:
    """`claimed` or `assessed` for the figure at sentence[figure_start:number_end] (its qualifier
    included: "an estimated 125,800" is no report of an estimate; see the module docstring);
    `next_start` is where the next figure begins (an attribution after the figure reaches that far)."""
    if label and "claim" in label:
        return "claimed"
    number_start = figure_start
    cues = [c for c in _REPORTING.finditer(sentence, 0, number_start) if not _is_adjectival(sentence, c)]
    if cues:
        cue = cues[-1]
        speaker = _subject_of(sentence[clause_start(sentence, cue.start()) : cue.start()])
        if cue.group(0).lower().startswith("accord"):
            speaker = sentence[cue.end() : number_start]
            speaker = re.split(r"[,;]", speaker, maxsplit=1)[0]
        if _speaks_for_the_source(speaker, cue.group(0), voice):
            return "assessed"
        return "claimed"
    after = _AFTER_CLAIM.match(sentence[number_end:next_start])
    if after:
        who = after.group("source") or after.group("speaker") or ""
        return "assessed" if _speaks_for_the_source(who, "according to", voice) else "claimed"
    return "assessed"


_SUBJECT_START = re.compile(r".*(?:,|\band\b|\bthat\b|\bwhile\b|\bas\b|\bwhich\b)\s*", re.IGNORECASE | re.DOTALL)


def _subject_of(before_verb: str) -> str:
    """Who a reporting verb's subject is: the words before it back to the last comma, "and" or
    "that" ("..., and Russian milbloggers claimed" -> "Russian milbloggers")."""
    words = _SUBJECT_START.sub("", before_verb).split()
    return " ".join(words[-9:])


def _is_adjectival(sentence: str, cue: re.Match[str]) -> bool:
    before = sentence[max(0, cue.start() - 16) : cue.start()]
    return cue.group(0).lower() in _PARTICIPLES and bool(_ADJECTIVAL.search(before))


_PARTICIPLES = frozenset({"reported", "recorded", "estimated", "observed", "counted", "tallied"})


def _speaks_for_the_source(speaker: str, verb: str, voice: Voice) -> bool:
    if voice.is_own(speaker):
        return True
    if _DATA_SOURCE.search(speaker) and not _RUSSIAN_SOURCE.search(speaker):
        return True  # figures the bulletin adopts from its data source (never Moscow's own figures)
    if voice.adopts is not None and voice.adopts.search(speaker) and "accord" in verb.lower():
        return True
    # "It is assessed", "are assessed to have", "observed" with no named speaker: the bulletin's voice.
    lowered = verb.lower()
    if lowered.startswith(("assess", "observ", "geolocat", "estimat", "calculat", "believ")):
        return not re.search(r"\b[A-Z]", re.sub(r"^\s*It\b", "", speaker))  # no named speaker (not "NATO")
    return False


_COMPARED = re.compile(r"\bthan\s*$")


def subject(sentence: str, number_start: int, *, territorial: bool, noun_text: str = "") -> str:
    """`UA` when the figure is about Ukrainian forces (see the module docstring), else `RU`.
    The actor named nearest before the figure in its clause decides."""
    noun = noun_text.lower()
    if "ukrain" in noun:
        return "UA"
    if "russia" in noun:
        return "RU"
    before = sentence[clause_start(sentence, number_start) : number_start]
    actors = [(m, "UA") for m in _UA_ACTOR.finditer(before)] + [(m, "RU") for m in _RU_ACTOR.finditer(before)]
    actors += [(m, "KP") for m in _KP_ACTOR.finditer(before)]
    if not actors:
        return "RU"
    # "Ukraine's casualties are lower than Russia's": the term of a comparison is not the actor.
    actors = [pair for pair in actors if not _COMPARED.search(before[max(0, pair[0].start() - 8) : pair[0].start()])]
    if not actors:
        return "RU"
    actor, side = max(actors, key=lambda pair: pair[0].start())
    verbs = before[actor.end() :]
    earlier_figure = list(re.finditer(r"\d", verbs))
    if earlier_figure:  # "lost 1,140 personnel per day and gained 16 sq km": the verbs of this figure only
        verbs = verbs[earlier_figure[-1].end() :]
    if territorial:
        lost = bool(_LOSS_VERB.search(verbs))  # "Ukrainian forces lost 50 km²" is a Russian gain
        return ("RU" if lost else "UA") if side == "UA" else ("UA" if lost else "RU")
    if side == "KP":
        return "KP"  # North Korea's troops in Kursk: the catalogue's third subject
    if side == "UA":
        named = actor.group(0).lower()
        suffered = _SUFFER_VERB.search(verbs) or _SUFFER_VERB.search(named) or "casualt" in named or "loss" in named
        return "UA" if suffered else "RU"  # "Ukrainian forces inflicted 1,200 casualties": Russian losses
    return "RU"


__all__ = [
    "CONFIDENCE_WORDS", "GENERAL_STAFF", "Voice", "assessment", "clause_start", "confidence", "is_forecast", "subject",
]
